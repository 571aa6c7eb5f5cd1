"""Text as search compares it: Vietnamese without its diacritics.

People type `giam sat moi truong` for `giám sát môi trường`, and `đ` as `d`. Both the
indexed text and the query are folded the same way, on every database.
"""

from anyascii import anyascii


def fold(text: str | None) -> str:
    """Lower case ASCII with the marks removed: "Đề xuất Giám sát" -> "de xuat giam sat"."""
    return " ".join(anyascii(text or "").lower().split())


def refresh_folded(instance, *, target: str, sources: tuple[str, ...], update_fields=None):
    """Before a save: set `instance.<target>` to the folded text of its `sources` fields,
    so that search filters the column with a plain `contains`. Returns the
    `update_fields` to save with (the target added when a source is saved)."""
    if update_fields is not None:
        if not set(update_fields) & set(sources):
            return update_fields
        update_fields = {*update_fields, target}
    setattr(instance, target, fold(" ".join(getattr(instance, name) or "" for name in sources)))
    return update_fields
