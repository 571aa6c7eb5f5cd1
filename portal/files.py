"""Uploaded files: types checked from the content, images re-encoded, random names.

Shared by every app that takes files (logos, pitch decks, proposal attachments). The
rules of DESIGN.md ("Files"): size and type come from the bytes, never from the name or
the declared content type; images are decoded with a pixel limit and written anew by
Pillow, which drops their metadata; stored names are random. Attachments (PDF, Office
documents, images) are checked without being opened by anything that renders them: an
Office file is a zip, so its directory is read for bombs and macros before a single part
is unpacked, and only `[Content_Types].xml` is, with a size cap and defusedxml.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import struct
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote

import filetype
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as parse_xml
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

# A logo or photo never needs more: far below Pillow's own bomb threshold (~89 Mpx).
MAX_IMAGE_PIXELS = 24_000_000


def random_name(extension: str) -> str:
    """A storage name that says nothing about the file or its owner."""
    return f"{secrets.token_urlsafe(24)}.{extension}"


def check_size(upload, *, max_bytes: int) -> None:
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")


def sniff(upload) -> str | None:
    """The file's type read from its first bytes (its extension, e.g. "pdf"), or None."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.extension if kind else None


def check_pdf(upload, *, max_bytes: int) -> None:
    check_size(upload, max_bytes=max_bytes)
    if sniff(upload) != "pdf":
        raise ValidationError(
            _("The file is not a PDF document (whatever its name says)."), code="file_type"
        )


@dataclass(frozen=True)
class ProcessedImage:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def process_image(
    upload,
    *,
    max_bytes: int,
    max_side: int,
    thumbnail_side: int,
    formats: frozenset[str] = frozenset({"PNG", "JPEG", "WEBP"}),
) -> ProcessedImage:
    """Decode an uploaded image safely and write it anew as WebP, at most `max_side`
    pixels on its longer side, with a thumbnail. Raises ValidationError for anything
    that is not such an image: the caller stores nothing in that case."""
    check_size(upload, max_bytes=max_bytes)
    not_an_image = ValidationError(
        _("Upload a PNG, JPEG or WebP image (the file's content is not one)."),
        code="file_type",
    )
    too_many_pixels = ValidationError(
        _("The image has too many pixels (at most %(limit)s million).")
        % {"limit": MAX_IMAGE_PIXELS // 1_000_000},
        code="image_too_large",
    )
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on huge images; both are refusals here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in formats:
                    raise not_an_image
                width, height = probe.size
                # The header alone tells the size: refuse before decoding a single pixel.
                if width * height > MAX_IMAGE_PIXELS:
                    raise too_many_pixels
                probe.load()
                image = probe.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None

    image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail((thumbnail_side, thumbnail_side), Image.Resampling.LANCZOS)
    return ProcessedImage(
        image=ContentFile(_webp(image), name=random_name("webp")),
        thumbnail=ContentFile(_webp(thumb), name=random_name("webp")),
        width=image.width,
        height=image.height,
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )


def _webp(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # A new file: no EXIF, XMP or ICC profile survives from the upload.
    image.save(buffer, format="WEBP", quality=88, method=4)
    return buffer.getvalue()


# Proposal attachments

ATTACHMENT_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
}
# What a file may be named and still keep its name's extension (lower case).
_EXTENSION_ALIASES = {"jpg": {"jpg", "jpeg"}}

# Zip bombs: refused from the directory's declared sizes, before anything is unpacked.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 2_000
# zipfile builds an object per directory entry, however many the end record announces:
# the directory's own size is capped too (OOXML part names are short).
MAX_ZIP_DIRECTORY_BYTES = MAX_ZIP_MEMBERS * 1024
MAX_CONTENT_TYPES_BYTES = 256 * 1024
DISPLAY_NAME_MAX_CHARS = 120

_CONTENT_TYPES_PART = "[content_types].xml"
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# Only the macro-free documents themselves: no templates, slide shows, add-ins.
_OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
_ZIP_ENCRYPTED_FLAGS = 0x1 | 0x40  # traditional or strong encryption
_DISPLAY_NAME_DROPPED = set('/\\:*?"<>|')
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class AttachmentCheck:
    extension: str
    content_type: str
    size: int
    sha256: str
    display_name: str
    storage_name: str

    def fields(self) -> dict:
        """What a stored file's row keeps of the check."""
        return {
            "display_name": self.display_name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }


def check_attachment(upload, *, max_bytes: int) -> AttachmentCheck:
    """Check an attachment to a proposal: a PDF, DOCX, XLSX, PPTX, PNG or JPEG file, the
    type decided by the content alone. Raises ValidationError (codes file_empty,
    file_too_large, file_type, file_unsafe) for anything else; leaves the upload rewound."""
    check_size(upload, max_bytes=max_bytes)
    upload.seek(0)
    is_zip = upload.read(4) == b"PK\x03\x04"
    upload.seek(0)
    if is_zip:
        extension = _check_ooxml(upload)
    else:
        extension = sniff(upload)
        if extension in {"png", "jpg"}:
            _check_image(upload, extension)
        elif extension != "pdf":
            raise _not_an_attachment()
    digest, size = _sha256(upload)
    return AttachmentCheck(
        extension=extension,
        content_type=ATTACHMENT_CONTENT_TYPES[extension],
        size=size,
        sha256=digest,
        display_name=display_name(upload.name, extension),
        storage_name=random_name(extension),
    )


def check_upload(upload, *, max_bytes: int) -> AttachmentCheck:
    """check_attachment, its errors under the form's `file` field."""
    try:
        return check_attachment(upload, max_bytes=max_bytes)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None


def check_room(
    held: QuerySet,
    check: AttachmentCheck,
    *,
    max_count: int,
    max_total_bytes: int,
    too_many: str,
    too_large: str,
) -> None:
    """Refuse a file that would take its owner past a limit on the number of files or on
    their total size. `held` is the owner's files, read under the owner's row lock so that
    parallel uploads cannot both squeeze under the limits; the messages take %(limit)s."""
    room = held.aggregate(count=Count("id"), size=Coalesce(Sum("size"), 0))
    if room["count"] >= max_count:
        raise ValidationError({"file": [too_many % {"limit": max_count}]})
    if room["size"] + check.size > max_total_bytes:
        raise ValidationError({"file": [too_large % {"limit": filesizeformat(max_total_bytes)}]})


@contextmanager
def stored(record, upload, check: AttachmentCheck) -> Iterator[None]:
    """Put the upload in storage under its random name as `record.file`; the block saves
    the row (and audits it). If the block fails, the stored file goes again, so a refused
    upload leaves nothing behind."""
    upload.seek(0)
    record.file.save(check.storage_name, upload, save=False)
    try:
        yield
    except BaseException:
        record.file.storage.delete(record.file.name)
        raise


def display_name(name: str | None, extension: str) -> str:
    """The uploader's file name made fit to show (never to store or to open): its last
    path segment, NFC, without control or path characters, whitespace collapsed, at most
    DISPLAY_NAME_MAX_CHARS, ending with `extension` (appended if the name lacks it)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in name
        # C*: controls, format characters such as bidi overrides, unassigned code points.
        if char.isspace()
        or not (unicodedata.category(char).startswith("C") or char in _DISPLAY_NAME_DROPPED)
    )
    name = " ".join(name.split()).rstrip(". ")
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix.lower() in _EXTENSION_ALIASES.get(extension, {extension}):
        name = stem
    else:
        suffix = extension
    stem = name.strip(". ")[: DISPLAY_NAME_MAX_CHARS - len(suffix) - 1].rstrip(". ")
    return f"{stem or 'attachment'}.{suffix}"


def _sha256(upload) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


def _not_an_attachment() -> ValidationError:
    return ValidationError(
        _(
            "Upload a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), PNG or JPEG file "
            "(the file's content is not one)."
        ),
        code="file_type",
    )


def _unsafe(message) -> ValidationError:
    return ValidationError(message, code="file_unsafe")


def _unsafe_structure() -> ValidationError:
    return _unsafe(_("The document's internal structure is unsafe; it cannot be accepted."))


def _check_image(upload, extension: str) -> None:
    """PNG or JPEG: the header and (for PNG) chunk checksums, without decoding pixels."""
    too_many_pixels = ValidationError(
        _("The image has too many pixels (at most %(limit)s million)."),
        code="file_unsafe",
        params={"limit": MAX_IMAGE_PIXELS // 1_000_000},
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=["PNG" if extension == "png" else "JPEG"]) as probe:
                width, height = probe.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise too_many_pixels
                probe.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise _not_an_attachment() from None
    finally:
        upload.seek(0)


def _check_ooxml(upload) -> str:
    """A zip that is a Word, Excel or PowerPoint document without macros: its type is
    the main part's content type in [Content_Types].xml."""
    _check_zip_end_record(upload)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            _check_zip_members(members)
            content_types = _content_types(archive, members)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise _not_an_attachment() from None
    finally:
        upload.seek(0)

    types = [(part, ctype.strip().lower()) for part, ctype in content_types]
    names = {member.filename.lower() for member in members}
    if any(
        "macroenabled" in ctype or "macrosheet" in ctype or ctype.endswith(".vbaproject")
        for _part, ctype in types
    ) or any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
        raise _unsafe(
            _(
                "The document contains macros. Save it as a macro-free document "
                "(.docx, .xlsx or .pptx) and upload it again."
            )
        )
    kinds = {
        _OOXML_MAIN_PARTS[ctype]
        for part, ctype in types
        # Override part names are absolute and may be percent-encoded; OPC compares
        # them without regard to ASCII case.
        if ctype in _OOXML_MAIN_PARTS and unquote(part).lstrip("/").lower() in names
    }
    if len(kinds) != 1:
        raise _not_an_attachment()
    return kinds.pop()


def _check_zip_end_record(upload) -> None:
    """Read the end-of-central-directory record (zip64's if there is one): the member
    count and directory size it declares, before zipfile parses the directory."""
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    tail_size = min(size, 20 + 22 + 0xFFFF)  # zip64 locator, end record, longest comment
    upload.seek(size - tail_size)
    tail = upload.read(tail_size)
    at = tail.rfind(b"PK\x05\x06", 0, len(tail) - 18)  # a whole 22-byte record
    if at < 0:
        raise _not_an_attachment()
    count, directory_size = struct.unpack_from("<HL", tail, at + 10)
    if count == 0xFFFF or directory_size == 0xFFFFFFFF:
        locator = at - 20
        if locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
            raise _not_an_attachment()
        (record_offset,) = struct.unpack_from("<Q", tail, locator + 8)
        upload.seek(record_offset)
        record = upload.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise _not_an_attachment()
        count, directory_size = struct.unpack_from("<QQ", record, 32)
    upload.seek(0)
    if count > MAX_ZIP_MEMBERS:
        raise _too_many_members()
    if directory_size > MAX_ZIP_DIRECTORY_BYTES:
        raise _unsafe_structure()


def _too_many_members() -> ValidationError:
    return ValidationError(
        _("The document has too many parts (more than %(limit)s)."),
        code="file_unsafe",
        params={"limit": MAX_ZIP_MEMBERS},
    )


def _check_zip_members(members: list[zipfile.ZipInfo]) -> None:
    """Zip bombs, encryption and path tricks, from the directory alone."""
    if len(members) > MAX_ZIP_MEMBERS:
        raise _too_many_members()
    seen = set()
    unpacked = 0
    for member in members:
        name = member.filename
        if (
            name.startswith(("/", "\\"))
            or _DRIVE.match(name)
            or ".." in re.split(r"[/\\]", name)
            or name.lower() in seen
            or member.compress_type not in {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
        ):
            raise _unsafe_structure()
        seen.add(name.lower())
        if member.flag_bits & _ZIP_ENCRYPTED_FLAGS:
            raise _unsafe(_("The document contains encrypted parts. Upload it without a password."))
        if (
            member.file_size > RATIO_CHECKED_ABOVE_BYTES
            and member.file_size > MAX_COMPRESSION_RATIO * member.compress_size
        ):
            raise _unsafe(
                _("The document is compressed abnormally (a possible zip bomb) and is refused.")
            )
        unpacked += member.file_size
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(
            _("The document is too large once unpacked (more than %(limit)s)."),
            code="file_unsafe",
            params={"limit": filesizeformat(MAX_UNPACKED_BYTES)},
        )


def _content_types(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]
) -> list[tuple[str, str]]:
    """(part name or "*.extension", content type) pairs declared by [Content_Types].xml,
    read with a size cap and parsed by defusedxml without DTDs or entities."""
    member = next((m for m in members if m.filename.lower() == _CONTENT_TYPES_PART), None)
    if member is None:
        raise _not_an_attachment()
    if member.file_size > MAX_CONTENT_TYPES_BYTES:
        raise _unsafe_structure()
    with archive.open(member) as stream:
        data = stream.read(MAX_CONTENT_TYPES_BYTES + 1)
    if len(data) > MAX_CONTENT_TYPES_BYTES:
        raise _unsafe_structure()
    try:
        root = parse_xml(data, forbid_dtd=True)
    except DefusedXmlException:
        raise _unsafe_structure() from None
    except ParseError:
        raise _not_an_attachment() from None
    if root.tag != f"{_CONTENT_TYPES_NS}Types":
        raise _not_an_attachment()
    return [
        (element.get("PartName", ""), element.get("ContentType", ""))
        for element in root.iter(f"{_CONTENT_TYPES_NS}Override")
    ] + [
        (f"*.{element.get('Extension', '')}", element.get("ContentType", ""))
        for element in root.iter(f"{_CONTENT_TYPES_NS}Default")
    ]
