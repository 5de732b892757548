"""Static files storage: whitenoise's compressed, hashed files, hashed in DEBUG too."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Serve hashed names (cacheable forever) under `make run` as in production.

    Django only uses the manifest when DEBUG is off; `make run` runs collectstatic
    first, so the manifest exists and development sees the same URLs as production.
    """

    manifest_strict = True

    def url(self, name: str | None, force: bool = False) -> str:
        return super().url(name, force=True)
