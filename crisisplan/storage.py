"""Static files storage: whitenoise's compressed, hashed files, hashed in DEBUG too."""

from __future__ import annotations

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Serve hashed names (cacheable forever) under `make run` as in production.

    Django only uses the manifest when DEBUG is off; `make run` runs collectstatic
    first, so the manifest exists and development sees the same URLs as production. A
    file added while the development server runs is not in the manifest yet: in DEBUG
    it is served under its plain name (whitenoise finds it) instead of failing.
    """

    manifest_strict = True

    def url(self, name: str | None, force: bool = False) -> str:
        try:
            return super().url(name, force=True)
        except ValueError:
            if not settings.DEBUG:
                raise
            return super().url(name, force=False)
