import pytest
from django.urls import reverse

from core.tenancy import tenant_scope
from scorecards.maturity.questions import QUESTIONS

pytestmark = pytest.mark.django_db


def test_smoke(world, login_as, api_as):
    client = login_as("admin")
    url = reverse("console:maturity", args=[world.tenant.slug])
    r = client.get(url)
    assert r.status_code == 200, r.content[:2000]
    data = {q.key: "3" for q in QUESTIONS}
    r = client.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    r = client.get(url)
    assert r.status_code == 200
    api = api_as("admin")
    r = api.get("/api/v1/maturity-assessments/")
    assert r.status_code == 200, r.content
    print(r.json())
