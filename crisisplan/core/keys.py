"""The key-encryption keys (KEKs) from ``ENCRYPTION_KEYS``.

``ENCRYPTION_KEYS`` is a comma-separated list of ``id:base64key`` entries. Each key is
32 random bytes (AES-256) in standard or URL-safe base64. The first entry is the current
key, used for every new write; the others only decrypt, so a key can be retired after
``rotate_encryption_keys`` has re-wrapped every data key under the current one.

This module is pure Python (no Django imports) because settings.py parses the variable
at start-up, before any app is loaded.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass

KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
KEY_BYTES = 32


class KeyringError(ValueError):
    """ENCRYPTION_KEYS is missing or malformed; the message is one sentence."""


@dataclass(frozen=True)
class Keyring:
    """Ordered KEKs: ``current_id`` is the first; ``keys`` maps every id to its bytes."""

    keys: dict[str, bytes]
    current_id: str

    def __repr__(self) -> str:  # never show key material, e.g. in a debug page
        return f"Keyring(ids={list(self.keys)}, current={self.current_id!r})"


def parse_keyring(value: str) -> Keyring:
    """Parse ``ENCRYPTION_KEYS``; raise KeyringError naming the variable on any fault."""
    entries = [entry.strip() for entry in (value or "").split(",") if entry.strip()]
    if not entries:
        raise KeyringError(
            "ENCRYPTION_KEYS is not set: run `python manage.py generate_encryption_key` "
            "and put its output in ENCRYPTION_KEYS."
        )
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(entries, start=1):
        key_id, sep, encoded = entry.partition(":")
        if not sep or not KEY_ID_RE.match(key_id):
            raise KeyringError(
                f"ENCRYPTION_KEYS entry {position} is malformed: expected id:base64key "
                "with an id of 1-32 letters, digits, '-' or '_'."
            )
        if key_id in keys:
            raise KeyringError(f"ENCRYPTION_KEYS lists the key id {key_id!r} twice.")
        try:
            standard = encoded.replace("-", "+").replace("_", "/")
            raw = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != KEY_BYTES:
            raise KeyringError(
                f"ENCRYPTION_KEYS key {key_id!r} is not {KEY_BYTES} bytes of base64: "
                "generate one with `python manage.py generate_encryption_key`."
            )
        keys[key_id] = raw
    return Keyring(keys=keys, current_id=next(iter(keys)))


def generate_entry(key_id: str | None = None) -> str:
    """A new ``id:base64key`` entry; the id defaults to a short random one."""
    key_id = key_id or "k" + secrets.token_hex(4)
    if not KEY_ID_RE.match(key_id):
        raise KeyringError("A key id is 1-32 letters, digits, '-' or '_'.")
    encoded = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode().rstrip("=")
    return f"{key_id}:{encoded}"
