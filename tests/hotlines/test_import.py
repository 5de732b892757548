"""import_hotlines / export_hotlines and the CSV format behind them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from hotlines.csvio import HEADER, ImportFailed, export_text, import_csv, parse_csv
from hotlines.models import ContactMethod, Service

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


def test_the_starter_data_imports_whole() -> None:
    result = import_csv(SEED.read_bytes())

    assert result.created == 147
    assert Service.objects.count() == 147
    assert Service.objects.values("country").distinct().count() == 40
    assert not Service.objects.filter(needs_review=False).exists()
    assert not Service.objects.filter(last_verified_at__isnull=False).exists()
    # Confidence comes from the start of each note, kept whole.
    expected = {"high": 0, "medium": 0, "low": 0}
    for row in seed_rows()[1:]:
        expected[row[11].split(":")[1].strip().split()[0].strip(".,(")] += 1
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

    assert (again.created, again.updated, again.unchanged) == (0, 0, 147)
    assert Service.objects.count() == 147
    samaritans.refresh_from_db()
    assert samaritans.is_verified  # an identical row leaves the verification alone

    changed = SEED.read_text(encoding="utf-8").replace(
        "GB,,Samaritans,crisis_line,116 123,", "GB,,Samaritans,crisis_line,116 124,"
    )
    result = import_csv(changed)

    assert (result.created, result.updated) == (0, 1)
    assert Service.objects.count() == 147
    samaritans.refresh_from_db()
    assert samaritans.contact_methods.get(kind="phone").value == "116 124"
    assert samaritans.needs_review
    assert not samaritans.is_verified


def test_export_round_trips_the_starter_data_byte_for_byte() -> None:
    import_csv(SEED.read_bytes())

    exported = export_text()

    rows = list(csv.reader(io.StringIO(exported, newline="")))
    seed = seed_rows()
    assert rows[0] == seed[0]
    assert sorted(rows[1:]) == sorted(seed[1:])
    # Put the exported rows back in the seed's order: the bytes are the file's.
    by_key = {tuple(row[:4]): row for row in rows[1:]}
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(rows[0])
    writer.writerows(by_key[tuple(row[:4])] for row in seed[1:])
    assert out.getvalue().encode("utf-8") == SEED.read_bytes()


def test_commands_import_and_export(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    call_command("import_hotlines", str(SEED))
    assert "147 new" in capsys.readouterr().out

    call_command("export_hotlines")
    out = capsys.readouterr().out
    assert out.startswith(HEADER_LINE + "\r\n")
    assert len(list(csv.reader(io.StringIO(out, newline="")))) == 148

    exported = tmp_path / "export.csv"
    exported.write_text(out, encoding="utf-8", newline="")
    call_command("import_hotlines", str(exported))
    assert "147 unchanged" in capsys.readouterr().out


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

    exported = list(csv.reader(io.StringIO(export_text(), newline="")))
    hours = {row[2]: row[7] for row in exported[1:]}
    assert hours == {
        "Telefonseelsorge": "Mon-Fri 09:00-17:00; Sat 10:00-14:00",
        "Nachtlinie": "Fri-Sun 22:00-02:00",
        "Maybe": "limited hours (see site)",
    }
    assert import_csv(export_text()).unchanged == 3


def test_a_byte_order_mark_is_accepted() -> None:
    assert import_csv(b"\xef\xbb\xbf" + csv_text(GOOD).encode("utf-8")).created == 1


def test_seed_demo_loads_the_starter_data_idempotently() -> None:
    from crisisplan.management.commands.seed_demo import Command

    command = Command(stdout=io.StringIO())
    command.load_directory()
    command.load_directory()

    assert Service.objects.count() == 147
    assert "147 unchanged" in command.stdout._out.getvalue()
