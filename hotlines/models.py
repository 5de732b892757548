"""The directory of emergency services: services, their contact methods and hours.

Plans refer to services by id and never copy a number, so a correction made here reaches
every plan at once. Lookup for a place: `Service.objects.help_for_region(...)`, or
`region_help(...)`, the same remembered by each process until the directory changes.
Where the directory stands, country by country: `Service.objects.coverage()`.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Case, Count, IntegerField, Min, Prefetch, Q, Value, When
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotlines import hours as hours_lib
from hotlines.keys import KEY_MAX_LENGTH, new_key
from hotlines.phones import (
    PHONE_HELP,
    is_star_code,
    join_instructions,
    sms_href,
    tel_href,
    validate_international_phone,
    validate_phone,
    validate_textable,
)
from hotlines.regions import (
    FIND_A_HELPLINE,
    EmergencyFallback,
    country_codes,
    country_name,
    default_timezone,
    emergency_fallback,
    language_name,
    place_name,
    validate_country,
    validate_languages,
    validate_subdivision,
    validate_timezone,
)

STALE_AFTER = timedelta(days=180)
validate_web_url = URLValidator(schemes=["http", "https"])
# The kinds that count as "someone to talk to" when the directory says whether a place
# has a crisis line.
CRISIS_KINDS = ("crisis_line", "text_line", "chat")
# Topics that say an emergency number reaches medical help (the "in danger" button leads
# with one: a mental-health crisis is a medical emergency).
MEDICAL_TOPICS = frozenset({"ambulance", "medical"})


def client_visible() -> Q:
    """Active, and either verified by a curator or imported with high/medium confidence.

    A low-confidence entry reaches clients only once a curator has verified it (and not
    while it is flagged for review again).
    """
    verified = Q(last_verified_at__isnull=False, needs_review=False)
    trusted = Q(confidence__in=["high", "medium"])
    return (verified | trusted) & Q(active=True)


class Audience(models.TextChoices):
    """Who a lookup is for: clients see only trustworthy entries, therapists see all."""

    CLIENT = "client", "client"
    THERAPIST = "therapist", "therapist"


class ServiceQuerySet(models.QuerySet["Service"]):
    def visible_to_clients(self) -> ServiceQuerySet:
        """The entries clients see (see client_visible())."""
        return self.filter(client_visible())

    def subdivisions_in(self, country: str) -> list[str]:
        """The region codes of ``country`` that active entries are filed under (the place
        picker offers them; hotlines.places). Served by the (country, subdivision, ...)
        index."""
        rows = self.filter(country=country, active=True).exclude(subdivision="")
        return list(rows.order_by().values_list("subdivision", flat=True).distinct())

    def with_details(self) -> ServiceQuerySet:
        """Contact methods with their hours, and the verifying curator: 2 extra queries."""
        return self.select_related("last_verified_by").prefetch_related(
            Prefetch(
                "contact_methods",
                queryset=ContactMethod.objects.order_by("position", "id").prefetch_related(
                    Prefetch("periods", queryset=OpeningPeriod.objects.order_by("weekday", "opens"))
                ),
            )
        )

    def stale(self, now: datetime | None = None) -> ServiceQuerySet:
        cutoff = (now or timezone.now()) - STALE_AFTER
        return self.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff))

    def needing_attention(self, now: datetime | None = None) -> ServiceQuerySet:
        """Stale or never verified, or flagged for review: the curators' default list."""
        cutoff = (now or timezone.now()) - STALE_AFTER
        return self.filter(
            Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff) | Q(needs_review=True)
        )

    def coverage(self, *, every_country: bool = False) -> Coverage:
        """Where the directory stands, per country: what clients there can see, how much
        is verified, and which number leads the "in danger" button. Active entries only.

        Three queries whatever the directory's size (the counts, then the client-visible
        nationwide emergency numbers with their contact methods). Sorted with the places
        to work on first: no emergency number, then no crisis line, then the most
        unverified entries. ``every_country`` adds every ISO 3166-1 country without an
        entry.
        """
        visible = client_visible()
        verified = Q(last_verified_at__isnull=False, needs_review=False)
        emergency = Q(kind=Service.Kind.EMERGENCY)
        counts = (
            self.filter(active=True)
            .order_by()
            .values("country")
            .annotate(
                emergency=Count("pk", filter=emergency & Q(subdivision="") & visible),
                regional_emergency=Count("pk", filter=emergency & ~Q(subdivision="") & visible),
                crisis_lines=Count("pk", filter=Q(kind__in=CRISIS_KINDS) & visible),
                verified=Count("pk", filter=verified),
                entries=Count("pk"),
                low=Count("pk", filter=Q(confidence=Service.Confidence.LOW)),
                oldest=Min("last_verified_at"),
            )
        )
        leads: dict[str, list[Service]] = {}
        for service in (
            self.filter(visible, emergency, subdivision="")
            .order_by("priority", "name", "pk")
            .prefetch_related(
                Prefetch("contact_methods", queryset=ContactMethod.objects.order_by("position"))
            )
        ):
            leads.setdefault(service.country, []).append(service)
        rows = [
            CountryCoverage(
                country=row["country"],
                emergency=row["emergency"] > 0,
                regional_emergency=row["regional_emergency"] > 0,
                crisis_line=row["crisis_lines"] > 0,
                entries=row["entries"],
                verified=row["verified"],
                low_confidence=row["low"],
                oldest_verified=row["oldest"],
                lead=lead_emergency(leads.get(row["country"], []), row["country"]),
            )
            for row in counts
        ]
        if every_country:
            known = {row.country for row in rows}
            rows += [CountryCoverage(country=code) for code in country_codes() if code not in known]
        return Coverage(sorted(rows, key=CountryCoverage.sort_key))

    def for_region(
        self,
        country: str,
        subdivision: str = "",
        *,
        pinned_ids: Iterable[int] = (),
        hidden_ids: Iterable[int] = (),
        audience: str = Audience.CLIENT,
    ) -> ServiceQuerySet:
        """The services for a place, in the order a person in crisis needs them.

        Nationwide services of `country` plus those of `subdivision`, plus `pinned_ids`
        from anywhere; minus `hidden_ids` (an emergency number cannot be hidden). Order:
        emergency numbers, then pinned services, then crisis lines, text lines, chats and
        others, each by priority (lower first) and name. For clients only entries
        visible_to_clients(); for therapists every active entry. Three queries in all
        (services, contact methods, opening periods), whatever the directory's size.
        """
        pinned = [int(pk) for pk in pinned_ids]
        hidden = [int(pk) for pk in hidden_ids]
        country = (country or "").upper()
        region = Q(country=country, subdivision__in={"", subdivision or ""})
        qs = self.filter(region | Q(pk__in=pinned)) if pinned else self.filter(region)
        qs = qs.visible_to_clients() if audience == Audience.CLIENT else qs.filter(active=True)
        if hidden:
            qs = qs.exclude(Q(pk__in=hidden) & ~Q(kind=Service.Kind.EMERGENCY))
        kind_rank = Case(
            When(kind=Service.Kind.EMERGENCY, then=Value(0)),
            *([When(pk__in=pinned, then=Value(1))] if pinned else []),
            When(kind=Service.Kind.CRISIS_LINE, then=Value(2)),
            When(kind=Service.Kind.TEXT_LINE, then=Value(3)),
            When(kind=Service.Kind.CHAT, then=Value(4)),
            default=Value(5),
            output_field=IntegerField(),
        )
        return (
            qs.with_details()
            .annotate(kind_rank=kind_rank)
            .order_by("kind_rank", "priority", "subdivision", "name", "pk")
        )

    def help_for_region(
        self,
        country: str,
        subdivision: str = "",
        *,
        pinned_ids: Iterable[int] = (),
        hidden_ids: Iterable[int] = (),
        audience: str = Audience.CLIENT,
    ) -> RegionHelp:
        """for_region() evaluated, with a fallback when it has no emergency number."""
        services = list(
            self.for_region(
                country,
                subdivision,
                pinned_ids=pinned_ids,
                hidden_ids=hidden_ids,
                audience=audience,
            )
        )
        country = (country or "").upper()
        has_emergency = any(
            s.kind == Service.Kind.EMERGENCY and s.country == country for s in services
        )
        # The emergency numbers come first, the one for the "in danger" button leading.
        emergency = [s for s in services if s.kind == Service.Kind.EMERGENCY]
        emergency.sort(key=lambda s: s.lead_rank(country))
        return RegionHelp(
            country=country,
            subdivision=subdivision or "",
            services=emergency + [s for s in services if s.kind != Service.Kind.EMERGENCY],
            fallback=None if has_emergency else emergency_fallback(country),
        )


def lead_emergency(services: Iterable[Service], country: str) -> Service | None:
    """Of a place's emergency numbers, the one the "in danger" button calls."""
    reachable = [s for s in services if s.kind == Service.Kind.EMERGENCY and s.phones]
    return min(reachable, key=lambda s: s.lead_rank(country), default=None)


class DirectoryVersion(models.Model):
    """One row whose token changes with every change to the directory.

    Each app process remembers region lookups (``region_help``) under this token, so a
    corrected number still reaches every page at once while a page needs one small query
    instead of three and the building of every entry. Saves and deletes of services,
    contact methods and hours change it (signals, in the same transaction as the change),
    and so does the CSV import, whose bulk writes send no signals.
    """

    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        verbose_name = "directory version"

    def __str__(self) -> str:
        return str(self.token)

    @classmethod
    def current(cls) -> uuid.UUID | None:
        return cls.objects.filter(pk=1).values_list("token", flat=True).first()

    @classmethod
    def changed(cls) -> None:
        cls.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4()})

    @classmethod
    @contextmanager
    def one_change(cls) -> Iterator[None]:
        """Many writes (an import), one change of the token instead of one per row:
        the signals of saves and deletes inside are ignored. Use inside the transaction
        of the writes."""
        cls.changed()
        depth = getattr(_one_change, "depth", 0)
        _one_change.depth = depth + 1
        try:
            yield
        finally:
            _one_change.depth = depth


_one_change = threading.local()
_region_cache: OrderedDict[tuple, RegionHelp] = OrderedDict()
_region_cache_lock = threading.Lock()
REGION_CACHE_SIZE = 500
# The therapists' lookups (the directory page) are remembered apart, so that browsing
# the directory's regions never pushes out the clients' lookups, which a client's page
# falls back on while the database cannot be reached (remembered_region_help).
_therapist_cache: OrderedDict[tuple, RegionHelp] = OrderedDict()
THERAPIST_CACHE_SIZE = 200
# region_help(version=...): ask the database for the directory's current version.
CURRENT = object()


def region_help(
    country: str,
    subdivision: str = "",
    *,
    pinned_ids: Iterable[int] = (),
    hidden_ids: Iterable[int] = (),
    audience: str = Audience.CLIENT,
    version: uuid.UUID | object | None = CURRENT,
) -> RegionHelp:
    """``Service.objects.help_for_region(...)``, remembered in this process until the
    directory changes (see DirectoryVersion). The entries are shared between requests and
    must not be changed; "open now" is computed when a page is rendered. ``version``: the
    directory's version when the caller read it in the same request (one query less)."""
    key = (
        DirectoryVersion.current() if version is CURRENT else version,
        (country or "").upper(),
        subdivision or "",
        frozenset(pinned_ids),
        frozenset(hidden_ids),
        audience,
    )
    cache, size = (
        (_region_cache, REGION_CACHE_SIZE)
        if audience == Audience.CLIENT
        else (_therapist_cache, THERAPIST_CACHE_SIZE)
    )
    with _region_cache_lock:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    found = Service.objects.help_for_region(
        country, subdivision, pinned_ids=pinned_ids, hidden_ids=hidden_ids, audience=audience
    )
    with _region_cache_lock:
        cache[key] = found
        while len(cache) > size:
            cache.popitem(last=False)
    return found


def remembered_region_help(
    country: str, subdivision: str = "", *, hidden_ids: Iterable[int] = ()
) -> RegionHelp | None:
    """A client's region help as this process last looked it up, without asking the
    database (for a page answered while it cannot be reached): the most recently used
    lookup of the place with exactly these hides, of whatever directory version; failing
    that, the place's lookup with a plan's pins, without the pinned services (a pin can
    say something about the client). None when this process has looked up neither."""
    country, subdivision = (country or "").upper(), subdivision or ""
    hidden = frozenset(int(pk) for pk in hidden_ids)
    with _region_cache_lock:
        candidates = [
            (pinned, found)
            for (_version, c, s, pinned, h, audience), found in reversed(_region_cache.items())
            if (c, s, h, audience) == (country, subdivision, hidden, Audience.CLIENT)
        ]
    pinned, found = min(candidates, key=lambda item: bool(item[0]), default=((), None))
    if found is None or not pinned:
        return found
    return RegionHelp(
        country=found.country,
        subdivision=found.subdivision,
        services=[s for s in found.services if s.pk not in pinned],
        fallback=found.fallback,
    )


_countries_cache: dict[uuid.UUID | None, list[str]] = {}


def directory_countries(*, version: uuid.UUID | object | None = CURRENT) -> list[str]:
    """The codes of the countries with an active service, remembered in this process
    until the directory changes (the directory page's country list). ``version``: as for
    region_help()."""
    version = DirectoryVersion.current() if version is CURRENT else version
    with _region_cache_lock:
        found = _countries_cache.get(version)
    if found is None:
        found = sorted(set(Service.objects.filter(active=True).values_list("country", flat=True)))
        with _region_cache_lock:
            _countries_cache.clear()
            _countries_cache[version] = found
    return found


@dataclass(frozen=True)
class CountryFilters:
    """What the directory page offers to narrow a country's services: the codes of the
    regions and the topics of its active services, sorted."""

    subdivisions: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


# (directory version, country) -> its filters; only the current version's are kept.
_filters_cache: dict[tuple[uuid.UUID | None, str], CountryFilters] = {}


def country_filters(
    country: str, *, version: uuid.UUID | object | None = CURRENT
) -> CountryFilters:
    """The regions and topics of ``country``'s active services, remembered in this
    process until the directory changes (read once per country and version instead of
    every service of the country on each directory page). No filters for a country
    without an active service (and nothing is remembered for it)."""
    version = DirectoryVersion.current() if version is CURRENT else version
    country = (country or "").upper()
    if country not in directory_countries(version=version):
        return CountryFilters()
    key = (version, country)
    with _region_cache_lock:
        found = _filters_cache.get(key)
    if found is None:
        rows = Service.objects.filter(active=True, country=country).order_by()
        found = CountryFilters(
            subdivisions=tuple(
                sorted(
                    rows.exclude(subdivision="").values_list("subdivision", flat=True).distinct()
                )
            ),
            topics=tuple(sorted({t for ts in rows.values_list("topics", flat=True) for t in ts})),
        )
        with _region_cache_lock:
            for stale in [k for k in _filters_cache if k[0] != version]:
                del _filters_cache[stale]
            _filters_cache[key] = found
    return found


def forget_region_help() -> None:
    """Empty this process's remembered lookups (tests that write with bulk_create)."""
    with _region_cache_lock:
        _region_cache.clear()
        _therapist_cache.clear()
        _countries_cache.clear()
        _filters_cache.clear()


@dataclass(frozen=True)
class RegionHelp:
    """The answer to "whom can this person call?" for one place.

    - ``emergency``: the emergency numbers, the one for the "in danger" button first
      (``lead``): the number a curator chose for the country, else one that reaches
      medical help (a dedicated ambulance number before a shared one, then a general
      number), police and fire after it.
    - ``crisis_lines``: crisis lines, text lines and chats; ``has_crisis_line`` is False
      where the directory has none that this audience may see: say so plainly.
    - ``from_abroad`` / ``local_only``: for a therapist in another country (DESIGN.md,
      "The emergency in a session"): the emergency numbers with a curated international
      number (``Service.from_abroad``, with its own source and date), and those whose
      short code only works from inside the country. ``international_lines``: crisis
      lines whose own number is already international (+...).
    """

    country: str
    subdivision: str
    services: list[Service]
    # Set when no emergency number of the country is among `services`: show it first.
    fallback: EmergencyFallback | None
    # Rendered parts of pages about this lookup ({% directory_fragment %}), remembered
    # as long as the lookup is (region_help(): until the directory changes).
    fragments: dict = field(default_factory=dict, compare=False, repr=False)
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    FRAGMENTS_KEPT: ClassVar[int] = 16

    def remember_fragment(self, key: tuple, html: str) -> None:
        if len(self.fragments) >= self.FRAGMENTS_KEPT:
            self.fragments.clear()
        self.fragments[key] = html

    def open_states(self, now: datetime) -> tuple[bool | None, ...]:
        """Service.open_state(now) of every service, in order. Opening hours change state
        only on a whole minute, so the states of a minute are worked out once (unless
        some hours have seconds: then every time)."""
        minute = int(now.timestamp() // 60)
        known = self._memo.get("open_states")
        if known is not None and known[0] == minute:
            return known[1]
        states = tuple(service.open_state(now) for service in self.services)
        if self._whole_minutes():
            self._memo["open_states"] = (minute, states)
        return states

    def _whole_minutes(self) -> bool:
        whole = self._memo.get("whole_minutes")
        if whole is None:
            whole = self._memo["whole_minutes"] = all(
                not (moment.second or moment.microsecond)
                for service in self.services
                for method in service.contact_methods.all()
                for period in method.periods.all()
                for moment in (period.opens, period.closes)
            )
        return whole

    @property
    def country_name(self) -> str:
        return country_name(self.country) if self.country else ""

    @property
    def find_a_helpline_url(self) -> str:
        """Where to look for a crisis line the directory does not have (as the 404 page)."""
        return FIND_A_HELPLINE

    @property
    def emergency(self) -> list[Service]:
        return [s for s in self.services if s.kind == Service.Kind.EMERGENCY]

    @property
    def lead(self) -> Service | None:
        """The emergency number the "in danger" button calls (it has a phone), or None."""
        return next((s for s in self.emergency if s.phones), None)

    @property
    def others(self) -> list[Service]:
        return [s for s in self.services if s.kind != Service.Kind.EMERGENCY]

    # --- the two kinds of help on every page a client can reach ------------------------
    # "In danger now" is ``lead``. Only the place's own country counts for "talk": a
    # short code pinned from elsewhere does not work there.

    @property
    def talk(self) -> Reach | None:
        """ "Talk to someone now": see talk_at."""
        return self.talk_at(timezone.now())

    def talk_at(self, now: datetime) -> Reach | None:
        """The place's first crisis line with a phone number (a plan's pinned lines
        first, as ordered), preferring one not closed at ``now``; where there is none,
        its first text line or chat (by text message, or online); None when the
        directory has none that this audience may see."""
        reaches = [
            reach
            for s in self.crisis_lines
            if s.country == self.country and (reach := Reach.of(s)) is not None
        ]
        calls = [r for r in reaches if r.method.kind == ContactMethod.Kind.PHONE]
        for candidates in (calls, reaches):
            open_now = (r for r in candidates if r.service.open_state(now) is not False)
            found = next(open_now, None) or next(iter(candidates), None)
            if found:
                return found
        return None

    @property
    def place_name(self) -> str:
        return place_name(self.country, self.subdivision)

    @property
    def timezone(self) -> str:
        """The place's time zone, for times shown to a person there: a curator's zone
        on the region's own services where there are any, else the country's
        (hotlines.regions.default_timezone); UTC for an unknown place."""
        own = (s.timezone for s in self.services if s.subdivision == self.subdivision)
        return next((zone for zone in own if self.subdivision and zone), None) or (
            default_timezone(self.country) if self.country else "UTC"
        )

    @property
    def crisis_lines(self) -> list[Service]:
        return [s for s in self.services if s.kind in CRISIS_KINDS]

    @property
    def has_crisis_line(self) -> bool:
        return bool(self.crisis_lines)

    @property
    def from_abroad(self) -> list[Service]:
        return [s for s in self.emergency if s.from_abroad]

    @property
    def local_only(self) -> list[Service]:
        return [s for s in self.emergency if not s.from_abroad]

    @property
    def international_lines(self) -> list[Service]:
        return [s for s in self.crisis_lines if any(p.is_international for p in s.phones)]


@dataclass(frozen=True)
class Reach:
    """A way to reach a service from a client's page: a call, a text message or a chat."""

    service: Service
    method: ContactMethod

    @classmethod
    def of(cls, service: Service) -> Reach | None:
        """The best way to reach ``service``: a call, else a text, else a chat."""
        methods = service.contact_methods.all()
        for kind in (ContactMethod.Kind.PHONE, ContactMethod.Kind.SMS, ContactMethod.Kind.CHAT):
            for method in methods:
                if method.kind == kind and method.href:
                    return cls(service, method)
        return None

    @property
    def href(self) -> str:
        return self.method.href

    @property
    def is_call(self) -> bool:
        return self.method.kind == ContactMethod.Kind.PHONE


@dataclass(frozen=True)
class CountryCoverage:
    """One country's line of Service.objects.coverage()."""

    country: str
    emergency: bool = False  # a client-visible nationwide emergency number
    regional_emergency: bool = False  # ...or only a regional one
    crisis_line: bool = False  # a client-visible crisis line, text line or chat
    entries: int = 0
    verified: int = 0
    low_confidence: int = 0
    oldest_verified: datetime | None = None
    lead: Service | None = None  # the number the "in danger" button calls

    @property
    def name(self) -> str:
        return country_name(self.country)

    @property
    def unverified(self) -> int:
        return self.entries - self.verified

    @property
    def lead_number(self) -> str:
        return self.lead.phones[0].value if self.lead else ""

    def sort_key(self) -> tuple:
        return (self.emergency, self.crisis_line, -self.unverified, self.name)


@dataclass(frozen=True)
class Coverage:
    """Service.objects.coverage(): a line per country, and the totals."""

    rows: list[CountryCoverage]

    @property
    def countries(self) -> int:
        return sum(1 for row in self.rows if row.entries)

    @property
    def with_emergency(self) -> int:
        return sum(row.emergency for row in self.rows)

    @property
    def with_crisis_line(self) -> int:
        return sum(row.crisis_line for row in self.rows)

    @property
    def emergency_without_crisis_line(self) -> int:
        return sum(row.emergency and not row.crisis_line for row in self.rows)

    @property
    def entries(self) -> int:
        return sum(row.entries for row in self.rows)

    @property
    def verified(self) -> int:
        return sum(row.verified for row in self.rows)

    @property
    def low_confidence(self) -> int:
        return sum(row.low_confidence for row in self.rows)

    def __str__(self) -> str:
        return (
            f"{self.countries} countries with entries: {self.with_emergency} with a "
            f"client-visible emergency number, {self.with_crisis_line} with a client-visible "
            f"crisis line, {self.emergency_without_crisis_line} with an emergency number but "
            f"no crisis line; {self.verified} of {self.entries} entries verified, "
            f"{self.low_confidence} of low confidence."
        )


class Service(models.Model):
    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("emergency number")
        CRISIS_LINE = "crisis_line", _("crisis line")
        TEXT_LINE = "text_line", _("text line")
        CHAT = "chat", _("chat")
        OTHER = "other", _("other")

    class Confidence(models.TextChoices):
        HIGH = "high", _("high")
        MEDIUM = "medium", _("medium")
        LOW = "low", _("low")

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = models.CharField(
        max_length=2, validators=[validate_country], help_text="ISO 3166-1 code, e.g. DE."
    )
    subdivision = models.CharField(
        max_length=6,
        blank=True,
        help_text="ISO 3166-2 code (e.g. GB-ENG); empty for a nationwide service.",
    )
    languages = models.JSONField(
        default=list, blank=True, help_text='ISO 639-1 codes, e.g. ["en", "fr"].'
    )
    topics = models.JSONField(
        default=list, blank=True, help_text='e.g. ["suicide", "emotional_support"].'
    )
    audience = models.CharField(
        max_length=200, blank=True, help_text="Who it is for, if not everyone (e.g. veterans)."
    )
    description = models.TextField(blank=True)
    source_urls = models.JSONField(default=list, blank=True)
    confidence = models.CharField(
        max_length=10,
        choices=Confidence.choices,
        default=Confidence.LOW,
        help_text="How sure the sources are. Low-confidence entries reach clients only "
        "once verified.",
    )
    note = models.TextField(blank=True, help_text="What the sources say and disagree on.")
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    needs_review = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Lower comes first within its kind."
    )
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="IANA timezone of the opening hours; empty: the country's own zone "
        "(the first one listed, for countries with several).",
    )
    leads = models.BooleanField(
        _("leads the “in danger” button"),
        default=False,
        help_text=_(
            "The emergency number clients see first, on the big button. One per country: "
            "choosing this one unsets the others. When none is chosen, a number that "
            "reaches an ambulance leads (a mental-health crisis is a medical emergency)."
        ),
    )
    from_abroad = models.CharField(
        _("number from abroad"),
        max_length=40,
        blank=True,
        validators=[validate_international_phone],
        help_text=_(
            "A full international number (+ and country code) that reaches this service or "
            "its regional dispatch from another country. Only from an official source; "
            "leave empty if none gives one."
        ),
    )
    from_abroad_source = models.URLField(
        _("source of the number from abroad"),
        max_length=500,
        blank=True,
        help_text=_("The official page that gives the number from abroad."),
    )
    from_abroad_verified_on = models.DateField(
        _("number from abroad verified on"), null=True, blank=True
    )
    # Identity across import and export: a renamed entry keeps its key (hotlines/keys.py).
    key = models.CharField(max_length=KEY_MAX_LENGTH, unique=True, default=new_key, editable=False)
    # The CSV columns as the last import wrote them ({} if never imported): where the entry
    # differs from them now, a curator changed it, and the next import leaves it alone.
    imported_row = models.JSONField(default=dict, blank=True, editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ("country", "subdivision", "priority", "name")
        constraints = (
            # The importer's natural key: a re-import updates instead of duplicating.
            # Its index also serves for_region(): WHERE country = %s AND subdivision IN (...).
            models.UniqueConstraint(
                fields=("country", "subdivision", "name", "kind"),
                name="hotlines_service_natural_key",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["emergency", "crisis_line", "text_line", "chat", "other"]),
                name="hotlines_service_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=["high", "medium", "low"]),
                name="hotlines_service_confidence_valid",
            ),
            models.CheckConstraint(
                condition=Q(last_verified_by__isnull=True) | Q(last_verified_at__isnull=False),
                name="hotlines_service_verifier_has_date",
            ),
            # At most one number leads the "in danger" button of a country.
            models.UniqueConstraint(
                fields=("country",),
                condition=Q(leads=True),
                name="hotlines_service_one_lead_per_country",
            ),
            models.CheckConstraint(
                condition=Q(leads=False) | Q(kind="emergency"),
                name="hotlines_service_lead_is_emergency",
            ),
            # A number from abroad is never invented: it comes with its source.
            models.CheckConstraint(
                condition=Q(from_abroad="") | ~Q(from_abroad_source=""),
                name="hotlines_service_abroad_has_source",
            ),
        )
        indexes = (
            # The admin's "stale" filter and the oldest-verified-first sort.
            models.Index(fields=("last_verified_at",), name="hotlines_service_verified_idx"),
        )

    def __str__(self) -> str:
        place = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
        return f"{self.name} ({place})"

    def save(self, *args, **kwargs) -> None:
        if not self.timezone:
            self.timezone = default_timezone(self.country)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "timezone"}
        if self.leads:
            with transaction.atomic():
                # One lead per country: choosing this one unsets the others.
                Service.objects.filter(country=self.country, leads=True).exclude(pk=self.pk).update(
                    leads=False
                )
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)

    def get_constraints(self) -> list[tuple[type[models.Model], list[models.BaseConstraint]]]:
        # Choosing a new lead for a country unsets the old one (save()): the constraint
        # guards the database, it is no error to show a curator.
        return [
            (model, [c for c in constraints if c.name != "hotlines_service_one_lead_per_country"])
            for model, constraints in super().get_constraints()
        ]

    def clean(self) -> None:
        super().clean()
        self.country = (self.country or "").upper()
        self.subdivision = (self.subdivision or "").upper()
        errors: dict[str, list[ValidationError]] = {}
        try:
            validate_subdivision(self.subdivision, self.country)
        except ValidationError as exc:
            errors.setdefault("subdivision", []).append(exc)
        try:
            validate_languages(self.languages)
        except ValidationError as exc:
            errors.setdefault("languages", []).append(exc)
        for url in self.source_urls or []:
            try:
                validate_web_url(url)
            except ValidationError:
                errors.setdefault("source_urls", []).append(
                    ValidationError(_("“%(url)s” is not a web address.") % {"url": url})
                )
        if self.last_verified_by_id and not self.last_verified_at:
            errors.setdefault("last_verified_at", []).append(
                ValidationError(_("Give the date of the verification."))
            )
        if self.leads and self.kind != self.Kind.EMERGENCY:
            errors.setdefault("leads", []).append(
                ValidationError(_("Only an emergency number can lead the “in danger” button."))
            )
        if self.from_abroad and not self.from_abroad_source:
            errors.setdefault("from_abroad_source", []).append(
                ValidationError(_("Give the official source of the number from abroad."))
            )
        if self.from_abroad_verified_on and not self.from_abroad:
            errors.setdefault("from_abroad_verified_on", []).append(
                ValidationError(_("There is no number from abroad to have verified."))
            )
        if errors:
            raise ValidationError(errors)

    # --- status, for therapists and curators ---------------------------------------

    @property
    def is_verified(self) -> bool:
        return self.last_verified_at is not None and not self.needs_review

    def is_stale(self, now: datetime | None = None) -> bool:
        return self.last_verified_at is None or (
            (now or timezone.now()) - self.last_verified_at > STALE_AFTER
        )

    def days_since_verified(self, now: datetime | None = None) -> int | None:
        if self.last_verified_at is None:
            return None
        return ((now or timezone.now()) - self.last_verified_at).days

    @property
    def verified_by_name(self) -> str:
        return (
            self.last_verified_by.get_full_name() if self.last_verified_by else gettext("a curator")
        )

    @property
    def status_text(self) -> str:
        """One line a therapist can trust: verified when and by whom, or what it is."""
        if self.last_verified_at:
            day = timezone.localdate(self.last_verified_at)
            values = {"date": date_format(day, "j F Y"), "name": self.verified_by_name}
            if self.needs_review:
                return gettext("Verified on %(date)s by %(name)s; needs review again") % values
            return gettext("Verified on %(date)s by %(name)s") % values
        values = {"confidence": self.get_confidence_display()}
        if self.needs_review:
            return (
                gettext("Not yet verified; imported with %(confidence)s confidence, needs review")
                % values
            )
        return gettext("Not yet verified; imported with %(confidence)s confidence") % values

    @property
    def visible_to_clients(self) -> bool:
        return self.active and (
            self.is_verified or self.confidence in (self.Confidence.HIGH, self.Confidence.MEDIUM)
        )

    def mark_verified(self, user: models.Model, now: datetime | None = None) -> None:
        self.last_verified_at = now or timezone.now()
        self.last_verified_by = user
        self.needs_review = False
        self.save(update_fields=["last_verified_at", "last_verified_by", "needs_review"])

    # --- display --------------------------------------------------------------------

    @property
    def place_name(self) -> str:
        return place_name(self.country, self.subdivision)

    @property
    def phones(self) -> list[ContactMethod]:
        """Its phone numbers (from the prefetched contact methods: no query)."""
        return [m for m in self.contact_methods.all() if m.kind == ContactMethod.Kind.PHONE]

    def lead_rank(self, country: str) -> int:
        """How strongly this emergency number leads the "in danger" button in `country`
        (lower leads): the curators' choice; then a number that reaches medical help,
        a dedicated ambulance number before one shared with police or fire; then a
        general number; then the rest (police, fire); then one of another country
        (pinned) or without a phone."""
        if not self.phones or self.country != country:
            return 9
        if self.leads:
            return 0
        topics = set(self.topics)
        if "accessibility" in topics:  # a text/fax service for deaf people: listed, not first
            return 5
        if topics & MEDICAL_TOPICS:
            return 2 if topics & {"police", "fire"} else 1
        return 3 if "emergency" in topics else 4

    @property
    def from_abroad_tel_href(self) -> str:
        return tel_href(self.from_abroad) if self.from_abroad else ""

    @property
    def language_names(self) -> list[str]:
        return [language_name(code) for code in self.languages]

    @property
    def topic_labels(self) -> list[str]:
        return [topic.replace("_", " ") for topic in self.topics]

    def open_state(self, now: datetime | None = None) -> bool | None:
        """True if a way to reach it is open now, False if all are closed, None if unknown.

        A website has no opening hours and is left out, unless it is the only method.
        """
        methods = list(self.contact_methods.all())
        live = [m for m in methods if m.kind != ContactMethod.Kind.WEB] or methods
        states = [m.open_state(now) for m in live]
        if True in states:
            return True
        if None in states or not states:
            return None
        return False


class ContactMethod(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", _("phone")
        SMS = "sms", _("text message (SMS)")
        CHAT = "chat", _("chat")
        WEB = "web", _("website")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contact_methods")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(
        max_length=300,
        help_text="Phone and SMS: the number as dialled locally. Chat and web: the address.",
    )
    instructions = models.CharField(max_length=200, blank=True, help_text="e.g. “then press 1”.")
    sms_keyword = models.CharField(
        "SMS keyword", max_length=40, blank=True, help_text="The word to text, e.g. HOME."
    )
    always_open = models.BooleanField("24/7", default=False)
    hours_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Hours as the sources describe them, where they fit no weekly pattern.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = (
            models.CheckConstraint(
                condition=Q(kind__in=["phone", "sms", "chat", "web"]),
                name="hotlines_contactmethod_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="sms") | Q(sms_keyword=""),
                name="hotlines_contactmethod_keyword_only_sms",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.display_value}"

    def clean(self) -> None:
        super().clean()
        if self.kind in (self.Kind.PHONE, self.Kind.SMS):
            try:
                validate_phone(self.value)
                if self.kind == self.Kind.SMS:
                    validate_textable(self.value)
            except ValidationError as exc:
                raise ValidationError({"value": exc}) from exc
        elif self.kind in (self.Kind.CHAT, self.Kind.WEB):
            try:
                validate_web_url(self.value)
            except ValidationError as exc:
                raise ValidationError(
                    {"value": "Enter a web address starting with https:// or http://."}
                ) from exc
        if self.sms_keyword and self.kind != self.Kind.SMS:
            raise ValidationError({"sms_keyword": _("Only a text-message method has a keyword.")})

    phone_help = PHONE_HELP

    @property
    def is_number(self) -> bool:
        return self.kind in (self.Kind.PHONE, self.Kind.SMS)

    @property
    def is_star_code(self) -> bool:
        """Dialled with a star or hash (*4141): shown as written, never texted."""
        return self.is_number and is_star_code(self.value)

    @property
    def is_international(self) -> bool:
        """Written with + and a country code: dialable from another country."""
        return self.is_number and self.value.strip().startswith("+")

    @property
    def display_value(self) -> str:
        return join_instructions(self.value, self.instructions) if self.is_number else self.value

    @property
    def href(self) -> str:
        if self.kind == self.Kind.PHONE:
            return tel_href(self.value)
        if self.kind == self.Kind.SMS:
            return sms_href(self.value, self.sms_keyword)
        return self.value

    @property
    def tel_href(self) -> str:
        return tel_href(self.value)

    @property
    def sms_href(self) -> str:
        return sms_href(self.value, self.sms_keyword)

    # --- hours ----------------------------------------------------------------------

    @property
    def hours(self) -> hours_lib.Hours:
        periods = tuple(hours_lib.Period(p.weekday, p.opens, p.closes) for p in self.periods.all())
        return hours_lib.Hours(always_open=self.always_open, periods=periods)

    @property
    def hours_spec(self) -> str:
        """The hours in the weekly format ("24/7", "Mon-Fri 09:00-17:00"), or ""."""
        return hours_lib.format_hours(self.hours)

    @property
    def hours_for_reading(self) -> str:
        """The hours as a person reads them in the active language ("lun.-ven. 09:00-17:00")."""
        return hours_lib.format_hours(self.hours, for_reading=True)

    @property
    def hours_text(self) -> str:
        return self.hours_spec or self.hours_note

    def open_state(self, now: datetime | None = None) -> bool | None:
        return hours_lib.is_open(self.hours, self.service.timezone or "UTC", now or timezone.now())

    @transaction.atomic
    def set_hours(self, hours: hours_lib.Hours) -> None:
        """Replace this method's hours (it must be saved)."""
        self.periods.all().delete()
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(contact_method=self, weekday=p.weekday, opens=p.opens, closes=p.closes)
            for p in hours.periods
        )
        if self.always_open != hours.always_open:
            self.always_open = hours.always_open
            self.save(update_fields=["always_open"])
        # Drop a cached prefetch so .hours reflects the change.
        getattr(self, "_prefetched_objects_cache", {}).pop("periods", None)


class OpeningPeriod(models.Model):
    """One weekly opening: a weekday, when it opens and when it closes.

    `closes` at or before `opens` means it closes the next day (22:00-02:00);
    00:00 as `closes` means midnight.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    contact_method = models.ForeignKey(
        ContactMethod, on_delete=models.CASCADE, related_name="periods"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ("weekday", "opens")
        constraints = (
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="hotlines_openingperiod_weekday_valid",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class OutdatedReport(models.Model):
    """A therapist's report that an entry is wrong; curators resolve it in the admin."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        RESOLVED = "resolved", "resolved"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    what_is_wrong = models.TextField(_("what is wrong"))
    suggested_correction = models.TextField(_("what it should be"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(status__in=["open", "resolved"]),
                name="hotlines_outdatedreport_status_valid",
            ),
        )
        indexes = (
            # The admin's report list: WHERE status = 'open' ORDER BY created_at DESC.
            models.Index(fields=("status", "-created_at"), name="hotlines_report_status_idx"),
        )

    def __str__(self) -> str:
        return f"Report on {self.service.name} ({self.get_status_display()})"

    def resolve(self, user: models.Model, now: datetime | None = None) -> None:
        self.status = self.Status.RESOLVED
        self.resolved_by = user
        self.resolved_at = now or timezone.now()
        self.save(update_fields=["status", "resolved_by", "resolved_at"])


@receiver([post_save, post_delete], sender=Service)
@receiver([post_save, post_delete], sender=ContactMethod)
@receiver([post_save, post_delete], sender=OpeningPeriod)
def directory_changed(sender: type[models.Model], **kwargs: object) -> None:
    if not getattr(_one_change, "depth", 0):
        DirectoryVersion.changed()
