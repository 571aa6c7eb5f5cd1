import pytest
from django.urls import reverse

from portal.models import User
from tests.factories import ChallengeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(email="root@example.test", is_staff=True, is_superuser=True)


def test_wagtail_admin_creates_a_user_with_a_full_name(client, superuser):
    client.force_login(superuser)
    form = client.get(reverse("wagtailusers_users:add"))
    assert form.status_code == 200
    assert 'name="full_name"' in form.content.decode()

    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "email": "new.staff@example.test",
            "full_name": "Ngô Thị Mai",
            "preferred_language": "vi",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.staff@example.test")
    assert user.full_name == "Ngô Thị Mai"
    assert user.check_password("a-long-enough-passphrase")
    listing = client.get(reverse("wagtailusers_users:index"), {"ordering": "name"})
    assert listing.status_code == 200
    assert "Ngô Thị Mai" in listing.content.decode()
    edit = client.get(reverse("wagtailusers_users:edit", args=[user.pk]))
    assert 'value="Ngô Thị Mai"' in edit.content.decode()


def test_programme_manager_edits_challenges_in_the_wagtail_admin(client, manager):
    challenge = ChallengeFactory(code="P1-2026")
    client.force_login(manager)

    listing = client.get("/admin/snippets/challenges/challenge/")
    edit = client.get(f"/admin/snippets/challenges/challenge/edit/{challenge.pk}/")

    assert listing.status_code == 200
    assert "P1-2026" in listing.content.decode()
    assert edit.status_code == 200


def test_applicants_cannot_enter_the_wagtail_admin(client, applicant):
    client.force_login(applicant)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_django_admin_lists_users_for_superusers(client, superuser):
    client.force_login(superuser)

    assert client.get("/django-admin/portal/user/").status_code == 200
    assert client.get("/django-admin/portal/user/add/").status_code == 200


def test_staff_change_their_full_name_in_wagtail_account_settings(client, manager):
    client.force_login(manager)
    page = client.get(reverse("wagtailadmin_account"))
    assert 'name="name_email-full_name"' in page.content.decode()

    response = client.post(
        reverse("wagtailadmin_account"),
        {
            "name_email-full_name": "Hoàng Thu Hà",
            "name_email-email": "manager@example.test",
            "locale-preferred_language": "en",
            "locale-current_time_zone": "Asia/Ho_Chi_Minh",
            "theme-theme": "system",
            "theme-density": "default",
            "theme-contrast": "system",
            "theme-keyboard_shortcuts": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    manager.refresh_from_db()
    assert manager.full_name == "Hoàng Thu Hà"


def test_auditors_read_the_audit_trail_in_the_wagtail_admin(client, auditor):
    from portal.audit import audit_record

    challenge = ChallengeFactory(code="P1-2026")
    event = audit_record(actor=auditor, action="challenge.publish", obj=challenge)
    client.force_login(auditor)

    listing = client.get(reverse("audit_events:index"))
    inspect = client.get(reverse("audit_events:inspect", args=[event.pk]))

    assert listing.status_code == 200
    assert "challenge.publish" in listing.content.decode()
    assert inspect.status_code == 200
    assert event.hash in inspect.content.decode()


def test_nobody_writes_audit_events_through_the_admin(client, superuser, applicant):
    from portal.audit import audit_record

    event = audit_record(actor=None, action="challenge.publish")
    client.force_login(superuser)

    assert client.get(reverse("audit_events:add")).status_code in {302, 403}
    assert client.get(reverse("audit_events:edit", args=[event.pk])).status_code in {302, 403}
    assert client.get(reverse("audit_events:delete", args=[event.pk])).status_code in {302, 403}
    client.force_login(applicant)
    assert client.get(reverse("audit_events:index")).status_code == 302


def test_programme_managers_may_translate_pages(manager):
    assert manager.has_perm("simple_translation.submit_translation")


@pytest.mark.parametrize(
    ("language", "manager_label", "auditor_label"),
    [
        ("vi", "Cán bộ quản lý chương trình", "Kiểm toán viên"),
        ("en", "Programme managers", "Auditors"),
    ],
)
def test_role_groups_show_their_translated_labels(
    client, superuser, language, manager_label, auditor_label
):
    from django.contrib.auth.models import Group
    from wagtail.users.models import UserProfile

    from portal.roles import Role

    profile = UserProfile.get_for_user(superuser)
    profile.preferred_language = language
    profile.save()
    managers = Group.objects.get(name=Role.PROGRAMME_MANAGER)
    UserFactory(email="ha@example.test", role=Role.PROGRAMME_MANAGER)
    client.force_login(superuser)

    pages = {
        "groups": client.get(reverse("wagtailusers_groups:index")),
        "group search": client.get(reverse("wagtailusers_groups:index"), {"q": manager_label}),
        "group edit": client.get(reverse("wagtailusers_groups:edit", args=[managers.pk])),
        "user add": client.get(reverse("wagtailusers_users:add")),
        "user edit": client.get(
            reverse("wagtailusers_users:edit", args=[User.objects.get(email="ha@example.test").pk])
        ),
        "user filter": client.get(reverse("wagtailusers_users:index"), {"group": managers.pk}),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert f'lang="{language}"' in html, name
        assert manager_label in html, name
    for name in ("groups", "user add", "user edit", "user filter"):
        html = pages[name].content.decode()
        assert auditor_label in html, name
        assert ">programme_managers<" not in html.replace(" ", "").replace("\n", ""), name
    # The group search finds the role by its label; the filtered user listing shows the
    # manager and its active filter by label.
    assert "ha@example.test" in pages["user filter"].content.decode()


def test_a_role_group_keeps_its_name(client, superuser):
    import re

    from django.contrib.auth.models import Group

    from portal.roles import Role

    auditors = Group.objects.get(name=Role.AUDITOR)
    others = Group.objects.create(name="press office")
    client.force_login(superuser)

    def rename(group, name):
        url = reverse("wagtailusers_groups:edit", args=[group.pk])
        form = client.get(url).content.decode()
        # The permission panels' formsets, as the browser would send them back.
        data = dict(
            re.findall(r'<input type="hidden" name="([^"]+-\w+_FORMS)"[^>]*value="(\d+)"', form)
        )
        data["name"] = name
        return client.post(url, data)

    assert rename(others, "communications").status_code == 302
    rename(auditors, "renamed")

    others.refresh_from_db()
    auditors.refresh_from_db()
    assert others.name == "communications"
    assert auditors.name == Role.AUDITOR


def test_audit_trail_listing_runs_constant_queries(client, auditor):
    from portal.audit import audit_record
    from tests.helpers import assert_constant_queries

    client.force_login(auditor)

    def add(n):
        for _ in range(n):
            audit_record(actor=UserFactory(), action="organization.update")

    def listing():
        response = client.get(reverse("audit_events:index"))
        assert response.status_code == 200
        return response

    assert_constant_queries(listing, add, few=1, many=20)
