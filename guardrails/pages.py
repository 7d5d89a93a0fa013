"""Guardrails' pages in the three front doors, its section of the account page and the partner page's authorizations.

Imported once at start-up by `TenancyConfig.ready()` (every app's `pages` module). The console has
territories and partner authorizations, the exception queue, the rulebook editor and explain;
sales and the portal have the rules of engagement and their own exception requests.
"""

from collections.abc import Mapping
from typing import Any

from accounts.views import AccountSection, register_account_section
from guardrails.views import engagement, exceptions, explain, rulebook, territories
from tenancy.auditlog import AuditSubject, field_verbs, register_audit_subject
from tenancy.navigation import Page, register_pages
from tenancy.sections import Section
from tenancy.views import register_partner_section

register_pages(
    "console",
    Page(
        "territories/",
        territories.territory_list,
        "territories",
        nav="Territories",
        order=44,
        group="engagement",
    ),
    Page("territories/new/", territories.territory_new, "territory-new"),
    Page("territories/<int:pk>/", territories.territory_edit, "territory"),
    Page("territories/<int:pk>/archive/", territories.territory_archive, "territory-archive"),
    Page("territories/<int:pk>/restore/", territories.territory_restore, "territory-restore"),
    Page(
        "authorizations/",
        territories.authorization_list,
        "authorizations",
        nav="Partner authorizations",
        order=45,
        group="engagement",
    ),
    Page("authorizations/new/", territories.authorization_new, "authorization-new"),
    Page("authorizations/<int:pk>/", territories.authorization_edit, "authorization"),
    Page(
        "authorizations/<int:pk>/delete/",
        territories.authorization_delete,
        "authorization-delete",
    ),
    # The exception queue: RevOps admins review requests.
    Page(
        "exceptions/",
        exceptions.queue,
        "exceptions",
        nav="Exceptions",
        order=46,
        group="engagement",
    ),
    Page("exceptions/<int:pk>/", exceptions.exception_review, "exception"),
)

for door in ("sales", "portal"):
    register_pages(
        door,
        Page(
            "exceptions/",
            exceptions.my_exceptions,
            "exceptions",
            nav="Exceptions",
            order=41,
            group="engagement",
        ),
        Page("exceptions/new/", exceptions.exception_new, "exception-new"),
        Page("exceptions/<int:pk>/withdraw/", exceptions.exception_withdraw, "exception-withdraw"),
        Page(
            "engagement/",
            engagement.rules_of_engagement,
            "engagement",
            nav="Who serves whom",
            order=40,
            group="engagement",
        ),
    )

# The account page (a lower app) shows the account's route without importing guardrails.
register_account_section(AccountSection("route", engagement.account_route_section, order=5))

# The rulebook editor: versions, their rules, corridors and criteria, publishing, simulations.
V = "rulebook/versions/<int:version_id>/"
register_pages(
    "console",
    Page("rulebook/", rulebook.overview, "rulebook", nav="Rulebook", order=40, group="engagement"),
    Page("rulebook/settings/", rulebook.rulebook_settings, "rulebook-settings"),
    Page("rulebook/drafts/new/", rulebook.new_draft, "rulebook-new-draft"),
    Page(V, rulebook.version_detail, "rulebook-version"),
    Page(f"{V}copy/", rulebook.copy_version, "rulebook-version-copy"),
    Page(f"{V}summary/", rulebook.edit_summary, "rulebook-version-summary"),
    Page(f"{V}delete/", rulebook.delete_version, "rulebook-version-delete"),
    Page(f"{V}diff/", rulebook.version_diff, "rulebook-version-diff"),
    Page(f"{V}publish/", rulebook.publish_version, "rulebook-version-publish"),
    Page(f"{V}simulate/", rulebook.simulate_version, "rulebook-version-simulate"),
    Page(f"{V}rules/new/", rulebook.rule_new, "rulebook-rule-new"),
    Page("rulebook/rules/<int:rule_id>/", rulebook.rule_edit, "rulebook-rule"),
    Page("rulebook/rules/<int:rule_id>/delete/", rulebook.rule_delete, "rulebook-rule-delete"),
    Page("rulebook/rules/<int:rule_id>/move/", rulebook.rule_move, "rulebook-rule-move"),
    Page(f"{V}corridors/new/", rulebook.corridor_new, "rulebook-corridor-new"),
    Page("rulebook/corridors/<int:corridor_id>/", rulebook.corridor_edit, "rulebook-corridor"),
    Page(
        "rulebook/corridors/<int:corridor_id>/delete/",
        rulebook.corridor_delete,
        "rulebook-corridor-delete",
    ),
    Page(f"{V}criteria/", rulebook.criteria_edit, "rulebook-criteria"),
    Page(
        "rulebook/simulations/<int:simulation_id>/",
        rulebook.simulation_detail,
        "rulebook-simulation",
    ),
    Page(
        "rulebook/simulations/<int:simulation_id>/progress/",
        rulebook.simulation_progress,
        "rulebook-simulation-progress",
    ),
    Page(
        "rulebook/simulations/<int:simulation_id>/moves.csv",
        rulebook.simulation_export,
        "rulebook-simulation-export",
    ),
    # Explain: which rule decides for an account, and why the earlier ones did not match.
    Page("explain/", explain.explain, "explain", nav="Explain", order=42, group="engagement"),
)

# The partner page (tenancy, a lower app) shows the partner's authorizations.
register_partner_section(
    Section("authorizations", territories.partner_authorizations_section, order=10)
)


def _version_verb(changes: Mapping[str, Any]) -> str | None:
    """Publishing moves a draft on (scheduled or at once active); a scheduled one comes into force
    later; an active one retires when the next one does."""
    before, after = changes.get("status", (None, None))
    if before == "draft" and after in ("scheduled", "active"):
        return "published"
    if after == "active":
        return "brought into force"
    if after == "retired":
        return "retired"
    return None


# How the audit log speaks of guardrails' rows ("Anna Admin published rulebook version 3").
register_audit_subject(
    AuditSubject(
        "guardrails.RulebookVersion",
        noun="rulebook version",
        name=lambda _, text: text.removeprefix("Version "),
        url_name="rulebook-version",
        verb=_version_verb,
    )
)
register_audit_subject(
    AuditSubject(
        "guardrails.RuleException",
        noun="exception request",
        name=lambda object_id, _: f"#{object_id}",
        url_name="exception",
        verb=field_verbs(
            "status", {"approved": "approved", "denied": "denied", "withdrawn": "withdrew"}
        ),
    )
)
register_audit_subject(AuditSubject("guardrails.Territory", url_name="territory"))
register_audit_subject(
    AuditSubject(
        "guardrails.PartnerAuthorization",
        noun="partner authorization",
        name=lambda object_id, _: f"#{object_id}",
        url_name="authorization",
    )
)
