"""The content of a crisis plan: its sections, the editor's form data, diffs and hints.

The sections follow the evidence-based safety-planning method of Stanley, B. & Brown,
G. K. (2012), "Safety Planning Intervention: A Brief Intervention to Mitigate Suicide
Risk", Cognitive and Behavioral Practice 19(2), 256-264. The titles and prompts are
our own words; the published form itself is copyrighted and not reproduced. Section 8
is ours: therapists who work online agree what happens when a session is cut off.

This module is pure (no models, no database). A plan's content is a JSON-serialisable
dict with one key per *part*; a section has one part (a list) or several (section 5):

    {"warning_signs": [{"text": "..."}], ...,
     "therapist": {"name": "...", "phone": "...", "after_hours": "..."}, ...}

``PlanContent`` wraps such a dict (tolerant of missing keys, so older versions read
fine), renders it for the client's page, diffs two contents and computes completeness
hints. ``EditorState`` parses the editor's POST data (ignoring empty rows, keeping order,
applying the no-JavaScript "move", "remove" and "add rows" buttons) and renders it back,
with errors, so that a failed save keeps everything typed.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from crisisplan.core.text import unsafe_text_error
from hotlines.phones import (
    international_number,
    sms_href,
    tel_href,
    validate_phone,
    whatsapp_href,
)
from hotlines.regions import country_name

# 2: section 8 became one agreement (its first free-text fields are kept as "legacy"
# fields, see Field.legacy) and section 9 was added. A version keeps the content it was
# saved with (versions are immutable): PlanContent reads every schema.
SCHEMA = 2
MAX_ITEMS = 30  # per list
MAX_TEXT = 500  # characters per item
MAX_NAME = 200
MAX_PHONE = 40
MAX_MINUTES = 120
BLANK_ROWS = 1  # blank rows offered below the filled ones ("Add more rows" adds more)
MIN_ROWS = 2  # rows offered in an empty list
ADD_ROWS = 3  # rows the "add more rows" button adds without JavaScript
MAX_ROWS = 100  # rows read from a POST per list (the rest are not even looked at)


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text | longtext | phone | minutes | choice | tick
    max_length: int = MAX_TEXT
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    # A tick about a phone field of the same part: "of" names that field, "reach" the
    # way the client's page then offers ("sms" or "whatsapp").
    of: str = ""
    reach: str = ""
    # Kept from an older shape of the section: the editor shows it only while it holds
    # text (so nothing written before is lost), and the client's page shows it as written.
    legacy: bool = False

    @property
    def input_type(self) -> str:
        return {"phone": "tel", "minutes": "number", "tick": "checkbox"}.get(self.kind, "text")

    @property
    def short(self) -> bool:
        """A one-line control (a name, a number): on a phone its label sits
        beside it, as in a list's rows."""
        return self.kind in ("phone", "minutes") or (
            self.kind == "text" and self.max_length <= MAX_NAME
        )

    @property
    def multiline(self) -> bool:
        """Edited in a textarea that grows with its text: long free text (an item of up
        to 500 characters would hide most of itself in a one-line input)."""
        return self.kind == "longtext" or (self.kind == "text" and self.max_length > MAX_NAME)


@dataclass(frozen=True)
class Part:
    """A list of items (``many``) or a single record within a section."""

    key: str
    label: str
    fields: tuple[Field, ...]
    many: bool = True
    item_noun: str = "item"
    item_plural: str = ""  # when not item_noun + "s"
    # A filled row needs one of these fields (e.g. a name for a phone number).
    needs_one_of: tuple[str, ...] = ()
    needs_message: str = ""
    help: str = ""
    # Its rows are people (sections 3 and 4): the client's page offers to text them.
    people: bool = False
    # What the editor says about a list's items (the limits are for validation only).
    advice: str = _("A few specific items, in the client's own words.")

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    @property
    def items_noun(self) -> str:
        return self.item_plural or f"{self.item_noun}s"


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: str
    help: str
    parts: tuple[Part, ...]
    # For the therapist only (the editor), never on the client's page.
    guidance: tuple[str, ...] = ()


def _text(label: str = _("Text"), help: str = "") -> Field:
    return Field("text", label, help=help)


NAME = Field("name", _("Name"), max_length=MAX_NAME)
PHONE = Field("phone", _("Phone"), kind="phone", max_length=MAX_PHONE)
# A tick (checkbox) is stored as TICKED or "".
TICKED = "yes"
# The client's page offers a WhatsApp button for this person's number.
WHATSAPP = Field(
    "whatsapp", _("On WhatsApp"), kind="tick", max_length=len(TICKED), of="phone", reach="whatsapp"
)

WHO_CALLS = (
    ("therapist_calls", _("My therapist calls me")),
    ("client_calls", _("I call my therapist")),
)

SECTIONS: tuple[Section, ...] = (
    Section(
        1,
        "warning_signs",
        _("Warning signs that a crisis may be starting"),
        _(
            "Thoughts, feelings, situations or behaviour that tell the client a crisis may be "
            "coming."
        ),
        (
            Part(
                "warning_signs",
                _("Warning signs"),
                (_text(_("Warning sign")),),
                item_noun=_("sign"),
                item_plural=_("signs"),
            ),
        ),
    ),
    Section(
        2,
        "coping",
        _("Things I can do on my own to cope"),
        _("What the client can do alone to take their mind off things or calm down."),
        (
            Part(
                "coping",
                _("Things I can do"),
                (_text(_("Thing I can do")),),
                item_noun=_("thing"),
                item_plural=_("things"),
            ),
        ),
    ),
    Section(
        3,
        "distractions",
        _("People and places that help me take my mind off things"),
        _(
            "Company and distraction, without talking about the crisis: people to be "
            "with, or places to go."
        ),
        (
            Part(
                "distractions",
                _("People and places"),
                (NAME, PHONE, WHATSAPP, Field("place", _("Place"), max_length=MAX_NAME)),
                item_noun=_("person or place"),
                item_plural=_("people or places"),
                needs_one_of=("name", "place"),
                needs_message=_("Give a name or a place for this row."),
                people=True,
            ),
        ),
    ),
    Section(
        4,
        "helpers",
        _("People I can ask for help"),
        _("People the client would actually tell that they are in crisis, and ask for help."),
        (
            Part(
                "helpers",
                _("People"),
                (NAME, PHONE, WHATSAPP),
                item_noun=_("person"),
                item_plural=_("people"),
                needs_one_of=("name",),
                needs_message=_("Give the name of the person with this number."),
                people=True,
            ),
        ),
    ),
    Section(
        5,
        "professionals",
        _("Professionals and services I can contact"),
        _(
            "The emergency numbers and crisis lines of the directory for the client's region "
            "are shown to the client automatically; add or hide directory services below."
        ),
        (
            Part(
                "therapist",
                _("My therapist"),
                (
                    NAME,
                    PHONE,
                    Field(
                        "after_hours", _("After-hours phone"), kind="phone", max_length=MAX_PHONE
                    ),
                    Field(
                        "after_hours_texts",
                        _("The client may text the after-hours number"),
                        kind="tick",
                        max_length=len(TICKED),
                        of="after_hours",
                        reach="sms",
                    ),
                    Field(
                        "after_hours_whatsapp",
                        _("The client may reach the after-hours number on WhatsApp"),
                        kind="tick",
                        max_length=len(TICKED),
                        of="after_hours",
                        reach="whatsapp",
                    ),
                    Field(
                        "after_hours_note",
                        _("When the after-hours number is answered"),
                        help=_(
                            "Hours, and whom to call outside them: a crisis line first, "
                            "the emergency number in danger."
                        ),
                    ),
                ),
                many=False,
            ),
            Part(
                "professionals",
                _("Other professionals"),
                (NAME, Field("role", _("Role"), max_length=MAX_NAME), PHONE),
                item_noun=_("professional"),
                item_plural=_("professionals"),
                needs_one_of=("name",),
                needs_message=_("Give the name of this professional or service."),
                advice="",
            ),
            Part(
                "emergency_department",
                _("Nearest emergency department"),
                (NAME, Field("address", _("Address")), PHONE),
                many=False,
            ),
        ),
    ),
    Section(
        6,
        "safer",
        _("Making my surroundings safer"),
        _(
            "The steps the client agrees to, each written as the action only (who keeps "
            "what, where the client goes), never how harm could be done."
        ),
        (
            Part(
                "safer",
                _("Steps"),
                (_text(_("Step")),),
                item_noun=_("step"),
                item_plural=_("steps"),
            ),
        ),
        guidance=(
            _(
                "Ask which means the client has thought of, and always about medication "
                "and firearms at home."
            ),
            _("Involve a trusted person, who keeps things for now."),
            _("Say that the steps can be temporary, until the crisis passes."),
        ),
    ),
    Section(
        7,
        "reasons",
        _("What matters most to me, worth living for"),
        _("People, hopes, plans and things that matter to the client."),
        (
            Part(
                "reasons",
                _("What matters"),
                (_text(_("What matters")),),
                item_noun=_("thing"),
                item_plural=_("things"),
            ),
        ),
    ),
    Section(
        8,
        "session_cut_off",
        _("If our online session is cut off"),
        _("One agreement in the client's voice: each field continues its label's sentence."),
        (
            Part(
                "session_cut_off",
                _("Agreement"),
                (
                    Field(
                        "who_calls",
                        _("If our session drops"),
                        kind="choice",
                        choices=WHO_CALLS,
                    ),
                    Field(
                        "number",
                        _("On this number"),
                        kind="phone",
                        max_length=MAX_PHONE,
                        help=_("The client's number if you call them; yours if they call you."),
                    ),
                    Field(
                        "minutes",
                        _("We try to reconnect for (minutes)"),
                        kind="minutes",
                        max_length=4,
                        help=format_lazy(_("A whole number from 1 to {}."), MAX_MINUTES),
                    ),
                    Field(
                        "then",
                        _("If we can't reconnect in that time,"),
                        kind="longtext",
                        help=_("For example: “I call my therapist's after-hours number.”"),
                    ),
                    Field(
                        "no_answer",
                        _("If I call my therapist and they don't answer,"),
                        kind="longtext",
                        help=_(
                            "For example: “I leave a message and try again in 10 minutes. If "
                            "I feel unsafe, I call the crisis line straight away.”"
                        ),
                    ),
                    Field(
                        "contact_if",
                        _("My therapist calls my emergency contact if"),
                        kind="longtext",
                        help=_(
                            "For example: “we can't reconnect within 15 minutes and I had said "
                            "I was not safe.”"
                        ),
                    ),
                    Field(
                        "services_if",
                        _("My therapist calls emergency services where I am if"),
                        kind="longtext",
                        help=_(
                            "For example: “I am in danger and neither I nor my emergency "
                            "contact can be reached.”"
                        ),
                    ),
                    # The first shape of this section: free text under these labels.
                    Field(
                        "emergency_contact_when",
                        _("Earlier wording: when the therapist contacts my emergency contact"),
                        kind="longtext",
                        legacy=True,
                    ),
                    Field(
                        "emergency_services_when",
                        _("Earlier wording: when the therapist contacts emergency services"),
                        kind="longtext",
                        legacy=True,
                    ),
                ),
                many=False,
            ),
        ),
    ),
    Section(
        9,
        "follow_through",
        _("Keeping my plan at hand"),
        _(
            "Agree where the client will keep the plan, whom they will show it to, and what "
            "might stop them using it, with what they will do about that."
        ),
        (
            Part(
                "follow_through",
                _("Using the plan"),
                (
                    Field("keep_where", _("Where I keep it"), max_length=MAX_NAME),
                    Field("share_with", _("Whom I share it with"), max_length=MAX_NAME),
                    Field("in_the_way", _("What might get in the way")),
                    Field("agreed", _("What I will do then")),
                ),
                many=False,
            ),
        ),
    ),
)

PARTS: dict[str, Part] = {part.key: part for section in SECTIONS for part in section.parts}
# Ticks alone do not make a row: a ticked box on an empty row is an empty row.
TICK_KEYS = frozenset(f.key for part in PARTS.values() for f in part.fields if f.kind == "tick")


def _clean_str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _blank_row(part: Part) -> dict[str, str]:
    return {f.key: "" for f in part.fields}


def _normalise_row(part: Part, row: Any) -> dict[str, str]:
    row = row if isinstance(row, Mapping) else {}
    return {f.key: _clean_str(row.get(f.key)) for f in part.fields}


def _is_blank(row: Mapping[str, str]) -> bool:
    return not any(value for key, value in row.items() if key not in TICK_KEYS)


def choice_label(field_: Field, value: str) -> str:
    return str(dict(field_.choices).get(value, value))


# --- the content of one version ---------------------------------------------------------


@dataclass(frozen=True)
class Phone:
    """A number in the plan and the ways the client's page offers to reach it: always a
    call; a text message (sms:) for the people of sections 3 and 4 and where the
    therapist allows texts; WhatsApp where the therapist ticked it."""

    number: str
    label: str = ""  # a record's field label ("After-hours phone")
    texts: bool = False
    whatsapp: bool = False
    # The client's country (ISO 3166-1): a number without its + is read as dialled there
    # to make the international number WhatsApp needs.
    country: str = ""
    # Texting is the therapist's choice here (not a given), so diffs and exports name it.
    texts_chosen: bool = False

    def __str__(self) -> str:
        ways = [gettext("texts")] if self.texts_chosen and self.texts else []
        ways += ["WhatsApp"] if self.whatsapp else []
        text = f"{self.label}: {self.number}" if self.label else self.number
        return f"{text} ({', '.join(ways)})" if ways else text

    @property
    def tel_href(self) -> str:
        return tel_href(self.number)

    @property
    def sms_href(self) -> str:
        return sms_href(self.number) if self.texts else ""

    @property
    def whatsapp_href(self) -> str:
        """https://wa.me/<E.164 digits>, or "" (not ticked, or no international form)."""
        return whatsapp_href(self.number, self.country) if self.whatsapp else ""


@dataclass(frozen=True)
class Item:
    """One line of a section as a person reads it, with its phone numbers."""

    text: str
    phones: tuple[Phone, ...] = ()
    label: str = ""  # a record's field label ("When the after-hours number is answered")
    # A sentence with its number inside: ``text``, the number, then ``tail`` (section 8).
    tail: str = ""

    def __str__(self) -> str:
        if self.tail:
            return " ".join([str(self.text), *(str(p) for p in self.phones)]) + self.tail
        parts = [str(self.text)] if self.text else []
        parts += [str(phone) for phone in self.phones]
        line = " — ".join(parts)
        return f"{self.label}: {line}" if self.label else line


@dataclass(frozen=True)
class DisplayPart:
    label: str
    items: list[Item]


@dataclass(frozen=True)
class DisplaySection:
    section: Section
    parts: list[DisplayPart]

    @property
    def title(self) -> str:
        return self.section.title


class PlanContent:
    """The (already validated) content of one version: a JSON-serialisable dict."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        data = data if isinstance(data, Mapping) else {}
        self.data: dict[str, Any] = {"schema": SCHEMA}
        for part in PARTS.values():
            value = data.get(part.key)
            if part.many:
                rows = value if isinstance(value, list) else []
                normal = (_normalise_row(part, row) for row in rows)
                self.data[part.key] = [row for row in normal if not _is_blank(row)]
            else:
                self.data[part.key] = _normalise_row(part, value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlanContent) and self.data == other.data

    def __hash__(self) -> int:  # pragma: no cover - content is not used as a key
        return id(self)

    def to_json(self) -> dict[str, Any]:
        return self.data

    def rows(self, part_key: str) -> list[dict[str, str]]:
        value = self.data[part_key]
        return value if PARTS[part_key].many else ([] if _is_blank(value) else [value])

    def is_empty(self) -> bool:
        return not any(self.rows(key) for key in PARTS)

    # -- reading --

    def items(self, part: Part, country: str = "") -> list[Item]:
        """The part's lines: one per list item, or one per filled field of a record.
        ``country`` is the client's (ISO 3166-1), for WhatsApp's international numbers."""
        if part.many:
            return [_list_item(part, row, country) for row in self.data[part.key]]
        record = self.data[part.key]
        if part.key == "session_cut_off":
            return _cut_off_items(part, record)
        items = []
        for f in part.fields:
            value = record[f.key]
            if not value or f.kind == "tick":
                continue
            if f.kind == "phone":
                # Ways the therapist ticked for this number (the after-hours phone).
                reach = {t.reach for t in part.fields if t.of == f.key and record[t.key] == TICKED}
                ticks = any(t.of == f.key and t.reach == "sms" for t in part.fields)
                phone = Phone(
                    value,
                    f.label,
                    texts="sms" in reach,
                    whatsapp="whatsapp" in reach,
                    country=country,
                    texts_chosen=ticks,
                )
                items.append(Item("", (phone,)))
            else:
                items.append(Item(value, label=f.label if f.key != "name" else ""))
        return items

    def display_sections(self, keep: Iterable[str] = (), country: str = "") -> list[DisplaySection]:
        """Sections with content, in order, for reading; empty ones are left out, except
        those named in ``keep`` (section 5 when the directory adds services to it).
        ``country``: the client's, for WhatsApp links (see items)."""
        shown = []
        for section in SECTIONS:
            parts = [DisplayPart(part.label, self.items(part, country)) for part in section.parts]
            parts = [p for p in parts if p.items]
            if parts or section.key in keep:
                shown.append(DisplaySection(section, parts))
        return shown

    # -- comparing --

    def diff(self, newer: PlanContent) -> list[SectionDiff]:
        """Per section, what ``newer`` added and removed compared with this content."""
        sections = []
        for section in SECTIONS:
            parts = []
            for part in section.parts:
                old = [str(item) for item in self.items(part)]
                new = [str(item) for item in newer.items(part)]
                parts.append(PartDiff.of(part, old, new))
            sections.append(SectionDiff(section, parts))
        return sections

    # -- completeness --

    def hints(
        self,
        *,
        has_emergency_contact: bool,
        has_consent: bool,
        has_street_address: bool,
        review_on: datetime.date | None = None,
        review_overdue: bool = False,
    ) -> list[str]:
        """What a careful therapist would want to add, the most important first;
        warnings, never blocks. The arguments are facts of the client record and the
        plan (Plan.hints gathers them)."""
        hints = []
        if not self.data["safer"]:
            hints.append(
                gettext(
                    "Section 6 is empty: agree at least one step that makes the client's "
                    "surroundings safer. Of all the sections, this one matters most."
                )
            )
        if not self.data["helpers"]:
            hints.append(gettext("Section 4 names no person the client can ask for help."))
        therapist = self.data["therapist"]
        ed = self.data["emergency_department"]
        has_professional = bool(
            therapist["phone"]
            or therapist["after_hours"]
            or any(row["phone"] for row in self.data["professionals"])
            or ed["phone"]
        )
        if not has_professional:
            hints.append(gettext("Section 5 has no phone number of a professional or service."))
        if therapist["after_hours"] and not therapist["after_hours_note"]:
            hints.append(
                gettext(
                    "Section 5 has an after-hours number but not when it is answered: "
                    "without that, it looks available day and night."
                )
            )
        if not self.data["reasons"]:
            hints.append(gettext("Section 7 is empty: ask what matters most to the client."))
        if not self.data["warning_signs"]:
            hints.append(gettext("Section 1 names no warning sign."))
        if not self.data["coping"]:
            hints.append(gettext("Section 2 names nothing the client can do on their own."))
        cut_off = self.data["session_cut_off"]
        if _is_blank(cut_off):
            hints.append(
                gettext("Section 8 does not say what happens if an online session is cut off.")
            )
        elif not cut_off["no_answer"]:
            hints.append(
                gettext(
                    "Section 8 does not say what the client does if they call you and you "
                    "don't answer."
                )
            )
        if any(cut_off[key] for key in _LEGACY_LABELS):
            hints.append(
                gettext(
                    "Section 8 has text in its earlier wording: move it into the sentences "
                    "of the agreement, then empty the old fields."
                )
            )
        if review_on is None:
            hints.append(gettext("No review date is set: agree when you will review the plan."))
        elif review_overdue:
            hints.append(
                gettext("The review date, %(date)s, has passed: review the plan together.")
                % {"date": formats.date_format(review_on, "j F Y")}
            )
        if not has_emergency_contact:
            hints.append(gettext("The client record has no emergency contact."))
        elif not has_consent:
            hints.append(
                gettext(
                    "The client record has no consent from the client for their emergency "
                    "contact to be called."
                )
            )
        if not has_street_address:
            hints.append(
                gettext(
                    "The client record has no street address: a city alone is not enough "
                    "for emergency services to find the client."
                )
            )
        return hints


def _list_item(part: Part, row: Mapping[str, str], country: str = "") -> Item:
    if part.key == "professionals":
        text = row["name"] + (f" ({row['role']})" if row["role"] else "")
    elif part.key == "distractions":
        text = " — ".join(v for v in (row["name"], row["place"]) if v)
    elif "name" in row:
        text = row["name"]
    else:
        text = row["text"]
    number = row.get("phone", "")
    if not number:
        return Item(text)
    # The people of sections 3 and 4 can be texted, and reached on WhatsApp if ticked.
    whatsapp = row.get("whatsapp") == TICKED
    phone = Phone(number, texts=part.people, whatsapp=whatsapp, country=country)
    return Item(text, (phone,))


def _sentence(text: str) -> str:
    """Typed text as the end of a sentence: with its full stop."""
    return text if text[-1:] in ".!?…؟" else f"{text}."


def _with_number(message: str, number: str) -> Item:
    """A translated sentence holding %(number)s, the number a call link in it."""
    before, _mark, after = message.partition("%(number)s")
    return Item(before.rstrip(), (Phone(number),), tail=after)


def _cut_off_items(part: Part, record: Mapping[str, str]) -> list[Item]:
    """Section 8 as the client reads it: one agreement, sentence by sentence, in the
    client's voice ("I" is always the client; the therapist is "my therapist")."""
    items = []
    who, number = record["who_calls"], record["number"]
    if who == "therapist_calls":
        if number:
            items.append(
                _with_number(
                    gettext(
                        "If our online session is cut off, my therapist calls me on %(number)s."
                    ),
                    number,
                )
            )
        else:
            items.append(Item(gettext("If our online session is cut off, my therapist calls me.")))
    elif who == "client_calls":
        if number:
            items.append(
                _with_number(
                    gettext("If our online session is cut off, I call my therapist on %(number)s."),
                    number,
                )
            )
        else:
            items.append(Item(gettext("If our online session is cut off, I call my therapist.")))
    elif number:
        items.append(
            _with_number(
                gettext("If our online session is cut off, we reconnect on %(number)s."), number
            )
        )
    minutes, then = record["minutes"], record["then"]
    if minutes.isdigit() and then:
        count = int(minutes)
        items.append(
            Item(
                ngettext(
                    "If we can't reconnect within %(count)s minute, %(then)s",
                    "If we can't reconnect within %(count)s minutes, %(then)s",
                    count,
                )
                % {"count": count, "then": _sentence(then)}
            )
        )
    elif minutes.isdigit():
        count = int(minutes)
        items.append(
            Item(
                ngettext(
                    "We try to reconnect for %(count)s minute.",
                    "We try to reconnect for %(count)s minutes.",
                    count,
                )
                % {"count": count}
            )
        )
    elif then:
        items.append(Item(gettext("If we can't reconnect, %(then)s") % {"then": _sentence(then)}))
    if record["no_answer"]:
        items.append(
            Item(
                gettext("If I call my therapist and they don't answer, %(then)s")
                % {"then": _sentence(record["no_answer"])}
            )
        )
    if record["contact_if"]:
        items.append(
            Item(
                gettext("My therapist calls my emergency contact if %(condition)s")
                % {"condition": _sentence(record["contact_if"])}
            )
        )
    if record["services_if"]:
        items.append(
            Item(
                gettext("My therapist calls emergency services where I am if %(condition)s")
                % {"condition": _sentence(record["services_if"])}
            )
        )
    for key, label in _LEGACY_LABELS.items():
        if record[key]:
            items.append(Item(record[key], label=str(label)))
    return items


# Section 8's first fields, as the client's page names them while they hold text.
_LEGACY_LABELS = {
    "emergency_contact_when": _("When my therapist contacts my emergency contact"),
    "emergency_services_when": _("When my therapist contacts emergency services"),
}


def _multiset_minus(a: list[str], b: list[str]) -> list[bool]:
    """For each element of ``a``, whether it is left over after matching it against ``b``."""
    pool = Counter(b)
    flags = []
    for value in a:
        if pool[value]:
            pool[value] -= 1
            flags.append(False)
        else:
            flags.append(True)
    return flags


@dataclass(frozen=True)
class PartDiff:
    part: Part
    before: list[tuple[str, bool]]  # (line, removed)
    after: list[tuple[str, bool]]  # (line, added)

    @classmethod
    def of(cls, part: Part, old: list[str], new: list[str]) -> PartDiff:
        return cls(
            part,
            list(zip(old, _multiset_minus(old, new), strict=True)),
            list(zip(new, _multiset_minus(new, old), strict=True)),
        )

    @property
    def removed(self) -> list[str]:
        return [line for line, gone in self.before if gone]

    @property
    def added(self) -> list[str]:
        return [line for line, new in self.after if new]

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.added)


@dataclass(frozen=True)
class SectionDiff:
    section: Section
    parts: list[PartDiff]

    @property
    def changed(self) -> bool:
        return any(p.changed for p in self.parts)

    @property
    def added(self) -> list[str]:
        return [line for p in self.parts for line in p.added]

    @property
    def removed(self) -> list[str]:
        return [line for p in self.parts for line in p.removed]


def changed_sections(diff: Iterable[SectionDiff]) -> list[SectionDiff]:
    return [s for s in diff if s.changed]


# --- the editor ------------------------------------------------------------------------

_ROW_NAME = re.compile(r"^(?P<part>[a-z_]+)-(?P<index>\d{1,4})-(?P<field>[a-z_]+)$")
_ACTION = re.compile(r"^(?P<part>[a-z_]+):(?:(?P<index>\d{1,4}):(?P<verb>up|down|remove)|add)$")


@dataclass
class FieldView:
    field: Field
    name: str
    id: str
    value: str
    error: str = ""

    @property
    def label(self) -> str:
        return self.field.label

    @property
    def help(self) -> str:
        """The field's help while it is empty or wrong: an example helps to write the
        text, not to read it again (and a filled editor stays short on a phone)."""
        return self.field.help if not self.value or self.error else ""


@dataclass
class RowView:
    index: str
    number: str
    fields: list[FieldView]
    error: str = ""
    first: bool = False
    last: bool = False


@dataclass
class PartView:
    part: Part
    rows: list[RowView] = field(default_factory=list)
    template: RowView | None = None  # a blank row for the JavaScript to clone
    record: list[FieldView] = field(default_factory=list)
    error: str = ""

    @property
    def advice(self) -> str:
        """What the editor says about a list: brief and in the client's words (the
        limits, MAX_ITEMS and each field's max_length, are only checked)."""
        return self.part.advice


@dataclass
class SectionView:
    section: Section
    parts: list[PartView]

    @property
    def summary(self) -> str:
        """What a collapsed section holds, in a few words: "3 signs", "filled in", "empty"."""
        words = []
        for pv in self.parts:
            if pv.part.many:
                count = sum(1 for row in pv.rows if any(f.value for f in row.fields))
                if count:
                    noun = pv.part.item_noun if count == 1 else pv.part.items_noun
                    words.append(f"{count} {noun}")
            elif any(f.value for f in pv.record):
                words.append(pv.part.label.lower() if len(self.parts) > 1 else gettext("filled in"))
        return ", ".join(words) or gettext("empty")

    @property
    def has_errors(self) -> bool:
        return any(
            p.error
            or any(r.error or any(f.error for f in r.fields) for r in p.rows)
            or any(f.error for f in p.record)
            for p in self.parts
        )


class EditorState:
    """What the editor holds: the rows as typed (blanks too) and their errors.

    ``content`` is the cleaned content (empty rows dropped, order kept); it is only to be
    saved when ``is_valid`` and no row action (move, remove, add rows) was requested.
    """

    def __init__(
        self,
        rows: dict[str, list[dict[str, str]]],
        records: dict[str, dict[str, str]],
        blanks: dict[str, int] | None = None,
        action: str = "",
        *,
        country: str = "",
    ) -> None:
        self.rows = rows  # filled rows per list part, in order
        self.records = records
        self.blanks = blanks or {}
        self.action = action
        # The client's country (ISO 3166-1): a number ticked for WhatsApp must have an
        # international form, read as dialled there unless it starts with +.
        self.country = country
        self.errors: dict[tuple[str, int | None, str], str] = {}
        self.part_errors: dict[str, str] = {}
        self._validate()

    # -- building --

    @classmethod
    def from_content(cls, content: PlanContent, *, country: str = "") -> EditorState:
        rows = {k: [dict(r) for r in content.data[k]] for k, p in PARTS.items() if p.many}
        records = {k: dict(content.data[k]) for k, p in PARTS.items() if not p.many}
        return cls(rows, records, country=country)

    @classmethod
    def from_post(cls, post: Mapping[str, Any], *, country: str = "") -> EditorState:
        raw: dict[str, dict[int, dict[str, str]]] = {k: {} for k, p in PARTS.items() if p.many}
        records = {k: _blank_row(p) for k, p in PARTS.items() if not p.many}
        for name in post:
            match = _ROW_NAME.match(name)
            if match:
                part = PARTS.get(match["part"])
                index = int(match["index"])
                if (
                    part is None
                    or not part.many
                    or match["field"] not in raw[part.key].get(index, _blank_row(part))
                ):
                    continue
                if index not in raw[part.key] and len(raw[part.key]) >= MAX_ROWS:
                    continue
                raw[part.key].setdefault(index, _blank_row(part))[match["field"]] = _clean_str(
                    post.get(name)
                )
                continue
            part_key, _, field_key = name.partition("-")
            part = PARTS.get(part_key)
            if part is not None and not part.many and field_key in records[part_key]:
                records[part_key][field_key] = _clean_str(post.get(name))

        action = _clean_str(post.get("row_action"))
        # Rows in the order the browser sent them (document order), not by index: the
        # JavaScript reorders rows without renaming them, and adds rows with new indices.
        ordered = {k: list(raw[k].values()) for k in raw}
        indices = {k: list(raw[k]) for k in raw}
        match = _ACTION.match(action)
        if match and match["part"] in ordered:
            key = match["part"]
            if match["verb"] and int(match["index"]) in indices[key]:
                at = indices[key].index(int(match["index"]))
                rows = ordered[key]
                if match["verb"] == "remove":
                    del rows[at]
                elif match["verb"] == "up" and at > 0:
                    rows[at - 1], rows[at] = rows[at], rows[at - 1]
                elif match["verb"] == "down" and at < len(rows) - 1:
                    rows[at + 1], rows[at] = rows[at], rows[at + 1]
        elif action:
            action = ""  # an unknown action is ignored; the form is saved as usual
        blanks = {}
        for key, rows in ordered.items():
            blanks[key] = sum(1 for row in rows if _is_blank(row))
            if match and match["part"] == key and not match["verb"]:
                blanks[key] += ADD_ROWS
        filled = {k: [r for r in rows if not _is_blank(r)] for k, rows in ordered.items()}
        return cls(filled, records, blanks, action, country=country)

    # -- validating --

    def _validate(self) -> None:
        for key, rows in self.rows.items():
            part = PARTS[key]
            if len(rows) > MAX_ITEMS:
                extra = len(rows) - MAX_ITEMS
                self.part_errors[key] = gettext(
                    "At most %(max)s %(items)s: there are %(count)s; remove %(extra)s."
                ) % {"max": MAX_ITEMS, "items": part.items_noun, "count": len(rows), "extra": extra}
            for index, row in enumerate(rows):
                self._validate_row(part, index, row)
                if part.needs_one_of and not any(row[k] for k in part.needs_one_of):
                    self.errors[(key, index, "")] = part.needs_message
        for key, record in self.records.items():
            self._validate_row(PARTS[key], None, record)

    def _validate_row(self, part: Part, index: int | None, row: Mapping[str, str]) -> None:
        for f in part.fields:
            value = row[f.key]
            if not value:
                continue
            message = _field_error(f, value) or self._tick_error(part, f, row)
            if message:
                self.errors[(part.key, index, f.key)] = message

    def _tick_error(self, part: Part, f: Field, row: Mapping[str, str]) -> str:
        """A ticked way of reaching a number needs the number, and WhatsApp needs its
        international form (read as dialled in the client's country)."""
        if not f.of:
            return ""
        number = row[f.of]
        if not number:
            return gettext("%(tick)s: add the number in “%(field)s” too, or untick it.") % {
                "tick": f.label,
                "field": part.field(f.of).label,
            }
        if _field_error(part.field(f.of), number):
            return ""  # the number's own error says what is wrong
        if f.reach == "whatsapp" and not international_number(number, self.country):
            if self.country:
                message = gettext(
                    "WhatsApp needs the number with its country code: “%(number)s” is not a "
                    "number of %(country)s. Write it as +… or untick WhatsApp."
                )
            else:
                message = gettext(
                    "WhatsApp needs the number with its country code: write “%(number)s” "
                    "as +… or untick WhatsApp."
                )
            return message % {"number": number, "country": country_name(self.country)}
        return ""

    @property
    def is_valid(self) -> bool:
        return not self.errors and not self.part_errors

    @property
    def wants_save(self) -> bool:
        return not self.action

    @property
    def error_count(self) -> int:
        return len(self.errors) + len(self.part_errors)

    @property
    def content(self) -> PlanContent:
        return PlanContent({**self.rows, **self.records})

    # -- rendering --

    def sections(self) -> list[SectionView]:
        return [SectionView(s, [self._part_view(p) for p in s.parts]) for s in SECTIONS]

    def _part_view(self, part: Part) -> PartView:
        if not part.many:
            record = self.records[part.key]
            return PartView(
                part,
                record=[
                    FieldView(
                        f,
                        f"{part.key}-{f.key}",
                        f"id_{part.key}-{f.key}",
                        record[f.key],
                        self.errors.get((part.key, None, f.key), ""),
                    )
                    for f in part.fields
                ],
            )
        rows = self.rows[part.key]
        wanted = self.blanks.get(part.key, 0)
        blanks = max(wanted, BLANK_ROWS, MIN_ROWS - len(rows))
        blanks = min(blanks, max(0, MAX_ROWS - len(rows)))
        all_rows = [*rows, *(_blank_row(part) for _ in range(blanks))]
        views = [self._row_view(part, str(i), row, i) for i, row in enumerate(all_rows)]
        if views:
            views[0].first = True
            views[-1].last = True
        template = self._row_view(part, "__prefix__", _blank_row(part), None)
        return PartView(part, views, template, error=self.part_errors.get(part.key, ""))

    def _row_view(
        self, part: Part, index: str, row: Mapping[str, str], position: int | None
    ) -> RowView:
        fields = [
            FieldView(
                f,
                f"{part.key}-{index}-{f.key}",
                f"id_{part.key}-{index}-{f.key}",
                row[f.key],
                self.errors.get((part.key, position, f.key), "") if position is not None else "",
            )
            for f in part.fields
        ]
        number = str(position + 1) if position is not None else ""
        error = self.errors.get((part.key, position, ""), "") if position is not None else ""
        return RowView(index, number, fields, error)


def typed_text(post: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """What an editor POST holds, section by section in the editor's own titles and
    labels, rows in the order sent, blanks left out: for the page that answers a save
    that failed (crisisplan.core.http.typed_text_on_failure). Pure: no database."""
    editor = EditorState.from_post(post)
    groups = []
    for section in SECTIONS:
        lines = []
        for part in section.parts:
            if part.many:
                for row in editor.rows[part.key]:
                    filled = [(f, row[f.key]) for f in part.fields if row[f.key]]
                    if len(part.fields) == 1:
                        lines += [value for _f, value in filled]
                    else:
                        lines.append(" · ".join(_typed(f, value) for f, value in filled))
            else:
                record = editor.records[part.key]
                prefix = f"{part.label}, " if len(section.parts) > 1 else ""
                lines += [prefix + _typed(f, record[f.key]) for f in part.fields if record[f.key]]
        if lines:
            groups.append((f"{section.number}. {section.title}", lines))
    note = _clean_str(post.get("change_note"))
    if note:
        groups.append((gettext("Change note"), [note]))
    return groups


def _typed(f: Field, value: str) -> str:
    if f.kind == "tick":
        return str(f.label)
    return f"{f.label}: {choice_label(f, value) if f.kind == 'choice' else value}"


def _field_error(f: Field, value: str) -> str:
    unsafe = unsafe_text_error(value)
    if unsafe:
        return f"{f.label}: {unsafe}"
    if len(value) > f.max_length:
        return gettext(
            "%(label)s: at most %(max)s characters; this has %(count)s (shorten it by %(extra)s)."
        ) % {
            "label": f.label,
            "max": f.max_length,
            "count": len(value),
            "extra": len(value) - f.max_length,
        }
    if f.kind == "phone":
        try:
            validate_phone(value)
        except ValidationError as exc:
            return gettext("%(label)s: %(problem)s") % {
                "label": f.label,
                "problem": " ".join(exc.messages),
            }
    elif f.kind == "minutes":
        if not value.isdigit() or not 1 <= int(value) <= MAX_MINUTES:
            return gettext("%(label)s: give a whole number of minutes from 1 to %(max)s.") % {
                "label": f.label,
                "max": MAX_MINUTES,
            }
    elif f.kind == "choice" and value not in dict(f.choices):
        return gettext("%(label)s: choose one of the options.") % {"label": f.label}
    elif f.kind == "tick" and value != TICKED:
        return gettext("%(label)s: tick the box or leave it empty.") % {"label": f.label}
    return ""
