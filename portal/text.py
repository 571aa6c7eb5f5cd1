"""Text as search compares it: Vietnamese without its diacritics.

People type `giam sat moi truong` for `giám sát môi trường`, and `đ` as `d`. Both the
indexed text and the query are folded the same way, on every database.
"""

from anyascii import anyascii


def fold(text: str | None) -> str:
    """Lower case ASCII with the marks removed: "Đề xuất Giám sát" -> "de xuat giam sat"."""
    return " ".join(anyascii(text or "").lower().split())
