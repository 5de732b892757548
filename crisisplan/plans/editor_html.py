"""The plan editor's rows and fields as HTML, built here rather than by templates.

A plan has some 30 rows of 1 to 4 fields, each with its label, its control, its errors
and three buttons: as nested ``{% include %}``s (a context pushed per row and per field)
they took most of the editor's time and, with the templates' indentation, most of its
bytes. The markup says each thing once, without whitespace:

- a list part's rows (``rows``): each ``<li>`` with its fields, then the move-up,
  move-down and remove buttons. Their icon comes from CSS, their name (which row: "Move
  sign 2 up") from ``aria-label``; the controls' names say the row too ("Warning sign
  2", "Name, person 2"). static/js/plan_editor.js keeps these numbers true as rows move
  (it reads the patterns off the first row, always number 1). A blank row after the
  first has no buttons: without JavaScript they would do nothing, since the server
  drops blank rows; the script gives it a copy of the first row's;
- a single record's fields (``record``): label, help, control, error.

A field without help is its ``<label>`` with the control inside (no ``for``/``id``
pair); its error follows the label, in a wrapper that marks it.

Every control has a label that says which row, errors are linked with
``aria-describedby`` and marked ``aria-invalid``; every value is escaped.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

from django import template
from django.utils import formats
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from crisisplan.plans.models import DirectoryChoice
from crisisplan.plans.sections import (
    MAX_MINUTES,
    PARTS,
    SECTIONS,
    FieldView,
    Part,
    PartView,
    RowView,
    SectionView,
)
from hotlines.models import Service

# {% load plan_editor %} (TEMPLATES' "libraries" in crisisplan/settings.py).
register = template.Library()


def _described(ids: list[str], invalid: bool) -> str:
    """The aria attributes of a control: its help and errors, and whether it is wrong."""
    attrs = ' aria-invalid="true"' if invalid else ""
    if ids:
        attrs += f' aria-describedby="{" ".join(ids)}"'
    return attrs


def _control(f: FieldView, extra: list[str], invalid: bool, named: str) -> str:
    """The input, textarea or select of one field (not a tick); ``named`` is what names
    it: an ``id`` for its ``<label for>``, an ``aria-label``, or nothing when it sits
    inside its label."""
    field = f.field
    attrs = f'name="{f.name}"{named}' + _described(extra, invalid)
    if field.kind == "choice":
        none = escape(gettext("Not agreed yet"))
        options = [f'<option value="">{none}</option>']
        for value, text in field.choices:
            chosen = " selected" if value == f.value else ""
            options.append(f'<option value="{escape(value)}"{chosen}>{escape(text)}</option>')
        return f"<select {attrs}>{''.join(options)}</select>"
    if field.multiline:
        return f'<textarea {attrs} maxlength="{field.max_length}">{escape(f.value)}</textarea>'
    kind = field.input_type
    html = "<input " if kind == "text" else f'<input type="{kind}" '
    html += attrs
    if f.value:
        html += f' value="{escape(f.value)}"'
    if field.kind == "minutes":
        html += f' min="1" max="{MAX_MINUTES}" inputmode="numeric"'
    else:
        html += f' maxlength="{field.max_length}"'
    if field.kind == "phone":
        # type="tel" already brings the phone keypad: no inputmode.
        html += ' autocomplete="off"'
    return html + ">"


def _error(f: FieldView) -> str:
    return f'<p class="field-error" id="{f.id}_error">{escape(f.error)}</p>' if f.error else ""


def _tick(f: FieldView) -> str:
    """A checkbox of a record with help: the box, its label, its help."""
    help_text = f.field.help
    ids = [f"{f.id}_error"] if f.error else [f"{f.id}_help"] if help_text else []
    help_html = f'<p class="help" id="{f.id}_help">{escape(help_text)}</p>' if help_text else ""
    return (
        f'<div class="field field-checkbox field-tick{" has-error" if f.error else ""}">'
        f'<input type="checkbox" name="{f.name}" id="{f.id}" value="yes"'
        f"{' checked' if f.value else ''}{_described(ids, bool(f.error))}>"
        f'<label for="{f.id}">{escape(f.label)}</label>{help_html}{_error(f)}</div>'
    )


@register.simple_tag(name="editor_record")
def record(pv: PartView) -> SafeString:
    """The fields of a single-record part (the therapist, section 8...); a field kept
    from an older shape of the section only while it holds text. A field with help has
    its ``<label for>`` and its help between label and control; the others are their
    label, the control inside."""
    labels = _words(pv.part.key, get_language()).labels
    html = []
    for f in pv.record:
        field = f.field
        if field.legacy and not f.value:
            continue
        errors = [f"{f.id}_error"] if f.error else []
        if field.kind == "tick":
            html.append(_tick(f) if field.help else _in_label(f, labels[field.key], "", errors))
            continue
        classes = "field" + (" field-short" if field.short else "")
        help_text = f.help
        if not help_text:
            html.append(_in_label(f, labels[field.key], "", errors, classes))
            continue
        ids = [f"{f.id}_help", *errors]
        classes += " has-error" if f.error else ""
        help_html = f'<p class="help" id="{f.id}_help">{escape(help_text)}</p>'
        control = _control(f, ids, bool(f.error), f' id="{f.id}"')
        html.append(
            f'<div class="{classes}"><label for="{f.id}">{escape(f.label)}</label>{help_html}'
            f"{control}{_error(f)}</div>"
        )
    return mark_safe("".join(html))  # noqa: S308 (every value escaped above)


def _names(part: Part) -> tuple[str, str, str, str]:
    """What names a row of ``part``, with ``%s`` for its number: its three buttons, and
    its controls (the whole name of a one-field row's control, "Warning sign 2"; else
    what follows each field's label, ", person 2")."""
    noun = {"noun": part.item_noun, "number": "%s"}
    many = len(part.fields) > 1
    return (
        gettext("Move %(noun)s %(number)s up") % noun,
        gettext("Move %(noun)s %(number)s down") % noun,
        gettext("Remove %(noun)s %(number)s") % noun,
        f", {part.item_noun} %s" if many else f"{part.fields[0].label} %s",
    )


@dataclass(frozen=True)
class _Words:
    """What a part says, translated and escaped: its label, its row names (``_names``), its
    fields' labels by key, its advice and its "Add more rows" button."""

    label: str
    names: tuple[str, ...]
    labels: dict[str, str]
    advice: str
    add_rows: str


@functools.cache
def _words(part_key: str, language: str | None) -> _Words:
    """A part's words in ``language`` (the active one), built once per process: the
    labels and names are the same on every row and every page, and translating them
    for each row cost more than the rest of the row."""
    part = PARTS[part_key]
    # (No gettext inside an f-string: makemessages would not find the string.)
    add_rows = gettext("Add more rows")
    to_part = gettext("to %(part)s") % {"part": conditional_escape(str(part.label).lower())}
    return _Words(
        label=conditional_escape(part.label),
        names=tuple(escape(name) for name in _names(part)),
        labels={f.key: escape(f.label) for f in part.fields},
        advice=conditional_escape(part.advice),
        add_rows=f'{add_rows}<span class="visually-hidden"> {to_part}</span>',
    )


def _blank(row: RowView) -> bool:
    """Nothing typed, nothing ticked, no error: a row the server drops on save."""
    return not row.error and not any(f.value or f.error for f in row.fields)


def _in_label(f: FieldView, label: str, which: str, ids: list[str], classes: str = "field") -> str:
    """A field without help: its control inside its ``<label>`` (no ``for`` and ``id``
    pair), the label (``label``, escaped) saying which row if in one (``which``); its
    error, if any, after the label."""
    if f.field.kind == "tick":
        control = (
            f'<input type="checkbox" name="{f.name}" value="yes"'
            f"{' checked' if f.value else ''}{_described(ids, bool(ids))}>"
        )
        html = f'<label class="field-tick">{control}{label}{which}</label>'
    else:
        control = _control(f, ids, bool(ids), "")
        html = f'<label class="{classes}">{label}{which}{control}</label>'
    return f'<div class="has-error">{html}{_error(f)}</div>' if f.error else html


def _row(part: Part, row: RowView, words: _Words, buttons: bool) -> str:
    names = words.names
    row_error = f"{part.key}-{row.index}-error" if row.error else ""
    which = names[3].replace("%s", row.number)
    # Its buttons; their icons and tooltips come from CSS (.plan-row-buttons). A blank
    # row has none: without JavaScript they would do nothing (the server drops blank
    # rows), and the script gives it a copy of the first row's.
    buttons_html = (
        '<div class="plan-row-buttons">'
        + "".join(
            f'<button name="row_action" value="{part.key}:{row.index}:{verb}"'
            f' aria-label="{name.replace("%s", row.number)}"></button>'
            for verb, name in zip(("up", "down", "remove"), names[:3], strict=True)
        )
        + "</div>"
        if buttons
        else ""
    )
    error = (
        f'<p class="field-error plan-row-error" id="{row_error}">{escape(row.error)}</p>'
        if row.error
        else ""
    )
    if len(part.fields) == 1:
        # One field (a warning sign...): the control, named by aria-label, beside its
        # number (a CSS counter); no label or wrapper of its own.
        (f,) = row.fields
        ids = ([f"{f.id}_error"] if f.error else []) + ([row_error] if row_error else [])
        opening = '<li class="has-error">' if f.error or row.error else "<li>"
        control = _control(f, ids, bool(ids), f' aria-label="{which}"')
        return f"{opening}{error}{control}{_error(f)}{buttons_html}</li>"
    hidden = f"<span>{which}</span>"  # visually hidden by CSS (.plan-row-fields label > span)
    fields = "".join(
        _in_label(
            f,
            words.labels[f.field.key],
            hidden,
            ([f"{f.id}_error"] if f.error else []) + ([row_error] if row_error else []),
        )
        for f in row.fields
    )
    opening = '<li class="has-error">' if row.error else "<li>"
    return f'{opening}{error}<div class="plan-row-fields">{fields}</div>{buttons_html}</li>'


@register.simple_tag(name="editor_rows")
def rows(pv: PartView) -> SafeString:
    """The rows of a list part, each with its fields and its three buttons."""
    words = _words(pv.part.key, get_language())
    html = "".join(
        _row(pv.part, row, words, buttons=position == 0 or not _blank(row))
        for position, row in enumerate(pv.rows)
    )
    return mark_safe(html)  # noqa: S308 (every value escaped in _row)


def _part(pv: PartView, advice_shown: bool) -> str:
    """A part's body: a list's advice, error, rows and "Add more rows" button, or a
    record's fields. ``advice_shown``: the section's help already says the advice."""
    part = pv.part
    if not part.many:
        return f'\n<div class="plan-record">{record(pv)}</div>\n\n'
    words = _words(part.key, get_language())
    html = ""
    if not advice_shown and words.advice:
        html += f'\n<p class="help">{words.advice}</p>'
    if pv.error:
        html += f'\n<p class="field-error" id="{part.key}-error">{conditional_escape(pv.error)}</p>'
    many = " plan-rows-many" if len(part.fields) > 1 else ""
    return (
        f'{html}\n<ol class="plan-rows{many}" data-part="{part.key}">{rows(pv)}</ol>\n'
        f'<button name="row_action" value="{part.key}:add" class="small js-add-row">'
        f"{words.add_rows}</button>\n\n"
    )


@dataclass(frozen=True)
class _SectionWords:
    """What a section says whatever the plan holds, translated and escaped."""

    title: str
    help: str
    guidance: str  # for the therapist (Section.guidance), never shown to the client
    nouns: str  # a one-list section's summary attributes, for the script


@functools.cache
def _section_words(key: str, language: str | None) -> _SectionWords:
    """A section's words in ``language`` (the active one), built once per process."""
    s = next(s for s in SECTIONS if s.key == key)
    guidance = "\n"
    if s.guidance:
        lines = "".join(f" {conditional_escape(line)}" for line in s.guidance)
        for_you = gettext("For you, not shown to the client:")
        guidance = f'\n<p class="help plan-guidance"><strong>{for_you}</strong>{lines}</p>\n'
    nouns = ""
    if len(s.parts) == 1 and s.parts[0].many:
        part = s.parts[0]
        empty = gettext("empty")
        nouns = (
            f' data-noun="{conditional_escape(part.item_noun)}"'
            f' data-nouns="{conditional_escape(part.items_noun)}" data-empty="{empty}"'
        )
    return _SectionWords(
        title=f"{s.number}. {conditional_escape(s.title)}",
        help=conditional_escape(s.help),
        guidance=guidance,
        nouns=nouns,
    )


@register.simple_tag(name="editor_section")
def section(sv: SectionView) -> SafeString:
    """A section of the editor up to the end of its parts: its ``<summary>`` (title and
    what it holds), its help and guidance, then each part (in a fieldset of its own when
    the section has several). templates/plans/editor.html adds what only one section
    has (the directory, the client record) and closes it."""
    key = sv.section.key
    language = get_language()
    words = _section_words(key, language)
    parts = sv.parts
    single = parts[0] if len(parts) == 1 else None
    to_fix = ""
    if sv.has_errors:
        to_fix = gettext("to fix")
        to_fix = f' · <strong class="field-error">{to_fix}</strong>'
    html = (
        f'<details class="editor-section" id="section-{key}" open><summary>'
        f'<h2 id="section-{key}-title">{words.title}</h2>'
        f' <span class="editor-section-summary"{words.nouns}>'
        f"{conditional_escape(sv.summary)}{to_fix}</span></summary>\n"
        f'  <div class="editor-section-body" role="group" aria-labelledby="section-{key}-title">'
    )
    if single is None:
        html += f'\n  <p class="help">{words.help}</p>{words.guidance}' + "".join(
            f'\n  <fieldset class="plan-part"><legend><h3>{_words(pv.part.key, language).label}'
            f"</h3></legend>{_part(pv, advice_shown=False)}</fieldset>"
            for pv in parts
        )
    else:
        advice = _words(single.part.key, language).advice if single.part.many else ""
        html += (
            f'\n  <p class="help">{words.help}{" " if advice else ""}{advice}</p>{words.guidance}'
        )
        html += _part(single, advice_shown=True)
    return mark_safe(html)  # noqa: S308 (every value escaped above)


# --- section 5's directory services -----------------------------------------------------


def _numbers(service: Service, before: str, after: str) -> str:
    """A service's phone and SMS numbers (contact methods prefetched: no query), each
    left to right, between ``before`` and ``after``."""
    return "".join(
        f'{before}<bdi dir="ltr">{conditional_escape(m.display_value)}</bdi>{after}'
        for m in service.contact_methods.all()
        if m.is_number
    )


@register.simple_tag(name="directory_choice")
def directory_choice(entry: DirectoryChoice) -> SafeString:
    """One directory service the editor offers to show or pin (not an emergency number:
    those are listed apart), and one of the search's results: its box, ticked if
    shown, and its name, kind, place and numbers; "pinned when ticked" when it is not
    the region's own."""
    service = entry.service
    pk = service.pk
    pinned = "" if entry.default else " — " + gettext("pinned when ticked")
    return mark_safe(  # noqa: S308 (every value escaped)
        f'\n<li><input type="hidden" name="directory_offered" value="{pk}">'
        f'<input type="checkbox" name="directory_shown" value="{pk}" id="id_directory_{pk}"'
        f"{' checked' if entry.shown else ''}>\n"
        f'<label for="id_directory_{pk}">{conditional_escape(service.name)} '
        f'<span class="directory-choice-meta">{conditional_escape(service.get_kind_display())}, '
        f"{conditional_escape(service.place_name)}{_numbers(service, ', ', '')}{pinned}"
        "</span></label></li>\n"
    )


@register.simple_tag(name="editor_directory")
def directory(choices: list[DirectoryChoice], more: int) -> SafeString:
    """Section 5's directory services for the client's region, to hide or pin
    (Plan.directory_listed): emergency numbers, which cannot be hidden, listed compactly
    without a box; the others each with its box; then how many more the client sees,
    to be found by the search."""
    if not choices:
        empty = gettext("The directory has no services for this country yet.")
        return mark_safe(f"\n<p>{empty}</p>")  # noqa: S308 (a translation of ours)
    html = ""
    muted = ' <span class="muted">'
    always = gettext("Always shown (emergency numbers):")
    for locked, group in itertools.groupby(choices, key=lambda c: c.locked):
        if locked:
            services = "".join(
                f"<li>{conditional_escape(c.service.name)}"
                f"{_numbers(c.service, muted, '</span>')}</li>"
                for c in group
            )
            html += (
                f'\n<p class="directory-locked-title">'
                f"{always}</p>\n"
                f'<ul class="directory-locked">{services}</ul>'
            )
        else:
            html += (
                '\n<ul class="directory-choices">'
                + "".join(directory_choice(c) for c in group)
                + "</ul>"
            )
    if more:
        counted = ngettext(
            "%(counter)s more service of the region is shown to the client: find it below "
            "to hide it.",
            "%(counter)s more services of the region are shown to the client: find one "
            "below to hide it.",
            more,
        ) % {"counter": more}
        html += f'\n<p class="help">{counted}</p>'
    return mark_safe(html)  # noqa: S308 (every value escaped)


@functools.cache
def _record_words(language: str | None) -> dict[str, str]:
    """The client record card's words in ``language``, built once per process. As the
    templates' {% translate %} did, a translation goes in as it is."""
    return {
        "from": gettext("From the client record"),
        "change": gettext("change"),
        "record": gettext("the client record"),
        "usually": gettext("Usually is in"),
        "street": gettext("Street address"),
        "contact": gettext("Emergency contact"),
        "consent": gettext("Consent to call them"),
        "given_on": gettext("Given on %(date)s"),
        "given": gettext("Given"),
        "recorded": gettext("Recorded"),
        "not": gettext("Not recorded"),
    }


@register.simple_tag(name="editor_record_card")
def record_card(info: dict) -> SafeString:
    """Beside section 8: what the client record holds for it (display.record_info):
    where the client usually is, whether a street address is recorded, the emergency
    contact and the consent to call them, with the link to change the record."""
    words = _record_words(get_language())
    missing = words["not"]
    location = conditional_escape(info["location"]) if info["location"] else missing
    street = words["recorded"] if info["has_street_address"] else f"<strong>{missing}</strong>"
    contact = info["emergency_contact"]
    html = (
        '<div class="card plan-record-info">\n'
        f'<p><strong>{words["from"]}</strong> (<a href="{conditional_escape(info["edit_url"])}">'
        f'{words["change"]}<span class="visually-hidden"> {words["record"]}</span></a>)</p>\n'
        '<dl class="details">\n'
        f"<dt>{words['usually']}</dt><dd>{location}</dd>\n"
        f"<dt>{words['street']}</dt><dd>{street}</dd>\n"
        f"<dt>{words['contact']}</dt><dd>{conditional_escape(contact) if contact else missing}</dd>"
    )
    if contact:
        if not info["consent"]:
            consent = f"<strong>{missing}</strong>"
        elif info["consent_date"]:
            date = formats.date_format(info["consent_date"], "j F Y")
            consent = words["given_on"] % {"date": conditional_escape(date)}
        else:
            consent = words["given"]
        html += f"\n<dt>{words['consent']}</dt><dd>{consent}</dd>"
    return mark_safe(html + "\n</dl>\n</div>")  # noqa: S308 (every value escaped)
