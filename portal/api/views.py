"""The API's answer to a path it does not have."""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import NotFound


@csrf_exempt  # a POST to an unknown path is a 404 like any other, not a CSRF failure
def api_not_found(request, *args, **kwargs):
    """Every path under /api/ that no endpoint serves: a 404 in the API's error shape
    (`{"detail": ...}`), never the site's HTML page (the page tree would answer it
    otherwise).

    Being a URL pattern, it resolves every such path, which turns off CommonMiddleware's
    APPEND_SLASH for them: a GET for an endpoint without its slash is redirected here.
    """
    path = request.path_info
    if settings.APPEND_SLASH and not path.endswith("/") and request.method in ("GET", "HEAD"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
