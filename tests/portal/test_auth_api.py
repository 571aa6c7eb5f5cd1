from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken

from tests.factories import UserFactory
from tests.factories.portal import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
# An endpoint that needs a signed-in caller, to tell a valid token from an invalid one.
PROTECTED_URL = "/api/v1/auth/logout/"

pytestmark = pytest.mark.django_db


def test_token_login_returns_token_and_future_expiry(anon_client):
    user = UserFactory(email="firm@example.test")

    response = anon_client.post(TOKEN_URL, {"email": "FIRM@example.test", "password": PASSWORD})

    assert response.status_code == 200
    assert set(response.data) == {"token", "expiry"}
    expiry = parse_datetime(response.data["expiry"])
    assert timedelta(hours=9) < expiry - timezone.now() <= timedelta(hours=10)
    # Only a digest is stored, never the token itself.
    stored = AuthToken.objects.get(user=user)
    assert response.data["token"] not in {stored.digest, stored.token_key}
    assert response.data["token"].startswith(stored.token_key)


def test_token_login_wrong_password_is_400(anon_client):
    UserFactory(email="firm@example.test")

    response = anon_client.post(TOKEN_URL, {"email": "firm@example.test", "password": "nope"})

    assert response.status_code == 400
    # Vietnamese is the default language.
    assert response.data == {
        "non_field_errors": ["Không thể đăng nhập với địa chỉ e-mail và mật khẩu đã nhập."]
    }
    assert AuthToken.objects.count() == 0


def test_token_login_unknown_email_gets_same_error_as_wrong_password(anon_client):
    UserFactory(email="firm@example.test")

    unknown = anon_client.post(TOKEN_URL, {"email": "ghost@example.test", "password": "x"})
    wrong = anon_client.post(TOKEN_URL, {"email": "firm@example.test", "password": "x"})

    assert unknown.status_code == wrong.status_code == 400
    assert unknown.data == wrong.data


def test_token_login_missing_fields_are_field_errors(anon_client):
    response = anon_client.post(TOKEN_URL, {"email": "not-an-email"})

    assert response.status_code == 400
    assert set(response.data) == {"email", "password"}


def test_token_login_inactive_user_is_refused(anon_client):
    UserFactory(email="gone@example.test", is_active=False)

    response = anon_client.post(TOKEN_URL, {"email": "gone@example.test", "password": PASSWORD})

    assert response.status_code == 400


def test_token_login_error_speaks_english_when_asked(anon_client):
    response = anon_client.post(
        TOKEN_URL,
        {"email": "ghost@example.test", "password": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.data["non_field_errors"] == [
        "Unable to log in with the e-mail address and password provided."
    ]


def test_logout_revokes_the_token(anon_client):
    UserFactory(email="firm@example.test")
    token = anon_client.post(TOKEN_URL, {"email": "firm@example.test", "password": PASSWORD}).data[
        "token"
    ]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert anon_client.post(LOGOUT_URL).status_code == 204
    assert AuthToken.objects.count() == 0
    assert anon_client.post(LOGOUT_URL).status_code == 401


def test_expired_token_is_401(anon_client):
    user = UserFactory()
    instance, token = AuthToken.objects.create(user=user, expiry=timedelta(hours=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = anon_client.post(PROTECTED_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_no_credentials_is_401(anon_client):
    assert anon_client.post(PROTECTED_URL).status_code == 401


def test_token_login_is_throttled_after_ten_attempts_a_minute(anon_client):
    codes = [
        anon_client.post(TOKEN_URL, {"email": "a@example.test", "password": "x"}).status_code
        for _ in range(11)
    ]

    assert codes == [400] * 10 + [429]


def test_forged_forwarded_for_headers_do_not_escape_the_throttle(anon_client):
    codes = [
        anon_client.post(
            TOKEN_URL,
            {"email": f"a{i}@example.test", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(11)
    ]

    assert codes == [400] * 10 + [429]


def test_guessing_one_account_from_many_addresses_is_throttled(anon_client):
    codes = [
        anon_client.post(
            TOKEN_URL,
            {"email": "Victim@example.test", "password": f"guess-{i}"},
            REMOTE_ADDR=f"198.51.100.{i}",
        ).status_code
        for i in range(21)
    ]

    assert codes == [400] * 20 + [429]
