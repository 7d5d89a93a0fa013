"""Forms tell the truth: on every lead-submitting form, a field labelled "(optional)" can be left
empty in a submission that otherwise passes, a field not so labelled is refused when it is the
one thing the rule leans on, and the fields of the either-or rule show its hint. The labels and
the validation read one declaration (pipeline.models.LEAD_REACHABLE, core.requirements)."""

from __future__ import annotations

import html
import itertools
import re
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.choices import EmployeeBand, ServiceNeed
from accounts.tests.factories import ProductLineFactory
from core.requirements import AllOf, RequiredOneOf, field_marker
from core.tenancy import tenant_scope
from pipeline.models import LEAD_REACHABLE, Lead
from routing import public
from routing.forms import PublicLeadForm, SubmitLeadForm
from routing.models import LeadForm
from routing.tests.factories import LeadFormFactory

pytestmark = pytest.mark.django_db

SUBMIT = "/portal/alpha/submitted-leads/new/"
HINT = "One of these is required:"

# A valid value for every field of the lead forms; a new field without one fails the tests.
SAMPLES: dict[str, Any] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "name": "Ada Lovelace",
    "email": "ada@engines.example",
    "phone": "+49 89 1234 5678",
    "title": "Engineer",
    "company": "Analytical Engines KG",
    "website": "engines.example",
    "street": "Hauptstraße 1",
    "city": "Munich",
    "postal_code": "80331",
    "region": "Bavaria",
    "country": "Germany",
    "product_interest": ["pumps"],
    "service_needs": [ServiceNeed.values[0]],
    "employee_band": EmployeeBand.values[0],
    "estimated_amount": "1200.50",
    "message": "Two pumps, soon.",
}


# --- the declaration itself --------------------------------------------------------------------


def test_a_rule_is_met_by_any_of_its_options():
    rule = RequiredOneOf(("email", "phone", AllOf("name", "company")), message="Reach them.")
    assert rule.is_met({"phone": "1"}) and rule.is_met({"name": "A", "company": "B"})
    assert not rule.is_met({"name": "A"}) and not rule.is_met({"email": "  "})
    with pytest.raises(ValidationError) as caught:
        rule.check({"name": "A"})
    assert caught.value.message_dict == {"email": ["Reach them."]}


def test_the_lead_rule_speaks_in_the_forms_labels():
    labels = {"email": "Email", "phone": "Phone", "first_name": "First name"}
    labels |= {"last_name": "Last name", "company": "Company", "name": "Your name"}
    assert LEAD_REACHABLE.hint(labels) == (
        "One of these is required: Email, Phone, or (First name or Last name) with Company."
    )
    one_name = LEAD_REACHABLE.renamed({"first_name": "name", "last_name": "name"})
    assert one_name.field_names() == ("email", "phone", "name", "company")
    assert (
        one_name.hint(labels)
        == "One of these is required: Email, Phone, or Your name with Company."
    )


def test_the_model_runs_the_declared_rule():
    with pytest.raises(ValidationError) as caught:
        Lead(last_name="Alone").clean()
    assert caught.value.message_dict == {"email": [LEAD_REACHABLE.message]}
    Lead(last_name="Named", company="Firm").clean()


@pytest.mark.parametrize("form_class", [SubmitLeadForm, PublicLeadForm])
def test_only_fields_no_rule_names_are_marked_optional(world, form_class):
    with tenant_scope(world.tenant):
        form = form_class()
    named = {n for rule in form.requirements for n in rule.field_names()}
    assert named  # the rule reaches the form
    for name, field in form.fields.items():
        expected = "required" if field.required else "declared" if name in named else "optional"
        assert field_marker(field) == expected, name


# --- the pages, as a person fills them -----------------------------------------------------------


def _markers(page: str, form: Any) -> dict[str, tuple[bool, bool]]:
    """Each field of `form`: (labelled "(optional)", shows the either-or hint), read off the page."""
    found = {}
    for name, field in form.fields.items():
        match = re.search(
            rf'<label for="id_{name}">(.*?)</label>(.*?)(?=<label for="id_|</form>|<legend)',
            page,
            re.S,
        )
        if match is None:
            label = html.escape(str(field.label))
            match = re.search(
                rf"<legend>{re.escape(label)}(.*?)</legend>(.*?)</fieldset>", page, re.S
            )
        assert match is not None, f"{name} is not on the page"
        found[name] = ("(optional)" in match.group(1), HINT in match.group(2))
    return found


def _smallest_way(rule: RequiredOneOf, name: str) -> set[str]:
    """The fewest of the rule's fields that meet it and stop meeting it without `name`."""
    names = rule.field_names()
    for size in range(1, len(names) + 1):
        for combo in itertools.combinations(names, size):
            without = dict.fromkeys((n for n in combo if n != name), "x")
            if (
                name in combo
                and rule.is_met(dict.fromkeys(combo, "x"))
                and not rule.is_met(without)
            ):
                return set(combo)
    raise AssertionError(f"no way through the rule uses {name}")


def _check_form(form: Any, page: str, post, data_for) -> None:
    """The property, for one form: `post(data)` answers True when the submission is accepted."""
    markers = _markers(page, form)
    rule = form.requirements[0]
    everything = {name: SAMPLES[name] for name in form.fields}
    assert post(data_for(everything)), "a fully filled form is refused"
    for name, (optional, hinted) in markers.items():
        if optional:
            assert not hinted, name
            left_empty = {k: v for k, v in everything.items() if k != name}
            assert post(data_for(left_empty)), f"{name} is labelled optional but refused when empty"
        elif name in rule.field_names():
            assert hinted, f"{name} does not show the rule's hint"
            way = _smallest_way(rule, name)
            assert post(data_for({k: SAMPLES[k] for k in way})), name
            short = {k: SAMPLES[k] for k in way - {name}}
            assert not post(data_for(short)), f"{name} is not labelled optional, yet not needed"
        else:
            short = {k: v for k, v in everything.items() if k != name}
            assert not post(data_for(short)), f"{name} is not labelled optional, yet not needed"


def test_the_portal_submit_form_tells_the_truth(world, login_as):
    with tenant_scope(world.tenant):
        ProductLineFactory(tenant=world.tenant, code="pumps", name="Pumps")
        form = SubmitLeadForm()
    client = login_as("partner_rep")
    page = client.get(SUBMIT).content.decode()

    def post(data: dict[str, Any]) -> bool:
        response = client.post(SUBMIT, data)
        assert response.status_code in (302, 400), response.status_code
        return response.status_code == 302

    _check_form(form, page, post, lambda data: data)
    # The refusal is the rule's own words, on the field that carries it.
    refused = client.post(SUBMIT, {"last_name": "Alone", "country": "Germany"}).content.decode()
    assert html.escape(LEAD_REACHABLE.message) in refused.split('name="email"', 1)[1]


@pytest.fixture
def lead_form(world) -> LeadForm:
    with tenant_scope(world.tenant):
        ProductLineFactory(tenant=world.tenant, code="pumps", name="Pumps")
    return LeadFormFactory.create(tenant=world.tenant, name="Contact us")


def test_the_public_form_tells_the_truth(world, lead_form):
    url = f"/f/{world.tenant.slug}/{lead_form.key}/"
    browser = Client(HTTP_HOST="127.0.0.1")
    page = browser.get(url).content.decode()
    form = PublicLeadForm()
    form.fields["product_interest"] = SubmitLeadForm.base_fields["product_interest"]
    form.fields["product_interest"].label = "Interested in"
    sent = itertools.count()

    def post(data: dict[str, Any]) -> bool:
        token = public.issue_token(lead_form, issued_at=time.time() - 10)
        with tenant_scope(world.tenant):
            before = Lead.objects.count()
        address = f"10.0.0.{next(sent)}"  # below the per-address limit
        response = browser.post(url, {**data, public.TOKEN_FIELD: token}, REMOTE_ADDR=address)
        assert response.status_code in (200, 400), response.status_code
        with tenant_scope(world.tenant):
            stored = Lead.objects.count() > before
        assert stored == (response.status_code == 200)
        return stored

    _check_form(form, page, post, lambda data: data)
