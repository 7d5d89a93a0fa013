import pytest

from core.tenancy import ScopeError, all_tenants_scope, current_tenant, tenant_scope
from tenancy.models import Partner
from tenancy.tests.factories import PartnerFactory, TenantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tenants():
    a, b = TenantFactory.create(), TenantFactory.create()
    PartnerFactory.create(tenant=a, name="A1")
    PartnerFactory.create(tenant=a, name="A2")
    PartnerFactory.create(tenant=b, name="B1")
    return a, b


@pytest.mark.parametrize(
    "query",
    [
        lambda: list(Partner.objects.all()),
        lambda: Partner.objects.filter(name="A1"),
        lambda: Partner.objects.count(),
        lambda: Partner.objects.get(name="A1"),
        lambda: Partner.objects.first(),
        lambda: Partner.objects.values_list("name"),
        lambda: Partner.objects.visible_to(None),  # type: ignore[arg-type]  # refused before it is read
        lambda: Partner.objects.exists(),
    ],
)
def test_a_query_outside_any_scope_raises(two_tenants, query):
    with pytest.raises(ScopeError):
        query()


def test_inside_a_scope_only_that_tenants_rows_exist(two_tenants):
    a, b = two_tenants
    with tenant_scope(a):
        assert sorted(Partner.objects.values_list("name", flat=True)) == ["A1", "A2"]
        assert not Partner.objects.filter(name="B1").exists()
        assert current_tenant() == a
    with tenant_scope(b):
        assert list(Partner.objects.values_list("name", flat=True)) == ["B1"]


def test_the_scope_is_restored_after_the_block(two_tenants):
    a, b = two_tenants
    with tenant_scope(a):
        with tenant_scope(b):
            assert Partner.objects.count() == 1
        assert Partner.objects.count() == 2
    assert current_tenant() is None


def test_tenant_scope_refuses_none_instead_of_meaning_every_tenant():
    with pytest.raises(ScopeError), tenant_scope(None):
        pass


def test_reverse_relations_are_scoped_too(two_tenants):
    partner = Partner.all_tenants.get(name="A1")
    with pytest.raises(ScopeError):
        list(partner.memberships.all())


def test_all_tenants_scope_is_the_deliberate_way_across_tenants(two_tenants):
    with all_tenants_scope():
        assert Partner.objects.count() == 3
    assert Partner.all_tenants.count() == 3


def test_none_and_create_work_outside_a_scope(two_tenants):
    a, _ = two_tenants
    assert list(Partner.objects.none()) == []
    Partner.objects.create(tenant=a, name="A3")
    assert Partner.all_tenants.filter(tenant=a).count() == 3
