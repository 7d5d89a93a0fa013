"""Headless Chromium for the end-to-end tests: one browser per session, a fresh context per test,
the demo data seeded behind pytest-django's live server.

Playwright's sync API runs an asyncio event loop in the test thread; Django then refuses ORM calls
from that thread (SynchronousOnlyOperation) unless the async-safety check is relaxed. This must be
set before any test runs, hence at import time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


def seed_demo_through(last_app: str, scale: float = 0.05) -> None:
    """Every app's demo data up to `last_app` (in layer order, lower apps first): a browser test
    seeds what its pages show and no more (MDF's year and the scorecards' rebuild above deal
    registration cost seconds a test).

    On PostgreSQL the first test to ask for a stage seeds it and keeps a data-only dump of the
    database; every later test asking for the same stage gets that state restored from the dump
    (a couple of seconds instead of half a minute of seeding), the same rows, ids and sequences."""
    key = (last_app, scale)
    dump = _SNAPSHOTS.get(key)
    if dump is not None and _restore(dump):
        return
    from core.seeding import demo_modules

    for module in demo_modules():
        module.seed(scale=scale)
        if module.__name__.split(".")[0] == last_app:
            break
    made = _dump()
    if made is not None:
        _SNAPSHOTS[key] = made


# Seeded states kept for the session: (last app, scale) -> a data-only SQL dump.
_SNAPSHOTS: dict[tuple[str, float], Path] = {}
# Never dumped nor emptied: the schema's own record of its migrations.
_KEEP = ("django_migrations",)


def _database() -> tuple[dict[str, str], list[str]] | None:
    """The environment and connection arguments of pg_dump and psql for the test database, or
    None where snapshots cannot be taken (SQLite, no client tools)."""
    import shutil

    from django.db import connection

    if connection.vendor != "postgresql" or not (shutil.which("pg_dump") and shutil.which("psql")):
        return None
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    args += ["-U", str(db.get("USER") or "postgres"), "-d", str(db["NAME"])]
    return env, args


def _dump() -> Path | None:
    import subprocess
    import tempfile

    found = _database()
    if found is None:
        return None
    env, args = found
    handle, name = tempfile.mkstemp(prefix="browser-demo-", suffix=".sql")
    os.close(handle)
    excluded = [f"--exclude-table={table}" for table in _KEEP]
    command = ["pg_dump", *args, "--data-only", "--disable-triggers", *excluded, "-f", name]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return Path(name) if done.returncode == 0 else None


def _restore(dump: Path) -> bool:
    """Empty every table (but `_KEEP`) and load the dump, in one psql transaction; False if it
    could not (the caller then seeds as usual)."""
    import subprocess

    from django.db import connection

    found = _database()
    if found is None:
        return False
    env, args = found
    tables = [t for t in connection.introspection.table_names() if t not in _KEEP]
    empty = "TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE;"
    connection.close()  # no session of this thread holds a lock on the tables being emptied
    command = ["psql", *args, "-q", "-v", "ON_ERROR_STOP=1", "-1", "-c", empty, "-f", str(dump)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return done.returncode == 0


def _unavailable(reason: str) -> None:
    """Skip on a developer machine without the browser; fail in CI, where it must be installed."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not installed at {CHROMIUM}; CI installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def demo_data(transactional_db) -> None:
    """The demo tenants and users, as `manage.py seed_demo` creates them; a clean throttle."""
    from django.core.cache import caches

    from tenancy import demo

    caches["default"].clear()  # failed sign-ins of earlier tests must not throttle this one
    demo.seed()


@pytest.fixture
def context(browser: Browser, live_server, demo_data) -> Iterator[BrowserContext]:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def sign_in():
    """Sign in at a front door through the form, as a person would."""
    from tenancy.demo import DEMO_PASSWORD

    def sign_in(page: Page, door: str, email: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(f"/{door}/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()

    return sign_in
