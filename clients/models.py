"""Client records. Everything that identifies a client is encrypted (crisisplan.core.encryption);
only the owner, the ISO location codes (for the directory lookup), timestamps and the
archived flag are plaintext.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import Concat, RowNumber
from django.utils import timezone as tz
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from clients import hooks
from crisisplan.core import blindindex, languages
from crisisplan.core.encryption import (
    EncryptedBooleanField,
    EncryptedDateField,
    EncryptedModel,
    EncryptedTextField,
    EncryptionError,
    get_keyring,
)
from crisisplan.core.models import AuditEvent, DataKey
from hotlines.regions import (
    country_name,
    subdivision_name,
    validate_country,
    validate_subdivision,
)

logger = logging.getLogger(__name__)


def example_subdivision(country: str) -> str:
    found = pycountry.subdivisions.get(country_code=country) or []
    codes = sorted(s.code for s in found)[:2]
    return str(_(" or ")).join(codes) if codes else f"{country or 'XX'}-..."


def validate_place(country: str, subdivision: str) -> None:
    """The directory's code checks for a place (the client record's, a check-in's), with
    messages that help a therapist fix the form: ValidationError {field: message}."""
    try:
        validate_country(country)
    except ValidationError:
        raise ValidationError({"country": _("Choose a country from the list.")}) from None
    try:
        validate_subdivision(subdivision, country)
    except ValidationError as exc:
        values = {
            "code": subdivision,
            "country": country_name(country),
            "examples": example_subdivision(country),
        }
        message = (
            _("%(code)s is not an ISO 3166-2 region code; codes look like %(examples)s.")
            if exc.code == "unknown_subdivision"
            else _("%(code)s is not a region of %(country)s; its regions look like %(examples)s.")
        )
        raise ValidationError({"subdivision": message % values}) from None


class ClientQuerySet(models.QuerySet["Client"]):
    def for_therapist(self, user: Any) -> ClientQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(therapist=user)

    def active(self) -> ClientQuerySet:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> ClientQuerySet:
        return self.filter(archived_at__isnull=False)

    def for_dashboard(self) -> ClientQuerySet:
        """The dashboard's rows, newest activity first, with what the layers above add to
        each row (clients.hooks.dashboard_rows) fetched in a constant number of queries."""
        rows = self.select_related("data_key").with_last_check_in()
        for add_to_rows in hooks.dashboard_rows:
            rows = add_to_rows(rows)
        return rows.order_by("-updated_at", "-id")

    def with_last_check_in(self) -> ClientQuerySet:
        """Each client's latest check-in, when and where (its plaintext ISO codes), as
        ``last_check_in_at``, ``last_check_in_country`` and ``last_check_in_subdivision``:
        subqueries in the rows' own query (index clients_checkin_latest_idx)."""
        latest = CheckIn.objects.filter(client=OuterRef("pk")).order_by("-created_at", "-id")
        return self.annotate(
            last_check_in_at=Subquery(latest.values("created_at")[:1]),
            last_check_in_country=Subquery(latest.values("country")[:1]),
            last_check_in_subdivision=Subquery(latest.values("subdivision")[:1]),
        )

    def matching(self, therapist: Any, query: str) -> ClientQuerySet:
        """The therapist's clients with a name word starting with each word of ``query``
        (case and accents ignored), through the blind index: nothing is decrypted, and
        the database sorts, counts and pages as without a search."""
        rows = self
        for tokens in blindindex.query_tokens(get_keyring(), str(therapist.pk), query):
            rows = rows.filter(
                pk__in=ClientSearchToken.objects.filter(token__in=tokens).values("client_id")
            )
        return rows

    def reindex_names(self) -> int:
        """Rebuild the blind index of these clients' names under the current key (after
        a bulk_create, or to retire an old key); returns how many clients. Decrypts the
        names, so fetch the data keys with them (select_related("data_key"))."""
        clients = list(self)
        ClientSearchToken.objects.rebuild(clients)
        return len(clients)

    def create_for(self, therapist: Any, **fields: Any) -> Client:
        """Create a client with a new data key of its own; the therapist is the actor."""
        with transaction.atomic():
            client = self.model(therapist=therapist, **fields)
            client.save(force_insert=True)
            AuditEvent.objects.record(therapist, AuditEvent.Action.CREATE, client.pk)
        return client

    def delete(self) -> tuple[int, dict[str, int]]:
        # Deleting clients means destroying their data keys (crypto-shredding); the
        # clients and their rows go with them by cascade.
        with transaction.atomic():
            ids = list(self.values_list("pk", "data_key_id"))
            for client_id, _key_id in ids:
                AuditEvent.objects.record(None, AuditEvent.Action.DELETE, client_id)
            return DataKey.objects.filter(pk__in=[key_id for _pk, key_id in ids]).delete()


class Client(EncryptedModel):
    """A therapist's client. See crisisplan/core/encryption.py for how fields are stored."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clients"
    )
    data_key = models.OneToOneField(
        DataKey, on_delete=models.CASCADE, related_name="client", editable=False
    )

    preferred_name = EncryptedTextField(
        _("preferred name"), max_length=100, help_text=_("What the client likes to be called.")
    )
    full_name = EncryptedTextField(_("full name"), max_length=200, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), blank=True)
    phone = EncryptedTextField(_("phone"), max_length=40, blank=True)
    email = EncryptedTextField(_("email"), max_length=254, blank=True)

    # Where the client usually is during online sessions. The ISO codes are plaintext:
    # the directory of emergency services is looked up by them.
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code."))
    subdivision = models.CharField(
        _("region"),
        max_length=6,
        blank=True,
        help_text=_("ISO 3166-2 code of the state, province or region, e.g. US-CA or GB-ENG."),
    )
    street_address = EncryptedTextField(_("street address"), max_length=300, blank=True)
    city = EncryptedTextField(_("city"), max_length=100, blank=True)
    timezone = EncryptedTextField(_("time zone"), max_length=64, blank=True)
    preferred_language = EncryptedTextField(_("preferred language"), max_length=100, blank=True)
    # The language the client's pages (the private link) open in; plaintext, like the
    # country: every client page reads it without decrypting anything. Set on the first
    # save from the preferred language or the region (crisisplan.core.languages); the
    # client can switch on the pages themselves.
    language = models.CharField(
        _("language of the client's pages"),
        max_length=8,
        blank=True,
        help_text=_(
            "The private link's pages open in this language; the client can switch on "
            "every page. Left on automatic: the preferred language above if it names one "
            "of these, else the country's."
        ),
    )

    emergency_contact_name = EncryptedTextField(_("name"), max_length=200, blank=True)
    emergency_contact_relationship = EncryptedTextField(
        _("relationship"), max_length=100, blank=True
    )
    emergency_contact_phone = EncryptedTextField(_("phone"), max_length=40, blank=True)
    emergency_contact_consent = EncryptedBooleanField(
        _("the client consented to this person being contacted in a crisis"), blank=True
    )
    emergency_contact_consent_date = EncryptedDateField(_("date of consent"), blank=True)

    other_providers = EncryptedTextField(
        _("other treating providers"),
        max_length=4000,
        blank=True,
        help_text=_("Psychiatrist, GP, other services: names and how to reach them."),
    )
    notes = EncryptedTextField(_("notes"), max_length=10000, blank=True)

    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=tz.now, editable=False)
    updated_at = models.DateTimeField(default=tz.now, editable=False)

    objects: ClassVar[ClientQuerySet] = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = "client"
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(subdivision="")
                | models.Q(subdivision__startswith=Concat(models.F("country"), models.Value("-"))),
                name="clients_client_subdivision_in_country",
                violation_error_message="The region must be one of the country's regions.",
            ),
        ]
        indexes: ClassVar = [
            # The dashboard: for_therapist(user).active().order_by("-updated_at", "-id")
            # and its count, read in index order and stopped after a page. Partial, since
            # "archived_at IS NULL" does not fix a column's order as "=" does: without it
            # the database sorted every client of the therapist (85 ms at 10,000).
            models.Index(
                fields=["therapist", "-updated_at", "-id"],
                condition=models.Q(archived_at__isnull=True),
                name="clients_client_dashboard_idx",
            ),
            # The same for .archived().
            models.Index(
                fields=["therapist", "-updated_at", "-id"],
                condition=models.Q(archived_at__isnull=False),
                name="clients_client_archived_idx",
            ),
        ]

    def __str__(self) -> str:
        # Never the name: __str__ reaches the admin's log and error reports.
        return f"Client {str(self.pk)[:8]}"

    def encryption_context(self) -> tuple[uuid.UUID, DataKey | None]:
        # No data key before the first save (see save()).
        return self.pk, (self.data_key if self.data_key_id else None)

    NAME_FIELDS = ("preferred_name", "full_name")

    @cached_property
    def name_unreadable(self) -> bool:
        """True when the names do not decrypt (a damaged row or data key, a retired key).

        A page that lists or names clients asks this first and shows "could not be read"
        for this record alone (templates/clients/_client_name.html), so that one damaged
        row takes down no other: never a blank or ciphertext in the name's place. The
        failure is logged, without data."""
        try:
            for field in self.NAME_FIELDS:
                getattr(self, field)
        except EncryptionError as exc:
            logger.error("A client's name could not be decrypted (%s): %s", self, exc)
            return True
        return False

    @property
    def shown_name(self) -> str:
        """The name as a list or a page heading shows it: "(name could not be read)" in
        its place when it does not decrypt (see name_unreadable)."""
        return str(_("(name could not be read)")) if self.name_unreadable else self.preferred_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if not self.language and (update_fields is None or "preferred_language" in update_fields):
            # "Automatic": chosen now, from what the record says, and kept.
            self.language = languages.default_for(
                self.preferred_language, self.country, self.subdivision
            )
            if update_fields is not None:
                kwargs["update_fields"] = update_fields = [*update_fields, "language"]
        names_changed = update_fields is None or bool(set(update_fields) & set(self.NAME_FIELDS))
        with transaction.atomic():
            if self._state.adding and self.data_key_id is None:
                self.data_key = DataKey.generate()
                self.data_key.save(force_insert=True)
            super().save(*args, **kwargs)
            if names_changed:
                ClientSearchToken.objects.rebuild([self])

    def name_tokens(self, keyring: Any) -> tuple[str, set[str]]:
        """The blind index of this client's names (crisisplan/core/blindindex.py)."""
        names = [getattr(self, field) for field in self.NAME_FIELDS]
        return blindindex.index_tokens(keyring, str(self.therapist_id), names)

    def clean(self) -> None:
        super().clean()
        self.country = (self.country or "").strip().upper()
        self.subdivision = (self.subdivision or "").strip().upper()
        # An empty country is the field's own "blank" check (clean_fields), which a form
        # skips when its own field already said so: one message, not two.
        if self.country:
            validate_place(self.country, self.subdivision)
        # No choices on the field (a new language needs no migration): checked here.
        if self.language and languages.supported(self.language) != self.language:
            raise ValidationError({"language": _("Choose a language from the list.")})

    # -- display --

    @classmethod
    def field_labels(cls, names: list[str]) -> list[str]:
        """Human labels of field names (e.g. from an audit event), unknown names skipped."""
        fields = {f.name: f for f in cls._meta.get_fields() if hasattr(f, "verbose_name")}
        labels = []
        for name in names:
            if name in fields:
                label = str(fields[name].verbose_name)
                if name.startswith("emergency_contact_"):
                    label = _("emergency contact %(field)s") % {"field": label}
                labels.append(str(label))
        return labels

    @property
    def page_language(self) -> str:
        """The language the client's pages open in: the record's, else the region's
        (a record saved before languages existed)."""
        return languages.supported(self.language) or languages.for_place(
            self.country, self.subdivision
        )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def subdivision_name(self) -> str:
        return subdivision_name(self.subdivision)

    # -- the emergency in a session --

    @property
    def location_check(self) -> LocationCheck:
        """When the location was last confirmed in a session, and whether that is recent
        enough (from the dashboard's annotation, else one query)."""
        if "last_check_in_at" not in self.__dict__:
            self.last_check_in_at = (
                self.check_ins.order_by("-created_at").values_list("created_at", flat=True).first()
            )
        return LocationCheck(self.last_check_in_at, tz.now())

    @property
    def location_country(self) -> str:
        """The country of the latest check-in (dashboard annotation), else the record's."""
        return getattr(self, "last_check_in_country", None) or self.country

    @property
    def location_country_name(self) -> str:
        return country_name(self.location_country)

    @property
    def location_subdivision(self) -> str:
        if getattr(self, "last_check_in_country", None):
            return self.last_check_in_subdivision or ""
        return self.subdivision

    def current_location(self) -> Location | None:
        """Where the client is: the latest check-in, else the record (marked as such),
        else None. Decrypts the check-in (or the record's address and phone)."""
        check_in = CheckIn.objects.latest_for(self)
        if check_in is not None:
            return Location(
                country=check_in.country,
                subdivision=check_in.subdivision,
                place=check_in.place,
                phone=check_in.phone,
                company=check_in.company,
                confirmed_at=check_in.created_at,
                from_record=False,
                check_in=check_in,
            )
        if not self.country:
            return None
        return Location(
            country=self.country,
            subdivision=self.subdivision,
            place=", ".join(part for part in (self.street_address, self.city) if part),
            phone=self.phone,
            company="",
            confirmed_at=None,
            from_record=True,
        )

    def session_overview(self) -> dict[str, Any]:
        """The client page's part about sessions: the latest check-in, recent crisis
        events, pending and recent follow-ups, and whether the last two follow-ups did
        not reach the client (values decrypt when shown)."""
        check_in = CheckIn.objects.latest_for(self)
        self.last_check_in_at = check_in.created_at if check_in else None
        events = list(
            CrisisEvent.objects.filter(client=self)
            .select_related("check_in")
            .newest_first()[:RECENT_SHOWN]
        )
        follow_ups = FollowUp.objects.filter(client=self)
        pending = list(follow_ups.pending().order_by("due_on", "created_at", "id"))
        done = list(follow_ups.done().order_by("-done_at", "-id")[:RECENT_SHOWN])
        for row in [*events, *pending, *done]:
            row.client = self
        return {
            "check_in": check_in,
            "crisis_events": events,
            "follow_ups_pending": pending,
            "follow_ups_done": done,
            "not_reached_twice": len(done) >= 2
            and all(f.outcome == FollowUp.Outcome.NOT_REACHED for f in done[:2]),
        }

    # -- actions --

    def save_changes(self, actor: Any, fields: list[str]) -> None:
        """Write the named (edited) fields and record which ones changed, not how."""
        if not fields:
            return
        with transaction.atomic():
            self.updated_at = tz.now()
            self.save(update_fields=[*fields, "updated_at"])
            AuditEvent.objects.record(actor, AuditEvent.Action.EDIT, self.pk, fields=sorted(fields))

    def archive(self, actor: Any) -> None:
        with transaction.atomic():
            self.archived_at = self.updated_at = tz.now()
            self.save(update_fields=["archived_at", "updated_at"])
            AuditEvent.objects.record(actor, AuditEvent.Action.ARCHIVE, self.pk)

    def unarchive(self, actor: Any) -> None:
        with transaction.atomic():
            self.archived_at = None
            self.updated_at = tz.now()
            self.save(update_fields=["archived_at", "updated_at"])
            AuditEvent.objects.record(actor, AuditEvent.Action.UNARCHIVE, self.pk)

    def destroy(self, actor: Any = None) -> tuple[int, dict[str, int]]:
        """Delete the client by destroying its data key (crypto-shredding); the client's
        rows go with it by cascade. The audit events stay."""
        with transaction.atomic():
            AuditEvent.objects.record(actor, AuditEvent.Action.DELETE, self.pk)
            return DataKey.objects.filter(pk=self.data_key_id).delete()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        return self.destroy()

    def export(self) -> dict[str, Any]:
        """The client's decrypted record and every registered section (e.g. plans), as
        JSON-ready data. Raises EncryptionError rather than returning a partial record."""
        record: dict[str, Any] = {
            "id": str(self.pk),
            "therapist": self.therapist.email,
            "country": self.country,
            "subdivision": self.subdivision,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "archived_at": self.archived_at.isoformat() if self.archived_at else None,
        }
        for name in self.encrypted_field_names():
            value = getattr(self, name)
            record[name] = value.isoformat() if isinstance(value, datetime.date) else value
        data: dict[str, Any] = {"client": record, **self.export_sessions()}
        for key, section in hooks.export_sections.items():
            data[key] = section(self)
        return data

    def export_sessions(self) -> dict[str, list[dict[str, Any]]]:
        """The check-ins, crisis events and follow-ups, decrypted, oldest first."""

        def rows(queryset: models.QuerySet[Any], fields: list[str]) -> list[dict[str, Any]]:
            found = []
            for row in queryset.filter(client=self).order_by("created_at", "id"):
                row.client = self
                values: dict[str, Any] = {"id": str(row.pk)}
                for name in fields:
                    value = getattr(row, name)
                    if isinstance(value, datetime.date):
                        value = value.isoformat()
                    elif isinstance(value, uuid.UUID):
                        value = str(value)
                    values[name] = value
                found.append(values)
            return found

        return {
            "check_ins": rows(
                CheckIn.objects.all(),
                ["created_at", "country", "subdivision", "place", "phone", "company"],
            ),
            "crisis_events": rows(
                CrisisEvent.objects.all(),
                [
                    "occurred_at",
                    "created_at",
                    "check_in_id",
                    "actions",
                    "called",
                    "outcome",
                    "notes",
                ],
            ),
            "follow_ups": rows(
                FollowUp.objects.all(),
                [
                    "reason",
                    "crisis_event_id",
                    "due_on",
                    "done_at",
                    "outcome",
                    "method",
                    "note",
                    "plan_reviewed",
                ],
            ),
        }


# --- the emergency in a session (DESIGN.md): check-ins, crisis events, follow-ups ------
#
# Encrypted like the record: the place, the numbers and everything written about what
# happened. Plaintext, as DESIGN.md allows: the ISO codes of a check-in (the directory is
# looked up by them, as for Client), timestamps and dates (when a check-in was made, when
# a crisis happened, when a follow-up is due and when it was done: the dashboard orders
# and filters by them) and why a follow-up was scheduled (a status flag). Whether a
# follow-up reached the client is encrypted: "not reached twice in a row" is worked out
# from the last two follow-ups of the clients on the page, never in SQL.


RECENT_SHOWN = 10  # crisis events and recorded follow-ups on the client page


def stale_after() -> datetime.timedelta:
    """How old a check-in may be before the dashboard asks for a new one."""
    return datetime.timedelta(days=settings.CHECKIN_STALE_DAYS)


@dataclass(frozen=True)
class LocationCheck:
    """When the client's location was last confirmed in a session, and whether that is
    recent enough. The one source of the dashboard's and the client page's flag
    (templates/clients/_location_check.html)."""

    class Status(models.TextChoices):
        NEVER = "never", _("Location never confirmed")
        STALE = "stale", _("Location not confirmed recently")
        CONFIRMED = "confirmed", _("Location confirmed")

    confirmed_at: datetime.datetime | None
    now: datetime.datetime

    @property
    def status(self) -> LocationCheck.Status:
        if self.confirmed_at is None:
            return self.Status.NEVER
        if self.now - self.confirmed_at > stale_after():
            return self.Status.STALE
        return self.Status.CONFIRMED

    @property
    def status_tone(self) -> str:
        return "ok" if self.status == self.Status.CONFIRMED else "warn"

    @property
    def is_stale(self) -> bool:
        return self.status != self.Status.CONFIRMED

    @property
    def stale_after_days(self) -> int:
        return stale_after().days


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def newest_first(self) -> CheckInQuerySet:
        return self.order_by("-created_at", "-id")

    def latest_for(self, client: Client) -> CheckIn | None:
        check_in = self.filter(client=client).newest_first().first()
        if check_in is not None:
            check_in.client = client  # its data key, for decrypting
        return check_in

    def record(
        self, client: Client, actor: Any, *, same_as_last: bool = False, **fields: Any
    ) -> CheckIn:
        """Save a check-in of ``client`` made by ``actor``, and audit it (no values)."""
        with transaction.atomic():
            check_in = self.model(client=client, recorded_by=actor, **fields)
            check_in.save(force_insert=True)
            AuditEvent.objects.record(
                actor, AuditEvent.Action.CHECK_IN, client.pk, same_as_last=same_as_last
            )
        return check_in


class CheckIn(EncryptedModel):
    """Where the client is right now, confirmed at the start of a session.

    Telehealth guidance asks for it at every session: emergency services are local, and
    a client who travels or moves is no longer where the record says. A check-in is
    never changed; the next one replaces it as "the latest".
    """

    class Company(models.TextChoices):
        ALONE = "alone", _("Alone")
        NOT_ALONE = "not_alone", _("Someone is with them")
        NOT_ASKED = "not_asked", _("Not asked")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="check_ins")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    country = models.CharField(_("country"), max_length=2)
    subdivision = models.CharField(_("region"), max_length=6, blank=True)
    place = EncryptedTextField(_("address or landmark"), max_length=300, blank=True)
    phone = EncryptedTextField(_("number the client can be reached on"), max_length=40, blank=True)
    company = EncryptedTextField(
        _("is the client alone?"),
        max_length=20,
        choices=Company.choices,
        default=Company.NOT_ASKED,
    )
    created_at = models.DateTimeField(default=tz.now, editable=False)

    objects: ClassVar[CheckInQuerySet] = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("session check-in")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(country=""),
                name="clients_checkin_country_given",
                violation_error_message="Choose the country where the client is now.",
            ),
            models.CheckConstraint(
                condition=models.Q(subdivision="")
                | models.Q(subdivision__startswith=Concat(models.F("country"), models.Value("-"))),
                name="clients_checkin_subdivision_in_country",
                violation_error_message="The region must be one of the country's regions.",
            ),
        ]
        indexes: ClassVar = [
            # A client's latest check-in: filter(client=c).order_by("-created_at", "-id"), and
            # the dashboard's per-row subquery of the same shape.
            models.Index(
                fields=["client", "-created_at", "-id"], name="clients_checkin_latest_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in {str(self.pk)[:8]}"

    def encryption_context(self) -> tuple[uuid.UUID, DataKey]:
        return self.client_id, self.client.data_key

    def clean(self) -> None:
        super().clean()
        self.country = (self.country or "").strip().upper()
        self.subdivision = (self.subdivision or "").strip().upper()
        if self.country:  # an empty country is the field's own "required" message
            validate_place(self.country, self.subdivision)

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def subdivision_name(self) -> str:
        return subdivision_name(self.subdivision)

    def same_again(self, actor: Any) -> CheckIn:
        """A new check-in with this one's values ("same as last time")."""
        return CheckIn.objects.record(
            self.client,
            actor,
            same_as_last=True,
            country=self.country,
            subdivision=self.subdivision,
            place=self.place,
            phone=self.phone,
            company=self.company,
        )


@dataclass(frozen=True)
class Location:
    """Where the client is, for the Emergency page: from the latest check-in, or else
    from the record (``from_record``: not confirmed in a session)."""

    country: str
    subdivision: str
    place: str
    phone: str
    company: str  # a CheckIn.Company value, "" when unknown (from the record)
    confirmed_at: datetime.datetime | None
    from_record: bool
    check_in: CheckIn | None = None

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def subdivision_name(self) -> str:
        return subdivision_name(self.subdivision) if self.subdivision else ""


class CrisisEventQuerySet(models.QuerySet["CrisisEvent"]):
    def newest_first(self) -> CrisisEventQuerySet:
        return self.order_by("-occurred_at", "-id")

    def record(self, client: Client, actor: Any, **fields: Any) -> CrisisEvent:
        """Save what happened, linked to the client's latest check-in, and audit it."""
        with transaction.atomic():
            event = self.model(
                client=client,
                recorded_by=actor,
                check_in=CheckIn.objects.latest_for(client),
                **fields,
            )
            event.save(force_insert=True)
            AuditEvent.objects.record(
                actor,
                AuditEvent.Action.CRISIS_EVENT,
                client.pk,
                with_check_in=event.check_in_id is not None,
            )
        return event


class CrisisEvent(EncryptedModel):
    """What happened in a crisis and what the therapist did: recorded after the
    Emergency page, linked to the check-in that said where the client was."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="crisis_events")
    # The location the therapist acted on. RESTRICT: a check-in an event refers to is
    # deleted only with its client.
    check_in = models.ForeignKey(
        CheckIn, on_delete=models.RESTRICT, null=True, blank=True, related_name="crisis_events"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when it happened"))
    actions = EncryptedTextField(_("what was done"), max_length=4000)
    called = EncryptedTextField(_("who was called"), max_length=1000, blank=True)
    outcome = EncryptedTextField(_("outcome"), max_length=2000, blank=True)
    notes = EncryptedTextField(_("notes"), max_length=10000, blank=True)
    created_at = models.DateTimeField(default=tz.now, editable=False)

    objects: ClassVar[CrisisEventQuerySet] = CrisisEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("crisis event")
        indexes: ClassVar = [
            # The client page's list: filter(client=c).order_by("-occurred_at").
            models.Index(fields=["client", "-occurred_at"], name="clients_crisisevent_client_idx"),
        ]

    def __str__(self) -> str:
        return f"Crisis event {str(self.pk)[:8]}"

    def encryption_context(self) -> tuple[uuid.UUID, DataKey]:
        return self.client_id, self.client.data_key


# A default schedule of follow-up contacts, in days after the event (or the first
# publication of the plan): within 72 hours, then weekly for three weeks (the follow-up
# calls of the Safety Planning Intervention, Stanley et al., JAMA Psychiatry 2018).
DEFAULT_SCHEDULE_DAYS = (3, 10, 17, 24)
RETRY_AFTER_DAYS = 1  # a follow-up that did not reach the client is tried again next day


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def for_therapist(self, user: Any) -> FollowUpQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(client__therapist=user)

    def pending(self) -> FollowUpQuerySet:
        return self.filter(done_at__isnull=True)

    def done(self) -> FollowUpQuerySet:
        return self.filter(done_at__isnull=False)

    def due(self, today: datetime.date | None = None) -> FollowUpQuerySet:
        """The dashboard's list: not done, due today or earlier, of active clients,
        overdue first; with each client and its data key (for the name)."""
        today = today or tz.localdate()
        return (
            self.pending()
            .filter(due_on__lte=today, client__archived_at__isnull=True)
            .select_related("client__data_key")
            .order_by("due_on", "created_at", "id")
        )

    def due_with_streaks(self, today: datetime.date | None = None) -> list[FollowUp]:
        """due(), each marked ``not_reached_twice`` when its client's last two recorded
        follow-ups did not reach them: two queries, whatever the number of rows."""
        due = list(self.due(today))
        streaks = FollowUp.objects.not_reached_streaks([f.client for f in due])
        for follow_up in due:
            follow_up.not_reached_twice = follow_up.client_id in streaks
        return due

    def schedule(
        self,
        client: Client,
        actor: Any,
        days: list[datetime.date],
        reason: str,
        crisis_event_id: uuid.UUID | None = None,
    ) -> list[FollowUp]:
        """Follow-ups of ``client`` due on ``days`` (one each), audited as one action."""
        if not days:
            return []
        with transaction.atomic():
            made = [
                self.model(
                    client=client,
                    crisis_event_id=crisis_event_id,
                    reason=reason,
                    due_on=day,
                    scheduled_by=actor,
                )
                for day in sorted(days)
            ]
            for follow_up in made:
                follow_up.save(force_insert=True)
            AuditEvent.objects.record(
                actor,
                AuditEvent.Action.FOLLOW_UP_SCHEDULE,
                client.pk,
                count=len(made),
                reason=reason,
            )
        return made

    def schedule_default(
        self,
        client: Client,
        actor: Any,
        reason: str,
        crisis_event_id: uuid.UUID | None = None,
        start: datetime.datetime | None = None,
    ) -> list[FollowUp]:
        return self.schedule(client, actor, default_schedule(start), reason, crisis_event_id)

    def not_reached_streaks(self, clients: list[Client], times: int = 2) -> set[uuid.UUID]:
        """The ids of ``clients`` whose last ``times`` recorded follow-ups all did not
        reach them. One query for any number of clients (a window per client); decrypts
        at most ``times`` outcomes per client."""
        by_id = {c.pk: c for c in clients}
        if not by_id:
            return set()
        recent = (
            self.done()
            .filter(client_id__in=by_id)
            .annotate(
                recency=Window(
                    RowNumber(),
                    partition_by=[F("client_id")],
                    order_by=[F("done_at").desc(), F("id").desc()],
                )
            )
            .filter(recency__lte=times)
        )
        outcomes: dict[uuid.UUID, list[str]] = {}
        for follow_up in recent:
            follow_up.client = by_id[follow_up.client_id]
            outcomes.setdefault(follow_up.client_id, []).append(follow_up.outcome)
        return {
            pk
            for pk, found in outcomes.items()
            if len(found) == times and all(o == FollowUp.Outcome.NOT_REACHED for o in found)
        }


def default_schedule(start: datetime.datetime | None = None) -> list[datetime.date]:
    """The default follow-up dates after ``start`` (now): DEFAULT_SCHEDULE_DAYS."""
    start = start or tz.now()
    return [tz.localdate(start + datetime.timedelta(days=n)) for n in DEFAULT_SCHEDULE_DAYS]


class FollowUp(EncryptedModel):
    """A follow-up contact with the client: scheduled for a day, then recorded once."""

    class Reason(models.TextChoices):
        CRISIS_EVENT = "crisis_event", _("after a crisis event")
        PLAN_PUBLISHED = "plan_published", _("after the plan was first published")
        RETRY = "retry", _("trying again after no answer")
        MANUAL = "manual", _("scheduled by hand")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NOT_REACHED = "not_reached", _("Not reached")

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone call")
        VIDEO = "video", _("Video call")
        TEXT = "text", _("Text message")
        EMAIL = "email", _("Email")
        IN_PERSON = "in_person", _("In person")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        DUE_TODAY = "due_today", _("Due today")
        OVERDUE = "overdue", _("Overdue")
        REACHED = "reached", _("Reached")
        NOT_REACHED = "not_reached", _("Not reached")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="follow_ups")
    crisis_event = models.ForeignKey(
        CrisisEvent, on_delete=models.RESTRICT, null=True, blank=True, related_name="follow_ups"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.MANUAL)
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    outcome = EncryptedTextField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    method = EncryptedTextField(_("how"), max_length=20, choices=Method.choices, blank=True)
    note = EncryptedTextField(_("short note"), max_length=500, blank=True)
    plan_reviewed = EncryptedBooleanField(_("the crisis plan was reviewed"), blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=tz.now, editable=False)

    objects: ClassVar[FollowUpQuerySet] = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(
                    reason__in=["crisis_event", "plan_published", "retry", "manual"]
                ),
                name="clients_followup_reason_valid",
            ),
        ]
        indexes: ClassVar = [
            # The dashboard's list: pending().filter(due_on__lte=today).order_by("due_on").
            models.Index(
                fields=["due_on"],
                condition=models.Q(done_at__isnull=True),
                name="clients_followup_pending_idx",
            ),
            # A client's follow-ups, and the last ones recorded (not_reached_streaks):
            # filter(client=c).order_by("-done_at").
            models.Index(fields=["client", "-done_at"], name="clients_followup_client_idx"),
        ]

    def __str__(self) -> str:
        return f"Follow-up {str(self.pk)[:8]}"

    def encryption_context(self) -> tuple[uuid.UUID, DataKey]:
        return self.client_id, self.client.data_key

    # -- state --

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def status(self) -> FollowUp.Status:
        """The one source of the follow-up's state (shown by includes/badge.html). A done
        follow-up's state decrypts its outcome."""
        if self.done_at is not None:
            return (
                self.Status.REACHED
                if self.outcome == self.Outcome.REACHED
                else self.Status.NOT_REACHED
            )
        today = tz.localdate()
        if self.due_on < today:
            return self.Status.OVERDUE
        return self.Status.DUE_TODAY if self.due_on == today else self.Status.UPCOMING

    @property
    def status_tone(self) -> str:
        return {
            self.Status.OVERDUE: "danger",
            self.Status.DUE_TODAY: "warn",
            self.Status.REACHED: "ok",
            self.Status.NOT_REACHED: "warn",
        }.get(self.status, "muted")

    @property
    def days_overdue(self) -> int:
        return max((tz.localdate() - self.due_on).days, 0) if not self.is_done else 0

    # -- actions --

    def record(
        self,
        actor: Any,
        *,
        outcome: str,
        method: str,
        note: str = "",
        plan_reviewed: bool = False,
        retry_on: datetime.date | None = None,
    ) -> FollowUp | None:
        """Record the contact (once); when it did not reach the client and ``retry_on``
        is given, schedule the next attempt. Returns that next attempt, or None."""
        if self.is_done:
            raise ValueError("This follow-up is already recorded.")
        with transaction.atomic():
            self.outcome, self.method, self.note = outcome, method, note
            self.plan_reviewed = plan_reviewed
            self.done_at = tz.now()
            self.recorded_by = actor
            self.save(
                update_fields=[
                    "outcome",
                    "method",
                    "note",
                    "plan_reviewed",
                    "done_at",
                    "recorded_by",
                ]
            )
            AuditEvent.objects.record(actor, AuditEvent.Action.FOLLOW_UP_RECORD, self.client_id)
            if outcome == self.Outcome.NOT_REACHED and retry_on is not None:
                return FollowUp.objects.schedule(
                    self.client, actor, [retry_on], self.Reason.RETRY, self.crisis_event_id
                )[0]
        return None

    def cancel(self, actor: Any) -> None:
        """Remove a follow-up not yet done (audited; a recorded one stays)."""
        if self.is_done:
            raise ValueError("A recorded follow-up cannot be cancelled.")
        with transaction.atomic():
            AuditEvent.objects.record(actor, AuditEvent.Action.FOLLOW_UP_CANCEL, self.client_id)
            self.delete()


class ClientSearchTokenQuerySet(models.QuerySet["ClientSearchToken"]):
    def rebuild(self, clients: list[Client]) -> None:
        """Replace the tokens of ``clients`` with their names' tokens under the current
        key (decrypts each name once)."""
        keyring = get_keyring()
        rows = []
        for client in clients:
            key_id, tokens = client.name_tokens(keyring)
            rows += [ClientSearchToken(client=client, key_id=key_id, token=t) for t in tokens]
        with transaction.atomic():
            self.filter(client__in=[c.pk for c in clients]).delete()
            self.bulk_create(rows, batch_size=2000)


class ClientSearchToken(models.Model):
    """One entry of the blind index of client names: a keyed HMAC of a name prefix,
    never the name (crisisplan/core/blindindex.py says what it reveals)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="search_tokens")
    # The key-encryption key the search key was derived from (rotation rebuilds).
    key_id = models.CharField(max_length=32)
    token = models.CharField(max_length=blindindex.TOKEN_HEX)

    objects: ClassVar[ClientSearchTokenQuerySet] = ClientSearchTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "client search token"
        indexes: ClassVar = [
            # Client.objects.matching(): ClientSearchToken.objects.filter(token__in=...)
            models.Index(fields=["token", "client"], name="clients_searchtoken_token_idx"),
        ]

    def __str__(self) -> str:
        return f"Search token of {self.client_id}"
