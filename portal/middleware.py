from django.utils import translation


class ApiLanguageMiddleware:
    """Pick the API's language from `Accept-Language`.

    LocaleMiddleware forces the default language on every path outside the
    language-prefixed page tree, which is right for pages (Vietnamese at /) but wrong
    for API clients, who ask for a language in the header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
            # Responses differ by language; caches must keep them apart.
            response.headers["Vary"] = ", ".join(
                filter(None, [response.headers.get("Vary"), "Accept-Language"])
            )
        return response


class HealthCheckMiddleware:
    """Answer /healthz before host validation and the HTTPS redirect: load balancers
    probe over plain HTTP with their own Host header (often a bare IP address)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            from portal.views import healthz

            return healthz(request)
        return self.get_response(request)
