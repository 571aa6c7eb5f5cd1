"""Unknown paths under /api/ answer the API's JSON 404; the site keeps its HTML one."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/nothing", "/api/", "/api/v2/challenges/"])
def test_unknown_api_paths_answer_json_404(client, path):
    response = client.get(path, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_any_method_gets_the_json_404_without_a_csrf_failure(client):
    for method in (client.post, client.put, client.patch, client.delete):
        response = method(
            "/api/v1/nope/", {"a": 1}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
        )

        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_the_404_speaks_the_request_language(client):
    response = client.get("/api/v1/nope/", HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy."}


def test_an_endpoint_without_its_slash_is_redirected(client):
    response = client.get("/api/v1/challenges?kind=problem")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/challenges/?kind=problem"
    assert client.get("/api")["Location"] == "/api/"


def test_known_endpoints_keep_their_json_errors(client, anon_client):
    unknown = anon_client.get("/api/v1/challenges/NO-SUCH-CODE/", HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Not found."}

    not_allowed = anon_client.delete("/api/v1/challenges/")
    assert not_allowed.status_code in (401, 405)
    assert not_allowed["Content-Type"] == "application/json"

    assert anon_client.put("/api/v1/auth/token/", {}).status_code == 405


def test_the_site_keeps_its_html_404(client):
    for path in ("/no-such-page/", "/en/api/v1/nope/", "/apiary/"):
        response = client.get(path)

        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
