import pytest
from django.contrib.auth.models import Group

from portal.roles import ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db


def test_migrations_create_every_role_group_with_its_permissions():
    for role in Role:
        group = Group.objects.get(name=role.value)
        granted = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert granted == set(ROLE_PERMISSIONS[role]), role


@pytest.mark.parametrize(
    ("fixture", "roles"),
    [
        ("applicant_client", []),
        ("juror_client", ["jurors"]),
        ("manager_client", ["programme_managers"]),
        ("officer_client", ["fund_officers"]),
        ("approver_client", ["finance_approvers"]),
        ("auditor_client", ["auditors"]),
    ],
)
def test_each_role_client_is_signed_in_with_its_role(request, fixture, roles):
    client = request.getfixturevalue(fixture)

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.data["email"] == client.user.email
    assert [role["id"] for role in response.data["roles"]] == roles


def test_me_needs_credentials(anon_client):
    assert anon_client.get("/api/v1/me/").status_code == 401
