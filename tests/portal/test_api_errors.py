"""API errors speak the client's language: Vietnamese by default, English on request."""

import pytest

from tests.factories import ChallengeFactory

pytestmark = pytest.mark.django_db


def test_missing_credentials_in_vietnamese_and_english(anon_client):
    vi = anon_client.get("/api/v1/me/")
    en = anon_client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")

    assert vi.status_code == en.status_code == 401
    assert vi.data == {"detail": "Chưa cung cấp thông tin xác thực."}
    assert en.data == {"detail": "Authentication credentials were not provided."}


def test_invalid_token_in_vietnamese(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = anon_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.data == {"detail": "Mã xác thực không hợp lệ."}


def test_not_found_is_translated_and_names_no_model(anon_client):
    vi = anon_client.get("/api/v1/challenges/NOPE-1/")
    en = anon_client.get("/api/v1/challenges/NOPE-1/", HTTP_ACCEPT_LANGUAGE="en")

    assert vi.status_code == en.status_code == 404
    assert vi.data == {"detail": "Không tìm thấy."}
    assert en.data == {"detail": "Not found."}


def test_invalid_page_in_vietnamese(anon_client):
    ChallengeFactory()

    response = anon_client.get("/api/v1/challenges/", {"page": 9})

    assert response.status_code == 404
    assert response.data == {"detail": "Trang không hợp lệ."}


def test_throttled_message_in_vietnamese(anon_client):
    for _ in range(10):
        anon_client.post("/api/v1/auth/token/", {"email": "a@example.test", "password": "x"})

    response = anon_client.post("/api/v1/auth/token/", {"email": "a@example.test", "password": "x"})

    assert response.status_code == 429
    assert response.data["detail"].startswith("Quá nhiều yêu cầu. Có thể thử lại sau ")


def test_missing_field_in_vietnamese(anon_client):
    response = anon_client.post("/api/v1/auth/token/", {})

    assert response.data == {
        "email": ["Trường này là bắt buộc."],
        "password": ["Trường này là bắt buộc."],
    }


def test_unsupported_language_falls_back_to_vietnamese(anon_client):
    response = anon_client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "vi"
    assert response.data == {"detail": "Chưa cung cấp thông tin xác thực."}
