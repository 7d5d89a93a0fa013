"""Lead ops' pages in the three front doors: the inboxes of the sales door and the portal, the
portal's submissions, everyone's notifications, and the console's queue, SLA monitor, duplicate
review and lead-ops settings; and the leads shown on the contact page and the opportunity page.

Imported once at start-up by `TenancyConfig.ready()` (every app's `pages` module).
"""

from accounts.views import register_contact_section
from pipeline.views import register_opportunity_section
from routing.views import console, duplicates, inbox, leadops, notifications, sections, submit
from tenancy.auditlog import AuditSubject, field_verbs, register_audit_subject
from tenancy.navigation import Page, register_pages
from tenancy.sections import Section

for door in ("sales", "portal"):
    register_pages(
        door,
        Page("leads/", inbox.inbox, "leads", nav="My leads", order=32, group="leads"),
        Page("leads/<int:pk>/", inbox.lead_detail, "lead"),
        Page("leads/<int:pk>/accept/", inbox.lead_accept, "lead-accept"),
        Page("leads/<int:pk>/reject/", inbox.lead_reject, "lead-reject"),
        Page("leads/<int:pk>/touch/", inbox.lead_touch, "lead-touch"),
    )

register_pages(
    "console",
    Page("leads/", console.lead_queue, "leads", nav="Leads", order=35, group="leads"),
    Page("leads/<int:pk>/", console.lead_page, "lead"),
    Page("leads/<int:pk>/reassign/", console.lead_reassign, "lead-reassign"),
    Page("sla/", console.sla_monitor, "sla-monitor", nav="SLA monitor", order=36, group="leads"),
)

register_pages(
    "portal",
    Page(
        "submitted-leads/",
        submit.submission_list,
        "lead-submissions",
        nav="Submitted leads",
        order=33,
        group="leads",
    ),
    Page("submitted-leads/new/", submit.submit_lead_page, "lead-submit"),
)

for door in ("portal", "sales", "console"):
    register_pages(
        door,
        Page(
            "notifications/",
            notifications.notification_list,
            "notifications",
            nav="Notifications",
            order=98,
            group="start",
        ),
        Page("notifications/read/", notifications.mark_read, "notifications-read"),
        Page("notifications/email/", notifications.set_preference, "notifications-preference"),
    )

register_pages(
    "console",
    Page(
        "duplicates/",
        duplicates.duplicate_review,
        "duplicates",
        nav="Duplicates",
        order=37,
        group="leads",
    ),
    Page("duplicates/<int:pk>/merge/", duplicates.candidate_merge, "duplicate-merge"),
    Page("duplicates/<int:pk>/distinct/", duplicates.candidate_distinct, "duplicate-distinct"),
    Page("duplicates/merges/<int:pk>/undo/", duplicates.merge_undo, "merge-undo"),
)

register_pages(
    "console",
    Page(
        "lead-ops/", leadops.overview, "lead-ops", nav="Lead-ops settings", order=38, group="leads"
    ),
    Page("lead-ops/sla/", leadops.sla_policies, "lead-ops-sla"),
    Page("lead-ops/calendar/", leadops.business_calendar, "lead-ops-calendar"),
    Page("lead-ops/assignees/", leadops.assignees, "assignees"),
    Page("lead-ops/assignees/rep/<int:pk>/", leadops.assignee_rep, "assignee-rep"),
    Page("lead-ops/assignees/partner/<int:pk>/", leadops.assignee_partner, "assignee-partner"),
    Page("lead-ops/enrichment/", leadops.enrichment, "enrichment"),
    Page("lead-ops/forms/", leadops.lead_forms, "lead-forms"),
    Page("lead-ops/forms/new/", leadops.lead_form_new, "lead-form-new"),
    Page("lead-ops/forms/<int:pk>/", leadops.lead_form_edit, "lead-form"),
    Page("lead-ops/matcher/", leadops.dedupe_learned, "dedupe-weights"),
    Page("lead-ops/matcher/learn/", leadops.dedupe_learn_now, "dedupe-learn"),
)

# The contact and opportunity pages (lower apps) show the leads without importing routing.
register_contact_section(Section("leads", sections.contact_leads_section, order=30))
register_opportunity_section(Section("lead-origin", sections.opportunity_origin_section, order=30))

# How the audit log speaks of leads ("rep@acme.example accepted lead #42") and links to them.
register_audit_subject(
    AuditSubject(
        "pipeline.Lead",
        noun="lead",
        name=lambda object_id, _: f"#{object_id}",
        url_name="lead",
        verb=field_verbs(
            "status",
            {
                "routed": "routed",
                "accepted": "accepted",
                "working": "started working",
                "converted": "converted",
                "disqualified": "disqualified",
                "unroutable": "found no one to route",
                "merged": "merged",
            },
            otherwise={"assigned_user": "reassigned", "assigned_partner": "reassigned"},
        ),
    )
)
