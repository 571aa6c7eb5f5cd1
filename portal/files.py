"""Uploaded files: types checked from the content, images re-encoded, random names.

Shared by every app that takes files (logos, pitch decks, proposal attachments). The
rules of DESIGN.md ("Files"): size and type come from the bytes, never from the name or
the declared content type; images are decoded with a pixel limit and written anew by
Pillow, which drops their metadata; stored names are random.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
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
