"""The directory's CSV format: import (all rows or nothing) and export.

The format is the starter data's (hotlines/data/README.md): one row per service with
at most one phone, one SMS number and one web address, and one "hours" text for them;
the export adds the entry's stable `key` and its number from abroad (`from_abroad`,
`from_abroad_source`, `from_abroad_verified_on`), which an import may carry or leave out.
The importer is the only way rows come in, whether from `import_hotlines`, the admin's
upload form or `seed_demo`. It checks every row before it saves any, reports each
problem with its line number, and saves nothing unless all rows are good.

Which entry a row is (hotlines/keys.py): a row with a key is the entry with that key; a
row without one is the entry with its country, region, name and kind, else the entry
that came in under that name and was renamed since (its key is derived from them). So a
rename, by a curator or in the file, updates the entry instead of adding a second one.

What happens to it: an identical row leaves the entry (and its verification) alone; a
changed row updates it and flags it for review, unless a curator changed the entry since
the last import (it differs from the row that import wrote, `Service.imported_row`).
Such an entry is left as it is and reported, unless the import is told to
`overwrite_edited`. Columns a file leaves out (e.g. the number from abroad) are left as
they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from hotlines import hours as hours_lib
from hotlines.keys import KEY_MAX_LENGTH, KEY_PATTERN, derived_key
from hotlines.models import (
    ContactMethod,
    DirectoryVersion,
    OpeningPeriod,
    Service,
    validate_web_url,
)
from hotlines.phones import (
    join_instructions,
    split_instructions,
    validate_international_phone,
    validate_phone,
    validate_textable,
)
from hotlines.regions import (
    default_timezone,
    validate_country,
    validate_languages,
    validate_subdivision,
)

# The starter data's columns: every file has them.
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
ABROAD = ("from_abroad", "from_abroad_source", "from_abroad_verified_on")
# Columns a file may add; the export writes them all.
OPTIONAL = ("key", *ABROAD)
EXPORT_HEADER = ("key", *HEADER, *ABROAD)
SOURCE_SEPARATOR = " | "
LIST_SEPARATOR = ";"
_CONFIDENCE = re.compile(r"^confidence:\s*(high|medium|low)\b", re.IGNORECASE)
_TOPIC = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME_MAX = Service._meta.get_field("name").max_length
_VALUE_MAX = ContactMethod._meta.get_field("value").max_length
_HOURS_NOTE_MAX = ContactMethod._meta.get_field("hours_note").max_length
_ABROAD_SOURCE_MAX = Service._meta.get_field("from_abroad_source").max_length
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Spreadsheet formulas (CSV injection): a cell that starts with one of these is run as a
# formula when the file is opened in a spreadsheet (=HYPERLINK(...), @SUM(...),
# -2+3+cmd|...). The export puts an apostrophe before such a cell, the usual guard, and
# the import takes our own apostrophe off again and refuses such a cell in a text column.
# A cell of a number's characters only (+44 20 7946 0000) cannot do harm and is written
# as it is, so numbers go out and come back exactly.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"[+-]?[0-9 ().*#/+-]*[0-9][0-9 ().*#/+-]*")
# The columns whose cells are numbers, checked as such (a "+" leads many of them).
_NUMBER_COLUMNS = frozenset({"phone", "sms", "from_abroad"})
_LEAD_NAMES = {"\t": "a tab", "\r": "a carriage return"}
# NUL and the Unicode text-direction controls, which no text field accepts (the app's
# rule, crisisplan/core/text.py; the directory imports nothing of ours).
_CONTROL_CHARACTERS = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")


def _runs_as_formula(value: str) -> bool:
    lead = value.lstrip(" ")
    return lead.startswith(FORMULA_LEADS) and not _NUMBER_LIKE.fullmatch(lead)


def spreadsheet_safe(value: str) -> str:
    """A cell as the export writes it: with a leading apostrophe if a spreadsheet would
    run it as a formula."""
    return f"'{value}" if _runs_as_formula(value) else value


def _unguarded(value: str) -> str:
    """A cell as the export guarded it, without our apostrophe."""
    return value[1:] if value.startswith("'") and _runs_as_formula(value[1:]) else value


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return gettext("line %(line)s: %(problem)s") % {"line": self.line, "problem": self.message}


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
    # The row's own key, or "" if the file has none for it (then derived_key applies).
    key: str = ""
    # Set only when the file has the number-from-abroad columns.
    abroad: tuple[str, str, date | None] | None = None
    confidence: str = field(init=False)

    def __post_init__(self) -> None:
        match = _CONFIDENCE.match(self.note)
        self.confidence = match[1].lower() if match else Service.Confidence.LOW

    @property
    def natural_key(self) -> tuple[str, str, str, str]:
        return (self.country, self.subdivision, self.name, self.kind)

    @property
    def derived_key(self) -> str:
        return derived_key(*self.natural_key)

    @property
    def row(self) -> dict[str, str]:
        """The row as the export would write it, without the key: what is compared."""
        row = _row(
            self.country,
            self.subdivision,
            self.name,
            self.kind,
            self.methods,
            self.languages,
            self.topics,
            self.source_urls,
            self.note,
        )
        if self.abroad is not None:
            number, source, verified_on = self.abroad
            row |= _abroad_row(number, source, verified_on)
        return row


@dataclass(frozen=True)
class SkippedRow:
    """A row left out because a curator changed its entry since the last import."""

    line: int
    key: str
    name: str
    changed: tuple[str, ...]  # the columns the curator changed; () if never imported

    def __str__(self) -> str:
        why = (
            gettext("a curator changed %(columns)s since the last import")
            % {"columns": ", ".join(self.changed)}
            if self.changed
            else gettext("it was made or changed by a curator and never imported")
        )
        return gettext("line %(line)s: “%(name)s” (key %(key)s) left as it is: %(why)s.") % {
            "line": self.line,
            "name": self.name,
            "key": self.key,
            "why": why,
        }


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.skipped)

    def __str__(self) -> str:
        counts = {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": len(self.skipped),
        }
        if self.skipped:
            return (
                gettext(
                    "%(total)s rows: %(created)s new, %(updated)s updated, %(unchanged)s "
                    "unchanged, %(skipped)s skipped (changed by a curator since the last import)."
                )
                % counts
            )
        return (
            gettext(
                "%(total)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged."
            )
            % counts
        )


# --- reading ------------------------------------------------------------------------


def parse_csv(data: bytes | str) -> list[ServiceSpec]:
    """Check every row; return them parsed, or raise ImportFailed with every problem."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFailed([RowError(line, gettext("the file is not UTF-8 text."))]) from exc
    data = data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(data, newline=""), strict=True)
    errors: list[RowError] = []
    specs: list[ServiceSpec] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    seen_keys: dict[str, int] = {}
    columns: tuple[str, ...] = ()
    header_checked = False
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(
                RowError(line, gettext("the CSV is malformed (%(problem)s).") % {"problem": exc})
            )
            break
        if not header_checked:
            header_checked = True
            columns = tuple(cell.strip() for cell in row)
            if not _header_is_valid(columns):
                found = ",".join(row)[:200]
                raise ImportFailed(
                    [
                        RowError(
                            line,
                            gettext(
                                "the header must be exactly “%(header)s”, optionally with the "
                                "columns %(optional)s; found “%(found)s”."
                            )
                            % {
                                "header": ",".join(HEADER),
                                "optional": ", ".join(OPTIONAL),
                                "found": found,
                            },
                        )
                    ]
                )
            continue
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(columns):
            errors.append(
                RowError(
                    line,
                    gettext("expected %(expected)s fields, found %(found)s.")
                    % {"expected": len(columns), "found": len(row)},
                )
            )
            continue
        problems, spec = _parse_row(line, dict(zip(columns, row, strict=True)))
        errors.extend(RowError(line, problem) for problem in problems)
        if spec is not None:
            if spec.natural_key in seen:
                errors.append(
                    RowError(
                        line,
                        gettext("the same country, region, name and kind as line %(line)s.")
                        % {"line": seen[spec.natural_key]},
                    )
                )
            elif spec.key and spec.key in seen_keys:
                errors.append(
                    RowError(
                        line,
                        gettext("the same key as line %(line)s: %(key)s.")
                        % {"line": seen_keys[spec.key], "key": spec.key},
                    )
                )
            else:
                seen[spec.natural_key] = line
                if spec.key:
                    seen_keys[spec.key] = line
                specs.append(spec)
    if not header_checked:
        raise ImportFailed(
            [
                RowError(
                    1,
                    gettext("the file is empty; expected the header “%(header)s”.")
                    % {"header": ",".join(HEADER)},
                )
            ]
        )
    if errors:
        raise ImportFailed(errors)
    return specs


def _header_is_valid(columns: tuple[str, ...]) -> bool:
    """The starter data's columns in their order, with optional ones at either end
    (the export's order: key first, the number from abroad last)."""
    known = set(HEADER) | set(OPTIONAL)
    if len(set(columns)) != len(columns) or not set(columns) <= known:
        return False
    if tuple(c for c in columns if c in HEADER) != HEADER:
        return False
    abroad = [c for c in columns if c in ABROAD]
    return not abroad or len(abroad) == len(ABROAD)


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _longer_than(limit: int) -> str:
    return gettext("longer than %(max)s characters.") % {"max": limit}


def _not_a_web_address(value: str) -> str:
    return gettext("“%(value)s” is not a web address.") % {"value": value}


def _parse_row(line: int, raw: dict[str, str]) -> tuple[list[str], ServiceSpec | None]:
    raw = {key: _unguarded(value) for key, value in raw.items()}
    problems: list[str] = []
    for column, value in raw.items():
        if _CONTROL_CHARACTERS.search(value):
            problems.append(
                f"{column}: holds an invisible control character (a null character or a "
                "text-direction control); type the text again."
            )
        elif column not in _NUMBER_COLUMNS and _runs_as_formula(value):
            lead = value.lstrip(" ")[0]
            problems.append(
                f"{column}: starts with {_LEAD_NAMES.get(lead, f'“{lead}”')}, which a "
                "spreadsheet would run as a formula; remove it or start the text otherwise."
            )
    cell = {key: value.strip() for key, value in raw.items()}

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
        problems.append("name: " + gettext("a service needs a name."))
    elif len(name) > _NAME_MAX:
        problems.append("name: " + _longer_than(_NAME_MAX))
    kind = cell["kind"]
    if kind not in Service.Kind.values:
        problems.append(
            "kind: "
            + gettext("“%(kind)s” is not one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(Service.Kind.values)}
        )

    hours = hours_lib.Hours()
    hours_note = ""
    if cell["hours"]:
        if hours_lib.looks_structured(cell["hours"]):
            try:
                hours = hours_lib.parse_hours(cell["hours"])
            except hours_lib.HoursError as exc:
                problems.append(f"hours: {exc}")
        elif len(cell["hours"]) > _HOURS_NOTE_MAX:
            problems.append("hours: " + _longer_than(_HOURS_NOTE_MAX))
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
            if method_kind == ContactMethod.Kind.SMS:
                validate_textable(number)
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
            problems.append(
                "url: "
                + gettext("“%(url)s” is not a web address (http:// or https://).") % {"url": url}
            )
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
        problems.append("no phone, sms or url: " + gettext("a service needs a way to reach it."))

    languages = [c.strip() for c in cell["languages"].split(LIST_SEPARATOR) if c.strip()]
    try:
        validate_languages(languages)
    except ValidationError as exc:
        problems.append(f"languages: {_messages(exc)}")
    topics = [t.strip() for t in cell["topics"].split(LIST_SEPARATOR) if t.strip()]
    bad_topics = [t for t in topics if not _TOPIC.match(t)]
    if bad_topics:
        problems.append(
            "topics: "
            + gettext("%(topics)s (use lower-case words joined by _, e.g. emotional_support).")
            % {"topics": ", ".join(bad_topics)}
        )
    sources = [s.strip() for s in cell["source_url"].split(SOURCE_SEPARATOR.strip())]
    sources = [s for s in sources if s]
    if not sources:
        problems.append("source_url: " + gettext("every entry needs at least one source."))
    for source in sources:
        try:
            validate_web_url(source)
        except ValidationError:
            problems.append("source_url: " + _not_a_web_address(source))
    if not _CONFIDENCE.match(cell["note"]):
        problems.append(
            "note: " + gettext("must start with “confidence: high”, “medium” or “low”.")
        )

    key = cell.get("key", "")
    if key and (len(key) > KEY_MAX_LENGTH or not KEY_PATTERN.match(key)):
        problems.append(
            "key: "
            + gettext(
                "“%(key)s” is not a key (lower-case letters, digits, - and _, at most %(max)s)."
            )
            % {"key": key[:120], "max": KEY_MAX_LENGTH}
        )
    abroad = None
    if "from_abroad" in cell:
        abroad_problems, abroad = _parse_abroad(cell)
        problems += abroad_problems

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
        key=key,
        abroad=abroad,
    )


def _parse_abroad(cell: dict[str, str]) -> tuple[list[str], tuple[str, str, date | None]]:
    problems: list[str] = []
    number, source, day = (cell[column] for column in ABROAD)
    if number:
        try:
            validate_international_phone(number)
        except ValidationError as exc:
            problems.append(f"from_abroad: {_messages(exc)}")
        if not source:
            problems.append(
                "from_abroad_source: " + gettext("a number from abroad needs its official source.")
            )
    if source:
        try:
            validate_web_url(source)
            if len(source) > _ABROAD_SOURCE_MAX:
                raise ValidationError("too long")
        except ValidationError:
            problems.append("from_abroad_source: " + _not_a_web_address(source[:120]))
    verified_on = None
    if day:
        try:
            if not _DATE.match(day):
                raise ValueError(day)
            verified_on = date.fromisoformat(day)
        except ValueError:
            problems.append(
                "from_abroad_verified_on: "
                + gettext("“%(day)s” is not a date (YYYY-MM-DD).") % {"day": day}
            )
        if not number:
            problems.append(
                "from_abroad_verified_on: " + gettext("there is no number from abroad.")
            )
    return problems, (number, source, verified_on)


# --- saving -------------------------------------------------------------------------


def import_csv(data: bytes | str, *, overwrite_edited: bool = False) -> ImportResult:
    """Import a whole file: every row or, if any row has a problem, none (ImportFailed).

    Entries a curator changed since the last import are left as they are and listed in
    the result, unless ``overwrite_edited``. The writes are in bulk: a few queries for
    the whole file, plus one per changed entry.
    """
    specs = parse_csv(data)
    result = ImportResult()
    now = timezone.now()
    with transaction.atomic(), DirectoryVersion.one_change():
        targets = _match(specs)
        position_in_country: dict[str, int] = {}
        created: list[tuple[Service, ServiceSpec]] = []
        updated: list[tuple[Service, ServiceSpec]] = []
        baselines: list[Service] = []
        for spec, (service, key) in zip(specs, targets, strict=True):
            position_in_country[spec.country] = position_in_country.get(spec.country, 0) + 1
            incoming = spec.row
            if service is None:
                service = Service(key=key, priority=position_in_country[spec.country] * 10)
                _fill(service, spec, incoming, now)
                created.append((service, spec))
                continue
            current = _row_of_service(service)
            if all(current[column] == value for column, value in incoming.items()):
                result.unchanged += 1
                if service.imported_row != service.imported_row | incoming:
                    # Now known to match this file: later changes to it are the file's.
                    service.imported_row = service.imported_row | incoming
                    service.imported_at = now
                    baselines.append(service)
                continue
            changed = _changed_by_curator(service, current, incoming)
            if changed is not None and not overwrite_edited:
                result.skipped.append(SkippedRow(spec.line, service.key, service.name, changed))
                continue
            _fill(service, spec, incoming, now)
            updated.append((service, spec))
        _save(created, updated)
        Service.objects.bulk_update(baselines, ["imported_row", "imported_at"], batch_size=500)
        result.created, result.updated = len(created), len(updated)
    return result


_UPDATED_FIELDS = (
    "country",
    "subdivision",
    "name",
    "kind",
    "languages",
    "topics",
    "source_urls",
    "note",
    "confidence",
    "from_abroad",
    "from_abroad_source",
    "from_abroad_verified_on",
    "leads",
    "timezone",
    "needs_review",
    "imported_row",
    "imported_at",
    "updated_at",
)


def _fill(service: Service, spec: ServiceSpec, incoming: dict[str, str], now: datetime) -> None:
    """Set an entry's fields from its row (saved by _save)."""
    service.country = spec.country
    service.subdivision = spec.subdivision
    service.name = spec.name
    service.kind = spec.kind
    service.languages = spec.languages
    service.topics = spec.topics
    service.source_urls = spec.source_urls
    service.note = spec.note
    service.confidence = spec.confidence
    if spec.abroad is not None:
        service.from_abroad, service.from_abroad_source, service.from_abroad_verified_on = (
            spec.abroad
        )
    if spec.kind != Service.Kind.EMERGENCY:
        service.leads = False
    service.timezone = service.timezone or default_timezone(spec.country)
    service.needs_review = True
    service.imported_row = service.imported_row | incoming
    service.imported_at = now
    service.updated_at = now


def _save(
    created: list[tuple[Service, ServiceSpec]], updated: list[tuple[Service, ServiceSpec]]
) -> None:
    """Write the new and changed entries with their contact methods and hours, in bulk.
    A changed entry's methods are replaced; an SMS keyword (not in the CSV) is kept."""
    keywords = {
        (service.pk, m.value): m.sms_keyword
        for service, _spec in updated
        for m in service.contact_methods.all()
        if m.sms_keyword
    }
    Service.objects.bulk_create([service for service, _spec in created], batch_size=500)
    Service.objects.bulk_update(
        [service for service, _spec in updated], _UPDATED_FIELDS, batch_size=500
    )
    ContactMethod.objects.filter(service__in=[service.pk for service, _spec in updated]).delete()
    methods: list[tuple[ContactMethod, hours_lib.Hours]] = []
    for service, spec in [*created, *updated]:
        for position, method_spec in enumerate(spec.methods):
            method = ContactMethod(
                service=service,
                kind=method_spec.kind,
                value=method_spec.value,
                instructions=method_spec.instructions,
                sms_keyword=keywords.get((service.pk, method_spec.value), "")
                if method_spec.kind == ContactMethod.Kind.SMS
                else "",
                always_open=method_spec.hours.always_open,
                hours_note=method_spec.hours_note,
                position=position,
            )
            methods.append((method, method_spec.hours))
    ContactMethod.objects.bulk_create([method for method, _hours in methods], batch_size=500)
    OpeningPeriod.objects.bulk_create(
        (
            OpeningPeriod(
                contact_method=method,
                weekday=period.weekday,
                opens=period.opens,
                closes=period.closes,
            )
            for method, hours in methods
            for period in hours.periods
        ),
        batch_size=1000,
    )


def _match(specs: list[ServiceSpec]) -> list[tuple[Service | None, str]]:
    """For each row, the entry it updates (or None) and the key it has or will have;
    ImportFailed where two rows are one entry, or a row would take another's place."""
    keys = {spec.key or spec.derived_key for spec in specs}
    existing = list(
        Service.objects.filter(
            Q(country__in={spec.country for spec in specs}) | Q(key__in=keys)
        ).with_details()
    )
    by_key = {s.key: s for s in existing}
    by_natural = {(s.country, s.subdivision, s.name, s.kind): s for s in existing}
    errors: list[RowError] = []
    claimed: dict[str, int] = {}
    targets: list[tuple[Service | None, str]] = []
    for spec in specs:
        if spec.key:
            service = by_key.get(spec.key) or by_natural.get(spec.natural_key)
        else:
            # The entry of that name, else the one that came in under it and was renamed.
            service = by_natural.get(spec.natural_key) or by_key.get(spec.derived_key)
        key = service.key if service else (spec.key or spec.derived_key)
        holder = by_natural.get(spec.natural_key)
        if key in claimed:
            errors.append(
                RowError(
                    spec.line,
                    gettext("the same entry (key %(key)s) as line %(line)s.")
                    % {"key": key, "line": claimed[key]},
                )
            )
        elif holder is not None and holder is not service:
            errors.append(
                RowError(
                    spec.line,
                    gettext(
                        "key %(key)s names another entry than the one with this country, "
                        "region, name and kind (key %(other)s)."
                    )
                    % {"key": spec.key, "other": holder.key},
                )
            )
        claimed.setdefault(key, spec.line)
        targets.append((service, key))
    if errors:
        raise ImportFailed(errors)
    return targets


def _changed_by_curator(
    service: Service, current: dict[str, str], incoming: dict[str, str]
) -> tuple[str, ...] | None:
    """The columns a curator changed since the last import (() if the entry was never
    imported: all of it is the curator's), or None if the entry is as imported."""
    if not service.imported_row:
        return ()
    changed = tuple(
        column for column in incoming if current[column] != service.imported_row.get(column, "")
    )
    return changed or None


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
) -> dict[str, str]:
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
    return {
        "country_code": country,
        "region_code": subdivision,
        "name": name,
        "kind": kind,
        "phone": join_instructions(phone.value, phone.instructions) if phone else "",
        "sms": sms.value if sms else "",
        "url": url.value if url else "",
        "hours": hours,
        "languages": LIST_SEPARATOR.join(languages),
        "topics": LIST_SEPARATOR.join(topics),
        "source_url": SOURCE_SEPARATOR.join(sources),
        "note": note,
    }


def _abroad_row(number: str, source: str, verified_on: date | None) -> dict[str, str]:
    return {
        "from_abroad": number,
        "from_abroad_source": source,
        "from_abroad_verified_on": verified_on.isoformat() if verified_on else "",
    }


def _row_of_service(service: Service) -> dict[str, str]:
    """Every column but the key, as the export writes them."""
    methods = [
        MethodSpec(m.kind, m.value, m.instructions, m.hours, m.hours_note)
        for m in service.contact_methods.all()
    ]
    # The note's leading "confidence: ..." follows the field, which curators may change.
    note = _CONFIDENCE.sub(f"confidence: {service.confidence}", service.note, count=1)
    row = _row(
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
    return row | _abroad_row(
        service.from_abroad, service.from_abroad_source, service.from_abroad_verified_on
    )


def export_csv(out: IO[str], services: Iterable[Service] | None = None) -> int:
    """Write services (all, by default) in the import format, with their keys and numbers
    from abroad; return how many."""
    if services is None:
        services = Service.objects.with_details().order_by(
            "country", "subdivision", "priority", "name", "pk"
        )
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADER)
    count = 0
    for service in services:
        row = {"key": service.key} | _row_of_service(service)
        writer.writerow([spreadsheet_safe(row[column]) for column in EXPORT_HEADER])
        count += 1
    return count


def export_text(services: Iterable[Service] | None = None) -> str:
    out = io.StringIO(newline="")
    export_csv(out, services)
    return out.getvalue()
