"""Crisis plans: a client's plan, its immutable encrypted versions, publishing, and the
directory services it pins or hides.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import FollowUp
from crisisplan.core import encryption
from crisisplan.core.models import AuditEvent, DataKey
from crisisplan.core.text import has_unsafe_characters
from crisisplan.plans.sections import PlanContent, SectionDiff, changed_sections
from hotlines.models import (
    CURRENT,
    ContactMethod,
    DirectoryVersion,
    RegionHelp,
    Service,
    region_help,
)

Action = AuditEvent.Action


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


class Plan(models.Model):
    """A client's crisis plan: its versions, the published one and the review dates.

    Holds no client data itself (the content is in the encrypted versions). The
    directory services it pins and hides are plan-wide and take effect at once; the
    numbers themselves live in the directory, so a correction reaches every plan.
    """

    class Status(models.TextChoices):
        NONE = "none", _("No plan yet")
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.OneToOneField("clients.Client", on_delete=models.CASCADE, related_name="plan")
    # The number of the latest version (0: none yet); a save names the number it was
    # based on, and is refused when another save came first (optimistic locking).
    current_number = models.PositiveIntegerField(default=0)
    published_version = models.ForeignKey(
        "PlanVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the shown version was published (a publication is not a review).
    published_at = models.DateTimeField(null=True, blank=True)
    # "Last reviewed with your therapist on" for the client: the therapist's "Reviewed
    # together today", and nothing else, sets it.
    reviewed_on = models.DateField(_("reviewed together on"), null=True, blank=True)
    next_review_on = models.DateField("next review", null=True, blank=True)
    pinned_services = models.ManyToManyField(
        "hotlines.Service", blank=True, related_name="pinned_on_plans"
    )
    hidden_services = models.ManyToManyField(
        "hotlines.Service", blank=True, related_name="hidden_on_plans"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    # The editor's directory search shows at most this many services at a time.
    SEARCH_RESULTS = 20

    class Meta:
        verbose_name = "crisis plan"

    def __str__(self) -> str:
        return f"Plan {str(self.pk)[:8]}"

    # -- state --

    @property
    def status(self) -> Plan.Status:
        """The one source of truth for the plan's state (templates show it through
        includes/badge.html)."""
        if self.published_version_id:
            return self.Status.PUBLISHED
        return self.Status.DRAFT if self.current_number else self.Status.NONE

    @property
    def status_tone(self) -> str:
        return {"published": "ok", "draft": "warn"}.get(self.status, "muted")

    # "Reviewed together today" moves a due or missing review date this far ahead.
    REVIEW_EVERY = datetime.timedelta(days=90)
    # The dashboard shows a review due within this many days.
    REVIEW_SOON = datetime.timedelta(days=14)

    @property
    def review_overdue(self) -> bool:
        return self.next_review_on is not None and self.next_review_on < timezone.localdate()

    @property
    def review_due_soon(self) -> bool:
        """Due today or within REVIEW_SOON days (not overdue): the dashboard says so."""
        today = timezone.localdate()
        return (
            self.next_review_on is not None
            and today <= self.next_review_on <= today + self.REVIEW_SOON
        )

    def hints(self, content: PlanContent) -> list[str]:
        """PlanContent.hints with this plan's review date and the client record's facts."""
        client = self.client
        return content.hints(
            has_emergency_contact=bool(
                client.emergency_contact_name and client.emergency_contact_phone
            ),
            has_consent=bool(client.emergency_contact_consent),
            has_street_address=bool(client.street_address),
            review_on=self.next_review_on,
            review_overdue=self.review_overdue,
        )

    def versions_newest_first(self) -> models.QuerySet[PlanVersion]:
        """Every version, ready to decrypt without a query per version."""
        return self.versions.select_related("author").order_by("-number")

    def version(self, number: int) -> PlanVersion | None:
        if self._state.adding:
            return None
        return self.versions.select_related("author").filter(number=number).first()

    def latest_version(self) -> PlanVersion | None:
        """The newest version; when it is the published one, read with the plan
        (get_plan_for_user), it costs no query."""
        if not self.current_number:
            return None
        if Plan.published_version.is_cached(self):
            published = self.published_version
            if published is not None and published.number == self.current_number:
                return published
        return self.version(self.current_number)

    def published_content(self) -> PlanContent | None:
        """The content the client sees (decrypts: may raise EncryptionError), or None."""
        version = self.published_version
        return PlanContent(version.content) if version else None

    # -- the directory --

    def remember_directory_state(
        self, pinned: set[int], hidden: set[int], version: uuid.UUID | None
    ) -> None:
        """What a query that read this plan also read (PrivateLink.find): its pins and
        hides and the directory's version, so that directory_help() asks for neither."""
        self._directory_ids = (frozenset(pinned), frozenset(hidden))
        self._directory_version = version

    def directory_ids(self) -> tuple[set[int], set[int]]:
        """(pinned, hidden) service ids; none for a plan not saved yet."""
        known = self.__dict__.get("_directory_ids")
        if known is not None:
            return set(known[0]), set(known[1])
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

    def directory_help(self, audience: str = "client", *, pins: bool = True) -> RegionHelp:
        """The directory's services for the client's region, with this plan's pins and
        hides, in the order a person in crisis needs them (a fixed number of queries).

        ``pins=False``: hides only, for the link's pages before the plan is open: a
        pinned service (a line for veterans, for LGBTQ+ youth...) can say something
        about the client to whoever sees the link, a hidden one cannot."""

        pinned, hidden = self.directory_ids()
        return region_help(
            self.client.country,
            self.client.subdivision,
            pinned_ids=pinned if pins else (),
            hidden_ids=hidden,
            audience=audience,
            version=self.__dict__.get("_directory_version", CURRENT),
        )

    def _directory_version_now(self) -> uuid.UUID | None:
        """The directory's version as this request knows it: remembered from the query
        that read the plan (remember_directory_state), else read now."""
        known = self.__dict__.get("_directory_version", CURRENT)
        return DirectoryVersion.current() if known is CURRENT else known

    def directory_choices(self, extra_ids: Iterable[int] = ()) -> list[DirectoryChoice]:
        """For the editor: the region's services (shown unless hidden), then the services
        pinned from elsewhere in the country (and ``extra_ids``, e.g. search results
        ticked but not saved yet). Other services are found by searching
        (directory_search), never listed whole: a country may have thousands."""

        pinned, hidden = self.directory_ids()
        country, subdivision = self.client.country, self.client.subdivision
        # The directory's version, read once for both lookups below: a plan with pins
        # costs the same queries as one without.
        version = self._directory_version_now()
        # The region's services as the client's page looks them up (remembered per process).
        region = region_help(country, subdivision, version=version).services
        region_ids = {s.pk for s in region}
        wanted = (pinned | set(extra_ids)) - region_ids
        # Those from elsewhere as the client's page looks them up with its pins (the
        # same remembered lookup: no query once the plan's page or editor was shown).
        others = [
            s
            for s in (
                region_help(country, subdivision, pinned_ids=wanted, version=version).services
                if wanted
                else []
            )
            if s.pk in wanted and (s.country == country or s.pk in pinned)
        ]
        return [
            DirectoryChoice(s, True, s.pk not in hidden, s.kind == Service.Kind.EMERGENCY)
            for s in region
        ] + [DirectoryChoice(s, False, s.pk in pinned, False) for s in others]

    # The editor lists at most this many of the region's services the client sees (the
    # first, as the client's page orders them); the rest are found by the editor's search
    # like any service of the country, so the editor does not grow with the directory.
    # Emergency numbers, hidden and pinned services are always listed.
    EDITOR_LISTS_SHOWN = 5

    def directory_listed(self, choices: list[DirectoryChoice]) -> tuple[list[DirectoryChoice], int]:
        """The ``choices`` the editor lists, and how many of the region's services shown
        to the client it leaves to the search."""
        listed: list[DirectoryChoice] = []
        shown = 0
        for choice in choices:
            if choice.default and choice.shown and not choice.locked:
                shown += 1
                if shown > self.EDITOR_LISTS_SHOWN:
                    continue
            listed.append(choice)
        return listed, max(0, shown - self.EDITOR_LISTS_SHOWN)

    def search_choices(
        self, query: str, choices: list[DirectoryChoice], exclude: Iterable[int] = ()
    ) -> list[DirectoryChoice]:
        """directory_search() as the editor offers its results, given the editor's
        ``choices`` (directory_choices(), before directory_listed()): a service of the
        client's region comes as its choice there (ticked unless hidden: untick to hide
        it), any other unticked (tick to pin it)."""
        region = {c.service.pk: c for c in choices if c.default}
        return [
            region.get(s.pk) or DirectoryChoice(s, False, False, False)
            for s in self.directory_search(query, exclude)
        ]

    def directory_search(self, query: str, exclude: Iterable[int] = ()) -> list[Service]:
        """Client-visible services of the client's country that can be pinned, by a word
        of their name or the digits of a number, best first (at most SEARCH_RESULTS),
        leaving out ``exclude`` (those the editor already offers)."""
        query = " ".join(query.split())[:100]
        if not query or has_unsafe_characters(query):
            return []  # no name holds NUL or a bidi control (crisisplan.core.text)
        digits = "".join(ch for ch in query if ch.isdigit())
        match = models.Q(name__icontains=query)
        if len(digits) >= 3 and len(digits) * 2 >= len(query.replace(" ", "")):
            # Mostly digits: a number, as the directory writes it or as it is dialled
            # (compared without spaces, dashes and brackets).
            bare: Any = models.F("value")
            for mark in " -()":
                bare = Replace(bare, models.Value(mark), models.Value(""))
            numbers = ContactMethod.objects.annotate(bare=bare).filter(bare__contains=digits)
            match |= models.Q(pk__in=numbers.values("service_id"))
        found = (
            Service.objects.visible_to_clients()
            .filter(country=self.client.country)
            .exclude(pk__in=set(exclude))
            .filter(match)
            .with_details()
            .order_by("priority", "name", "pk")
        )
        return list(found[: self.SEARCH_RESULTS])

    def choose_directory(self, offered: set[int], shown: set[int], actor: Any) -> bool:
        """Apply the editor's ticks: untick a region service to hide it, tick another to
        pin it. Services not offered keep their pins and hides. True if anything changed."""

        pinned, hidden = self.directory_ids()
        before = (set(pinned), set(hidden))
        country, subdivision = self.client.country, self.client.subdivision
        region = {s.pk: s for s in region_help(country, subdivision).services}
        # Ticked outside the region and not pinned yet: only the country's client-visible
        # services (what directory_search() offers) can be pinned, checked in one light
        # query. A pin the plan has is kept or dropped without asking the database, so a
        # save of a plan with pins costs the same queries as one without.
        new_pins = (offered & shown) - set(region) - pinned
        pinnable = (
            set(
                Service.objects.visible_to_clients()
                .filter(country=country, pk__in=new_pins)
                .values_list("pk", flat=True)
            )
            if new_pins
            else set()
        )
        for pk in offered:
            if pk in region:
                if region[pk].kind == Service.Kind.EMERGENCY:
                    continue  # an emergency number cannot be hidden
                (hidden.discard if pk in shown else hidden.add)(pk)
            elif pk in pinned:
                if pk not in shown:
                    pinned.discard(pk)
            elif pk in pinnable:
                pinned.add(pk)
        if (pinned, hidden) == before:
            return False
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
        key: uuid.UUID | None = None,
    ) -> PlanVersion:
        """Append a version with ``content``, refusing a stale ``base_number``.

        Locks the plan row (SELECT ... FOR UPDATE) so that two saves based on the same
        version cannot both pass the check; the (plan, number) constraint backs this up
        where the database has no row locks (SQLite serialises writers anyway).
        ``base_number=None`` skips the check (a restore appends to whatever is latest).
        Raises StaleVersion; nothing is written then.

        ``key``: the editor form's idempotency key. The same form posted again (a double
        click, a retry after a timeout that did save) finds the version its first post
        made, under the same lock, and returns it with ``repeated`` set: one version, not
        two. A key that made a version of other content (text typed after a save that
        seemed to fail) does not count: that save is checked like any other (and, being
        based on the version before, is refused as stale with the text kept).
        """

        try:
            with transaction.atomic():
                if self._state.adding:
                    plan, _ = Plan.objects.get_or_create(client=self.client)
                    self.pk = plan.pk
                    self._state.adding = False
                locked = Plan.objects.select_for_update().get(pk=self.pk)
                if key is not None:
                    earlier = self.versions.filter(save_key=key).first()
                    if earlier is not None:
                        earlier.plan = self
                        if earlier.change_note == note and PlanContent(earlier.content) == content:
                            earlier.repeated = True
                            self.current_number = locked.current_number
                            return earlier
                        key = None
                if base_number is not None and locked.current_number != base_number:
                    raise self._stale(base_number, locked.current_number)
                version = PlanVersion(
                    plan=self,
                    number=locked.current_number + 1,
                    content=content.to_json(),
                    change_note=note,
                    author=author,
                    restored_from=restored_from,
                    save_key=key,
                )
                version.save(force_insert=True)
                self.current_number = version.number
                self.updated_at = version.created_at
                self.save(update_fields=["current_number", "updated_at"])
                if restored_from is not None:
                    AuditEvent.objects.record(
                        author,
                        Action.RESTORE,
                        self.client_id,
                        version=version.number,
                        restored_from=restored_from,
                    )
                else:
                    AuditEvent.objects.record(
                        author, Action.EDIT, self.client_id, version=version.number
                    )
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

    def publish(self, version: PlanVersion, actor: Any) -> list[FollowUp]:
        """Publish ``version``. The first time the plan is ever published, the default
        schedule of follow-up contacts is set up too (the Safety Planning Intervention's
        follow-up calls); returns those follow-ups (none on a later publication)."""
        if version.plan_id != self.pk:
            raise ValueError("A plan publishes only its own versions.")
        with transaction.atomic():
            # The audit log is the record of every publication, unpublished ones too.
            first = (
                not AuditEvent.objects.for_client(self.client_id)
                .filter(action=Action.PUBLISH)
                .exists()
            )
            self.published_version = version
            self.published_at = self.updated_at = timezone.now()
            self.save(update_fields=["published_version", "published_at", "updated_at"])
            AuditEvent.objects.record(actor, Action.PUBLISH, self.client_id, version=version.number)
            if not first:
                return []
            return FollowUp.objects.schedule_default(
                self.client, actor, FollowUp.Reason.PLAN_PUBLISHED, start=self.published_at
            )

    def unpublish(self, actor: Any) -> None:

        with transaction.atomic():
            number = self.published_version.number if self.published_version else None
            self.published_version = None
            self.published_at = None
            self.updated_at = timezone.now()
            self.save(update_fields=["published_version", "published_at", "updated_at"])
            AuditEvent.objects.record(actor, Action.UNPUBLISH, self.client_id, version=number)

    def restore(self, version: PlanVersion, actor: Any) -> PlanVersion:
        """A new version with the content of ``version`` (history is never rewritten)."""
        if version.plan_id != self.pk:
            raise ValueError("A plan restores only its own versions.")
        return self.save_version(
            actor,
            PlanContent(version.content),
            None,
            gettext("Restored version %(number)s.") % {"number": version.number},
            restored_from=version.number,
        )

    def set_next_review(self, day: datetime.date | None, actor: Any) -> None:

        with transaction.atomic():
            self.next_review_on = day
            self.updated_at = timezone.now()
            self.save(update_fields=["next_review_on", "updated_at"])
            AuditEvent.objects.record(actor, Action.EDIT, self.client_id, fields=["next_review_on"])

    def mark_reviewed(self, actor: Any) -> None:
        """The therapist reviewed the plan together with the client today (their own
        local date). A next review date that is missing or due moves REVIEW_EVERY ahead;
        a later one stays."""
        today = timezone.localdate()
        with transaction.atomic():
            self.reviewed_on = today
            fields = ["reviewed_on"]
            if self.next_review_on is None or self.next_review_on <= today:
                self.next_review_on = today + self.REVIEW_EVERY
                fields.append("next_review_on")
            self.updated_at = timezone.now()
            self.save(update_fields=[*fields, "updated_at"])
            AuditEvent.objects.record(actor, Action.EDIT, self.client_id, fields=fields)

    def set_directory_choices(self, pinned_ids: set[int], hidden_ids: set[int], actor: Any) -> bool:
        """Replace the pinned and hidden services; True if anything changed."""

        if self.directory_ids() == (pinned_ids, hidden_ids):
            return False
        with transaction.atomic():
            self.pinned_services.set(pinned_ids)
            self.hidden_services.set(hidden_ids)
            AuditEvent.objects.record(
                actor,
                Action.EDIT,
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
    # The idempotency key of the editor form that saved it (Plan.save_version): the same
    # form posted twice makes one version. A random UUID, nothing about the client.
    save_key = models.UUIDField(null=True, blank=True, editable=False)

    # Set by Plan.save_version on a version it found rather than made (a repeated post).
    repeated = False

    class Meta:
        verbose_name = "plan version"
        ordering = ("-number",)
        constraints: ClassVar = [
            # Also serves plan.versions.filter(number=...) and the version list's order.
            models.UniqueConstraint(
                fields=["plan", "number"], name="crisisplan_planversion_unique_number"
            ),
            # Serves save_version's look-up of a repeated post; one version per form post.
            models.UniqueConstraint(
                fields=["plan", "save_key"],
                condition=models.Q(save_key__isnull=False),
                name="crisisplan_planversion_unique_save_key",
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
    def is_published(self) -> bool:
        return self.plan.published_version_id == self.pk
