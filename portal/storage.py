from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Files with no public address: `url()` refuses, so a template can never link one
    by mistake. Views that check permission stream them instead."""

    def url(self, name):
        raise ValueError(
            "Private files have no URL; serve them through a permission-checking view."
        )
