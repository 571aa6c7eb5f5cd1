"""Messages that Django REST framework, django-filter and knox send to API clients but
whose own catalogues lack Vietnamese. Marked here so `makemessages` keeps them in our
catalogue, which takes precedence over the packages' (LOCALE_PATHS)."""

from django.utils.translation import gettext_noop

MESSAGES = [
    gettext_noop("Authentication credentials were not provided."),
    gettext_noop("Incorrect authentication credentials."),
    gettext_noop("Invalid token."),
    gettext_noop("Invalid token header. No credentials provided."),
    gettext_noop("Invalid token header. Token string should not contain spaces."),
    gettext_noop("Invalid page."),
    gettext_noop("Not found."),
    gettext_noop("This field is required."),
    gettext_noop("This field may not be null."),
    gettext_noop("A valid integer is required."),
    gettext_noop("Not a valid string."),
    gettext_noop("Request was throttled."),
    gettext_noop("Expected available in {wait} second."),
    gettext_noop("Expected available in {wait} seconds."),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop("JSON parse error - {detail}"),
    gettext_noop("Malformed request."),
    gettext_noop('"{input}" is not a valid choice.'),
    gettext_noop("A server error occurred."),
    # Organisations API: uploads, nested profiles, numbers and lengths.
    gettext_noop("The submitted data was not a file. Check the encoding type on the form."),
    gettext_noop("No filename could be determined."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    # Fund API: tranche schedules and their dates.
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop("This list may not be empty."),
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
]
