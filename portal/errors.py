"""Errors that services raise, whatever called them (API, dashboard, admin).

Field problems are Django's `ValidationError` (400 with field errors), a role that may
not act is Django's `PermissionDenied` (403), and a state or clock that forbids the
action is `Conflict` (409). The API's exception handler maps each; browser views show
the message.
"""


class Conflict(Exception):
    """The current state or the clock forbids this action (last owner leaving, an
    invitation already used, a late submission)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
