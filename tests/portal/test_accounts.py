"""Browser accounts under /accounts/ (django-allauth): sign-up with consent, e-mail
verification, log-in and lock-out, password reset and change, the header, the unverified
banner, the privacy notice and single sign-on through an OpenID Connect provider."""

import base64
import hashlib
import re
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from portal.models import AuditEvent, PrivacyConsent, User
from portal.rules import is_email_verified
from tests.factories import UserFactory
from tests.factories.portal import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-enough-passphrase"
LOCKED = (
    "This account is temporarily locked after too many failed log-in attempts. "
    "Try again in 5 minutes, or reset your password."
)


def _signup_data(**overrides):
    data = {
        "full_name": "Nguyễn  Thị   Lan",
        "email": "Lan.Nguyen@Example.test",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "preferred_language": "vi",
        "privacy_consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _verified(user):
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


# Sign-up and consent


def test_signup_creates_user_with_name_language_and_consent(client, settings, mailoutbox):
    settings.PRIVACY_NOTICE_VERSION = "2026-11"
    before = timezone.now()

    response = client.post("/accounts/signup/", _signup_data(preferred_language="en"))

    after = timezone.now()
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get()
    assert (user.email, user.full_name, user.preferred_language) == (
        "lan.nguyen@example.test",
        "Nguyễn Thị Lan",
        "en",
    )
    assert user.check_password(NEW_PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk  # may log in unverified
    consent = PrivacyConsent.objects.get()
    assert (consent.user, consent.notice_version, consent.ip_address) == (
        user,
        "2026-11",
        "127.0.0.1",
    )
    assert before <= consent.given_at <= after
    event = AuditEvent.objects.get(action="privacy.consent")
    assert (event.actor, event.object_type, event.object_id, event.data) == (
        user,
        "portal.privacyconsent",
        str(consent.pk),
        {"notice_version": "2026-11", "user": user.pk},
    )
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == (
        "lan.nguyen@example.test",
        True,
        False,
    )
    assert len(mailoutbox) == 1


def test_signup_form_asks_for_name_language_and_consent_in_page_language(client):
    vietnamese = client.get("/accounts/signup/").content.decode()
    english = client.get("/en/accounts/signup/").content.decode()

    for html in (vietnamese, english):
        assert 'name="full_name" autocomplete="name" maxlength="150" required' in html
        assert 'type="checkbox" name="privacy_consent" required' in html
    # The preferred language defaults to the page's.
    assert '<option value="vi" selected>Tiếng Việt</option>' in vietnamese
    assert '<option value="en">English</option>' in vietnamese
    assert '<option value="vi">Tiếng Việt</option>' in english
    assert '<option value="en" selected>English</option>' in english
    assert '<a href="/privacy/" target="_blank" rel="noopener">' in vietnamese
    assert '<a href="/en/privacy/" target="_blank" rel="noopener">' in english
    assert "Privacy notice, version 2026-11 (opens in a new tab)" in english


def test_signup_without_consent_is_refused_and_writes_nothing(client, mailoutbox):
    response = client.post("/en/accounts/signup/", _signup_data(privacy_consent=None))

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<ul class="errorlist" id="id_privacy_consent_error"><li>'
        "You must agree to the privacy notice to create an account.</li></ul>"
    ) in html
    assert (
        'aria-invalid="true" aria-describedby="id_privacy_consent_helptext '
        'id_privacy_consent_error" id="id_privacy_consent"'
    ) in html
    assert User.objects.count() == 0
    assert EmailAddress.objects.count() == 0
    assert PrivacyConsent.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert mailoutbox == []
    assert "_auth_user_id" not in client.session


def test_signup_consent_fails_with_the_user_when_the_audit_write_fails(client, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("audit trail unavailable")

    monkeypatch.setattr("portal.services.audit_record", broken_audit)
    client.raise_request_exception = True

    with pytest.raises(RuntimeError, match="audit trail unavailable"):
        client.post("/accounts/signup/", _signup_data())

    assert User.objects.count() == 0
    assert EmailAddress.objects.count() == 0
    assert PrivacyConsent.objects.count() == 0


def test_privacy_consent_is_read_only_in_the_django_admin(client):
    admin = UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    user = UserFactory(email="lan@example.test", full_name="Lê Thị Lan")
    consent = PrivacyConsent.objects.create(user=user, notice_version="2026-11")
    client.force_login(admin)

    listing = client.get("/django-admin/portal/privacyconsent/")
    detail = client.get(f"/django-admin/portal/privacyconsent/{consent.pk}/change/")

    assert listing.status_code == 200
    assert '<td class="field-notice_version">2026-11</td>' in listing.content.decode()
    assert "Lê Thị Lan" in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="notice_version"' not in detail.content.decode()
    assert client.get("/django-admin/portal/privacyconsent/add/").status_code == 403
    with pytest.raises(TypeError):
        consent.save()


# E-mail verification


@pytest.mark.parametrize(
    ("signup_path", "subject", "link_prefix", "line"),
    [
        (
            "/accounts/signup/",
            "[Cổng đổi mới sáng tạo mở] Vui lòng xác nhận địa chỉ e-mail của bạn",
            "http://testserver/accounts/confirm-email/",
            "Để xác nhận đúng là bạn, vui lòng truy cập",
        ),
        (
            "/en/accounts/signup/",
            "[Open Innovation Portal] Please Confirm Your Email Address",
            "http://testserver/en/accounts/confirm-email/",
            "To confirm this is correct, go to",
        ),
    ],
)
def test_verification_email_speaks_the_signup_language_and_post_confirms(
    client, mailoutbox, signup_path, subject, link_prefix, line
):
    language = "en" if signup_path.startswith("/en/") else "vi"

    client.post(signup_path, _signup_data(preferred_language=language))

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["lan.nguyen@example.test"]
    assert message.subject == subject
    assert line in message.body
    link = re.search(re.escape(link_prefix) + r"[^/\s]+/", message.body).group(0)
    path = urlsplit(link).path
    user = User.objects.get()
    assert user.preferred_language == language
    assert is_email_verified(User.objects.get()) is False

    page = client.get(path)  # GET only shows the button: mail scanners follow links
    assert page.status_code == 200
    assert EmailAddress.objects.get().verified is False
    response = client.post(path)

    assert response.status_code == 302
    assert EmailAddress.objects.get().verified is True
    assert is_email_verified(User.objects.get()) is True


def test_emails_follow_the_recipients_language_not_the_pages(client, mailoutbox):
    UserFactory(email="reader@example.test", preferred_language="en")

    response = client.post("/accounts/password/reset/", {"email": "reader@example.test"})

    assert response.status_code == 302
    assert mailoutbox[0].subject == "[Open Innovation Portal] Password Reset Email"
    assert "http://testserver/en/accounts/password/reset/key/" in mailoutbox[0].body


# Log-in, log-out, lock-out


def test_login_and_logout(client):
    user = UserFactory(email="an@example.test")

    response = client.post("/accounts/login/", {"login": "AN@example.test", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert int(client.session["_auth_user_id"]) == user.pk
    response = client.post("/en/accounts/logout/", {"next": "/en/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert "_auth_user_id" not in client.session


def test_login_with_a_wrong_password_says_so(client):
    UserFactory(email="an@example.test")

    response = client.post("/en/accounts/login/", {"login": "an@example.test", "password": "x"})

    assert response.status_code == 200
    assert (
        "The email address and/or password you specified are not correct."
        in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_repeated_failed_logins_lock_the_account_until_the_window_passes(client, monkeypatch):
    UserFactory(email="an@example.test")
    wrong = {"login": "an@example.test", "password": "not-the-password"}
    right = {"login": "an@example.test", "password": PASSWORD}
    for _ in range(5):
        response = client.post("/en/accounts/login/", wrong)
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()

    locked = client.post("/en/accounts/login/", right)

    assert locked.status_code == 200
    assert (
        f'<div class="alert alert-error" role="alert"><ul class="errorlist nonfield"><li>'
        f"{LOCKED}</li></ul></div>"
    ) in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address from the same place is not locked.
    UserFactory(email="binh@example.test")
    other = client.post("/en/accounts/login/", {"login": "binh@example.test", "password": PASSWORD})
    assert other.status_code == 302
    client.post("/en/accounts/logout/")

    # Five minutes later the window has passed.
    real_time = time.time
    later = SimpleNamespace(
        time=lambda: real_time() + 5 * 60 + 1, monotonic=time.monotonic, sleep=time.sleep
    )
    monkeypatch.setattr(ratelimit, "time", later)
    response = client.post("/en/accounts/login/", right)
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_lockout_message_is_the_adapters(settings):
    from allauth.account.adapter import get_adapter

    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,3/15m/key"}

    message = str(get_adapter().error_messages["too_many_login_attempts"])

    assert message == (
        "This account is temporarily locked after too many failed log-in attempts. "
        "Try again in 15 minutes, or reset your password."
    )


# Passwords


def test_password_reset_by_email(client, mailoutbox):
    user = UserFactory(email="an@example.test")

    response = client.post("/accounts/password/reset/", {"email": "an@example.test"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "[Cổng đổi mới sáng tạo mở] E-mail đặt lại mật khẩu"
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mailoutbox[0].body)
    form = client.get(link.group(1))
    assert form.status_code == 302  # allauth moves the key into the session
    set_password = form["Location"]
    response = client.post(
        set_password,
        {"password1": "another-long-passphrase", "password2": "another-long-passphrase"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase")


def test_password_change(client):
    user = UserFactory(email="an@example.test")
    client.force_login(user)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk  # still signed in


def test_password_change_needs_the_current_password(client):
    user = UserFactory(email="an@example.test")
    client.force_login(user)

    response = client.post(
        "/en/accounts/password/change/",
        {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "Please type your current password." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# The header, the banner, the privacy notice


def test_header_for_a_visitor_links_log_in_sign_up_and_staff_log_in(client):
    vietnamese = client.get("/privacy/").content.decode()
    english = client.get("/en/privacy/").content.decode()

    assert '<li><a href="/accounts/login/">Đăng nhập</a></li>' in vietnamese
    assert '<a href="/accounts/signup/">' in vietnamese
    assert '<li><a href="/en/accounts/login/">Log in</a></li>' in english
    assert '<li><a href="/en/accounts/signup/">Sign up</a></li>' in english
    assert '<a href="/admin/login/">' in english
    assert "/dashboard/" not in english
    assert 'action="/en/accounts/logout/"' not in english


def test_header_for_a_signed_in_user_shows_dashboard_name_and_log_out(client):
    user = _verified(UserFactory(email="an@example.test", full_name="Trần Văn An"))
    client.force_login(user)

    html = client.get("/en/privacy/").content.decode()

    assert '<li><a href="/en/dashboard/">My dashboard</a></li>' in html
    assert '<span class="account-name">Trần Văn An</span>' in html
    assert '<form method="post" action="/en/accounts/logout/">' in html
    assert '<input type="hidden" name="next" value="/en/">' in html
    assert '<button type="submit" class="link-button">Log out</button>' in html
    assert 'href="/en/accounts/login/"' not in html
    assert '<a href="/dashboard/">' in client.get("/privacy/").content.decode()


def test_staff_reach_the_wagtail_admin_login_not_allauths(client, applicant):
    client.force_login(applicant)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_login_required_views_send_visitors_to_allauths_login(settings):
    from django.shortcuts import resolve_url

    assert resolve_url(settings.LOGIN_URL) == "/accounts/login/"


def test_language_switcher_keeps_the_reader_on_the_same_page(client):
    html = client.get("/accounts/login/?next=/dashboard/").content.decode()

    assert 'href="/accounts/login/?next=/dashboard/" lang="vi" hreflang="vi" aria-current' in html
    assert 'href="/en/accounts/login/?next=/dashboard/" lang="en" hreflang="en">' in html
    english = client.get("/en/privacy/").content.decode()
    assert '<a href="/privacy/" lang="vi" hreflang="vi">Tiếng Việt</a>' in english


def test_unverified_user_sees_the_banner_with_a_resend_button(client, mailoutbox):
    user = UserFactory(email="an@example.test")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    client.force_login(user)

    html = client.get("/en/privacy/").content.decode()

    assert (
        "Your e-mail address an@example.test is not verified yet. You may draft proposals "
        "and applications, but you cannot submit them until you verify it"
    ) in html
    assert '<form method="post" action="/en/accounts/email/">' in html
    assert '<input type="hidden" name="email" value="an@example.test">' in html
    response = client.post("/en/accounts/email/", {"email": user.email, "action_send": ""})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["an@example.test"]


def test_verified_user_and_visitors_see_no_banner(client):
    visitor_html = client.get("/privacy/").content.decode()
    client.force_login(_verified(UserFactory(email="an@example.test")))

    html = client.get("/privacy/").content.decode()

    assert "banner-warning" not in html
    assert "banner-warning" not in visitor_html


def test_is_email_verified_remembers_its_answer_on_the_user(django_assert_num_queries):
    user = _verified(UserFactory(email="an@example.test"))
    assert is_email_verified(user) is True
    with django_assert_num_queries(0):
        assert is_email_verified(user) is True  # remembered on the user
    anonymous = SimpleNamespace(is_authenticated=False)
    assert is_email_verified(anonymous) is False
    assert is_email_verified(None) is False


def test_privacy_notice_in_both_languages_states_its_version(client, settings):
    settings.PRIVACY_NOTICE_VERSION = "2026-12"

    vietnamese = client.get("/privacy/")
    english = client.get("/en/privacy/")

    assert (vietnamese.status_code, english.status_code) == (200, 200)
    html = english.content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Privacy notice</h1>" in html
    assert "Version 2026-12" in html
    assert "The provincial Department of Science and Technology runs the portal" in html
    assert "This is version 2026-12." in html
    assert '<a href="/privacy/" lang="vi" hreflang="vi">Tiếng Việt</a>' in html
    html = vietnamese.content.decode()
    assert '<html lang="vi">' in html
    assert "2026-12" in html
    assert '<a href="/en/privacy/" lang="en" hreflang="en">English</a>' in html


# Single sign-on (OpenID Connect)

ISSUER = "https://sso.example.test/realms/province"
AUTHORIZE_URL = f"{ISSUER}/protocol/openid-connect/auth"
TOKEN_URL = f"{ISSUER}/protocol/openid-connect/token"
USERINFO_URL = f"{ISSUER}/protocol/openid-connect/userinfo"
JWKS_URL = f"{ISSUER}/protocol/openid-connect/certs"


@pytest.fixture
def oidc(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "VNeID",
                    "client_id": "portal-client",
                    "secret": "portal-secret",
                    "settings": {"server_url": ISSUER},
                }
            ],
        }
    }


@pytest.fixture
def provider():
    """The provider's endpoints, faked; its id_token is signed with a key made here."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": "test-key", "alg": "RS256", "use": "sig"})
    claims = {
        "sub": "vneid-0123456789",
        "email": "an.tran@example.test",
        "email_verified": True,
        "name": "Trần Văn An",
    }
    now = int(time.time())
    id_token = jwt.encode(
        {**claims, "iss": ISSUER, "aud": "portal-client", "iat": now, "exp": now + 300},
        key,
        algorithm="RS256",
        headers={"kid": "test-key"},
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            f"{ISSUER}/.well-known/openid-configuration",
            json={
                "issuer": ISSUER,
                "authorization_endpoint": AUTHORIZE_URL,
                "token_endpoint": TOKEN_URL,
                "userinfo_endpoint": USERINFO_URL,
                "jwks_uri": JWKS_URL,
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
            },
        )
        mock.get(JWKS_URL, json={"keys": [jwk]})
        token = mock.post(
            TOKEN_URL,
            json={
                "access_token": "access-token",
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
        )
        userinfo = mock.get(USERINFO_URL, json=claims)
        yield SimpleNamespace(mock=mock, token=token, userinfo=userinfo, claims=claims)


def test_oidc_sign_in_button_is_absent_without_settings(client):
    for path in ("/accounts/login/", "/en/accounts/signup/"):
        html = client.get(path).content.decode()
        assert "/accounts/oidc/" not in html
        assert "Sign in with" not in html
        assert 'class="providers"' not in html


def test_oidc_sign_in_button_on_login_and_signup(client, oidc):
    login = client.get("/en/accounts/login/").content.decode()
    signup = client.get("/en/accounts/signup/").content.decode()

    button = (
        '<a class="button button-provider" href="/en/accounts/oidc/sso/login/?process=login">'
        "Sign in with VNeID</a>"
    )
    assert button in login
    assert button in signup


def test_oidc_flow_signs_up_with_consent_and_a_verified_address(client, oidc, provider):
    response = client.post("/accounts/oidc/sso/login/", {"process": "login"})

    assert response.status_code == 302
    authorize = urlsplit(response["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == AUTHORIZE_URL
    params = {name: values[0] for name, values in parse_qs(authorize.query).items()}
    assert params["client_id"] == "portal-client"
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == "http://testserver/accounts/oidc/sso/login/callback/"
    assert sorted(params["scope"].split()) == ["email", "openid", "profile"]
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 12
    challenge = params["code_challenge"]

    callback = client.get(
        "/accounts/oidc/sso/login/callback/", {"code": "one-time-code", "state": params["state"]}
    )

    assert callback.status_code == 302
    assert callback["Location"] == "/accounts/3rdparty/signup/"
    token_request = parse_qs(provider.token.calls[0].request.body)
    assert token_request["code"] == ["one-time-code"]
    assert token_request["client_id"] == ["portal-client"]
    assert token_request["client_secret"] == ["portal-secret"]
    verifier = token_request["code_verifier"][0]
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert expected.rstrip(b"=").decode() == challenge
    assert provider.userinfo.calls[0].request.headers["Authorization"] == "Bearer access-token"
    assert User.objects.count() == 0  # no account before consent

    form = client.get("/accounts/3rdparty/signup/").content.decode()
    assert 'value="an.tran@example.test"' in form
    assert 'value="Trần Văn An"' in form
    assert 'name="privacy_consent"' in form
    refused = client.post(
        "/accounts/3rdparty/signup/",
        {"full_name": "Trần Văn An", "email": "an.tran@example.test", "preferred_language": "vi"},
    )
    assert refused.status_code == 200
    assert User.objects.count() == 0

    response = client.post(
        "/accounts/3rdparty/signup/",
        {
            "full_name": "Trần Văn An",
            "email": "an.tran@example.test",
            "preferred_language": "vi",
            "privacy_consent": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get()
    assert (user.email, user.full_name, user.has_usable_password()) == (
        "an.tran@example.test",
        "Trần Văn An",
        False,
    )
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (
        "an.tran@example.test",
        True,
        True,
    )
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("sso", "vneid-0123456789")
    consent = PrivacyConsent.objects.get(user=user)
    assert consent.notice_version == "2026-11"
    assert AuditEvent.objects.filter(action="privacy.consent", actor=user).count() == 1
    assert int(client.session["_auth_user_id"]) == user.pk
    assert is_email_verified(user) is True


def test_oidc_settings_configure_one_app_when_all_three_are_set():
    from tests.portal.test_settings import _run

    probe = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    )
    off = _run(probe, OIDC_CLIENT_ID="portal-client", OIDC_SERVER_URL=ISSUER)
    on = _run(
        probe,
        OIDC_CLIENT_ID="portal-client",
        OIDC_CLIENT_SECRET="portal-secret",
        OIDC_SERVER_URL=ISSUER,
        OIDC_PROVIDER_NAME="VNeID",
    )

    assert off.returncode == 0, off.stderr
    assert off.stdout.strip().splitlines()[-1] == "{}"
    assert on.returncode == 0, on.stderr
    import json

    assert json.loads(on.stdout.strip().splitlines()[-1]) == {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "VNeID",
                    "client_id": "portal-client",
                    "secret": "portal-secret",
                    "settings": {"server_url": ISSUER},
                }
            ],
        }
    }


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/accounts/login/", False),
        ("/accounts/signup/", False),
        ("/accounts/password/reset/", False),
        ("/accounts/password/reset/done/", False),
        ("/accounts/confirm-email/", False),
        ("/accounts/inactive/", False),
        ("/accounts/logout/", True),
        ("/accounts/email/", True),
        ("/accounts/password/change/", True),
        ("/accounts/3rdparty/", True),
    ],
)
def test_account_pages_render_in_the_sites_layout(client, oidc, prefix, path, signed_in):
    if signed_in:
        client.force_login(_verified(UserFactory(email="an@example.test")))

    response = client.get(prefix + path)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{"en" if prefix else "vi"}">' in html
    assert '<header class="site-header">' in html
    assert '<main id="main" class="wrap account-page' in html
    assert html.count("<h1>") == 1
