"""Encryption at rest for client data: envelope encryption bound to each row.

Contract
========

Keys
    Every client has its own 32-byte data key (DEK), stored in a ``crisisplan.DataKey``
    row, wrapped (AES-256-GCM) by a key-encryption key (KEK) from ``ENCRYPTION_KEYS``
    (``settings.ENCRYPTION_KEYRING``). New keys are wrapped by the first (current) KEK;
    ``rotate_encryption_keys`` re-wraps older ones, after which the old KEK can be
    removed. A DEK is unwrapped at most once per ``DataKey`` instance and cached on that
    instance only (never module-global). Deleting a ``DataKey`` deletes the client and
    everything that cascades from it, and makes any copy of its rows (a backup) unreadable
    once the KEK that wrapped it is retired: crypto-shredding.

Blob format (bytea)
    ``0x01`` (version) | key-id length (1 byte) | key id (ASCII) | 12-byte random nonce |
    ciphertext + 16-byte GCM tag. A fresh nonce is drawn for every write. The key id is
    the KEK id for a wrapped DEK and the DataKey's UUID (hex) for a field value.

Associated data (authenticated, not stored)
    The header bytes (version, key id) followed by, for a field value,
    ``"{app_label}.{ModelName}|{field name}|{row pk}|{client id}"``, and for a wrapped
    DEK, ``"crisisplan.DataKey|{pk}"``. A ciphertext copied to another row, another field,
    another model or another client's row does not decrypt.

Fail closed
    Any fault -- unknown version, truncated blob, flipped bit, moved value, wrong key,
    a key id not in ENCRYPTION_KEYS -- raises :class:`DecryptionError` (or its subclass
    :class:`UnknownKeyError`, whose message names the missing key id). No code path
    returns ciphertext, a blank or a default in place of the value. Messages never
    contain plaintext or key material. The exceptions derive from ``Exception`` only and
    have no ``silent_variable_failure``, so a template does not swallow them. Encrypting
    or decrypting without ``ENCRYPTION_KEYS`` (possible only with DEBUG) raises
    :class:`EncryptionNotConfigured`.

Fields (``EncryptedTextField``, ``EncryptedJSONField``, ``EncryptedDateField``,
``EncryptedBooleanField``)
    bytea columns, NOT NULL; every value, including ``""``, ``False`` and ``None``, is
    encrypted. A model using them subclasses :class:`EncryptedModel` (a UUID primary key
    with a default, so the pk is known before INSERT; loaddata support) and implements
    ``encryption_context(self) -> tuple[client_id, DataKey | None]`` (None before the
    row has a data key: encrypting then raises :class:`MissingContext`). A system check
    enforces both. All errors here derive from :class:`EncryptionError`.
    Values loaded from the database are held as :class:`Ciphertext` and decrypted lazily
    on first attribute access (a page showing 20 of 500 rows decrypts 20), then the
    plaintext is cached on the instance. ``Model.save()``/``create()``/``bulk_create()``
    encrypt through ``pre_save``. The database layer accepts only ``Ciphertext``:

    - ``QuerySet.update(field="text")``, ``filter(field=...)`` and ``bulk_update()`` raise
      ``TypeError`` instead of writing or comparing plaintext. (``update()`` with a
      ``Ciphertext`` is accepted, but a value moved that way will not decrypt.)
    - ``values()``/``values_list()`` return ``Ciphertext`` (ciphertext, explicitly typed).
    - ``dumpdata`` writes the base64 of the stored ciphertext, never plaintext:
      ``value_from_object()`` returns ciphertext (so ModelForms use
      :class:`EncryptedModelFormMixin` for their initial values).
    - ``loaddata`` stores the fixture's ciphertext as-is; it decrypts only at the same
      model, field, pk and client, with the same DataKey (also from the fixture).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import os
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django import forms
from django.conf import settings
from django.core import checks
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

if TYPE_CHECKING:
    from crisisplan.core.keys import Keyring
    from crisisplan.core.models import DataKey

VERSION = 0x01
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32


class EncryptionError(Exception):
    """Base of every error of the encryption layer. Never carries plaintext or keys."""


class EncryptionNotConfigured(EncryptionError):
    """ENCRYPTION_KEYS is not set (only possible with DEBUG)."""


class DecryptionError(EncryptionError):
    """A stored value could not be decrypted and authenticated."""


class UnknownKeyError(DecryptionError):
    """The key a value was encrypted with is not available; the message names its id."""


class MissingContext(EncryptionError):
    """The row has no primary key, client or data key yet, so it cannot be bound."""


# --- statistics (tests assert how many values a page decrypts) ------------------------

_lock = threading.Lock()
_decryptions = 0


def decryption_count() -> int:
    """How many field values this process has decrypted so far (monotonic)."""
    return _decryptions


def _count_decryption() -> None:
    global _decryptions
    with _lock:
        _decryptions += 1


# --- primitives -----------------------------------------------------------------------


def get_keyring() -> Keyring:
    keyring = getattr(settings, "ENCRYPTION_KEYRING", None)
    if keyring is None:
        raise EncryptionNotConfigured(
            "ENCRYPTION_KEYS is not set: run `python manage.py generate_encryption_key` and "
            "put its output in ENCRYPTION_KEYS to store client data."
        )
    return keyring


def _header(key_id: str) -> bytes:
    raw_id = key_id.encode("ascii")
    if not 0 < len(raw_id) < 256:
        raise ValueError("A key id is 1-255 ASCII characters.")
    return bytes([VERSION, len(raw_id)]) + raw_id


def seal(key: bytes, key_id: str, plaintext: bytes, context: bytes) -> bytes:
    """Encrypt ``plaintext`` under ``key`` with a fresh nonce, binding ``context``."""
    header = _header(key_id)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, header + context)


def blob_key_id(blob: bytes, where: str) -> str:
    """The key id in a blob's header; DecryptionError if the header is malformed."""
    if len(blob) < 2:
        raise DecryptionError(f"{where} is truncated.")
    if blob[0] != VERSION:
        raise DecryptionError(f"{where} has an unknown format version ({blob[0]}).")
    id_len = blob[1]
    if id_len == 0 or len(blob) < 2 + id_len + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(f"{where} is truncated.")
    try:
        return blob[2 : 2 + id_len].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError(f"{where} has a malformed key id.") from None


def unseal(blob: bytes, key_for: Callable[[str], bytes], context: bytes, where: str) -> bytes:
    """Authenticate and decrypt ``blob``; ``key_for(key_id)`` returns the key or raises.

    ``where`` names the value in error messages (model, field, row id: no plaintext).
    """
    blob = bytes(blob)
    key_id = blob_key_id(blob, where)
    header_len = 2 + blob[1]
    key = key_for(key_id)
    nonce = blob[header_len : header_len + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(
            nonce, blob[header_len + NONCE_BYTES :], blob[:header_len] + context
        )
    except InvalidTag:
        raise DecryptionError(
            f"{where} failed authentication: the key is wrong, or the value was altered "
            "or moved from another row or field."
        ) from None


# --- data keys (used by crisisplan.core.models.DataKey) ------------------------------------


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _data_key_context(pk: uuid.UUID) -> bytes:
    return f"crisisplan.DataKey|{pk}".encode()


def wrap_data_key(pk: uuid.UUID, dek: bytes, keyring: Keyring | None = None) -> tuple[str, bytes]:
    """Wrap ``dek`` under the current KEK: returns (kek id, wrapped blob)."""
    keyring = keyring or get_keyring()
    kek_id = keyring.current_id
    return kek_id, seal(keyring.keys[kek_id], kek_id, dek, _data_key_context(pk))


def unwrap_data_key(
    pk: uuid.UUID, wrapped: bytes, kek_id: str, keyring: Keyring | None = None
) -> bytes:
    keyring = keyring or get_keyring()
    where = f"Data key {pk}"

    def key_for(key_id: str) -> bytes:
        if key_id != kek_id:
            raise DecryptionError(f"{where} names key id {key_id!r} but is filed under {kek_id!r}.")
        if key_id not in keyring.keys:
            raise UnknownKeyError(
                f"{where} is wrapped with key id {key_id!r}, which is not in ENCRYPTION_KEYS."
            )
        return keyring.keys[key_id]

    dek = unseal(wrapped, key_for, _data_key_context(pk), where)
    if len(dek) != KEY_BYTES:
        raise DecryptionError(f"{where} does not hold a {KEY_BYTES}-byte key.")
    return dek


# --- model fields ---------------------------------------------------------------------


class Ciphertext(bytes):
    """Bytes known to be an encrypted blob (read from the database or a fixture)."""

    def __repr__(self) -> str:
        return f"<Ciphertext {len(self)} bytes>"


class EncryptedAttribute(DeferredAttribute):
    """Decrypts a loaded value on first access and caches the plaintext on the instance.

    A data descriptor (it defines __set__), so that it sees every read even though the
    value lives in ``instance.__dict__`` as Django expects (deferred-field tracking).
    """

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: Any, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext):
            if getattr(instance, "_encryption_raw_save", False):
                # loaddata (save_base(raw=True)) reads attributes instead of calling
                # pre_save: hand the fixture's ciphertext through as it is.
                return value
            value = self.field.decrypt(instance, value)
            instance.__dict__[self.field.attname] = value
        return value


class EncryptedField(models.Field):
    """Base of the encrypted fields: a bytea column holding a sealed, row-bound value.

    Subclasses define ``encode(value) -> bytes``, ``decode(bytes) -> value`` and the
    plaintext ``empty_value``.
    """

    descriptor_class = EncryptedAttribute
    empty_value: Any = None
    empty_strings_allowed = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("null"):
            raise ValueError("Encrypted fields are NOT NULL: an empty value is encrypted too.")
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "BinaryField"

    def get_default(self) -> Any:
        if self.has_default():
            return super().get_default()
        return self.empty_value

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        model = self.model
        if not callable(getattr(model, "encryption_context", None)):
            errors.append(
                checks.Error(
                    f"{model._meta.label} has encrypted fields but no encryption_context().",
                    obj=self,
                    id="crisisplan.E001",
                )
            )
        pk = model._meta.pk
        if not (isinstance(pk, models.UUIDField) and pk.has_default()):
            errors.append(
                checks.Error(
                    f"{model._meta.label} has encrypted fields, so its primary key must be "
                    "a UUIDField with a default (it is bound before INSERT).",
                    obj=self,
                    id="crisisplan.E002",
                )
            )
        return errors

    # -- encoding, overridden by subclasses --

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        raise NotImplementedError

    # -- binding --

    def _context(self, instance: Any) -> tuple[bytes, DataKey, str]:
        client_id, data_key = instance.encryption_context()
        if instance.pk is None or client_id is None or data_key is None:
            raise MissingContext(
                f"{self.model._meta.label}.{self.name}: the row has no id, client or data key."
            )
        label = self.model._meta.label
        where = f"{label}.{self.name} of row {instance.pk}"
        context = f"{label}|{self.name}|{instance.pk}|{client_id}".encode()
        return context, data_key, where

    def encrypt(self, instance: Any, value: Any) -> Ciphertext:
        context, data_key, _where = self._context(instance)
        return Ciphertext(seal(data_key.dek, data_key.pk.hex, self.encode(value), context))

    def decrypt(self, instance: Any, blob: bytes) -> Any:
        context, data_key, where = self._context(instance)

        def key_for(key_id: str) -> bytes:
            if key_id != data_key.pk.hex:
                raise DecryptionError(
                    f"{where} is encrypted under data key {key_id!r}, not this client's."
                )
            return data_key.dek

        plaintext = unseal(blob, key_for, context, where)
        _count_decryption()
        try:
            return self.decode(plaintext)
        except (ValueError, TypeError):
            raise DecryptionError(f"{where} decrypted to a malformed value.") from None

    # -- Django hooks --

    def pre_save(self, model_instance: Any, add: bool) -> Ciphertext:
        value = model_instance.__dict__.get(self.attname, self.get_default())
        if isinstance(value, Ciphertext):
            return value  # untouched since loaded: keep the stored ciphertext
        return self.encrypt(model_instance, value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Ciphertext | None:
        return None if value is None else Ciphertext(bytes(value))

    def get_prep_value(self, value: Any) -> Ciphertext:
        if isinstance(value, Ciphertext):
            return value
        raise TypeError(
            f"{self.model._meta.label}.{self.name} is encrypted: it cannot be written with "
            "QuerySet.update()/bulk_update() or compared in filter(); save the instance "
            "(or use bulk_create)."
        )

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return connection.Database.Binary(bytes(value))

    def to_python(self, value: Any) -> Any:
        """Deserialize (loaddata): base64 text or bytes become :class:`Ciphertext`."""
        if isinstance(value, Ciphertext):
            return value
        if isinstance(value, bytes | memoryview | bytearray):
            return Ciphertext(bytes(value))
        if isinstance(value, str):
            try:
                return Ciphertext(base64.b64decode(value.encode("ascii"), validate=True))
            except (binascii.Error, UnicodeEncodeError, ValueError):
                raise DecryptionError(
                    f"{self.model._meta.label}.{self.name}: a serialized value is not base64 "
                    "ciphertext."
                ) from None
        raise TypeError(f"{self.model._meta.label}.{self.name} cannot deserialize {type(value)}.")

    def clean(self, value: Any, model_instance: Any) -> Any:
        # Model.full_clean() validates the plaintext; it must not go through to_python,
        # which reads serialized ciphertext.
        value = self.clean_plaintext(value)
        self.validate(value, model_instance)
        self.run_validators(value)
        return value

    def clean_plaintext(self, value: Any) -> Any:
        return value

    def value_from_object(self, obj: Any) -> Ciphertext | None:
        """The ciphertext, never the plaintext: serializers (dumpdata) call this and would
        pass a date, number or None through as it is. A value not stored yet is encrypted;
        a row that cannot be bound yet (no data key) gives None. ModelForms take plaintext
        initial values through :class:`EncryptedModelFormMixin`."""
        value = obj.__dict__.get(self.attname, self.get_default())
        if isinstance(value, Ciphertext):
            return value
        try:
            return self.encrypt(obj, value)
        except MissingContext:
            return None

    def value_to_string(self, obj: Any) -> str:
        """dumpdata: the base64 of the ciphertext."""
        value = self.value_from_object(obj)
        if value is None:
            raise MissingContext(f"{self.model._meta.label}.{self.name}: an unsaved row.")
        return base64.b64encode(value).decode("ascii")

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        return super().formfield(**{"form_class": self.form_class, **kwargs})

    form_class: type[forms.Field] = forms.CharField


class EncryptedTextField(EncryptedField):
    """A string (UTF-8); ``max_length`` counts characters and is validated on forms."""

    empty_value = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"{self.model._meta.label}.{self.name} holds text, not {type(value)}.")
        return value.encode("utf-8")

    def decode(self, data: bytes) -> str:
        return data.decode("utf-8")

    def clean_plaintext(self, value: Any) -> str:
        return "" if value is None else str(value)

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        return super().formfield(
            **{"max_length": self.max_length, "empty_value": "", "strip": True, **kwargs}
        )


class EncryptedJSONField(EncryptedField):
    """Any JSON value (dict, list, str, number, bool, None); stored as JSON, never pickle."""

    form_class = forms.JSONField

    def encode(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def decode(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))


class EncryptedDateField(EncryptedField):
    """A ``datetime.date`` or None (JSON: an ISO date string or null)."""

    form_class = forms.DateField

    def encode(self, value: Any) -> bytes:
        if value is not None and (
            not isinstance(value, datetime.date) or isinstance(value, datetime.datetime)
        ):
            raise TypeError(f"{self.model._meta.label}.{self.name} holds a date or None.")
        return json.dumps(None if value is None else value.isoformat()).encode("ascii")

    def decode(self, data: bytes) -> datetime.date | None:
        value = json.loads(data.decode("ascii"))
        return None if value is None else datetime.date.fromisoformat(value)

    def clean_plaintext(self, value: Any) -> datetime.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, str):
            return datetime.date.fromisoformat(value)
        return value


class EncryptedBooleanField(EncryptedField):
    """True or False (JSON)."""

    empty_value = False
    form_class = forms.BooleanField

    def encode(self, value: Any) -> bytes:
        return json.dumps(bool(value)).encode("ascii")

    def decode(self, data: bytes) -> bool:
        value = json.loads(data.decode("ascii"))
        if not isinstance(value, bool):
            raise ValueError("not a boolean")
        return value

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        return super().formfield(**{"required": False, **kwargs})


class EncryptedModelFormMixin:
    """For a ModelForm over a model with encrypted fields: initial values are the
    decrypted attributes (``value_from_object`` gives ciphertext, see above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if instance is not None:
            plaintext = {
                f.name: getattr(instance, f.attname)
                for f in instance._meta.concrete_fields
                if isinstance(f, EncryptedField)
            }
            kwargs["initial"] = {**plaintext, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)


class EncryptedModel(models.Model):
    """Base for models with encrypted fields: a UUID pk, and loaddata support.

    Subclasses implement ``encryption_context(self) -> tuple[client_id, DataKey]``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True

    def encryption_context(self) -> tuple[uuid.UUID | None, DataKey]:
        raise NotImplementedError

    @classmethod
    def encrypted_field_names(cls) -> tuple[str, ...]:
        """The model's encrypted fields, in declaration order."""
        return tuple(f.name for f in cls._meta.concrete_fields if isinstance(f, EncryptedField))


# loaddata saves with save_base(raw=True), which reads attributes instead of calling
# pre_save; during that save the descriptor hands the fixture's ciphertext through.
# (Signals, because the deserializer calls models.Model.save_base unbound.)
@receiver(pre_save)
def _raw_save_begins(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw and isinstance(instance, EncryptedModel):
        instance._encryption_raw_save = True


@receiver(post_save)
def _raw_save_ends(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw and isinstance(instance, EncryptedModel):
        instance._encryption_raw_save = False
