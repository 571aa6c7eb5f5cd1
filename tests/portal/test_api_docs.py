import re

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_describes_the_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert {
        "/api/v1/challenges/",
        "/api/v1/challenges/{code}/",
        "/api/v1/auth/token/",
        "/api/v1/auth/logout/",
        "/api/v1/me/",
        "/api/v1/proposals/",
        "/api/v1/proposals/{id}/",
    } <= set(paths)
    parameters = {p["name"] for p in paths["/api/v1/challenges/"]["get"]["parameters"]}
    assert {"kind", "status", "sector", "search", "ordering", "page", "page_size"} <= parameters
    token_scheme = schema["components"]["securitySchemes"]["knoxApiToken"]
    assert (token_scheme["in"], token_scheme["name"]) == ("header", "Authorization")
    # Public endpoints accept anonymous calls ({}), protected ones do not.
    assert {} in paths["/api/v1/challenges/"]["get"]["security"]
    assert {} not in paths["/api/v1/me/"]["get"]["security"]
    # Only our API is documented, not the DRF views inside Wagtail's admin.
    assert all(path.startswith("/api/v1/") for path in paths)


ORGANIZATION = "/api/v1/organizations/{id}/"

# Every operation of the organisations API and the statuses it documents.
DOCUMENTED_STATUSES = {
    ("/api/v1/me/", "get"): {"200", "401"},
    ("/api/v1/organizations/", "get"): {"200", "400", "401", "404"},
    ("/api/v1/organizations/", "post"): {"201", "400", "401"},
    (ORGANIZATION, "get"): {"200", "401", "404"},
    (ORGANIZATION, "patch"): {"200", "400", "401", "403", "404"},
    (ORGANIZATION + "logo/", "post"): {"200", "400", "401", "403", "404"},
    (ORGANIZATION + "logo/", "delete"): {"200", "401", "403", "404"},
    (ORGANIZATION + "pitch-deck/", "get"): {"200", "401", "404"},
    (ORGANIZATION + "pitch-deck/", "post"): {"200", "400", "401", "403", "404"},
    (ORGANIZATION + "invitations/", "get"): {"200", "401", "403", "404"},
    (ORGANIZATION + "invitations/", "post"): {"201", "400", "401", "403", "404"},
    (ORGANIZATION + "invitations/{invitation_id}/", "delete"): {"204", "401", "403", "404", "409"},
    (ORGANIZATION + "members/", "get"): {"200", "401", "404"},
    (ORGANIZATION + "members/{user_id}/", "patch"): {"200", "400", "401", "403", "404", "409"},
    (ORGANIZATION + "members/{user_id}/", "delete"): {"204", "401", "403", "404", "409"},
    ("/api/v1/invitations/accept/", "post"): {"200", "400", "401", "403", "404", "409"},
}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_organisation_operations_document_their_error_statuses(schema):
    documented = {
        (path, method): set(operation["responses"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if path.startswith(("/api/v1/organizations/", "/api/v1/invitations/", "/api/v1/me/"))
    }

    assert documented == DOCUMENTED_STATUSES
    field_errors = schema["paths"]["/api/v1/organizations/"]["post"]["responses"]["400"]
    body = field_errors["content"]["application/json"]["schema"]
    assert body["additionalProperties"]["oneOf"][0] == {
        "type": "array",
        "items": {"type": "string"},
    }
    not_found = schema["paths"][ORGANIZATION]["get"]["responses"]["404"]
    assert not_found["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_uploads_are_documented_as_multipart_binary_files(schema):
    for path in (ORGANIZATION + "logo/", ORGANIZATION + "pitch-deck/"):
        content = schema["paths"][path]["post"]["requestBody"]["content"]
        assert list(content) == ["multipart/form-data"]
        ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert schema["components"]["schemas"][ref]["properties"]["file"] == {
            "type": "string",
            "format": "binary",
            "description": "The file, as multipart/form-data.",
        }
    download = schema["paths"][ORGANIZATION + "pitch-deck/"]["get"]["responses"]["200"]
    assert download["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }


def test_organisation_list_documents_its_filters_and_pagination(schema):
    operation = schema["paths"]["/api/v1/organizations/"]["get"]
    parameters = {p["name"] for p in operation["parameters"]}

    assert parameters == {"kind", "verified", "ordering", "page", "page_size"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PaginatedOrganizationList"}
    members = schema["paths"][ORGANIZATION + "members/"]["get"]
    assert {p["name"] for p in members["parameters"]} == {"id", "page", "page_size"}


def test_swagger_ui_is_served_from_our_own_static_files(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # Nothing loads from another host (a CDN): every script and stylesheet is ours.
    # (Not a search for "cdn": the page's random CSRF token may spell it.)
    assets = re.findall(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)""", html)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets)


def test_api_root_lists_resources_publicly(anon_client):
    response = anon_client.get("/api/v1/")

    assert response.status_code == 200
    assert response.data["challenges"].endswith("/api/v1/challenges/")
    assert response.data["organizations"].endswith("/api/v1/organizations/")
    assert response.data["proposals"].endswith("/api/v1/proposals/")


PROPOSAL = "/api/v1/proposals/{id}/"

# Every operation of the proposals API and the statuses it documents.
PROPOSAL_STATUSES = {
    ("/api/v1/proposals/", "get"): {"200", "400", "401"},
    ("/api/v1/proposals/", "post"): {"201", "400", "401", "403", "409"},
    (PROPOSAL, "get"): {"200", "401", "404"},
    (PROPOSAL, "patch"): {"200", "400", "401", "403", "404", "409"},
    (PROPOSAL, "delete"): {"204", "401", "403", "404", "409"},
    (PROPOSAL + "attachments/", "post"): {"201", "400", "401", "403", "404", "409"},
    (PROPOSAL + "attachments/{attachment_id}/", "delete"): {"204", "401", "403", "404", "409"},
    (PROPOSAL + "attachments/{attachment_id}/file/", "get"): {"200", "401", "404"},
    (PROPOSAL + "submit/", "post"): {"200", "400", "401", "403", "404", "409"},
    (PROPOSAL + "withdraw/", "post"): {"200", "400", "401", "403", "404", "409"},
}


def test_proposal_operations_document_their_error_statuses(schema):
    documented = {
        (path, method): set(operation["responses"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/api/v1/proposals/")
    }

    assert documented == PROPOSAL_STATUSES
    for (path, method), _statuses in PROPOSAL_STATUSES.items():
        assert {} not in schema["paths"][path][method]["security"]


def test_proposal_list_documents_its_filters_and_the_upload_its_fields(schema):
    operation = schema["paths"]["/api/v1/proposals/"]["get"]
    parameters = {p["name"] for p in operation["parameters"]}

    assert parameters == {
        "challenge",
        "status",
        "track",
        "organization",
        "submitted_after",
        "submitted_before",
        "ordering",
        "page",
        "page_size",
    }
    content = schema["paths"][PROPOSAL + "attachments/"]["post"]["requestBody"]["content"]
    assert list(content) == ["multipart/form-data"]
    ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"file", "kind"}
    assert schema["components"]["schemas"][ref]["properties"]["file"]["format"] == "binary"


def test_challenge_detail_documents_tracks_and_eligibility(schema):
    ok = schema["paths"]["/api/v1/challenges/{code}/"]["get"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert {"tracks", "eligibility"} <= set(schema["components"]["schemas"][ref]["properties"])


def test_staff_read_of_a_challenges_proposals_is_documented(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/challenges/{code}/proposals/"]["get"]
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"code", "status", "track", "page", "page_size", "ordering"} <= parameters
