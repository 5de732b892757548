"""The directory's CSV format: import (all rows or nothing) and export.

The format is the starter data's (hotlines/data/README.md): one row per service with
at most one phone, one SMS number and one web address, and one "hours" text for them.
The importer is the only way rows come in, whether from `import_hotlines`, the admin's
upload form or `seed_demo`. It checks every row before it saves any, reports each
problem with its line number, and saves nothing unless all rows are good. A row is
matched to an existing service by its natural key (country, region, name, kind): an
identical row leaves the service (and its verification) alone; a changed row updates it
and flags it for review.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from hotlines import hours as hours_lib
from hotlines.models import ContactMethod, DirectoryVersion, Service, validate_web_url
from hotlines.phones import join_instructions, split_instructions, validate_phone
from hotlines.regions import validate_country, validate_languages, validate_subdivision

HEADER = (
    "country_code",
    "region_code",
    "name",
    "kind",
    "phone",
    "sms",
    "url",
    "hours",
    "languages",
    "topics",
    "source_url",
    "note",
)
SOURCE_SEPARATOR = " | "
LIST_SEPARATOR = ";"
_CONFIDENCE = re.compile(r"^confidence:\s*(high|medium|low)\b", re.IGNORECASE)
_TOPIC = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME_MAX = Service._meta.get_field("name").max_length
_VALUE_MAX = ContactMethod._meta.get_field("value").max_length
_HOURS_NOTE_MAX = ContactMethod._meta.get_field("hours_note").max_length


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    """The file has problems; nothing was saved."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("\n".join(map(str, errors)))


@dataclass(frozen=True)
class MethodSpec:
    kind: str
    value: str
    instructions: str = ""
    hours: hours_lib.Hours = field(default_factory=hours_lib.Hours)
    hours_note: str = ""


@dataclass
class ServiceSpec:
    """One row, checked and parsed."""

    line: int
    country: str
    subdivision: str
    name: str
    kind: str
    methods: list[MethodSpec]
    languages: list[str]
    topics: list[str]
    source_urls: list[str]
    note: str
    confidence: str = field(init=False)

    def __post_init__(self) -> None:
        match = _CONFIDENCE.match(self.note)
        self.confidence = match[1].lower() if match else Service.Confidence.LOW

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.country, self.subdivision, self.name, self.kind)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return (
            f"{self.total} rows: {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged."
        )


# --- reading ------------------------------------------------------------------------


def parse_csv(data: bytes | str) -> list[ServiceSpec]:
    """Check every row; return them parsed, or raise ImportFailed with every problem."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFailed([RowError(line, "the file is not UTF-8 text.")]) from exc
    data = data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(data, newline=""), strict=True)
    errors: list[RowError] = []
    specs: list[ServiceSpec] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    header_checked = False
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(line, f"the CSV is malformed ({exc})."))
            break
        if not header_checked:
            header_checked = True
            if tuple(cell.strip() for cell in row) != HEADER:
                found = ",".join(row)[:200]
                raise ImportFailed(
                    [
                        RowError(
                            line,
                            f"the header must be exactly “{','.join(HEADER)}”; found “{found}”.",
                        )
                    ]
                )
            continue
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(HEADER):
            errors.append(RowError(line, f"expected {len(HEADER)} fields, found {len(row)}."))
            continue
        problems, spec = _parse_row(line, dict(zip(HEADER, row, strict=True)))
        errors.extend(RowError(line, problem) for problem in problems)
        if spec is not None:
            if spec.key in seen:
                errors.append(
                    RowError(
                        line,
                        f"the same country, region, name and kind as line {seen[spec.key]}.",
                    )
                )
            else:
                seen[spec.key] = line
                specs.append(spec)
    if not header_checked:
        raise ImportFailed(
            [RowError(1, f"the file is empty; expected the header “{','.join(HEADER)}”.")]
        )
    if errors:
        raise ImportFailed(errors)
    return specs


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _parse_row(line: int, raw: dict[str, str]) -> tuple[list[str], ServiceSpec | None]:
    cell = {key: value.strip() for key, value in raw.items()}
    problems: list[str] = []

    country = cell["country_code"].upper()
    try:
        validate_country(country)
    except ValidationError as exc:
        problems.append(f"country_code: {_messages(exc)}")
    subdivision = cell["region_code"].upper()
    if not problems:
        try:
            validate_subdivision(subdivision, country)
        except ValidationError as exc:
            problems.append(f"region_code: {_messages(exc)}")

    name = cell["name"]
    if not name:
        problems.append("name: a service needs a name.")
    elif len(name) > _NAME_MAX:
        problems.append(f"name: longer than {_NAME_MAX} characters.")
    kind = cell["kind"]
    if kind not in Service.Kind.values:
        problems.append(f"kind: “{kind}” is not one of {', '.join(Service.Kind.values)}.")

    hours = hours_lib.Hours()
    hours_note = ""
    if cell["hours"]:
        if hours_lib.looks_structured(cell["hours"]):
            try:
                hours = hours_lib.parse_hours(cell["hours"])
            except hours_lib.HoursError as exc:
                problems.append(f"hours: {exc}")
        elif len(cell["hours"]) > _HOURS_NOTE_MAX:
            problems.append(f"hours: longer than {_HOURS_NOTE_MAX} characters.")
        else:
            hours_note = cell["hours"]  # free text: kept, and the hours count as unknown

    methods: list[MethodSpec] = []
    for column, method_kind in (
        ("phone", ContactMethod.Kind.PHONE),
        ("sms", ContactMethod.Kind.SMS),
    ):
        if not cell[column]:
            continue
        number, instructions = split_instructions(cell[column])
        try:
            validate_phone(number)
        except ValidationError as exc:
            problems.append(f"{column}: {_messages(exc)}")
            continue
        methods.append(MethodSpec(method_kind, number, instructions, hours, hours_note))
    if cell["url"]:
        url = cell["url"]
        try:
            validate_web_url(url)
            if len(url) > _VALUE_MAX:
                raise ValidationError("too long")
        except ValidationError:
            problems.append(f"url: “{url}” is not a web address (http:// or https://).")
        else:
            # A chat page is a way to reach someone; any other page is information.
            is_chat = kind == Service.Kind.CHAT or "/chat" in url.lower()
            url_kind = ContactMethod.Kind.CHAT if is_chat else ContactMethod.Kind.WEB
            # Hours belong to the live methods; a website keeps them only if it is alone.
            alone = not methods
            methods.append(
                MethodSpec(
                    url_kind,
                    url,
                    "",
                    hours if (alone or is_chat) else hours_lib.Hours(),
                    hours_note if (alone or is_chat) else "",
                )
            )
    if not (cell["phone"] or cell["sms"] or cell["url"]):
        problems.append("no phone, sms or url: a service needs a way to reach it.")

    languages = [c.strip() for c in cell["languages"].split(LIST_SEPARATOR) if c.strip()]
    try:
        validate_languages(languages)
    except ValidationError as exc:
        problems.append(f"languages: {_messages(exc)}")
    topics = [t.strip() for t in cell["topics"].split(LIST_SEPARATOR) if t.strip()]
    bad_topics = [t for t in topics if not _TOPIC.match(t)]
    if bad_topics:
        problems.append(
            f"topics: {', '.join(bad_topics)} (use lower-case words joined by _, e.g. "
            "emotional_support)."
        )
    sources = [s.strip() for s in cell["source_url"].split(SOURCE_SEPARATOR.strip())]
    sources = [s for s in sources if s]
    if not sources:
        problems.append("source_url: every entry needs at least one source.")
    for source in sources:
        try:
            validate_web_url(source)
        except ValidationError:
            problems.append(f"source_url: “{source}” is not a web address.")
    if not _CONFIDENCE.match(cell["note"]):
        problems.append("note: must start with “confidence: high”, “medium” or “low”.")

    if problems:
        return problems, None
    return [], ServiceSpec(
        line=line,
        country=country,
        subdivision=subdivision,
        name=name,
        kind=kind,
        methods=methods,
        languages=languages,
        topics=topics,
        source_urls=sources,
        note=cell["note"],
    )


# --- saving -------------------------------------------------------------------------


def import_csv(data: bytes | str) -> ImportResult:
    """Import a whole file: every row or, if any row has a problem, none (ImportFailed)."""
    specs = parse_csv(data)
    result = ImportResult()
    with transaction.atomic():
        # Bulk writes send no signals: tell every process's remembered lookups here.
        DirectoryVersion.changed()
        existing = {
            (s.country, s.subdivision, s.name, s.kind): s
            for s in Service.objects.filter(
                country__in={spec.country for spec in specs}
            ).with_details()
        }
        position_in_country: dict[str, int] = {}
        for spec in specs:
            position_in_country[spec.country] = position_in_country.get(spec.country, 0) + 1
            service = existing.get(spec.key)
            if service is None:
                service = Service(priority=position_in_country[spec.country] * 10)
                _apply(service, spec)
                result.created += 1
            elif _row_of_service(service) == _row_of_spec(spec):
                result.unchanged += 1
            else:
                _apply(service, spec)
                result.updated += 1
    return result


def _apply(service: Service, spec: ServiceSpec) -> None:
    old_keywords = {}
    if service.pk:
        old_keywords = {
            m.value: m.sms_keyword for m in service.contact_methods.all() if m.sms_keyword
        }
    service.country = spec.country
    service.subdivision = spec.subdivision
    service.name = spec.name
    service.kind = spec.kind
    service.languages = spec.languages
    service.topics = spec.topics
    service.source_urls = spec.source_urls
    service.note = spec.note
    service.confidence = spec.confidence
    service.needs_review = True
    service.save()
    service.contact_methods.all().delete()
    for position, method_spec in enumerate(spec.methods):
        method = ContactMethod.objects.create(
            service=service,
            kind=method_spec.kind,
            value=method_spec.value,
            instructions=method_spec.instructions,
            sms_keyword=old_keywords.get(method_spec.value, "")
            if method_spec.kind == ContactMethod.Kind.SMS
            else "",
            always_open=method_spec.hours.always_open,
            hours_note=method_spec.hours_note,
            position=position,
        )
        if method_spec.hours.periods:
            method.set_hours(method_spec.hours)


# --- writing ------------------------------------------------------------------------


def _row(
    country: str,
    subdivision: str,
    name: str,
    kind: str,
    methods: list[MethodSpec],
    languages: list[str],
    topics: list[str],
    sources: list[str],
    note: str,
) -> list[str]:
    def first(*kinds: str) -> MethodSpec | None:
        return next((m for m in methods if m.kind in kinds), None)

    phone, sms = first(ContactMethod.Kind.PHONE), first(ContactMethod.Kind.SMS)
    url = first(ContactMethod.Kind.CHAT, ContactMethod.Kind.WEB)
    with_hours = next(
        (
            m
            for m in methods
            if m.kind != ContactMethod.Kind.WEB and (m.hours.known or m.hours_note)
        ),
        None,
    ) or next((m for m in methods if m.hours.known or m.hours_note), None)
    hours = ""
    if with_hours is not None:
        hours = hours_lib.format_hours(with_hours.hours) or with_hours.hours_note
    return [
        country,
        subdivision,
        name,
        kind,
        join_instructions(phone.value, phone.instructions) if phone else "",
        sms.value if sms else "",
        url.value if url else "",
        hours,
        LIST_SEPARATOR.join(languages),
        LIST_SEPARATOR.join(topics),
        SOURCE_SEPARATOR.join(sources),
        note,
    ]


def _row_of_spec(spec: ServiceSpec) -> list[str]:
    return _row(
        spec.country,
        spec.subdivision,
        spec.name,
        spec.kind,
        spec.methods,
        spec.languages,
        spec.topics,
        spec.source_urls,
        spec.note,
    )


def _row_of_service(service: Service) -> list[str]:
    methods = [
        MethodSpec(m.kind, m.value, m.instructions, m.hours, m.hours_note)
        for m in service.contact_methods.all()
    ]
    # The note's leading "confidence: ..." follows the field, which curators may change.
    note = _CONFIDENCE.sub(f"confidence: {service.confidence}", service.note, count=1)
    return _row(
        service.country,
        service.subdivision,
        service.name,
        service.kind,
        methods,
        list(service.languages),
        list(service.topics),
        list(service.source_urls),
        note,
    )


def export_csv(out: IO[str], services: Iterable[Service] | None = None) -> int:
    """Write services (all, by default) in the import format; return how many."""
    if services is None:
        services = Service.objects.with_details().order_by(
            "country", "subdivision", "priority", "name", "pk"
        )
    writer = csv.writer(out)
    writer.writerow(HEADER)
    count = 0
    for service in services:
        writer.writerow(_row_of_service(service))
        count += 1
    return count


def export_text(services: Iterable[Service] | None = None) -> str:
    out = io.StringIO(newline="")
    export_csv(out, services)
    return out.getvalue()
