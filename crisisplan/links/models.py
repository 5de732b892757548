"""Private links: the client's way to their plan without an account, the opens it
records, and the request counters that rate-limit the link pages.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection, models, transaction
from django.utils import timezone

from crisisplan.core.models import AuditEvent
from crisisplan.plans.models import Plan

Action = AuditEvent.Action


class PrivateLinkQuerySet(models.QuerySet["PrivateLink"]):
    def current(self) -> PrivateLinkQuerySet:
        """The links not revoked (at most one per plan); expired ones included."""
        return self.filter(revoked_at__isnull=True)

    def current_for(self, plan: Plan) -> PrivateLink | None:
        """The plan's link that is not revoked (it may have expired); None for none."""
        return None if plan._state.adding else self.current().filter(plan=plan).first()


class PrivateLink(models.Model):
    """The client's private link to their plan.

    The URL carries a 256-bit token from ``secrets``; only its SHA-256 is stored, so the
    database (or a backup) cannot give the URL back. A plan has at most one link that is
    not revoked; creating a new one revokes the old one in the same transaction
    ("rotate"). Wrong PINs lock the link for a while after PIN_FAILURE_LIMIT tries; the
    counter lives in this row, so every app process sees the same count.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    STATUS_TONES: ClassVar = {
        Status.ACTIVE: "ok",
        Status.PAUSED: "danger",
        Status.EXPIRED: "warn",
        Status.REVOKED: "muted",
    }

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
            AuditEvent.objects.record(
                actor,
                Action.LINK_ROTATE if rotated else Action.LINK_CREATE,
                plan.client_id,
                expires_in_days=days,
                pin=bool(pin),
            )
        return link, token

    # --- state ---

    @property
    def status(self) -> PrivateLink.Status:
        """What the therapist sees of the link; the one source of truth for its state."""
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        if self.is_locked():
            return self.Status.PAUSED
        return self.Status.ACTIVE

    @property
    def status_tone(self) -> str:
        return self.STATUS_TONES[self.status]

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    def is_locked(self, now: datetime.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())

    def minutes_locked(self, now: datetime.datetime | None = None) -> int:
        """Whole minutes until a PIN lock ends, rounded up; 0 when not locked."""
        now = now or timezone.now()
        if not self.is_locked(now):
            return 0
        return max(1, math.ceil((self.locked_until - now).total_seconds() / 60))

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)

    def revoke(self, actor: Any) -> None:

        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
        AuditEvent.objects.record(actor, Action.LINK_REVOKE, self.plan.client_id)

    def unlock(self, actor: Any) -> None:

        self.failed_pin_attempts = 0
        self.locked_until = None
        self.save(update_fields=["failed_pin_attempts", "locked_until"])
        AuditEvent.objects.record(actor, Action.LINK_UNLOCK, self.plan.client_id)

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
