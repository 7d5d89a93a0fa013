"""MDF's browser tests use the project's browser fixtures (headless Chromium, the demo data
behind the live server): tests/browser/conftest.py."""

from tests.browser.conftest import browser, context, demo_data, page, sign_in  # noqa: F401
