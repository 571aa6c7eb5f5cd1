def public_api_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: document /api/v1/ only, not the DRF views
    Wagtail's admin uses internally."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
