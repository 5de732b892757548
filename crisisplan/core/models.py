"""The core every app stands on: users, the clients' data keys and the audit log.

Imports nothing of the apps above it (clients, plans, links) nor the directory.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from crisisplan.core import encryption
from crisisplan.core.encryption import EncryptedJSONField, EncryptedModel

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

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("curator"), default=False, help_text=_("Curators reach the admin to keep the directory.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Every date and time shown to the user is in this zone (crisisplan.core.timezones);
    # empty: the browser's at the next login, else the server's TIME_ZONE.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_(
            "IANA time zone of the dates and times shown to this user, e.g. Europe/Berlin."
        ),
    )

    # The language of the user's pages; empty: the browser's (crisisplan.middleware).
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("The language of your pages; empty: your browser's."),
    )

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

    def reset_second_factor(self, by: User) -> None:
        """Remove the authenticators and recovery codes (a lost phone) and sign the user
        out everywhere; they set up a new one at the next login. ``by`` is the operator."""
        with transaction.atomic():
            TOTPDevice.objects.filter(user=self).delete()
            RecoveryCodeDevice.objects.filter(user=self).delete()
            AccountSession.objects.filter(user=self).end()
            AuditEvent.objects.record(by, AuditEvent.Action.TWO_FACTOR_RESET, account=self)


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
        self,
        actor: Any,
        action: str,
        client_id: uuid.UUID | None = None,
        *,
        account: Any = None,
        **detail: Any,
    ) -> AuditEvent:
        """Append one event. ``actor`` is a user, or None (a command, the system).

        ``account`` is the user an account event concerns (a sign-in, a failed attempt
        on their account, a second factor reset by an operator), shown on their account
        page; None for events about clients.

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
            account=account,
            client_id=client_id,
            action=action,
            detail={k: list(v) if isinstance(v, tuple) else v for k, v in detail.items()},
        )

    def for_client(self, client_id: uuid.UUID) -> AuditEventQuerySet:
        return self.filter(client_id=client_id)

    def for_account(self, user: Any) -> AuditEventQuerySet:
        return self.filter(account=user)

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
        CREATE = "create", _("created")
        VIEW = "view", _("viewed")
        EDIT = "edit", _("edited")
        EXPORT = "export", _("exported")
        ARCHIVE = "archive", _("archived")
        UNARCHIVE = "unarchive", _("unarchived")
        DELETE = "delete", _("deleted")
        KEY_ROTATION = "key_rotation", _("rotated encryption keys")
        # Crisis plans; a saved version is recorded as EDIT.
        PUBLISH = "publish", _("published the plan")
        UNPUBLISH = "unpublish", _("unpublished the plan")
        RESTORE = "restore", _("restored a plan version")
        # Private links.
        LINK_CREATE = "link_create", _("created the private link")
        LINK_ROTATE = "link_rotate", _("replaced the private link")
        LINK_REVOKE = "link_revoke", _("revoked the private link")
        LINK_UNLOCK = "link_unlock", _("unlocked the private link")
        # The emergency in a session (clients: check-ins, crisis events, follow-ups).
        CHECK_IN = "check_in", _("confirmed where the client is")
        EMERGENCY_VIEW = "emergency_view", _("opened the Emergency page")
        CRISIS_EVENT = "crisis_event", _("recorded a crisis event")
        FOLLOW_UP_SCHEDULE = "follow_up_schedule", _("scheduled follow-ups")
        FOLLOW_UP_RECORD = "follow_up_record", _("recorded a follow-up")
        FOLLOW_UP_CANCEL = "follow_up_cancel", _("cancelled a follow-up")
        # Accounts (client_id None; ``account`` names the user concerned).
        LOGIN = "login", _("signed in")
        LOGIN_FAILED = "login_failed", _("failed sign-in attempt")
        LOCKED_OUT = "locked_out", _("sign-in paused after failed attempts")
        PASSWORD_CHANGE = "password_change", _("changed the password")
        PASSWORD_RESET_REQUEST = "password_reset_request", _("asked for a password reset")
        PASSWORD_RESET = "password_reset", _("reset the password by email")
        SESSIONS_END = "sessions_end", _("signed out other sessions")
        TWO_FACTOR_ADD = "2fa_add", _("added a two-factor device")
        TWO_FACTOR_REMOVE = "2fa_remove", _("removed a two-factor device")
        RECOVERY_CODES = "recovery_codes", _("made new recovery codes")
        TWO_FACTOR_RESET = "2fa_reset", _("reset the second factor")
        UNSAVED_WORK_KEPT = "unsaved_work_kept", _("kept unsaved work after a sign-out")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The user an account event concerns."),
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
            # The account page: AuditEvent.objects.for_account(user).order_by(-created_at)
            models.Index(fields=["account", "-created_at"], name="crisisplan_audit_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogError("Audit events cannot be deleted.")


# --- accounts: sessions, recovery codes, unsaved work -------------------------------


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


# Coarse, in order: the first marker found names the browser / the system.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """ "Firefox on Linux": enough to recognise one's own device, nothing more; "" when
    the browser says nothing we know (the page then says "Unknown device", translated
    when shown). Written in the language of the request that signed in."""
    ua = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in ua), "")
    system = next((name for marker, name in _SYSTEMS if marker in ua), "")
    if browser and system:
        return gettext("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system


class AccountSessionQuerySet(models.QuerySet["AccountSession"]):
    def for_user(self, user: Any) -> AccountSessionQuerySet:
        return self.filter(user=user).order_by("-last_seen_at")

    def end(self) -> int:
        """Sign these sessions out: delete them from the session store and from here."""
        store = _session_store()
        rows = list(self)
        for row in rows:
            store(session_key=row.session_key).delete()
        self.model.objects.filter(pk__in=[row.pk for row in rows]).delete()
        return len(rows)


class AccountSession(models.Model):
    """A signed-in session of a user, listed on their account page (device, last seen).

    Written at sign-in, its last-seen time refreshed at most once a minute
    (crisisplan.core.sessions.touch), deleted at sign-out or when the user ends it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    device = models.CharField(max_length=60)
    address = models.GenericIPAddressField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[AccountSessionQuerySet] = AccountSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "account session"
        indexes: ClassVar = [
            # The account page: AccountSession.objects.for_user(user)
            models.Index(fields=["user", "-last_seen_at"], name="crisisplan_accsession_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.device} since {self.started_at:%Y-%m-%d %H:%M}"

    def is_alive(self) -> bool:
        return _session_store()().exists(self.session_key)


def has_second_factor(user: Any) -> bool:
    """True when the user has set up an authenticator app (recovery codes come with it)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


RECOVERY_CODE_COUNT = 10
# Crockford's base32 (no i, l, o, u): 16 characters are 80 random bits, so a SHA-256 of
# the code is safe to store (no salt or slow hash needed against guessing).
_CODE_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_CODE_LENGTH = 16


def _normalise_code(code: str) -> str:
    code = "".join(code.lower().split()).replace("-", "")
    return code.translate(str.maketrans("ilo", "110"))


def _code_digest(code: str) -> str:
    return hashlib.sha256(_normalise_code(code).encode()).hexdigest()


class RecoveryCodeDevice(Device):
    """A user's ten single-use recovery codes, as one django-otp device.

    Only SHA-256 digests are stored; the codes are shown once, when made.
    """

    class Meta(Device.Meta):
        verbose_name = "recovery codes"

    @classmethod
    def make_codes(cls, user: Any) -> list[str]:
        """Replace the user's recovery codes with ten new ones; returns them, to show once."""
        codes = [
            "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
            for _ in range(RECOVERY_CODE_COUNT)
        ]
        with transaction.atomic():
            device, _created = cls.objects.get_or_create(
                user=user, defaults={"name": "Recovery codes", "confirmed": True}
            )
            device.codes.all().delete()
            RecoveryCode.objects.bulk_create(
                RecoveryCode(device=device, digest=_code_digest(code)) for code in codes
            )
        return ["-".join(code[i : i + 4] for i in range(0, _CODE_LENGTH, 4)) for code in codes]

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()

    def verify_token(self, token: Any) -> bool:
        # A used code stays in the table, unusable: the UPDATE matches only unused ones,
        # so two requests with the same code cannot both succeed.
        if not isinstance(token, str) or not token.strip():
            return False
        return bool(
            self.codes.filter(digest=_code_digest(token), used_at__isnull=True).update(
                used_at=timezone.now()
            )
        )


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "recovery code"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["device", "digest"], name="crisisplan_recoverycode_unique_per_device"
            ),
        ]

    def __str__(self) -> str:
        return "Used recovery code" if self.used_at else "Recovery code"


# How long a form sent after the session ended is kept for its author to log in again.
UNSAVED_WORK_LIFETIME = timedelta(hours=1)
UNSAVED_WORK_RESTORED = _(
    "This is what you typed before you were signed out. It is not saved yet: check it, then save."
)


class UnsavedWorkQuerySet(models.QuerySet["UnsavedWork"]):
    def keep(self, user: Any, path: str, fields: list[tuple[str, str]]) -> UnsavedWork:
        """Keep a submitted form (name/value pairs, no CSRF token) for ``user`` at ``path``,
        encrypted under a data key of its own; the previous one for the same page goes."""
        with transaction.atomic():
            self.filter(user=user, path=path).delete()
            self.expired().delete()
            key = DataKey.generate()
            key.save(force_insert=True)
            work = self.model(user=user, path=path, data_key=key)
            work.fields = [[name, value] for name, value in fields]
            work.save(force_insert=True)
            AuditEvent.objects.record(
                None, AuditEvent.Action.UNSAVED_WORK_KEPT, account=user, count=len(fields)
            )
        return work

    def take(self, user: Any, path: str) -> list[tuple[str, str]] | None:
        """The form kept for ``user`` at ``path`` (then forgotten), or None."""
        work = (
            self.filter(user=user, path=path, expires_at__gt=timezone.now())
            .select_related("data_key")
            .first()
        )
        if work is None:
            return None
        fields = [(str(name), str(value)) for name, value in work.fields]
        self.filter(pk=work.pk).delete()
        return fields

    def expired(self) -> UnsavedWorkQuerySet:
        return self.filter(expires_at__lte=timezone.now())

    def delete(self) -> tuple[int, dict[str, int]]:
        # Destroying the data keys destroys the rows with them (crypto-shredding).
        keys = list(self.values_list("data_key_id", flat=True))
        return DataKey.objects.filter(pk__in=keys).delete()


def _unsaved_work_expiry() -> Any:
    return timezone.now() + UNSAVED_WORK_LIFETIME


class UnsavedWork(EncryptedModel):
    """A form a user sent after their session had ended (the plan editor, a client form),
    kept for UNSAVED_WORK_LIFETIME so that nothing typed is lost: after logging in again
    the form is shown filled in, not saved (crisisplan.core.http.keeps_unsaved_work)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    data_key = models.OneToOneField(
        DataKey, on_delete=models.CASCADE, related_name="unsaved_work", editable=False
    )
    fields = EncryptedJSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_unsaved_work_expiry)

    objects: ClassVar[UnsavedWorkQuerySet] = UnsavedWorkQuerySet.as_manager()

    class Meta:
        verbose_name = "unsaved work"
        verbose_name_plural = "unsaved work"
        indexes: ClassVar = [
            # After logging in: UnsavedWork.objects.take(user, path)
            models.Index(fields=["user", "path"], name="crisisplan_unsavedwork_idx"),
        ]

    def __str__(self) -> str:
        return f"Unsaved work {str(self.pk)[:8]}"

    def encryption_context(self) -> tuple[uuid.UUID, DataKey | None]:
        # Bound to itself and its own data key: it may belong to no client yet.
        return self.pk, (self.data_key if self.data_key_id else None)
