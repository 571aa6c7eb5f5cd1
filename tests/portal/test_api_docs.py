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
        "/api/v1/auth/me/",
    } <= set(paths)
    parameters = {p["name"] for p in paths["/api/v1/challenges/"]["get"]["parameters"]}
    assert {"kind", "status", "sector", "search", "ordering", "page", "page_size"} <= parameters
    token_scheme = schema["components"]["securitySchemes"]["knoxApiToken"]
    assert (token_scheme["in"], token_scheme["name"]) == ("header", "Authorization")
    # Public endpoints accept anonymous calls ({}), protected ones do not.
    assert {} in paths["/api/v1/challenges/"]["get"]["security"]
    assert {} not in paths["/api/v1/auth/me/"]["get"]["security"]
    # Only our API is documented, not the DRF views inside Wagtail's admin.
    assert all(path.startswith("/api/v1/") for path in paths)


def test_swagger_ui_is_served_from_our_own_static_files(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_api_root_lists_resources_publicly(anon_client):
    response = anon_client.get("/api/v1/")

    assert response.status_code == 200
    assert response.data["challenges"].endswith("/api/v1/challenges/")
