"""The "Emergency now" sheet: what a therapist needs in the first seconds when a client
is in danger during an online session (DESIGN.md, "The emergency in a session").

Where the client is (the latest check-in, else the record, marked as such), the
emergency services of that place first, then its crisis lines, the emergency contact
with the consent the record holds, and the steps. The layers above add to the page
through ``clients.hooks.emergency_context`` (plans: section 8 of the plan).

The sheet is built so that the numbers always show: the location's ISO codes are
plaintext, so when the client's data cannot be decrypted the page still lists the
emergency services of the place and says what could not be read.

Numbers from abroad: a short code (112, 911, 140) reaches the emergency services only
from a phone inside the country. The directory may hold, per service, a number from
abroad (``Service.from_abroad``, curated with its own source and date); where it holds
none the page says so plainly and shows what does work: the client or the emergency
contact calls the short code, or a crisis line's international number. Numbers are
never made up here, not even by reformatting a national number.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from clients.models import Client, Location
from crisisplan.core.encryption import EncryptionError
from hotlines.models import ContactMethod, RegionHelp, Service, region_help
from hotlines.phones import dial_string, tel_href
from hotlines.regions import EmergencyFallback

# A number of at most this many digits, written without a country code, is a short code:
# it has no international form (112, 911, 999, 000, 15, 140, 1414).
SHORT_CODE_DIGITS = 6


def is_short_code(number: str) -> bool:
    dialled = dial_string(number)
    return not dialled.startswith("+") and len(dialled) <= SHORT_CODE_DIGITS


def is_international(number: str) -> bool:
    """Written with + and a country code: it can be dialled from another country."""
    return number.strip().startswith("+")


@dataclass(frozen=True)
class Number:
    """A number to tap, with what the therapist needs to know about it."""

    value: str
    label: str = ""

    @property
    def href(self) -> str:
        return tel_href(self.value)

    @property
    def is_short_code(self) -> bool:
        return is_short_code(self.value)

    @property
    def is_international(self) -> bool:
        return is_international(self.value)


@dataclass(frozen=True)
class AbroadNumber:
    """A service's curated number from abroad (hotlines.Service.from_abroad)."""

    value: str
    source: str
    verified_on: datetime.date | None

    @property
    def href(self) -> str:
        return tel_href(self.value)


def from_abroad(service: Service) -> AbroadNumber | None:
    """The service's curated number from abroad, or None where no source gave one."""
    if not service.from_abroad:
        return None
    return AbroadNumber(
        service.from_abroad, service.from_abroad_source, service.from_abroad_verified_on
    )


@dataclass(frozen=True)
class EmergencyService:
    """An emergency number of the place, as a therapist in another country can use it."""

    name: str
    local: list[Number]  # as dialled inside the country
    abroad: AbroadNumber | None  # the directory's number from abroad, if known
    from_directory: bool = True  # False: libphonenumber's general number (fallback)

    @property
    def works_from_abroad(self) -> bool:
        return self.abroad is not None or any(n.is_international for n in self.local)

    @property
    def local_only(self) -> list[Number]:
        """The numbers that work only from a phone inside the country."""
        return [n for n in self.local if not n.is_international]

    @classmethod
    def of(cls, service: Service) -> EmergencyService:
        return cls(
            service.name,
            [Number(m.value) for m in service.phones],
            from_abroad(service),
        )

    @classmethod
    def of_fallback(cls, fallback: EmergencyFallback) -> EmergencyService | None:
        if not fallback.number:
            return None
        return cls(
            _("Emergency services in %(country)s") % {"country": fallback.country_name},
            [Number(fallback.number)],
            None,
            from_directory=False,
        )


@dataclass(frozen=True)
class Line:
    """A crisis line, text line or chat of the place (RegionHelp.crisis_lines)."""

    service: Service
    abroad: AbroadNumber | None

    @property
    def international(self) -> list[ContactMethod]:
        """Its phone numbers written in international form (+...)."""
        return [m for m in self.service.phones if is_international(m.value)]

    @property
    def works_from_abroad(self) -> bool:
        return self.abroad is not None or bool(self.international)


@dataclass(frozen=True)
class Contact:
    name: str
    relationship: str
    phone: Number | None
    consent: bool
    consent_date: datetime.date | None


@dataclass
class EmergencySheet:
    """What the Emergency page shows (templates/clients/emergency.html)."""

    client: Client
    name: str  # the client's preferred name; "" when it cannot be read
    location: Location | None
    help: RegionHelp | None
    services: list[EmergencyService] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    contact: Contact | None = None
    unreadable: str = ""  # what could not be decrypted, when something could not

    @property
    def location_unknown(self) -> bool:
        return self.location is None

    @property
    def fallback(self) -> EmergencyFallback | None:
        """The general number when the directory has no emergency number for the place
        (shown with its source), or None."""
        return self.help.fallback if self.help else None

    @property
    def none_from_abroad(self) -> bool:
        """No emergency number of the place can be dialled from another country."""
        return bool(self.services) and not any(s.works_from_abroad for s in self.services)

    @property
    def local_only(self) -> list[Number]:
        """The emergency numbers without a number from abroad that work only inside the
        country (as the directory writes them)."""
        return [n for s in self.services if s.abroad is None for n in s.local_only]

    @property
    def short_codes(self) -> list[str]:
        return [n.value for n in self.local_only if n.is_short_code]

    @property
    def national_numbers(self) -> list[str]:
        return [n.value for n in self.local_only if not n.is_short_code]

    @property
    def lines_from_abroad(self) -> list[Line]:
        return [line for line in self.lines if line.works_from_abroad]

    @property
    def first_local(self) -> Number | None:
        """The number the client or the emergency contact should call on the spot."""
        for service in self.services:
            if service.local:
                return service.local[0]
        return None

    @property
    def client_phone(self) -> Number | None:
        if self.location and self.location.phone:
            return Number(self.location.phone)
        return None

    @classmethod
    def for_client(cls, client: Client) -> EmergencySheet:
        """Build the sheet. A decryption failure of the client's data is kept in
        ``unreadable`` instead of raised, with the numbers of the place still shown."""
        unreadable = ""
        try:
            name = client.preferred_name
            location = client.current_location()
            contact = _contact(client)
        except EncryptionError as exc:
            name, contact = "", None
            location = _plaintext_location(client)
            unreadable = str(exc)
        found = (
            region_help(location.country, location.subdivision) if location is not None else None
        )
        sheet = cls(client, name, location, found, contact=contact, unreadable=unreadable)
        if found is not None:
            sheet.services = [EmergencyService.of(s) for s in found.emergency]
            if not sheet.services and found.fallback is not None:
                general = EmergencyService.of_fallback(found.fallback)
                sheet.services = [general] if general else []
            sheet.lines = [Line(s, from_abroad(s)) for s in found.crisis_lines]
        return sheet


def _contact(client: Client) -> Contact | None:
    if not (client.emergency_contact_name or client.emergency_contact_phone):
        return None
    phone = client.emergency_contact_phone
    return Contact(
        client.emergency_contact_name,
        client.emergency_contact_relationship,
        Number(phone) if phone else None,
        bool(client.emergency_contact_consent),
        client.emergency_contact_consent_date,
    )


def _plaintext_location(client: Client) -> Location | None:
    """The location's ISO codes only (they are not encrypted), for when nothing else of
    the client can be read."""
    latest = (
        client.check_ins.order_by("-created_at", "-id")
        .values("country", "subdivision", "created_at")
        .first()
    )
    if latest is not None:
        return Location(
            latest["country"], latest["subdivision"], "", "", "", latest["created_at"], False
        )
    if client.country:
        return Location(client.country, client.subdivision, "", "", "", None, True)
    return None
