"""Each rule of lead ops is written once, so the console and the API refuse the same input with
the same message. Where the two copies disagreed, the stricter, documented rule won: SLA clocks
of at most 43,200 business minutes and 10 recalls, https origins (plain http for localhost only)
for embedded forms, no touch before the lead arrived."""

from __future__ import annotations

import pytest

from core.tenancy import tenant_scope
from routing.models import Assignee, LeadForm, SlaPolicy
from routing.tests.test_pages_helpers import BAVARIA, membership, prepare_routing, send
from routing.tests.test_pages_settings import policy_data

pytestmark = pytest.mark.django_db

CONSOLE = "/console/alpha/lead-ops/"


@pytest.fixture
def console(login_as):
    return login_as("admin")


@pytest.fixture
def api(api_as):
    return api_as("admin")


def refused_in_console(response) -> str:
    assert response.status_code == 400, response.status_code
    return response.content.decode()


def refused_by_api(response, field: str) -> list[str]:
    assert response.status_code == 400, response.content
    return response.json()["fields"][field]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def sla_policy(**changes: int) -> dict:
    return {
        "route": "direct",
        "priority": "high",
        "accept_minutes": 30,
        "first_touch_minutes": 120,
        "remind_before_minutes": 10,
        "recall_after_minutes": 60,
        "max_recalls": 2,
        **changes,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("accept_minutes", 50_000, "Ensure this value is less than or equal to 43200."),
        ("first_touch_minutes", 129_600, "Ensure this value is less than or equal to 43200."),
        ("recall_after_minutes", 43_201, "Ensure this value is less than or equal to 43200."),
        ("max_recalls", 11, "Ensure this value is less than or equal to 10."),
    ],
)
def test_sla_caps_are_the_same_in_console_and_api(world, console, api, field, value, message):
    data = policy_data()
    data[f"direct-high-{field}"] = value
    if field == "accept_minutes":
        data["direct-high-first_touch_minutes"] = value
    assert message in refused_in_console(console.post(CONSOLE + "sla/", data))
    refused = api.post("/api/v1/sla-policies/", sla_policy(**{field: value}), format="json")
    assert refused_by_api(refused, field) == [message]
    with tenant_scope(world.tenant):
        assert not SlaPolicy.objects.exists()


def test_the_first_touch_is_due_after_acceptance_in_console_and_api(world, console, api):
    message = "The first touch cannot be due before acceptance."
    data = policy_data()
    data["direct-high-first_touch_minutes"] = 10  # before the 30 minutes to accept
    assert message in refused_in_console(console.post(CONSOLE + "sla/", data))
    refused = api.post("/api/v1/sla-policies/", sla_policy(first_touch_minutes=10), format="json")
    assert refused_by_api(refused, "first_touch_minutes") == [message]
    saved = api.post("/api/v1/sla-policies/", sla_policy(), format="json").json()
    partly = api.patch(
        f"/api/v1/sla-policies/{saved['id']}/", {"first_touch_minutes": 20}, format="json"
    )
    assert refused_by_api(partly, "first_touch_minutes") == [message]


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        (
            "http://plain.example",
            "“http://plain.example” is not https; forms are embedded on https sites only.",
        ),
        (
            "https://site.example/contact",
            "“https://site.example/contact” has a path; give the site only, such as "
            "https://site.example.",
        ),
        (
            "www.bare.example",
            "“www.bare.example” is not a site; write it as https://www.example.com.",
        ),
        ("https://x.example:99999", "“https://x.example:99999” is not a valid address."),
    ],
)
def test_embed_origins_are_the_same_in_console_and_api(world, console, api, origin, message):
    page = refused_in_console(
        console.post(
            CONSOLE + "forms/new/",
            {"name": "X", "priority": "normal", "thank_you": "T", "allowed_origins": origin},
        )
    )
    assert message in page
    refused = api.post(
        "/api/v1/lead-forms/", {"name": "X", "allowed_origins": [origin]}, format="json"
    )
    assert refused_by_api(refused, "allowed_origins") == [message]
    with tenant_scope(world.tenant):
        assert not LeadForm.objects.exists()


def test_localhost_may_embed_over_http_in_console_and_api(world, console, api):
    created = api.post(
        "/api/v1/lead-forms/",
        {"name": "Dev", "allowed_origins": ["http://localhost:8000"]},
        format="json",
    )
    assert created.status_code == 201 and created.json()["allowed_origins"] == [
        "http://localhost:8000"
    ]
    saved = console.post(
        CONSOLE + "forms/new/",
        {
            "name": "X",
            "priority": "normal",
            "thank_you": "T",
            "allowed_origins": "http://127.0.0.1",
        },
    )
    assert saved.status_code == 302


@pytest.mark.parametrize(
    ("away", "field", "message"),
    [
        ({"away_until": "2025-01-01"}, "away_from", "Say from when they are away."),
        (
            {"away_from": "2025-02-01", "away_until": "2025-01-01"},
            "away_until",
            "The return is before the start of the absence.",
        ),
        ({"capacity": 0}, "capacity", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_assignee_rules_are_the_same_in_console_and_api(world, console, api, away, field, message):
    partner = world.partner
    page = refused_in_console(
        console.post(CONSOLE + f"assignees/partner/{partner.pk}/", {"weight": "2", **away})
    )
    assert message in page
    refused = api.post("/api/v1/assignees/", {"partner": partner.pk, **away}, format="json")
    assert refused_by_api(refused, field) == [message]
    with tenant_scope(world.tenant):
        assert not Assignee.objects.exists()


@pytest.fixture
def routed(world):
    prepare_routing(world)
    return send(world, BAVARIA)  # the partner's lead


def test_a_touch_before_the_lead_arrived_is_refused_in_console_and_api(
    world, routed, login_as, api_as
):
    arrived = routed.created_at.strftime("%Y-%m-%d")
    page = login_as("partner_rep").post(
        f"/portal/alpha/leads/{routed.pk}/touch/",
        {"channel": "call", "occurred_at": "2001-01-01T10:00"},
    )
    [shown] = messages_of(page)
    refused = api_as("partner_rep").post(
        f"/api/v1/leads/{routed.pk}/touches/",
        {"channel": "call", "occurred_at": "2001-01-01T10:00:00Z"},
        format="json",
    )
    [told] = refused_by_api(refused, "occurred_at")
    for message in (shown, told):
        assert message.startswith(f"The lead arrived on {arrived}")
        assert message.endswith("; a touch cannot be before that.")


def test_reassigning_to_both_a_partner_and_a_rep_is_refused_in_console_and_api(
    world, routed, console, api
):
    message = "Choose one partner or one rep."
    rep = membership(world, "rep")
    page = console.post(
        f"/console/alpha/leads/{routed.pk}/reassign/", {"partner": world.partner.pk, "rep": rep.pk}
    )
    assert messages_of(page) == [message]
    refused = api.post(
        f"/api/v1/leads/{routed.pk}/reassign/",
        {"partner": world.partner.pk, "user": world.users["rep"].pk},
        format="json",
    )
    assert refused_by_api(refused, "non_field_errors") == [message]
