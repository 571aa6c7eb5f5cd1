from pathlib import Path

import allauth
import pytest
from babel.messages.pofile import read_po
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
# Vietnamese for django-allauth's messages (allauth ships none), an app catalogue.
ALLAUTH_PO_FILE = ROOT / "vendor_locale" / "vi" / "LC_MESSAGES" / "django.po"
ALLAUTH_SOURCE = Path(allauth.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _read(path):
    with path.open("rb") as handle:
        return read_po(handle, locale="vi")


@pytest.mark.parametrize(("path", "at_least"), [(PO_FILE, 100), (ALLAUTH_PO_FILE, 200)])
def test_every_vietnamese_message_is_translated(path, at_least):
    messages = [message for message in _read(path) if message.id]

    assert len(messages) > at_least
    assert [m.id for m in messages if not m.string or not all(m.string)] == []
    assert [m.id for m in messages if m.fuzzy] == []


def test_allauth_catalogue_holds_allauths_own_msgids():
    source = {(m.context, str(m.id)) for m in _read(ALLAUTH_SOURCE) if m.id}
    ours = {(m.context, str(m.id)) for m in _read(ALLAUTH_PO_FILE) if m.id}

    assert ours - source == set()
    # The flows people meet: log-in, sign-up, verification, passwords, lock-out, SSO.
    for msgid in [
        "Sign In",
        "Sign Up",
        "Forgot your password?",
        "Confirm Email Address",
        "Please Confirm Your Email Address",
        "Password Reset Email",
        "Change Password",
        "Too many failed login attempts. Try again later.",
        "You have signed out.",
        "You are about to use your %(provider_name)s account to login to\n"
        "%(site_name)s. As a final step, please complete the following form:",
    ]:
        assert (None, msgid) in ours, msgid
    assert ("field label", "Login") in ours


def test_compiled_catalogue_is_in_use():
    with translation.override("vi"):
        assert translation.gettext("Open Innovation Portal") == "Cổng đổi mới sáng tạo mở"
        assert translation.gettext("Forgot your password?") == "Bạn quên mật khẩu?"
        assert translation.pgettext("field label", "Login") == "Tên đăng nhập"
    with translation.override("en"):
        assert translation.gettext("Open Innovation Portal") == "Open Innovation Portal"
        assert translation.gettext("Forgot your password?") == "Forgot your password?"
