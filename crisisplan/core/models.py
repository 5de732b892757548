"""The core every app stands on: users, the clients' data keys and the audit log.

Imports nothing of the apps above it (clients, plans, links) nor the directory.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from crisisplan.core import encryption

if TYPE_CHECKING:
    from crisisplan.core.keys import Keyring


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        # Email addresses are stored lower-case; log in regardless of case.
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser, PermissionsMixin):
    """A therapist (or, with is_staff, a curator of the directory). Logs in by email."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField("name", max_length=150, blank=True)
    is_staff = models.BooleanField(
        "curator", default=False, help_text="Curators reach the admin to keep the directory."
    )
    is_active = models.BooleanField("active", default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email).lower()


# --- encryption keys ----------------------------------------------------------------


class DataKeyQuerySet(models.QuerySet["DataKey"]):
    def needing_rotation(self, current_kek_id: str) -> DataKeyQuerySet:
        return self.exclude(kek_id=current_kek_id)


class DataKey(models.Model):
    """A client's data key (DEK), wrapped by a key-encryption key from ENCRYPTION_KEYS.

    See crisisplan/core/encryption.py for the contract. Deleting a DataKey deletes its client
    (and what cascades from the client): crypto-shredding.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wrapped = models.BinaryField()
    # A plaintext copy of the wrapping key's id (also authenticated inside `wrapped`),
    # so rotation can select the keys still wrapped by an older KEK.
    kek_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[DataKeyQuerySet] = DataKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "data key"
        indexes: ClassVar = [
            # rotate_encryption_keys: DataKey.objects.exclude(kek_id=current)
            models.Index(fields=["kek_id"], name="crisisplan_datakey_kek_idx"),
        ]

    def __str__(self) -> str:
        return f"Data key {self.pk}"

    @classmethod
    def generate(cls) -> DataKey:
        """A new, unsaved data key wrapped by the current KEK (its DEK cached)."""
        key = cls()
        dek = encryption.new_data_key()
        key.kek_id, wrapped = encryption.wrap_data_key(key.pk, dek)
        key.wrapped = wrapped
        key._dek = dek
        return key

    @property
    def dek(self) -> bytes:
        """The unwrapped data key, cached on this instance only."""
        dek = self.__dict__.get("_dek")
        if dek is None:
            dek = encryption.unwrap_data_key(self.pk, bytes(self.wrapped), self.kek_id)
            self._dek = dek
        return dek

    def rewrap(self, keyring: Keyring) -> None:
        """Wrap the same DEK under the keyring's current KEK (caller saves)."""
        dek = encryption.unwrap_data_key(self.pk, bytes(self.wrapped), self.kek_id, keyring)
        self.kek_id, self.wrapped = encryption.wrap_data_key(self.pk, dek, keyring)
        self.rotated_at = timezone.now()
        self._dek = dek


# --- audit log ------------------------------------------------------------------------


class AuditLogError(Exception):
    """The audit log is append-only."""


_SCALARS = (str, int, float, bool, type(None))


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def record(
        self, actor: Any, action: str, client_id: uuid.UUID | None = None, **detail: Any
    ) -> AuditEvent:
        """Append one event. ``actor`` is a user, or None (a command, the system).

        ``detail`` holds only non-sensitive facts (field names, counts, key ids), never
        a client's data; values are JSON scalars or lists of them, so that a whole record
        cannot slip in.
        """
        if action not in AuditEvent.Action.values:
            raise ValueError(f"Unknown audit action {action!r}: add it to AuditEvent.Action.")
        for name, value in detail.items():
            items = value if isinstance(value, list | tuple) else [value]
            if not all(isinstance(item, _SCALARS) for item in items):
                raise TypeError(f"Audit detail {name!r} must be a scalar or a list of scalars.")
        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor = None
        return self.create(
            actor=actor,
            client_id=client_id,
            action=action,
            detail={k: list(v) if isinstance(v, tuple) else v for k, v in detail.items()},
        )

    def for_client(self, client_id: uuid.UUID) -> AuditEventQuerySet:
        return self.filter(client_id=client_id)

    def update(self, **kwargs: Any) -> int:
        raise AuditLogError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what to which client, and when. Append-only; never holds client data.

    ``detail`` holds non-sensitive facts only: field NAMES, counts, key ids, never values.
    To add an action, add a member to ``Action`` (and run makemigrations).
    """

    class Action(models.TextChoices):
        CREATE = "create", "created"
        VIEW = "view", "viewed"
        EDIT = "edit", "edited"
        EXPORT = "export", "exported"
        ARCHIVE = "archive", "archived"
        UNARCHIVE = "unarchive", "unarchived"
        DELETE = "delete", "deleted"
        KEY_ROTATION = "key_rotation", "rotated encryption keys"
        # Crisis plans; a saved version is recorded as EDIT.
        PUBLISH = "publish", "published the plan"
        UNPUBLISH = "unpublish", "unpublished the plan"
        RESTORE = "restore", "restored a plan version"
        # Private links.
        LINK_CREATE = "link_create", "created the private link"
        LINK_ROTATE = "link_rotate", "replaced the private link"
        LINK_REVOKE = "link_revoke", "revoked the private link"
        LINK_UNLOCK = "link_unlock", "unlocked the private link"
        # The emergency in a session (clients: check-ins, crisis events, follow-ups).
        CHECK_IN = "check_in", "confirmed where the client is"
        EMERGENCY_VIEW = "emergency_view", "opened the Emergency page"
        CRISIS_EVENT = "crisis_event", "recorded a crisis event"
        FOLLOW_UP_SCHEDULE = "follow_up_schedule", "scheduled follow-ups"
        FOLLOW_UP_RECORD = "follow_up_record", "recorded a follow-up"
        FOLLOW_UP_CANCEL = "follow_up_cancel", "cancelled a follow-up"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # No foreign key: the events of a deleted client outlive it.
    client_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "audit event"
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [
            # The client's event list: AuditEvent.objects.for_client(pk).order_by(-created_at)
            models.Index(fields=["client_id", "-created_at"], name="crisisplan_audit_client_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogError("Audit events cannot be deleted.")
