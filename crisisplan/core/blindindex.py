"""A keyed blind index: search encrypted names without decrypting every record.

For each word of a name (case- and accent-folded), every prefix of 1 to ``MAX_PREFIX``
characters is stored as ``HMAC-SHA256(search key, scope | prefix)``, truncated to 128
bits. A search computes the same tokens for the words it was given and asks the
database for rows holding all of them. Neither the names nor the prefixes are stored.

- The search key is derived (HKDF-SHA256) from a key-encryption key of
  ``ENCRYPTION_KEYS``; each token records the id of the key it was made with. Tokens are
  rebuilt under the current key whenever the name changes and by
  ``rotate_encryption_keys``, so retiring a key retires its tokens too. A search asks
  for the tokens under every key in the keyring, so it keeps working mid-rotation.
- The scope (the therapist's id) makes the same name give different tokens for different
  therapists, so tokens cannot be linked across practices.

What it reveals to someone holding the database and not the keys (README, "Client data
and encryption"): within one therapist, which clients share a name prefix (the same
token), how often a prefix occurs, and the length of each name word up to
``MAX_PREFIX`` (the number of tokens per word). Not the names or their letters; without
the key, a token cannot be tested against a guessed name.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crisisplan.core.keys import Keyring

MAX_PREFIX = 12
TOKEN_HEX = 32  # 128 bits
_INFO = b"crisisplan.core.blindindex v1"
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Ünal" and "unal" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def search_key(keyring: Keyring, key_id: str) -> bytes:
    """The search key derived from the key-encryption key ``key_id``."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        keyring.keys[key_id]
    )


def _token(key: bytes, scope: str, prefix: str) -> str:
    return hmac.new(key, f"{scope}|{prefix}".encode(), hashlib.sha256).hexdigest()[:TOKEN_HEX]


def index_tokens(keyring: Keyring, scope: str, texts: Iterable[str]) -> tuple[str, set[str]]:
    """(current key id, the tokens to store) for every word prefix of ``texts``."""
    key_id = keyring.current_id
    key = search_key(keyring, key_id)
    prefixes = {
        word[:length]
        for text in texts
        for word in words(text)
        for length in range(1, min(len(word), MAX_PREFIX) + 1)
    }
    return key_id, {_token(key, scope, prefix) for prefix in prefixes}


def query_tokens(keyring: Keyring, scope: str, query: str) -> list[set[str]]:
    """For each word of ``query``, the tokens (one per key in the keyring) a matching row
    holds. A word longer than MAX_PREFIX is matched on its first MAX_PREFIX characters."""
    keys = [search_key(keyring, key_id) for key_id in keyring.keys]
    return [
        {_token(key, scope, word[:MAX_PREFIX]) for key in keys}
        for word in dict.fromkeys(words(query))
    ]
