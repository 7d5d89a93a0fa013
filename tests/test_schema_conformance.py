"""The published API schema tells the truth: for every operation of `/api/schema/` and every role,
generated requests (valid and invalid) never get a 5xx, and every response conforms to the schema:
a documented status code, the documented content type, a body that matches the documented schema.

The operations come from the schema itself, so a new endpoint is covered the day it is added. The
app is called in process through its WSGI entry point. Each generated request runs in a savepoint
that is rolled back, so every request sees the same small world (tests/world.py) whatever the
previous one created or deleted, and the examples are derandomized: a run is repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from core.tenancy import tenant_scope
from routing.tests.factories import LeadFactory, publish_rulebook
from scorecards.rollup import rebuild
from tests.world import World, build_world

# Generated requests per operation: enough to reach the documented response shapes and the
# invalid inputs, few enough that the module runs in about two minutes. The RevOps admin may call
# everything, so gets the most; the other roles of tenant A (tests/world.py) see fewer shapes
# (refusals, and what their visibility and redaction leave of the same rows).
ADMIN_EXAMPLES = 6
OTHER_ROLES = ("manager", "rep", "partner_admin", "partner_rep")
OTHER_ROLE_EXAMPLES = 3

not_a_server_error = CHECKS.get_by_names(["not_a_server_error"])[0]
CONFORMANCE_CHECKS: list[Any] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Like Django's test client: the test's transaction outlives each request, so requests must
    not close the connection on the way in or out."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Valid and invalid requests from each operation's examples and random generation. The coverage
# phase (every boundary value of every field: about 70 requests per operation) is left to the
# command-line run described in docs/api.md; here it would multiply the run time tenfold.
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}}, "generation": {"mode": "all"}}
)
# Loaded from the app itself at collection time (generating it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


@pytest.fixture(scope="module")
def shared_world(django_db_setup: None, django_db_blocker) -> Iterator[World]:
    """One world for the whole module, with an active rulebook (so leads and accounts have routes),
    a lead and the scorecards' rollups, inside a transaction rolled back at the end; each test
    runs in a savepoint inside it (the `db` fixture), each request in one more."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        publish_rulebook(
            world.tenant, admin=world.users["admin"], team=world.orgs["team"], partner=world.partner
        )
        LeadFactory(tenant=world.tenant, submitted_by_partner=world.partner, country="AT")
        with tenant_scope(world.tenant):  # the scorecards' rollups, so they answer with figures
            rebuild(world.tenant)
        yield world
        transaction.set_rollback(True)


@pytest.fixture(scope="module", params=OTHER_ROLES)
def other_role(request: pytest.FixtureRequest) -> str:
    return request.param


def call_and_check(case: schemathesis.Case, world: World, persona: str) -> None:
    headers = {"Authorization": f"Token {world.token(persona)}", "Host": "127.0.0.1"}
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CONFORMANCE_CHECKS, headers=headers)


def examples(count: int) -> settings:
    return settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


@schema.parametrize()
@examples(ADMIN_EXAMPLES)
def test_every_response_to_a_revops_admin_conforms_to_the_schema(
    case: schemathesis.Case, shared_world: World, db: None, in_process_requests: None
) -> None:
    call_and_check(case, shared_world, "admin")


@schema.parametrize()
@examples(OTHER_ROLE_EXAMPLES)
def test_every_response_to_the_other_roles_conforms_to_the_schema(
    case: schemathesis.Case,
    other_role: str,
    shared_world: World,
    db: None,
    in_process_requests: None,
) -> None:
    call_and_check(case, shared_world, other_role)
