"""Files for a blind review: neutral names and copies without document properties.

Each cleaner is checked on a file that names the entrant in the places its format keeps
such things, and the search that proves them gone is first shown to find them in the
original (a search that cannot fail proves nothing)."""

import io
import zipfile
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from challenges.judging.blind import NotAnonymisable, anonymised_copy, neutral_names
from portal.files import check_attachment
from tests.factories.startups import tax_code

ORG = "Công ty Cổ phần Giải pháp Kín Đáo"
TAX_CODE = tax_code(4242)  # a valid one, so the API's tests may give it to an organisation
AUTHOR = "Trần Thị Bảo Mật"
EMAIL = "bao.mat@kindao.example"
NEEDLES = (ORG, TAX_CODE, AUTHOR, EMAIL)

OFFICE = "application/vnd.openxmlformats-officedocument"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def found(data: bytes, needles=NEEDLES) -> set[str]:
    """The needles that appear in the file, wherever its format may keep text: every
    zip member unpacked, every PDF object and stream decoded, the raw bytes in the
    encodings PDF strings use."""
    texts = [data.decode(codec, "ignore") for codec in ("latin-1", "utf-8", "utf-16-be")]
    texts.append(data[1:].decode("utf-16-be", "ignore"))
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            texts += [archive.read(name).decode("utf-8", "ignore") for name in archive.namelist()]
            texts.append(archive.comment.decode("utf-8", "ignore"))
    elif data.startswith(b"%PDF"):
        reader = PdfReader(io.BytesIO(data))
        for number in range(1, int(reader.trailer["/Size"])):
            obj = reader.get_object(number)  # None for a free slot
            if isinstance(obj, StreamObject):
                texts.append(obj.get_data().decode("utf-8", "ignore"))
            texts.append(str(obj))
        texts.append(str(reader.metadata))
    folded = "\n".join(texts).casefold()
    return {needle for needle in needles if needle.casefold() in folded}


# Office documents


def core_xml() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>Thuyết minh của {ORG}</dc:title><dc:subject>MST {TAX_CODE}</dc:subject>"
        f"<dc:creator>{AUTHOR}</dc:creator><cp:keywords>{ORG}</cp:keywords>"
        f"<dc:description>Liên hệ {EMAIL}</dc:description>"
        f"<cp:lastModifiedBy>{EMAIL}</cp:lastModifiedBy><cp:category>{ORG}</cp:category>"
        "<cp:revision>7</cp:revision>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-03-01T08:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-03-02T09:30:00Z</dcterms:modified>'
        "</cp:coreProperties>"
    )


def app_xml() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
        '2006/docPropsVTypes"><Template>Mẫu của Kín Đáo.dotx</Template><Pages>3</Pages>'
        "<Words>812</Words><Application>Microsoft Office Word</Application>"
        f"<Company>{ORG}</Company><Manager>{AUTHOR}</Manager>"
        f'<TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>{ORG}</vt:lpstr>'
        "</vt:vector></TitlesOfParts><HyperlinkBase>https://kindao.example/</HyperlinkBase>"
        "<AppVersion>16.0000</AppVersion></Properties>"
    )


def custom_xml() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
        '2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" '
        f'pid="2" name="MST"><vt:lpwstr>{TAX_CODE}</vt:lpwstr></property></Properties>'
    )


# The body: text that is the entrant's own content, and a tracked change and a comment
# reference whose author attributes name a person.
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:document xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/'
    'markup-compatibility/2006" xmlns:w14="http://schemas.microsoft.com/office/word/2010/'
    'wordml" mc:Ignorable="w14"><w:body><w:p><w:r><w:t>Giải pháp quan trắc nước thải.</w:t>'
    f'</w:r><w:ins w:id="1" w:author="{AUTHOR}" w:date="2026-03-02T09:00:00Z"><w:r>'
    "<w:t>Bổ sung.</w:t></w:r></w:ins></w:p></w:body></w:document>"
)
COMMENTS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="{AUTHOR}" w:initials="TTBM">'
    "<w:p><w:r><w:t>Kiểm tra số liệu.</w:t></w:r></w:p></w:comment></w:comments>"
)
PEOPLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
    f'<w15:person w15:author="{AUTHOR}"><w15:presenceInfo w15:providerId="AD" '
    f'w15:userId="S::{EMAIL}::1234"/></w15:person></w15:people>'
)


def docx_with_properties() -> bytes:
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{OFFICE}.wordprocessingml.'
        'document.main+xml"/>'
        f'<Override PartName="/word/comments.xml" ContentType="{OFFICE}.wordprocessingml.'
        'comments+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.'
        'openxmlformats-package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{OFFICE}.extended-'
        'properties+xml"/>'
        f'<Override PartName="/docProps/custom.xml" ContentType="{OFFICE}.custom-'
        'properties+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{DOC_RELS}/extended-properties" '
        'Target="docProps/app.xml"/>'
        f'<Relationship Id="rId4" Type="{DOC_RELS}/custom-properties" '
        'Target="docProps/custom.xml"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = ORG.encode()
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", DOCUMENT_XML)
        archive.writestr("word/comments.xml", COMMENTS_XML)
        archive.writestr("word/people.xml", PEOPLE_XML)
        archive.writestr("docProps/core.xml", core_xml())
        archive.writestr("docProps/app.xml", app_xml())
        archive.writestr("docProps/custom.xml", custom_xml())
    return buffer.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_docx_loses_its_properties_and_keeps_its_content():
    original = docx_with_properties()
    assert found(original) == set(NEEDLES)

    cleaned = anonymised_copy(original, "docx")

    assert found(cleaned) == set()
    parts = members(cleaned)
    assert list(parts) == [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/comments.xml",
        "word/people.xml",
        "docProps/core.xml",
        "docProps/app.xml",
    ]
    # The custom properties are gone with every reference to them.
    assert b"custom" not in parts["[Content_Types].xml"]
    assert b"custom" not in parts["_rels/.rels"]
    assert parts["_rels/.rels"].count(b"<Relationship ") == 3
    core = parts["docProps/core.xml"].decode()
    for element in ("dc:title", "dc:subject", "dc:creator", "cp:keywords", "dc:description"):
        assert f"<{element}></{element}>" in core
    assert "<cp:lastModifiedBy></cp:lastModifiedBy>" in core
    assert ">2026-03-01T08:00:00Z</dcterms:created>" in core  # dates name nobody
    app = parts["docProps/app.xml"].decode()
    assert "<Company></Company>" in app and "<Manager></Manager>" in app
    assert "<Pages>3</Pages>" in app and "<Words>812</Words>" in app
    assert "Template" not in app and "TitlesOfParts" not in app and "Hyperlink" not in app
    # The body is untouched but for the people named in its markup; prefixes (which
    # mc:Ignorable refers to) stay as they were.
    assert (
        parts["word/document.xml"]
        == DOCUMENT_XML.replace(f'w:author="{AUTHOR}"', 'w:author=""').encode()
    )
    assert b'w:initials=""' in parts["word/comments.xml"]
    assert b'w15:userId=""' in parts["word/people.xml"]
    # Still a Word document by the upload checks' standard.
    upload = SimpleUploadedFile("x.docx", cleaned)
    assert check_attachment(upload, max_bytes=10**6).extension == "docx"


def test_docx_without_custom_properties_keeps_its_package_parts_as_they_were():
    original = docx_with_properties()
    parts = members(original)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            if name != "docProps/custom.xml":
                archive.writestr(name, content)

    cleaned = members(anonymised_copy(buffer.getvalue(), "docx"))

    assert cleaned["[Content_Types].xml"] == parts["[Content_Types].xml"]
    assert cleaned["_rels/.rels"] == parts["_rels/.rels"]


def test_xlsx_written_by_openpyxl_still_opens_without_its_properties():
    workbook = Workbook()
    workbook.active["A1"] = "Dự toán"
    workbook.active["B2"] = 1_500_000_000
    workbook.properties.creator = AUTHOR
    workbook.properties.lastModifiedBy = EMAIL
    workbook.properties.title = ORG
    workbook.properties.subject = TAX_CODE
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert found(buffer.getvalue()) == set(NEEDLES)

    cleaned = anonymised_copy(buffer.getvalue(), "xlsx")

    assert found(cleaned) == set()
    reopened = load_workbook(io.BytesIO(cleaned))
    assert (reopened.active["A1"].value, reopened.active["B2"].value) == ("Dự toán", 1_500_000_000)
    assert reopened.properties.creator in (None, "")


def test_damaged_office_file_is_not_anonymisable():
    with pytest.raises(NotAnonymisable):
        anonymised_copy(b"PK\x03\x04 not really a zip", "docx")


# PDF


def pdf_with_properties() -> bytes:
    """A PDF naming the entrant in its information dictionary, a compressed XMP stream
    of the document, one of its page, and an earlier revision's information dictionary
    kept by an incremental save."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    writer.add_metadata(
        {"/Author": AUTHOR, "/Title": f"Hồ sơ {ORG}", "/Subject": f"MST {TAX_CODE}"}
    )
    writer.xmp_metadata = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
        '02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator>{ORG}</dc:creator><dc:rights>{EMAIL}</dc:rights></rdf:Description>"
        "</rdf:RDF></x:xmpmeta>"
    ).encode()
    page_xmp = StreamObject()
    page_xmp.set_data(f"<x:xmpmeta><pdf:Producer>{TAX_CODE}</pdf:Producer></x:xmpmeta>".encode())
    page[NameObject("/Metadata")] = writer._add_object(page_xmp.flate_encode())
    page[NameObject("/PieceInfo")] = DictionaryObject()
    first = io.BytesIO()
    writer.write(first)

    update = PdfWriter(io.BytesIO(first.getvalue()), incremental=True)
    update.add_metadata({"/Title": "Hồ sơ dự thi"})
    second = io.BytesIO()
    update.write(second)
    return second.getvalue()


def test_pdf_loses_its_information_dictionary_and_xmp_and_earlier_revisions():
    original = pdf_with_properties()
    assert found(original) == set(NEEDLES)

    cleaned = anonymised_copy(original, "pdf")

    assert found(cleaned) == set()
    reader = PdfReader(io.BytesIO(cleaned))
    assert reader.metadata is None
    assert "/Metadata" not in reader.root_object
    assert len(reader.pages) == 1
    assert "/Metadata" not in reader.pages[0] and "/PieceInfo" not in reader.pages[0]
    assert cleaned.count(b"%%EOF") == 1  # one revision


def test_pdf_locked_with_a_password_is_not_anonymisable():
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_metadata({"/Author": AUTHOR})
    writer.encrypt("mat-khau")
    buffer = io.BytesIO()
    writer.write(buffer)

    with pytest.raises(NotAnonymisable):
        anonymised_copy(buffer.getvalue(), "pdf")


def test_pdf_with_only_an_owner_password_is_cleaned():
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_metadata({"/Author": AUTHOR, "/Subject": TAX_CODE})
    writer.encrypt(user_password="", owner_password="chu-so-huu")
    buffer = io.BytesIO()
    writer.write(buffer)

    cleaned = anonymised_copy(buffer.getvalue(), "pdf")

    assert PdfReader(io.BytesIO(cleaned)).metadata is None
    assert found(cleaned) == set()


def test_damaged_pdf_is_not_anonymisable():
    with pytest.raises(NotAnonymisable):
        anonymised_copy(b"%PDF-1.7\nnothing else", "pdf")


# Images


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def picture() -> Image.Image:
    image = Image.new("RGB", (32, 24), (11, 83, 148))
    image.putpixel((3, 4), (250, 10, 10))
    return image


def test_png_loses_its_text_and_keeps_its_pixels():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", AUTHOR)
    info.add_itxt("Copyright", ORG)
    info.add_text("Comment", f"MST {TAX_CODE} {EMAIL}")
    buffer = io.BytesIO()
    picture().save(buffer, format="PNG", pnginfo=info)
    original = buffer.getvalue() + ORG.encode()  # and something after the image's end
    assert found(original) == set(NEEDLES)

    cleaned = anonymised_copy(original, "png")

    assert found(cleaned) == set()
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.text == {}
    assert pixels(cleaned) == pixels(original)


def test_jpeg_loses_exif_xmp_and_comments_and_keeps_its_pixels():
    exif = Image.Exif()
    exif[0x013B] = "Tran Thi Bao Mat"  # Artist (EXIF text is ASCII)
    exif[0x8298] = "Kin Dao JSC"  # Copyright
    exif[0x010E] = f"MST {TAX_CODE}"  # ImageDescription
    buffer = io.BytesIO()
    picture().save(
        buffer,
        format="JPEG",
        quality=90,
        exif=exif,
        comment=EMAIL.encode(),
        xmp=f"<x:xmpmeta><dc:creator>{AUTHOR}</dc:creator><dc:rights>{ORG}</dc:rights>"
        "</x:xmpmeta>".encode(),
        progressive=True,
    )
    original = buffer.getvalue()
    needles = (*NEEDLES, "Tran Thi Bao Mat", "Kin Dao JSC")
    assert found(original, needles) == set(needles)

    cleaned = anonymised_copy(original, "jpg")

    assert found(cleaned, needles) == set()
    with Image.open(io.BytesIO(cleaned)) as image:
        assert not image.getexif()
        assert "comment" not in image.info and "xmp" not in image.info
    assert pixels(cleaned) == pixels(original)


def test_damaged_images_are_not_anonymisable():
    for data, extension in ((b"\x89PNG\r\n\x1a\n\x00\x00", "png"), (b"\xff\xd8\xff", "jpg")):
        with pytest.raises(NotAnonymisable):
            anonymised_copy(data, extension)


def test_unknown_type_is_not_anonymisable():
    with pytest.raises(NotAnonymisable):
        anonymised_copy(b"plain text", "txt")


# Names


def test_neutral_names_number_files_per_kind_in_upload_order():
    files = [
        SimpleNamespace(pk=7, kind="technical", content_type="application/pdf", file=None),
        SimpleNamespace(pk=3, kind="pitch_deck", content_type=f"{OFFICE}.presentationml."
                        "presentation", file=None),
        SimpleNamespace(pk=9, kind="technical", content_type=f"{OFFICE}.wordprocessingml."
                        "document", file=None),
        SimpleNamespace(pk=4, kind="other", content_type="image/jpeg", file=None),
    ]  # fmt: skip

    assert neutral_names(files) == {
        7: "technical-1.pdf",
        3: "pitch-deck-1.pptx",
        9: "technical-2.docx",
        4: "other-1.jpg",
    }
