from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from django.utils.functional import cached_property


class PrivateFileSystemStorage(FileSystemStorage):
    """Files with no public address, under PRIVATE_MEDIA_ROOT (outside MEDIA_ROOT):
    `url()` refuses, so a template can never link one by mistake. Views that check
    permission stream them instead."""

    @cached_property
    def base_location(self):
        # Read lazily, like MEDIA_ROOT for the default storage, so that a changed
        # setting (tests) takes effect without rebuilding the fields that hold us.
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError(
            "Private files have no URL; serve them through a permission-checking view."
        )


def private_file_response(field_file, *, filename: str, content_type: str) -> FileResponse:
    """A private file as a download, once the caller has checked permission: its checked
    content type, never sniffed, never cached. A file gone from the storage is a 404."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
