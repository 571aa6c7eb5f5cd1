"""OpenAPI plumbing shared by every app's API: the documented scope and the error
responses each operation declares (DESIGN.md: 400, 401, 403, 404, 409 as they apply)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers


def public_api_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: document /api/v1/ only, not the DRF views
    Wagtail's admin uses internally."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class ErrorSerializer(serializers.Serializer):
    """DRF's error shape for everything but field errors."""

    detail = serializers.CharField(help_text="What went wrong, in the request's language.")


# DRF's 400: a list of messages per field (an object for a nested serializer's fields),
# `non_field_errors` for the whole input, or `detail` for a body that cannot be parsed.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Messages per field, in the request's language.",
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        ]
    },
    "example": {"tax_code": ["This tax code's check digit is wrong; please check the number."]},
}

ERROR_DESCRIPTIONS = {
    400: "Invalid input: messages per field.",
    401: "No credentials, or invalid ones.",
    403: "The caller's role may not do this.",
    404: "No such object within the caller's reach (another organisation's is a 404 too).",
    409: "The current state or the clock forbids this.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error responses an operation documents, for `extend_schema(responses=...)`:
    `{**error_responses(400, 401, 404), 200: MySerializer}`."""
    unknown = set(statuses) - set(ERROR_DESCRIPTIONS)
    if unknown:
        raise ValueError(f"No documented error shape for {sorted(unknown)}")
    return {
        status: OpenApiResponse(
            response=FIELD_ERRORS_SCHEMA if status == 400 else ErrorSerializer,
            description=ERROR_DESCRIPTIONS[status],
        )
        for status in statuses
    }


def enum_field(component_name: str, choices) -> type[serializers.ChoiceField]:
    """A ChoiceField class for one set of choices, documented once as the schema
    component `component_name`. drf-spectacular names enums after the field (`kind`,
    `status`), so two apps' `kind` would collide; a named component never does.

    `OrganizationKindField = enum_field("OrganizationKind", OrganizationKind.choices)`,
    then `kind = OrganizationKindField()` in a serializer.
    """
    choices = list(choices)
    schema = {"type": "string", "enum": [value for value, _label in choices]}

    def __init__(self, **kwargs):
        serializers.ChoiceField.__init__(self, choices, **kwargs)

    field_class = type(
        f"{component_name}Field",
        (serializers.ChoiceField,),
        {"__init__": __init__, "__module__": __name__},
    )
    return extend_schema_field(schema, component_name=component_name)(field_class)
