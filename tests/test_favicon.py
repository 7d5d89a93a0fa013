"""The icon: every page links it, and /favicon.ico (asked for by browsers and crawlers regardless)
leads to it instead of a 404 in the log."""

import pytest

pytestmark = pytest.mark.django_db


def test_pages_link_the_icon_and_favicon_ico_leads_to_it(client):
    page = client.get("/console/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page

    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)
