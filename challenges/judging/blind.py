"""Blind review: files that reach jurors without saying who sent them.

A blind challenge's jurors never see the organisation or its people, and neither may
its files betray them: each attachment gets a neutral name (its kind, its number among
the entry's files of that kind, its extension: "technical-1.pdf"), and is served as a
cleaned copy without its document properties. The stored file is never changed (its
SHA-256 is the applicant's receipt); the copy is made at each download.

What is removed, by type (the types `portal.files.check_attachment` accepts):

- Word, Excel, PowerPoint: the core properties (author, last editor, title, subject,
  keywords, description and the rest; the dates stay), the application's properties
  (company, manager, template, hyperlink base, titles of parts), the custom properties
  part with its references; and the names of the people in comments and tracked
  changes (`author`, `initials`, `userId` attributes, comment author lists).
- PDF: the document information dictionary and every XMP metadata stream (of the
  document, its pages, its images), and page-piece data. The file is written anew from
  its reachable objects, so earlier revisions kept by incremental saves go too.
- PNG and JPEG: every chunk or segment that is not image data, colour or resolution
  (EXIF, XMP, IPTC, text and comments), and anything after the end of the image.
  Pixels are copied as they are.

What the entrant wrote in the content itself (a logo on a slide, a name in the text) is
theirs to leave out; the call's rules say so.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as parse_xml
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from portal.errors import Conflict
from portal.files import ATTACHMENT_CONTENT_TYPES
from portal.storage import private_file_response

OFFICE_EXTENSIONS = frozenset({"docx", "xlsx", "pptx"})
_EXTENSION_BY_CONTENT_TYPE = {ctype: ext for ext, ctype in ATTACHMENT_CONTENT_TYPES.items()}


class NotAnonymisable(Exception):
    """The file cannot be read well enough to clean it (damaged, or a PDF locked with a
    password): it must not reach a blind review as it is."""


# Names


def attachment_extension(attachment) -> str:
    """The extension of the attachment's checked type ("pdf", "docx", "jpg"...)."""
    extension = _EXTENSION_BY_CONTENT_TYPE.get(attachment.content_type)
    if extension is None:  # never for files checked at upload; the stored name says it
        extension = attachment.file.name.rpartition(".")[2].lower() or "bin"
    return extension


def neutral_names(attachments) -> dict[int, str]:
    """Names that say what each file is and nothing of who sent it: "technical-1.pdf",
    "technical-2.docx", "budget-1.xlsx", numbered per kind in the order given (the
    entry's files in upload order), by attachment id."""
    counts: dict[str, int] = {}
    names = {}
    for attachment in attachments:
        counts[attachment.kind] = counts.get(attachment.kind, 0) + 1
        kind = attachment.kind.replace("_", "-")
        names[attachment.pk] = (
            f"{kind}-{counts[attachment.kind]}.{attachment_extension(attachment)}"
        )
    return names


# The served copy


def blind_file_response(attachment, *, filename: str):
    """The attachment as a download for a blind review: a cleaned copy under `filename`
    (a neutral name). A file that cannot be cleaned is refused (Conflict), never sent as
    it is; a file gone from the storage is a 404."""
    try:
        with attachment.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    try:
        cleaned = anonymised_copy(data, attachment_extension(attachment))
    except NotAnonymisable:
        raise Conflict(
            _(
                "This file cannot be shown without its document properties, as the blind "
                "review requires. Ask the programme's managers for it."
            )
        ) from None
    return private_file_response(
        ContentFile(cleaned), filename=filename, content_type=attachment.content_type
    )


def anonymised_copy(data: bytes, extension: str) -> bytes:
    """A copy of a file's bytes without what would identify its authors (see the
    module's docstring), for an attachment of type `extension`. Raises NotAnonymisable
    for a file that cannot be read, or of a type this module does not know."""
    if extension in OFFICE_EXTENSIONS:
        return _office(data)
    if extension == "pdf":
        return _pdf(data)
    if extension == "png":
        return _png(data)
    if extension in {"jpg", "jpeg"}:
        return _jpeg(data)
    raise NotAnonymisable(f"no cleaner for .{extension}")


# Office documents (OOXML): a zip of XML parts

_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_CORE_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_DCTERMS_NS = "http://purl.org/dc/terms/"
_APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_DEFAULT_PROPERTY_PARTS = {
    "core": "docprops/core.xml",
    "app": "docprops/app.xml",
    "custom": "docprops/custom.xml",
}
# Counts and settings of the application's properties: nothing in them names anyone.
_APP_KEPT = (
    "TotalTime",
    "Pages",
    "Words",
    "Characters",
    "CharactersWithSpaces",
    "Lines",
    "Paragraphs",
    "Slides",
    "Notes",
    "HiddenSlides",
    "MMClips",
    "PresentationFormat",
    "Application",
    "AppVersion",
    "DocSecurity",
    "ScaleCrop",
    "LinksUpToDate",
    "SharedDoc",
    "HyperlinksChanged",
)
_CORE_EMPTIED = (
    ("dc", "title"),
    ("dc", "subject"),
    ("dc", "creator"),
    ("cp", "keywords"),
    ("dc", "description"),
    ("cp", "lastModifiedBy"),
)

# People in comments and tracked changes, wherever a part names them.
_PERSON_ATTRIBUTE = re.compile(
    rb"""(\s(?:[\w.-]+:)?(?:author|initials|userId)\s*=\s*)(?:"[^"]*"|'[^']*')"""
)
_PERSON_NAME_ATTRIBUTE = re.compile(
    rb"""(<(?:[\w.-]+:)?(?:person|cmAuthor)\b[^>]*?\s(?:displayName|name)\s*=\s*)"""
    rb"""(?:"[^"]*"|'[^']*')"""
)
_AUTHOR_ELEMENT = re.compile(rb"(<((?:[\w.-]+:)?author)(?:\s[^>]*)?>)[^<]*(</\2\s*>)")


def _office(data: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            members = source.infolist()
            names = {member.filename.lower(): member for member in members}
            parts = _property_parts(source, names)
            dropped = parts.get("custom")
            output = io.BytesIO()
            with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
                for member in members:
                    name = member.filename.lower()
                    if name == dropped or member.is_dir():
                        continue
                    content = source.read(member)
                    if name == parts.get("core"):
                        content = _core_properties(content)
                    elif name == parts.get("app"):
                        content = _app_properties(content)
                    elif dropped and name == "[content_types].xml":
                        content = _content_types_without(content, dropped)
                    elif dropped and name == "_rels/.rels":
                        content = _relationships_without(content, dropped)
                    elif name.endswith(".xml"):
                        content = _without_people(content)
                    # A new entry: no extra fields, comments or the sender's file system.
                    info = zipfile.ZipInfo(member.filename, date_time=member.date_time)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    target.writestr(info, content)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise NotAnonymisable(str(error)) from error
    return output.getvalue()


def _parse(content: bytes):
    try:
        return parse_xml(content, forbid_dtd=True)
    except (DefusedXmlException, ParseError) as error:
        raise NotAnonymisable(f"unreadable XML part: {error}") from error


def _property_parts(source: zipfile.ZipFile, names: dict) -> dict[str, str]:
    """Where the package's properties are (lower-case part names): where its
    relationships say, else where Office puts them."""
    parts = {role: name for role, name in _DEFAULT_PROPERTY_PARTS.items() if name in names}
    rels = names.get("_rels/.rels")
    if rels is None:
        return parts
    for relation in _parse(source.read(rels)).iter(f"{{{_RELS_NS}}}Relationship"):
        kind = relation.get("Type", "").rsplit("/", 1)[-1]
        target = posixpath.normpath(relation.get("Target", "").lstrip("/")).lower()
        role = {
            "core-properties": "core",
            "extended-properties": "app",
            "custom-properties": "custom",
        }.get(kind)
        if role and relation.get("TargetMode") != "External" and target in names:
            parts[role] = target
    return parts


def _text_of(root, namespace: str, name: str) -> str | None:
    element = root.find(f"{{{namespace}}}{name}")
    return None if element is None or not element.text else element.text.strip()


def _core_properties(content: bytes) -> bytes:
    """Core properties written anew: the identifying ones empty, the dates kept."""
    try:
        root = _parse(content)
    except NotAnonymisable:
        root = None
    body = [f"<{prefix}:{name}></{prefix}:{name}>" for prefix, name in _CORE_EMPTIED]
    for name in ("created", "modified"):
        value = _text_of(root, _DCTERMS_NS, name) if root is not None else None
        if value:
            body.append(
                f'<dcterms:{name} xsi:type="dcterms:W3CDTF">{escape(value)}</dcterms:{name}>'
            )
    return (
        _XML_DECLARATION + f'<cp:coreProperties xmlns:cp="{_CORE_NS}" xmlns:dc="{_DC_NS}" '
        f'xmlns:dcterms="{_DCTERMS_NS}" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        f'xmlns:xsi="{_XSI_NS}">' + "".join(body) + "</cp:coreProperties>"
    ).encode()


def _app_properties(content: bytes) -> bytes:
    """Application properties written anew: counts and settings kept, the company and
    manager empty, the rest (template, hyperlink base, titles of parts) left out."""
    try:
        root = _parse(content)
    except NotAnonymisable:
        root = None
    body = []
    for name in _APP_KEPT:
        value = _text_of(root, _APP_NS, name) if root is not None else None
        if value:
            body.append(f"<{name}>{escape(value)}</{name}>")
    body += ["<Company></Company>", "<Manager></Manager>"]
    return (
        _XML_DECLARATION + f'<Properties xmlns="{_APP_NS}" xmlns:vt="'
        'http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        + "".join(body)
        + "</Properties>"
    ).encode()


def _content_types_without(content: bytes, part: str) -> bytes:
    root = _parse(content)
    entries = [
        f"<Default Extension={quoteattr(e.get('Extension', ''))} "
        f"ContentType={quoteattr(e.get('ContentType', ''))}/>"
        for e in root.iter(f"{{{_TYPES_NS}}}Default")
    ] + [
        f"<Override PartName={quoteattr(e.get('PartName', ''))} "
        f"ContentType={quoteattr(e.get('ContentType', ''))}/>"
        for e in root.iter(f"{{{_TYPES_NS}}}Override")
        if e.get("PartName", "").lstrip("/").lower() != part
    ]
    return (
        _XML_DECLARATION + f'<Types xmlns="{_TYPES_NS}">' + "".join(entries) + "</Types>"
    ).encode()


def _relationships_without(content: bytes, part: str) -> bytes:
    root = _parse(content)
    entries = []
    for relation in root.iter(f"{{{_RELS_NS}}}Relationship"):
        if relation.get("Target", "").lstrip("/").lower() == part:
            continue
        attributes = " ".join(
            f"{name}={quoteattr(relation.get(name))}"
            for name in ("Id", "Type", "Target", "TargetMode")
            if relation.get(name) is not None
        )
        entries.append(f"<Relationship {attributes}/>")
    return (
        _XML_DECLARATION
        + f'<Relationships xmlns="{_RELS_NS}">'
        + "".join(entries)
        + "</Relationships>"
    ).encode()


def _without_people(content: bytes) -> bytes:
    # Attribute values and leaf text are replaced in place: re-serialising a part with
    # ElementTree would rename its namespace prefixes, which Office's `mc:Ignorable`
    # lists refer to by name.
    content = _PERSON_ATTRIBUTE.sub(rb'\1""', content)
    content = _PERSON_NAME_ATTRIBUTE.sub(rb'\1""', content)
    return _AUTHOR_ELEMENT.sub(rb"\1\3", content)


# PDF


def _pdf(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise NotAnonymisable("the PDF needs a password")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None  # the document information dictionary
        _drop_metadata_streams(writer.root_object)
        # The XMP streams are now referenced by nothing: leave them out of the file.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        output = io.BytesIO()
        writer.write(output)
    except NotAnonymisable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise NotAnonymisable(f"unreadable PDF: {error}") from error
    return output.getvalue()


def _drop_metadata_streams(root) -> None:
    """Remove /Metadata (XMP) and /PieceInfo from every dictionary reachable from the
    document catalog: the catalog's own, pages', images', fonts'."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams too
            for name in ("/Metadata", "/PieceInfo"):
                if name in obj:
                    del obj[name]
            stack.extend(obj.raw_get(key) for key in obj)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)  # a list: its items are not resolved


# Images

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Image data, colour and resolution (and APNG's frames); text, EXIF, time and any
# unknown chunk are dropped.
_PNG_KEPT = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT",
        b"sRGB", b"cICP", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
    }
)  # fmt: skip


def _png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise NotAnonymisable("not a PNG")
    output = [_PNG_SIGNATURE]
    at = len(_PNG_SIGNATURE)
    while True:
        if at + 12 > len(data):
            raise NotAnonymisable("truncated PNG")
        (length,) = struct.unpack_from(">I", data, at)
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            raise NotAnonymisable("truncated PNG")
        if kind in _PNG_KEPT:
            output.append(data[at:end])
        at = end
        if kind == b"IEND":  # whatever follows the image is dropped
            return b"".join(output)


# Segments a JPEG needs to be decoded and shown in its colours: JFIF (APP0), the ICC
# profile (APP2 starting so), Adobe's colour transform (APP14). EXIF and XMP (APP1),
# IPTC (APP13), comments and the rest are dropped.
_JPEG_APP0 = 0xE0
_JPEG_APP2 = 0xE2
_JPEG_APP14 = 0xEE
_JPEG_COMMENT = 0xFE


def _jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise NotAnonymisable("not a JPEG")
    output = [b"\xff\xd8"]
    at = 2
    while True:
        # Fill bytes (0xFF) may pad before a marker.
        while at < len(data) and data[at] == 0xFF and at + 1 < len(data) and data[at + 1] == 0xFF:
            at += 1
        if at + 2 > len(data) or data[at] != 0xFF:
            raise NotAnonymisable("damaged JPEG")
        marker = data[at + 1]
        if marker == 0xD9:  # end of image: what follows (appended thumbnails) is dropped
            output.append(b"\xff\xd9")
            return b"".join(output)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            output.append(data[at : at + 2])
            at += 2
            continue
        if at + 4 > len(data):
            raise NotAnonymisable("truncated JPEG")
        (length,) = struct.unpack_from(">H", data, at + 2)
        end = at + 2 + length
        if length < 2 or end > len(data):
            raise NotAnonymisable("truncated JPEG")
        segment = data[at:end]
        keep = not (0xE0 <= marker <= 0xEF or marker == _JPEG_COMMENT) or (
            marker in (_JPEG_APP0, _JPEG_APP14)
            or (marker == _JPEG_APP2 and segment[4:16] == b"ICC_PROFILE\x00")
        )
        if keep:
            output.append(segment)
        at = end
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            scan_end = _end_of_scan(data, at)
            output.append(data[at:scan_end])
            at = scan_end


def _end_of_scan(data: bytes, at: int) -> int:
    """Where the entropy-coded data starting at `at` ends: at the first marker that is
    neither a stuffed 0xFF00 nor a restart marker."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            raise NotAnonymisable("JPEG without an end")
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at += 1 if following == 0xFF else 2
            continue
        return at
