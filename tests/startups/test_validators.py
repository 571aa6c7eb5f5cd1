import pytest
from django.core.exceptions import ValidationError

from startups.validators import normalize_tax_code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0100233488", "0100233488"),
        ("01.00.233.488", "0100233488"),
        (" 0100233488 ", "0100233488"),
        ("0314409058-002", "0314409058-002"),
        ("0314409058 - 002", "0314409058-002"),
        ("0314409058002", "0314409058-002"),
    ],
)
def test_tax_code_valid_forms_are_normalised(typed, stored):
    assert normalize_tax_code(typed) == stored


def test_tax_code_bad_check_digit_is_refused():
    with pytest.raises(ValidationError) as error:
        normalize_tax_code("0100233489")

    assert error.value.code == "tax_code_checksum"


@pytest.mark.parametrize(
    "typed",
    ["12345", "01002334881", "010023348A", "0314409058-000", "0100000000", "0314409058-02"],
)
def test_tax_code_bad_format_is_refused(typed):
    with pytest.raises(ValidationError) as error:
        normalize_tax_code(typed)

    assert error.value.code == "tax_code_format"
