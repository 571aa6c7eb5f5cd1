"""API errors in DRF's shape, including the ones services raise."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from portal import errors


class Conflict(exceptions.APIException):
    """The state or the clock forbids this (late submit, second approval, over-spend)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This action is not allowed in the current state.")
    default_code = "conflict"


def exception_handler(exc, context):
    # Django's 404 text names the model and is not translated; say "Not found." instead.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, errors.Conflict):
        exc = Conflict(exc.message)
    # Model and service validation errors become field errors, not a 500.
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
