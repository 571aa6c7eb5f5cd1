import pytest
from django.utils import translation


@pytest.fixture
def english(client, monkeypatch):
    """For tests that read the English messages, which the Vietnamese catalogue would
    otherwise replace: the services run in English, the test client asks for English,
    and Wagtail's admin answers in English (as for a user whose admin language is
    English: unprefixed URLs are otherwise always in the default language)."""
    from wagtail.admin import auth

    localized = auth.get_localized_response

    def in_english(view_func, request, *args, **kwargs):
        with translation.override("en"):
            response = localized(view_func, request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()  # a TemplateResponse renders after the view returns
            return response

    monkeypatch.setattr(auth, "get_localized_response", in_english)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
