from pathlib import Path

from babel.messages.pofile import read_po
from django.utils import translation

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_every_vietnamese_message_is_translated():
    with PO_FILE.open("rb") as handle:
        catalogue = read_po(handle, locale="vi")
    messages = [message for message in catalogue if message.id]

    assert len(messages) > 100
    assert [m.id for m in messages if not m.string or not all(m.string)] == []
    assert [m.id for m in messages if m.fuzzy] == []


def test_compiled_catalogue_is_in_use():
    with translation.override("vi"):
        assert translation.gettext("Open Innovation Portal") == "Cổng đổi mới sáng tạo mở"
    with translation.override("en"):
        assert translation.gettext("Open Innovation Portal") == "Open Innovation Portal"
