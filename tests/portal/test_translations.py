import re
from pathlib import Path

from django.utils import translation

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_every_vietnamese_message_is_translated():
    source = PO_FILE.read_text(encoding="utf-8")
    entries = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', source, flags=re.MULTILINE)

    assert len(entries) > 50
    assert [msgid for msgid, msgstr in entries if not msgstr] == []
    assert "#, fuzzy" not in source


def test_compiled_catalogue_is_in_use():
    with translation.override("vi"):
        assert translation.gettext("Open Innovation Portal") == "Cổng đổi mới sáng tạo mở"
    with translation.override("en"):
        assert translation.gettext("Open Innovation Portal") == "Open Innovation Portal"
