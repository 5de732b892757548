"""Static files storage: whitenoise's compressed, hashed files, hashed in DEBUG too."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Serve hashed names (cacheable forever) under `make run` as in production.

    Django only uses the manifest when DEBUG is off; `make run` runs collectstatic
    first, so the manifest exists and development sees the same URLs as production. A
    file added while the development server runs is not in the manifest yet: in DEBUG
    it is served under its plain name (whitenoise finds it) instead of failing.

    A name's URL is looked up in the manifest once per process and then remembered
    (every page asks for the same few, and each lookup cleans, splits and joins the name
    again); the manifest, read when the process starts, does not change under it.
    """

    manifest_strict = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        found = self._urls.get(name) if name else None
        if found is not None:
            return found
        try:
            found = super().url(name, force=True)
        except ValueError:
            if not settings.DEBUG:
                raise
            # A file added after collectstatic (DEBUG): its plain name, not remembered.
            return super().url(name, force=False)
        if name:
            self._urls[name] = found
        return found
