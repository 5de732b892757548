from __future__ import annotations

import datetime
import hashlib
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from crisisplan import encryption
from crisisplan.sections import PlanContent, SectionDiff, changed_sections

if TYPE_CHECKING:
    from crisisplan.keys import Keyring
    from hotlines.models import RegionHelp, Service


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

    See crisisplan/encryption.py for the contract. Deleting a DataKey deletes its client
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


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
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
        # Crisis plans (issue 4); a plan's edits are recorded as EDIT.
        PUBLISH = "publish", "published the plan"
        UNPUBLISH = "unpublish", "unpublished the plan"
        RESTORE = "restore", "restored a plan version"
        # Private links (issue 6).
        LINK_CREATE = "link_create", "created the private link"
        LINK_ROTATE = "link_rotate", "replaced the private link"
        LINK_REVOKE = "link_revoke", "revoked the private link"
        LINK_UNLOCK = "link_unlock", "unlocked the private link"

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


# --- crisis plans -----------------------------------------------------------------------


class StaleVersion(Exception):
    """A save based on an older version than the plan's latest: refused, nothing written.

    ``current`` is the version saved in the meantime; ``changes`` what it (and any other
    save since ``base``) changed, per section.
    """

    def __init__(self, base: PlanVersion | None, current: PlanVersion) -> None:
        super().__init__(
            f"The plan is at version {current.number}, not {base.number if base else 0}."
        )
        self.base = base
        self.current = current

    @property
    def changes(self) -> list[SectionDiff]:
        before = PlanContent(self.base.content if self.base else None)
        return changed_sections(before.diff(PlanContent(self.current.content)))


class PlanQuerySet(models.QuerySet["Plan"]):
    def for_therapist(self, user: Any) -> PlanQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(client__therapist=user)


class Plan(models.Model):
    """A client's crisis plan: its versions, the published one and the review dates.

    Holds no client data itself (the content is in the encrypted versions). The
    directory services it pins and hides are plan-wide and take effect at once; the
    numbers themselves live in the directory, so a correction reaches every plan.
    """

    class Status(models.TextChoices):
        NONE = "none", "No plan yet"
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="plan")
    # The number of the latest version (0: none yet); a save names the number it was
    # based on, and is refused when another save came first (optimistic locking).
    current_number = models.PositiveIntegerField(default=0)
    published_version = models.ForeignKey(
        "PlanVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "Last reviewed on" for the client: when the shown version was published.
    published_at = models.DateTimeField(null=True, blank=True)
    next_review_on = models.DateField("next review", null=True, blank=True)
    pinned_services = models.ManyToManyField(
        "hotlines.Service", blank=True, related_name="pinned_on_plans"
    )
    hidden_services = models.ManyToManyField(
        "hotlines.Service", blank=True, related_name="hidden_on_plans"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects: ClassVar[PlanQuerySet] = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "crisis plan"

    def __str__(self) -> str:
        return f"Plan {str(self.pk)[:8]}"

    # -- state --

    @property
    def status(self) -> str:
        if self.published_version_id:
            return self.Status.PUBLISHED
        return self.Status.DRAFT if self.current_number else self.Status.NONE

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def review_overdue(self) -> bool:
        return self.next_review_on is not None and self.next_review_on < timezone.localdate()

    def versions_newest_first(self) -> models.QuerySet[PlanVersion]:
        """Every version, ready to decrypt without a query per version."""
        return self.versions.select_related("author").order_by("-number")

    def version(self, number: int) -> PlanVersion | None:
        if self._state.adding:
            return None
        return self.versions.select_related("author").filter(number=number).first()

    def latest_version(self) -> PlanVersion | None:
        return self.version(self.current_number) if self.current_number else None

    def published_content(self) -> PlanContent | None:
        """The content the client sees (decrypts: may raise EncryptionError), or None."""
        version = self.published_version
        return PlanContent(version.content) if version else None

    # -- the directory --

    def current_link(self) -> PrivateLink | None:
        """The plan's link that is not revoked (it may have expired); None for none."""
        return None if self._state.adding else self.links.current().first()

    def directory_ids(self) -> tuple[set[int], set[int]]:
        """(pinned, hidden) service ids; none for a plan not saved yet."""
        if self._state.adding:
            return set(), set()
        pinned_rows = Plan.pinned_services.through.objects.filter(plan_id=self.pk).values_list(
            "service_id", models.Value(True, output_field=models.BooleanField())
        )
        hidden_rows = Plan.hidden_services.through.objects.filter(plan_id=self.pk).values_list(
            "service_id", models.Value(False, output_field=models.BooleanField())
        )
        pinned: set[int] = set()
        hidden: set[int] = set()
        for service_id, is_pin in pinned_rows.union(hidden_rows, all=True):
            (pinned if is_pin else hidden).add(service_id)
        return pinned, hidden

    def directory_help(self, audience: str = "client") -> RegionHelp:
        """The directory's services for the client's region, with this plan's pins and
        hides, in the order a person in crisis needs them (a fixed number of queries)."""
        from hotlines.models import region_help

        pinned, hidden = self.directory_ids()
        return region_help(
            self.client.country,
            self.client.subdivision,
            pinned_ids=pinned,
            hidden_ids=hidden,
            audience=audience,
        )

    def directory_choices(self) -> list[DirectoryChoice]:
        """For the editor: the region's services (shown unless hidden) and the country's
        other client-visible services (shown when pinned), plus any pinned elsewhere."""
        from hotlines.models import Service, region_help

        pinned, hidden = self.directory_ids()
        country, subdivision = self.client.country, self.client.subdivision
        # The region's services as the client's page looks them up (remembered per process).
        region = region_help(country, subdivision).services
        region_ids = {s.pk for s in region}
        others = list(
            Service.objects.visible_to_clients()
            .filter(models.Q(country=country) | models.Q(pk__in=pinned))
            .exclude(pk__in=region_ids)
            .with_details()
            .order_by("subdivision", "priority", "name", "pk")
        )
        return [
            DirectoryChoice(s, True, s.pk not in hidden, s.kind == Service.Kind.EMERGENCY)
            for s in region
        ] + [DirectoryChoice(s, False, s.pk in pinned, False) for s in others]

    def choose_directory(self, offered: set[int], shown: set[int], actor: Any) -> bool:
        """Apply the editor's ticks: untick a region service to hide it, tick another to
        pin it. Services not offered keep their pins and hides. True if anything changed."""
        from hotlines.models import Service, region_help

        pinned, hidden = self.directory_ids()
        country, subdivision = self.client.country, self.client.subdivision
        region = {s.pk: s for s in region_help(country, subdivision).services}
        # Offered outside the region: only what directory_choices() offers can be pinned
        # (one light query instead of building every choice again on each save).
        outside = offered - set(region)
        pinnable = (
            set(
                Service.objects.visible_to_clients()
                .filter(models.Q(country=country) | models.Q(pk__in=pinned))
                .filter(pk__in=outside)
                .values_list("pk", flat=True)
            )
            if outside
            else set()
        )
        for pk in offered:
            if pk in region:
                if region[pk].kind == Service.Kind.EMERGENCY:
                    continue  # an emergency number cannot be hidden
                (hidden.discard if pk in shown else hidden.add)(pk)
            elif pk in pinnable:
                (pinned.add if pk in shown else pinned.discard)(pk)
        return self.set_directory_choices(pinned, hidden, actor)

    # -- changes --

    def save_version(
        self,
        author: Any,
        content: PlanContent,
        base_number: int | None,
        note: str = "",
        *,
        restored_from: int | None = None,
    ) -> PlanVersion:
        """Append a version with ``content``, refusing a stale ``base_number``.

        Locks the plan row (SELECT ... FOR UPDATE) so that two saves based on the same
        version cannot both pass the check; the (plan, number) constraint backs this up
        where the database has no row locks (SQLite serialises writers anyway).
        ``base_number=None`` skips the check (a restore appends to whatever is latest).
        Raises StaleVersion; nothing is written then.
        """
        from crisisplan import audit

        try:
            with transaction.atomic():
                if self._state.adding:
                    plan, _ = Plan.objects.get_or_create(client=self.client)
                    self.pk = plan.pk
                    self._state.adding = False
                locked = Plan.objects.select_for_update().get(pk=self.pk)
                if base_number is not None and locked.current_number != base_number:
                    raise self._stale(base_number, locked.current_number)
                version = PlanVersion(
                    plan=self,
                    number=locked.current_number + 1,
                    content=content.to_json(),
                    change_note=note,
                    author=author,
                    restored_from=restored_from,
                )
                version.save(force_insert=True)
                self.current_number = version.number
                self.updated_at = version.created_at
                self.save(update_fields=["current_number", "updated_at"])
                if restored_from is not None:
                    audit.record(
                        author,
                        audit.Action.RESTORE,
                        self.client_id,
                        version=version.number,
                        restored_from=restored_from,
                    )
                else:
                    audit.record(author, audit.Action.EDIT, self.client_id, version=version.number)
        except IntegrityError:
            # Another save took this number between our check and our insert.
            self.refresh_from_db(fields=["current_number"])
            raise self._stale(base_number or 0, self.current_number) from None
        return version

    def _stale(self, base_number: int, current_number: int) -> StaleVersion:
        versions = {
            v.number: v
            for v in self.versions.select_related("author").filter(
                number__in=[base_number, current_number]
            )
        }
        return StaleVersion(versions.get(base_number), versions[current_number])

    def publish(self, version: PlanVersion, actor: Any) -> None:
        from crisisplan import audit

        if version.plan_id != self.pk:
            raise ValueError("A plan publishes only its own versions.")
        with transaction.atomic():
            self.published_version = version
            self.published_at = self.updated_at = timezone.now()
            self.save(update_fields=["published_version", "published_at", "updated_at"])
            audit.record(actor, audit.Action.PUBLISH, self.client_id, version=version.number)

    def unpublish(self, actor: Any) -> None:
        from crisisplan import audit

        with transaction.atomic():
            number = self.published_version.number if self.published_version else None
            self.published_version = None
            self.published_at = None
            self.updated_at = timezone.now()
            self.save(update_fields=["published_version", "published_at", "updated_at"])
            audit.record(actor, audit.Action.UNPUBLISH, self.client_id, version=number)

    def restore(self, version: PlanVersion, actor: Any) -> PlanVersion:
        """A new version with the content of ``version`` (history is never rewritten)."""
        if version.plan_id != self.pk:
            raise ValueError("A plan restores only its own versions.")
        return self.save_version(
            actor,
            PlanContent(version.content),
            None,
            f"Restored version {version.number}.",
            restored_from=version.number,
        )

    def set_next_review(self, day: datetime.date | None, actor: Any) -> None:
        from crisisplan import audit

        with transaction.atomic():
            self.next_review_on = day
            self.updated_at = timezone.now()
            self.save(update_fields=["next_review_on", "updated_at"])
            audit.record(actor, audit.Action.EDIT, self.client_id, fields=["next_review_on"])

    def set_directory_choices(self, pinned_ids: set[int], hidden_ids: set[int], actor: Any) -> bool:
        """Replace the pinned and hidden services; True if anything changed."""
        from crisisplan import audit

        if self.directory_ids() == (pinned_ids, hidden_ids):
            return False
        with transaction.atomic():
            self.pinned_services.set(pinned_ids)
            self.hidden_services.set(hidden_ids)
            audit.record(
                actor,
                audit.Action.EDIT,
                self.client_id,
                fields=["directory_services"],
                pinned=sorted(pinned_ids),
                hidden=sorted(hidden_ids),
            )
        return True


@dataclass(frozen=True)
class DirectoryChoice:
    service: Service
    default: bool  # shown for the client's region without a pin
    shown: bool
    locked: bool  # an emergency number cannot be hidden


class PlanVersionError(Exception):
    """Plan versions are immutable."""


class PlanVersion(encryption.EncryptedModel):
    """One saved state of a plan: immutable, encrypted with the client's data key."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = encryption.EncryptedJSONField(default=dict)
    change_note = encryption.EncryptedTextField("change note", max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The number of the version this one restored, if it is a restore.
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "plan version"
        ordering = ("-number",)
        constraints: ClassVar = [
            # Also serves plan.versions.filter(number=...) and the version list's order.
            models.UniqueConstraint(
                fields=["plan", "number"], name="crisisplan_planversion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"

    def encryption_context(self) -> tuple[uuid.UUID, DataKey]:
        client = self.plan.client
        return client.pk, client.data_key

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PlanVersionError("Plan versions are immutable: save a new version instead.")
        super().save(*args, **kwargs)

    @property
    def plan_content(self) -> PlanContent:
        return PlanContent(self.content)

    @property
    def is_published(self) -> bool:
        return self.plan.published_version_id == self.pk


# --- private links ---


class LinkError(Exception):
    """A link operation that cannot be done; the message is for the therapist."""


class PrivateLinkQuerySet(models.QuerySet["PrivateLink"]):
    def current(self) -> PrivateLinkQuerySet:
        """The links not revoked (at most one per plan); expired ones included."""
        return self.filter(revoked_at__isnull=True)


class PrivateLink(models.Model):
    """The client's private link to their plan.

    The URL carries a 256-bit token from ``secrets``; only its SHA-256 is stored, so the
    database (or a backup) cannot give the URL back. A plan has at most one link that is
    not revoked; creating a new one revokes the old one in the same transaction
    ("rotate"). Wrong PINs lock the link for a while after PIN_FAILURE_LIMIT tries; the
    counter lives in this row, so every app process sees the same count.
    """

    TOKEN_BYTES = 32
    DEFAULT_EXPIRY_DAYS = 180
    EXPIRY_CHOICES: ClassVar = [
        (30, "30 days"),
        (90, "90 days"),
        (180, "6 months (recommended)"),
        (365, "1 year"),
    ]
    PIN_FAILURE_LIMIT = 5
    PIN_LOCK_MINUTES = 15
    # How long an opened plan stays open in the browser before the landing page again.
    GRANT_MINUTES = 60

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="links")
    # The one lookup of every link request: PrivateLink.objects.filter(token_hash=...)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    pin_hash = models.CharField(max_length=200, blank=True)
    failed_pin_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    previous_opened_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[PrivateLinkQuerySet] = PrivateLinkQuerySet.as_manager()

    class Meta:
        verbose_name = "private link"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(revoked_at__isnull=True),
                name="crisisplan_privatelink_one_current_per_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"Private link of plan {self.plan_id}"

    # --- tokens ---

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def token_is_well_formed(token: str) -> bool:
        """token_urlsafe(32) gives 43 characters of the URL-safe base64 alphabet."""
        return len(token) == 43 and TOKEN_RE.fullmatch(token) is not None

    @classmethod
    def find(cls, token: str) -> PrivateLink | None:
        """The link for a token, usable or not; None for anything unknown or malformed.

        Selects everything the client's pages need in the same query.
        """
        if not cls.token_is_well_formed(token):
            return None
        return (
            cls.objects.select_related("plan__client__data_key", "plan__published_version")
            .filter(token_hash=cls.hash_token(token))
            .first()
        )

    @classmethod
    def issue(
        cls, plan: Plan, actor: Any, *, days: int = DEFAULT_EXPIRY_DAYS, pin: str = ""
    ) -> tuple[PrivateLink, str]:
        """Create the plan's link, revoking the current one; returns (link, token).

        The token is returned once, to be shown to the therapist, and never stored.
        """
        from crisisplan.audit import Action, record

        token = secrets.token_urlsafe(cls.TOKEN_BYTES)
        now = timezone.now()
        with transaction.atomic():
            replaced = cls.objects.select_for_update().current().filter(plan=plan)
            rotated = replaced.update(revoked_at=now) > 0
            link = cls.objects.create(
                plan=plan,
                token_hash=cls.hash_token(token),
                created_by=actor,
                created_at=now,
                expires_at=now + datetime.timedelta(days=days),
                pin_hash=make_password(pin) if pin else "",
            )
            record(
                actor,
                Action.LINK_ROTATE if rotated else Action.LINK_CREATE,
                plan.client_id,
                expires_in_days=days,
                pin=bool(pin),
            )
        return link, token

    # --- state ---

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    def is_locked(self, now: datetime.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)

    def revoke(self, actor: Any) -> None:
        from crisisplan.audit import Action, record

        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
        record(actor, Action.LINK_REVOKE, self.plan.client_id)

    def unlock(self, actor: Any) -> None:
        from crisisplan.audit import Action, record

        self.failed_pin_attempts = 0
        self.locked_until = None
        self.save(update_fields=["failed_pin_attempts", "locked_until"])
        record(actor, Action.LINK_UNLOCK, self.plan.client_id)

    def check_pin(self, pin: str) -> bool:
        """True for the right PIN (and the failure count starts again).

        A wrong PIN counts atomically in the database, so tries sent to different app
        processes add up; the PIN_FAILURE_LIMIT-th wrong try locks the link for
        PIN_LOCK_MINUTES. A locked link refuses even the right PIN.
        """
        if self.is_locked():
            return False
        if check_password(pin, self.pin_hash):
            if self.failed_pin_attempts:
                self.failed_pin_attempts = 0
                self.save(update_fields=["failed_pin_attempts"])
            return True
        with transaction.atomic():
            type(self).objects.filter(pk=self.pk).update(
                failed_pin_attempts=models.F("failed_pin_attempts") + 1
            )
            (
                type(self)
                .objects.filter(pk=self.pk, failed_pin_attempts__gte=self.PIN_FAILURE_LIMIT)
                .update(
                    failed_pin_attempts=0,
                    locked_until=timezone.now() + datetime.timedelta(minutes=self.PIN_LOCK_MINUTES),
                )
            )
        self.refresh_from_db(fields=["failed_pin_attempts", "locked_until"])
        return False

    # --- opens ---

    def record_open(self, user_agent: str) -> LinkOpen:
        """Log an open, and keep the one before it on the link (the client's "last
        opened", shown on every view of the plan without another query)."""
        opened = LinkOpen.objects.create(link=self, browser=LinkOpen.browser_family(user_agent))
        self.previous_opened_at, self.last_opened_at = self.last_opened_at, opened.opened_at
        self.save(update_fields=["previous_opened_at", "last_opened_at"])
        return opened

    def recent_opens(self, count: int = 10) -> list[LinkOpen]:
        return list(self.opens.order_by("-opened_at")[:count])


TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+")


class LinkOpen(models.Model):
    """One opening of a plan through its private link: when, and a coarse browser family.

    Nothing else about the device or the address is kept.
    """

    FAMILIES: ClassVar = [
        ("Edg/", "Edge"),
        ("SamsungBrowser", "Samsung Internet"),
        ("Firefox", "Firefox"),
        ("Chrome", "Chrome"),
        ("Safari", "Safari"),
    ]

    link = models.ForeignKey(PrivateLink, on_delete=models.CASCADE, related_name="opens")
    opened_at = models.DateTimeField(default=timezone.now)
    browser = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ("-opened_at",)
        indexes: ClassVar = [
            # The client page's open list and "last opened": link.opens.order_by(-opened_at)
            models.Index(fields=["link", "-opened_at"], name="crisisplan_linkopen_link_idx"),
        ]

    def __str__(self) -> str:
        return f"Opened {self.opened_at:%Y-%m-%d %H:%M}"

    @classmethod
    def browser_family(cls, user_agent: str) -> str:
        for marker, family in cls.FAMILIES:
            if marker in (user_agent or ""):
                return family
        return "Other"


class RateCounter(models.Model):
    """A request counter for one key in one fixed time window, shared by every process.

    Keys are SHA-256 digests of (scope, identifier, window), so no address is stored.
    """

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    # Expired counters are deleted now and then: RateCounter.objects.filter(expires_at__lt=now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "rate counter"

    def __str__(self) -> str:
        return f"{self.key[:12]}…={self.count}"

    @classmethod
    def hit(cls, *limits: RateLimit) -> RateLimit | None:
        """Count one request against each limit; the first limit now exceeded, or None.

        One atomic statement for all of them (INSERT … ON CONFLICT DO UPDATE …
        RETURNING), on PostgreSQL and SQLite alike, so concurrent processes never lose a
        count and a request costs one round trip.
        """
        now = time.time()
        rows: list[tuple[str, datetime.datetime]] = []
        for limit in limits:
            window = int(now // limit.seconds)
            key = f"{limit.scope}|{limit.identifier}|{limit.seconds}|{window}"
            expires = datetime.datetime.fromtimestamp((window + 2) * limit.seconds, tz=datetime.UTC)
            rows.append((hashlib.sha256(key.encode()).hexdigest(), expires))
        q = connection.ops.quote_name
        table, key_col, count_col = q(cls._meta.db_table), q("key"), q("count")
        # Only quoted model names are interpolated; the values are parameters.
        sql = (
            f"INSERT INTO {table} ({key_col}, {count_col}, {q('expires_at')}) "  # noqa: S608
            f"VALUES {', '.join(['(%s, 1, %s)'] * len(rows))} "
            f"ON CONFLICT ({key_col}) DO UPDATE SET {count_col} = {table}.{count_col} + 1 "
            f"RETURNING {key_col}, {count_col}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for row in rows for value in row])
            counts = dict(cursor.fetchall())
        if min(counts.values()) == 1 and secrets.randbelow(50) == 0:
            cls.objects.filter(expires_at__lt=timezone.now()).delete()
        for limit, (key, _expires) in zip(limits, rows, strict=True):
            if counts[key] > limit.count:
                return limit
        return None


@dataclass(frozen=True)
class RateLimit:
    """At most ``count`` requests per ``seconds`` for one (scope, identifier)."""

    scope: str
    identifier: str
    count: int
    seconds: int
