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
