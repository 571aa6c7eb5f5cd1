"""Pieces of hand-written serializer output for the longest lists, where DRF's fields
cost most of a request. Each serializer that uses them has a test comparing its rows with
what its declared fields (the documented schema) give."""

from django.utils import timezone


def iso_datetime(value, zone=None):
    """As DRF's DateTimeField writes it: in the current time zone, ISO 8601, UTC as Z."""
    if value is None:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
