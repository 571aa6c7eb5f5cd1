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
    } <= set(paths)
    parameters = {p["name"] for p in paths["/api/v1/challenges/"]["get"]["parameters"]}
    assert {"kind", "status", "sector", "search", "ordering", "page", "page_size"} <= parameters
    assert "tokenAuth" in schema["components"]["securitySchemes"] or any(
        "knox" in name.lower() or "token" in name.lower()
        for name in schema["components"]["securitySchemes"]
    )


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
