"""Screenshots of the three home pages at a phone width and a desk width, for the README.

Run against a portal with the demo data (`make run` in another terminal):

    .venv/bin/python tools/screenshots.py [http://127.0.0.1:8000] [docs/screenshots]

Uses Debian's Chromium through Playwright, as the browser tests do.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "demo-channel-2026"
HOMES = [  # (door, login, file name)
    ("console", "admin@acme.example", "home-console"),
    ("sales", "rep@acme.example", "home-sales"),
    ("portal", "admin@nordic.example", "home-portal"),
]
WIDTHS = {"phone": (390, 844), "desk": (1280, 860)}


def main(base_url: str = "http://127.0.0.1:8000", out: str = "docs/screenshots") -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        for door, email, name in HOMES:
            for width_name, (width, height) in WIDTHS.items():
                context = browser.new_context(
                    base_url=base_url, viewport={"width": width, "height": height}
                )
                page = context.new_page()
                page.goto(f"/{door}/")
                page.get_by_label("Email").fill(email)
                page.get_by_label("Password").fill(PASSWORD)
                with page.expect_navigation():
                    page.get_by_role("button", name="Sign in").click()
                path = folder / f"{name}-{width_name}.png"
                page.screenshot(path=str(path), full_page=True)
                print(path)
                context.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
