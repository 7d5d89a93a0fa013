"""Fixtures shared by every test: the world of personas, signed-in clients and API clients."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tenancy.tests.factories import PASSWORD
from tests.world import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def login_as(world):
    """A browser-like client signed in as a persona."""

    def make(persona: str) -> Client:
        c = Client(HTTP_HOST="127.0.0.1")
        c.force_login(world.users[persona])
        return c

    return make


@pytest.fixture
def api_as(world):
    """An API client authenticated with a token of the persona's tenant."""

    def make(persona: str) -> APIClient:
        c = APIClient(HTTP_HOST="127.0.0.1")
        c.credentials(HTTP_AUTHORIZATION=f"Token {world.token(persona)}")
        return c

    return make


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Sign-in throttles live in the cache; no test inherits another's failures."""
    from django.core.cache import cache

    cache.clear()
    yield
