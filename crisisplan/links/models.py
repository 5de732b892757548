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
import weakref
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from crisisplan.core.models import AuditEvent, DataKey
from crisisplan.plans.models import Plan, PlanVersion
from hotlines.models import DirectoryVersion

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
    ("rotate"). A PIN try is taken from this row before the PIN is checked, and
    PIN_FAILURE_LIMIT tries pause the link, for longer each time (PIN_PAUSES); the
    counters live in this row, so every app process sees the same count (try_pin).
    """

    class PinAnswer(models.TextChoices):
        RIGHT = "right", "Right"
        WRONG = "wrong", "Wrong"
        PAUSED = "paused", "Not checked: the link is paused"

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    STATUS_TONES: ClassVar = {
        Status.ACTIVE: "ok",
        Status.PAUSED: "danger",
        Status.EXPIRED: "warn",
        Status.REVOKED: "muted",
    }

    TOKEN_BYTES = 32
    DEFAULT_EXPIRY_DAYS = 180
    EXPIRY_CHOICES: ClassVar = [
        (30, _("30 days")),
        (90, _("90 days")),
        (180, _("6 months (recommended)")),
        (365, _("1 year")),
    ]
    PIN_FAILURE_LIMIT = 5
    # How long the 1st, 2nd and 3rd (and every later) pause in a row lasts: a client who
    # mistypes waits 15 minutes; someone trying PINs gets 5 tries a day after the third.
    PIN_PAUSES: ClassVar = (
        datetime.timedelta(minutes=15),
        datetime.timedelta(hours=1),
        datetime.timedelta(hours=24),
    )
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
    # PIN tries taken since the last pause, right PIN or unlock (try_pin).
    failed_pin_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Pauses in a row since the right PIN or the therapist's unlock: each lasts longer.
    pin_pauses = models.PositiveSmallIntegerField(default=0)
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

        One query reads everything the client's pages need: the link, its plan, client,
        data key and published version, the plan's pins and hides, and the directory's
        version (see LinkPageQuery).
        """
        if not cls.token_is_well_formed(token):
            return None
        return LinkPageQuery.for_connection(connection).find(cls.hash_token(token))

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
        """The therapist ends a pause (and the pauses in a row start again from 15
        minutes). Audited."""
        type(self).objects.filter(pk=self.pk).update(
            failed_pin_attempts=0, locked_until=None, pin_pauses=0
        )
        self.failed_pin_attempts, self.locked_until, self.pin_pauses = 0, None, 0
        AuditEvent.objects.record(actor, Action.LINK_UNLOCK, self.plan.client_id)

    @property
    def next_pause(self) -> datetime.timedelta:
        """How long the pause after the next PIN_FAILURE_LIMIT wrong tries would last."""
        return self.PIN_PAUSES[min(self.pin_pauses, len(self.PIN_PAUSES) - 1)]

    def _take_pin_try(self, now: datetime.datetime) -> bool:
        """Take one PIN try, atomically, before the PIN is checked: one conditional
        UPDATE, so that concurrent requests in any number of processes never check more
        than PIN_FAILURE_LIMIT PINs between pauses. The try that reaches the limit starts
        the pause at once (the next try, anywhere, is refused while this one's slow hash
        still runs); a pause that is over starts the count again. False: paused."""
        free = models.Q(locked_until__isnull=True) | models.Q(locked_until__lte=now)
        pause_over = models.Q(locked_until__isnull=False, locked_until__lte=now)
        reaches_limit = models.Q(failed_pin_attempts__gte=self.PIN_FAILURE_LIMIT - 1) & ~pause_over
        when, count = models.DateTimeField(), models.PositiveSmallIntegerField()
        pause_ends = models.Case(
            *(
                models.When(pin_pauses=n, then=models.Value(now + length, output_field=when))
                for n, length in enumerate(self.PIN_PAUSES[:-1])
            ),
            default=models.Value(now + self.PIN_PAUSES[-1], output_field=when),
        )
        taken = (
            type(self)
            .objects.filter(free, pk=self.pk)
            .update(
                failed_pin_attempts=models.Case(
                    models.When(pause_over, then=models.Value(1)),
                    default=models.F("failed_pin_attempts") + 1,
                    output_field=count,
                ),
                locked_until=models.Case(
                    models.When(reaches_limit, then=pause_ends),
                    default=models.Value(None, output_field=when),
                ),
                pin_pauses=models.Case(
                    models.When(reaches_limit, then=models.F("pin_pauses") + 1),
                    default=models.F("pin_pauses"),
                    output_field=count,
                ),
            )
        )
        return taken == 1

    def try_pin(self, pin: str) -> PrivateLink.PinAnswer:
        """Check a PIN the client typed: RIGHT (the counts start again), WRONG, or PAUSED
        (not checked: the link is paused, the right PIN included).

        The try is taken before the slow hash is checked (_take_pin_try), so tries sent
        at once to different app processes add up exactly; the PIN_FAILURE_LIMIT-th
        pauses the link for PIN_PAUSES[n], n the pauses in a row so far.
        """
        if not self._take_pin_try(timezone.now()):
            self.refresh_from_db(fields=["failed_pin_attempts", "locked_until", "pin_pauses"])
            return self.PinAnswer.PAUSED
        if check_password(pin, self.pin_hash):
            type(self).objects.filter(pk=self.pk).update(
                failed_pin_attempts=0, locked_until=None, pin_pauses=0
            )
            self.failed_pin_attempts, self.locked_until, self.pin_pauses = 0, None, 0
            return self.PinAnswer.RIGHT
        self.refresh_from_db(fields=["failed_pin_attempts", "locked_until", "pin_pauses"])
        return self.PinAnswer.WRONG

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


class LinkPageQuery:
    """The one query of every private-link page, written once per process (and database
    backend) from the models' own fields.

    The ORM would build and compile a five-table select_related query plus two more
    queries (pins and hides, the directory's version) on every request: a fifth of the
    plan page's time. This is the same SELECT, its columns taken from the models'
    concrete fields (so it follows the models), its values passed through the same
    converters the ORM applies, and the instances made with Model.from_db as the ORM
    makes them.
    """

    _built: ClassVar[dict[str, LinkPageQuery]] = {}

    def __init__(self, conn: Any) -> None:
        q = conn.ops.quote_name
        self.alias = conn.alias
        self.parts = [
            (PrivateLink, "l"),
            (Plan, "p"),
            (Client, "c"),
            (DataKey, "k"),
            (PlanVersion, "v"),
        ]
        columns, self.converters = [], []
        for model, alias in self.parts:
            for field_ in model._meta.concrete_fields:
                columns.append(f"{alias}.{q(field_.column)}")
                self.converters.append(self._converters(conn, field_, alias))
        version_field = DirectoryVersion._meta.get_field("token")
        self.version_converters = self._converters(conn, version_field, "d")
        if conn.vendor == "postgresql":
            ids = "string_agg(CAST(x.{0} AS text), ',')"
        else:
            ids = "group_concat(x.{0}, ',')"
        ids = ids.format(q("service_id"))
        pins = q(Plan.pinned_services.through._meta.db_table)
        hides = q(Plan.hidden_services.through._meta.db_table)
        table = {model: q(model._meta.db_table) for model, _ in self.parts}
        pk = q("id")
        # Only quoted table and column names are interpolated; the token's hash is a
        # parameter.
        self.sql = (
            f"SELECT {', '.join(columns)}, "  # noqa: S608
            f"(SELECT d.{q(version_field.column)} FROM "
            f"{q(DirectoryVersion._meta.db_table)} d WHERE d.{pk} = 1), "
            f"(SELECT {ids} FROM {pins} x WHERE x.{q('plan_id')} = p.{pk}), "
            f"(SELECT {ids} FROM {hides} x WHERE x.{q('plan_id')} = p.{pk}) "
            f"FROM {table[PrivateLink]} l "
            f"JOIN {table[Plan]} p ON p.{pk} = l.{q('plan_id')} "
            f"JOIN {table[Client]} c ON c.{pk} = p.{q('client_id')} "
            f"JOIN {table[DataKey]} k ON k.{pk} = c.{q('data_key_id')} "
            f"LEFT JOIN {table[PlanVersion]} v ON v.{pk} = p.{q('published_version_id')} "
            f"WHERE l.{q('token_hash')} = %s"
        )

    # On PostgreSQL the query is prepared once per connection: planning a five-table
    # join took several times as long as running it. A prepared statement lives in one
    # server connection, so behind a pooler in transaction mode (PgBouncer's
    # pool_mode=transaction), where the next transaction may run on another, the
    # setting DB_PREPARED_STATEMENTS=false sends the plain query instead.
    PREPARED = "crisisplan_link_page"

    def _prepare_once(self, cursor: Any) -> None:
        raw = connection.connection
        known = getattr(connection, "_link_page_prepared", None)
        if known is not None and known() is raw:
            return
        # A connection-level setup, like a SET: run beside Django's query log.
        with raw.cursor() as setup:
            setup.execute(f"PREPARE {self.PREPARED}(text) AS {self.sql.replace('%s', '$1')}")
        connection._link_page_prepared = weakref.ref(raw)

    @staticmethod
    def _converters(conn: Any, field_: models.Field, alias: str) -> list[Any]:
        column = field_.get_col(alias)
        return [
            (converter, column)
            for converter in conn.ops.get_db_converters(column) + field_.get_db_converters(conn)
        ]

    @classmethod
    def for_connection(cls, conn: Any) -> LinkPageQuery:
        built = cls._built.get(conn.alias)
        if built is None:
            built = cls._built[conn.alias] = cls(conn)
        return built

    def _convert(self, value: Any, converters: list[Any]) -> Any:
        for converter, column in converters:
            value = converter(value, column, connection)
        return value

    def find(self, token_hash: str) -> PrivateLink | None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and settings.DB_PREPARED_STATEMENTS:
                self._prepare_once(cursor)
                cursor.execute(f"EXECUTE {self.PREPARED}(%s)", [token_hash])
            else:
                cursor.execute(self.sql, [token_hash])
            row = cursor.fetchone()
        if row is None:
            return None
        values = [
            self._convert(value, converters)
            for value, converters in zip(row, self.converters, strict=False)
        ]
        instances, start = [], 0
        for model, _alias in self.parts:
            width = len(model._meta.concrete_fields)
            chunk = values[start : start + width]
            start += width
            if model is self.parts[-1][0] and chunk[0] is None:
                instances.append(None)  # no published version (LEFT JOIN)
            else:
                instances.append(model.from_db(self.alias, None, chunk))
        link, plan, client, data_key, version = instances
        PrivateLink._meta.get_field("plan").set_cached_value(link, plan)
        Plan._meta.get_field("client").set_cached_value(plan, client)
        Plan._meta.get_field("published_version").set_cached_value(plan, version)
        client._meta.get_field("data_key").set_cached_value(client, data_key)
        directory_version, pinned, hidden = row[start:]
        plan.remember_directory_state(
            {int(pk) for pk in pinned.split(",")} if pinned else set(),
            {int(pk) for pk in hidden.split(",")} if hidden else set(),
            self._convert(directory_version, self.version_converters),
        )
        return link


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
        return str(_("Other"))


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
        rows = [
            (key, datetime.datetime.fromtimestamp(expires, tz=datetime.UTC))
            for key, expires in (limit.window(now) for limit in limits)
        ]
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

    def window(self, now: float) -> tuple[str, int]:
        """(counter key, when the counter may go, as a Unix time) of the fixed window
        ``now`` falls in. The key is a SHA-256 digest: no address is stored."""
        window = int(now // self.seconds)
        key = f"{self.scope}|{self.identifier}|{self.seconds}|{window}"
        return hashlib.sha256(key.encode()).hexdigest(), (window + 2) * self.seconds
