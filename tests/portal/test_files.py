import hashlib
import io
import re
import struct
import warnings
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook
from PIL import Image

from portal.files import AttachmentCheck, check_attachment

MAX_BYTES = 20 * 1024 * 1024
NOT_ACCEPTED = (
    "Upload a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), PNG or JPEG file "
    "(the file's content is not one)."
)
UNSAFE_STRUCTURE = "The document's internal structure is unsafe; it cannot be accepted."
MACROS = (
    "The document contains macros. Save it as a macro-free document "
    "(.docx, .xlsx or .pptx) and upload it again."
)

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
OFFICE = "application/vnd.openxmlformats-officedocument"
DOCX_MAIN = f"{OFFICE}.wordprocessingml.document.main+xml"
PPTX_MAIN = f"{OFFICE}.presentationml.presentation.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
VBA = "application/vnd.ms-office.vbaProject"
DOCUMENT_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>Thuy\xe1\xba\xbft minh</w:t></w:r></w:p></w:body></w:document>"
)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def content_types(overrides, defaults=(("rels", RELS_TYPE), ("xml", "application/xml"))):
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{CT_NS}">'
        + "".join(f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in defaults)
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    ).encode()


def package(parts, *, main="word/document.xml", main_type=DOCX_MAIN, types=None):
    """A zip container with [Content_Types].xml declaring `main` as `main_type`, the
    package relationship to it, the main part and `parts` ((name, bytes) pairs)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types or content_types([(f"/{main}", main_type)]))
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/officeDocument" Target="{main}"/></Relationships>',
        )
        archive.writestr(main, DOCUMENT_XML if main == "word/document.xml" else b"<p/>")
        for name, data in parts:
            archive.writestr(name, data)
    return buffer.getvalue()


def docx():
    return package([])


def xlsx():
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active["A1"] = "Dự toán"
    workbook.save(buffer)
    return buffer.getvalue()


def pptx():
    return package([], main="ppt/presentation.xml", main_type=PPTX_MAIN)


def picture(fmt, size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 83, 148)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name, data):
    # The declared content type is a lie on purpose: only the content counts.
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def refusal(file, *, max_bytes=MAX_BYTES):
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            check_attachment(file, max_bytes=max_bytes)
        return error.value.code, error.value.messages


def patch_central_directory(data, name, **fields):
    """Rewrite fields of `name`'s central-directory entry (and its local header's flags):
    what the archive declares, not what it holds."""
    data = bytearray(data)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        (name_length,) = struct.unpack_from("<H", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == name.encode():
            break
        at = data.find(b"PK\x01\x02", at + 46)
    assert at >= 0
    if "flags" in fields:
        (local_header,) = struct.unpack_from("<L", data, at + 42)
        struct.pack_into("<H", data, at + 8, fields["flags"])
        struct.pack_into("<H", data, local_header + 6, fields["flags"])
    if "compress_size" in fields:
        struct.pack_into("<L", data, at + 20, fields["compress_size"])
    if "file_size" in fields:
        struct.pack_into("<L", data, at + 24, fields["file_size"])
    return bytes(data)


# Accepted files


@pytest.mark.parametrize(
    ("make", "name", "extension", "content_type"),
    [
        (lambda: PDF, "Đề xuất kỹ thuật.pdf", "pdf", "application/pdf"),
        (docx, "Thuyết minh.docx", "docx", f"{OFFICE}.wordprocessingml.document"),
        (xlsx, "Dự toán.xlsx", "xlsx", f"{OFFICE}.spreadsheetml.sheet"),
        (pptx, "Pitch deck.pptx", "pptx", f"{OFFICE}.presentationml.presentation"),
        (lambda: picture("PNG"), "Sơ đồ.png", "png", "image/png"),
        (lambda: picture("JPEG"), "Ảnh hiện trường.jpeg", "jpg", "image/jpeg"),
    ],
    ids=["pdf", "docx", "xlsx", "pptx", "png", "jpg"],
)
def test_check_attachment_accepts_each_type(make, name, extension, content_type):
    data = make()

    check = check_attachment(upload(name, data), max_bytes=MAX_BYTES)

    assert check == AttachmentCheck(
        extension=extension,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        display_name=name,
        storage_name=check.storage_name,
    )
    assert re.fullmatch(rf"[\w-]{{32}}\.{extension}", check.storage_name, flags=re.ASCII)


@pytest.mark.parametrize(
    ("make", "name", "extension", "display_name"),
    [
        (lambda: picture("PNG"), "deck.pdf", "png", "deck.pdf.png"),
        (docx, "budget.xlsx", "docx", "budget.xlsx.docx"),
        (lambda: PDF, "scan.jpg", "pdf", "scan.jpg.pdf"),
    ],
    ids=["png-named-pdf", "docx-named-xlsx", "pdf-named-jpg"],
)
def test_check_attachment_content_decides_not_the_name(make, name, extension, display_name):
    check = check_attachment(upload(name, make()), max_bytes=MAX_BYTES)

    assert (check.extension, check.display_name) == (extension, display_name)


@pytest.mark.parametrize(
    ("name", "display_name"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\lan\\Desktop\\Báo cáo.pdf", "Báo cáo.pdf"),
        ("\\\\server\\share\\..\\hồ sơ.PDF", "hồ sơ.PDF"),
        ("Dự toán\x00\x1b\t\r\n  2025\u202e.pdf", "Dự toán 2025.pdf"),
        ("Ho\u0302\u0300 so\u031b.pdf", "Hồ sơ.pdf"),  # decomposed, as macOS sends it
        ('a:b*c?"d"<e>|f.pdf', "abcdef.pdf"),
        ("a" * 200 + ".pdf", "a" * 116 + ".pdf"),
        ("b" * 200, "b" * 116 + ".pdf"),
        ("   .pdf", "attachment.pdf"),
        ("..", "attachment.pdf"),
        ("reports/", "attachment.pdf"),
        ("\x00\x07", "attachment.pdf"),
        ("", "attachment.pdf"),
    ],
)
def test_check_attachment_display_name_is_made_safe(name, display_name):
    # A bare File keeps the name as sent (upload classes already drop "/" directories).
    check = check_attachment(File(io.BytesIO(PDF), name=name), max_bytes=MAX_BYTES)

    assert check.display_name == display_name
    assert len(check.display_name) <= 120


def test_check_attachment_sha256_covers_every_chunk_and_rewinds():
    data = PDF + bytes(range(256)) * 1200  # about 300 KB: several 64 KB chunks
    file = upload("deck.pdf", data)

    check = check_attachment(file, max_bytes=MAX_BYTES)

    assert (check.sha256, check.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert file.tell() == 0


def test_check_attachment_storage_names_are_random():
    first = check_attachment(upload("secret plan.pdf", PDF), max_bytes=MAX_BYTES)
    second = check_attachment(upload("secret plan.pdf", PDF), max_bytes=MAX_BYTES)

    assert first.storage_name != second.storage_name
    assert "secret" not in first.storage_name


# Refused files


def test_check_attachment_empty_file_is_refused():
    assert refusal(upload("empty.pdf", b"")) == ("file_empty", ["The file is empty."])


def test_check_attachment_oversized_file_is_refused():
    assert refusal(upload("big.pdf", PDF + b"x" * 2000), max_bytes=1000) == (
        "file_too_large",
        ["The file is too large (2.0\xa0KB); the limit is 1000\xa0bytes."],
    )


@pytest.mark.parametrize(
    "data",
    [
        b"Just some notes, typed in a text editor.\n",
        b"GIF89a" + b"\0" * 100,
        b"MZ\x90\0" + b"\0" * 100,
        b"<html><script>alert(1)</script></html>",
        b"PK\x05\x06" + b"\0" * 18,  # an empty zip
    ],
    ids=["text", "gif", "exe", "html", "empty-zip"],
)
def test_check_attachment_other_content_named_docx_is_refused(data):
    assert refusal(upload("report.docx", data)) == ("file_type", [NOT_ACCEPTED])


@pytest.mark.parametrize(
    "data",
    [
        package([], types=content_types([])),  # a plain zip: nothing declared
        package([], types=b"<Types/>"),  # no OPC namespace
        package([], types=b"<Types"),  # not XML
        package([], types=content_types([("/word/missing.xml", DOCX_MAIN)])),
        package([], main_type=f"{OFFICE}.wordprocessingml.template.main+xml"),  # .dotx
        package([], main_type=f"{OFFICE}.presentationml.slideshow.main+xml"),  # .ppsx
        package(
            [("ppt/presentation.xml", b"<p/>")],
            types=content_types(
                [("/word/document.xml", DOCX_MAIN), ("/ppt/presentation.xml", PPTX_MAIN)]
            ),
        ),
    ],
    ids=["plain", "no-namespace", "not-xml", "main-part-missing", "dotx", "ppsx", "two-kinds"],
)
def test_check_attachment_zip_that_is_not_a_document_is_refused(data):
    assert refusal(upload("report.docx", data)) == ("file_type", [NOT_ACCEPTED])


def test_check_attachment_plain_zip_without_content_types_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")

    assert refusal(upload("notes.docx", buffer.getvalue())) == ("file_type", [NOT_ACCEPTED])


@pytest.mark.parametrize(
    "data",
    [
        package([("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")], main_type=DOCM_MAIN),
        package([("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")]),  # .docm renamed .docx
        package(
            [("word/code.bin", b"\xd0\xcf\x11\xe0")],
            types=content_types(
                [("/word/document.xml", DOCX_MAIN)],
                defaults=[("rels", RELS_TYPE), ("xml", "application/xml"), ("bin", VBA)],
            ),
        ),
        package(
            [],
            main="xl/workbook.xml",
            main_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        ),
        package(
            [],
            main="ppt/presentation.xml",
            main_type="application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
        ),
    ],
    ids=["docm", "docm-typed-as-docx", "vba-under-another-name", "xlsm", "pptm"],
)
def test_check_attachment_macros_are_refused(data):
    assert refusal(upload("report.docx", data)) == ("file_unsafe", [MACROS])


def test_check_attachment_zip_bomb_is_refused():
    # 200 MB of zeros deflate to under 1 MB: refused from the directory, never unpacked.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", content_types([("/word/document.xml", DOCX_MAIN)]))
        with archive.open("word/document.xml", "w") as member:
            zeros = bytes(1024 * 1024)
            for _ in range(200):
                member.write(zeros)

    assert refusal(upload("bomb.docx", buffer.getvalue())) == (
        "file_unsafe",
        ["The document is compressed abnormally (a possible zip bomb) and is refused."],
    )


def test_check_attachment_declared_unpacked_size_over_limit_is_refused():
    # The directory claims 150 MB from 2 MB (75:1, under the ratio limit): the declared
    # total alone is refused.
    data = patch_central_directory(
        docx(), "word/document.xml", file_size=150 * 1024 * 1024, compress_size=2 * 1024 * 1024
    )

    assert refusal(upload("big.docx", data)) == (
        "file_unsafe",
        ["The document is too large once unpacked (more than 100.0\xa0MB)."],
    )


def many_members(count):
    return package([(f"word/media/{i}.xml", b"") for i in range(count)])


def claim_member_count(data, count):
    data = bytearray(data)
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, count, count)
    return bytes(data)


@pytest.mark.parametrize(
    "make",
    [lambda: many_members(3000), lambda: claim_member_count(many_members(3000), 10)],
    ids=["declared", "end-record-lies"],
)
def test_check_attachment_too_many_members_is_refused(make):
    assert refusal(upload("many.docx", make())) == (
        "file_unsafe",
        ["The document has too many parts (more than 2000)."],
    )


def test_check_attachment_encrypted_member_is_refused():
    data = patch_central_directory(docx(), "word/document.xml", flags=0x1)

    assert refusal(upload("secret.docx", data)) == (
        "file_unsafe",
        ["The document contains encrypted parts. Upload it without a password."],
    )


@pytest.mark.parametrize(
    "name",
    ["../evil.xml", "word/../../evil.xml", "word\\..\\..\\evil.xml", "/etc/cron.d/job", "C:/x.dll"],
)
def test_check_attachment_unsafe_member_name_is_refused(name):
    assert refusal(upload("report.docx", package([(name, b"x")]))) == (
        "file_unsafe",
        [UNSAFE_STRUCTURE],
    )


def test_check_attachment_duplicate_member_is_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: "Duplicate name"
        data = package([("WORD/document.xml", b"<other/>")])

    assert refusal(upload("report.docx", data)) == ("file_unsafe", [UNSAFE_STRUCTURE])


@pytest.mark.parametrize(
    "types",
    [
        b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Types xmlns="' + CT_NS.encode() + b'">&b;</Types>',
        content_types([("/word/document.xml", DOCX_MAIN)]) + b"<!--" + b" " * 300_000 + b"-->",
    ],
    ids=["entities", "oversized"],
)
def test_check_attachment_hostile_content_types_are_refused(types):
    assert refusal(upload("report.docx", package([], types=types))) == (
        "file_unsafe",
        [UNSAFE_STRUCTURE],
    )


def test_check_attachment_image_over_pixel_limit_is_refused():
    # A tiny PNG whose header claims 30,000 × 30,000 pixels.
    data = bytearray(picture("PNG", size=(1, 1)))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", 30_000, 30_000)
    struct.pack_into(">I", data, ihdr + 17, zlib.crc32(bytes(data[ihdr : ihdr + 17])))

    assert refusal(upload("map.png", bytes(data))) == (
        "file_unsafe",
        ["The image has too many pixels (at most 24 million)."],
    )


def test_check_attachment_corrupt_png_is_refused():
    data = bytearray(picture("PNG"))
    data[data.index(b"IDAT") + 6] ^= 0xFF  # the chunk's checksum no longer matches

    assert refusal(upload("map.png", bytes(data))) == ("file_type", [NOT_ACCEPTED])
