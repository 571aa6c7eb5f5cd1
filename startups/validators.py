from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.vn import mst


def normalize_tax_code(value: str) -> str:
    """A Vietnamese tax code (mã số thuế) in its standard form: 10 digits, or 10 + "-" +
    3 for a branch. Spaces, dots and dashes typed by people are accepted.

    Raises ValidationError when the length, the digits or the check digit are wrong.
    """
    try:
        compact = mst.validate(value)
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(
            _("This tax code's check digit is wrong; please check the number."),
            code="tax_code_checksum",
        ) from None
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("Enter a tax code of 10 digits, or 10 digits, a hyphen and 3 for a branch."),
            code="tax_code_format",
        ) from None
    return mst.format(compact)


def validate_tax_code(value: str) -> None:
    if value:
        normalize_tax_code(value)


def validate_founded_year(value: int) -> None:
    if value is not None and not 1900 <= value <= timezone.localdate().year:
        raise ValidationError(_("Enter a year between 1900 and this year."), code="founded_year")
