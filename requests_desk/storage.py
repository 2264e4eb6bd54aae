"""Where customers' files are kept: a private directory outside any web-served path."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under ``CHARTER_PRIVATE_MEDIA_ROOT``, without a URL: they are handed out only by
    views that check who is asking (``desk:attachment``). The root is read when used, so a
    changed setting (tests) takes effect."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(Path(settings.CHARTER_PRIVATE_MEDIA_ROOT))

    @property
    def location(self):
        return str(Path(settings.CHARTER_PRIVATE_MEDIA_ROOT).resolve())

    def url(self, name):
        raise ValueError("Private files have no URL.")


private_storage = PrivateStorage()
