"""A guard for safe wording: every template, the tag libraries that write pages' words,
the plan's section definitions and the demo data are free of the phrases that
safe-messaging guidance on suicide (WHO, Samaritans, the US national recommendations)
asks writers to avoid: "commit suicide" (a crime's verb), "successful", "failed" or
"completed" attempts (death as success), and words that dismiss a person in crisis."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)

# Each phrase as a pattern (case and spacing ignored), with what to say instead.
AVOIDED = {
    r"\bcommit(?:s|ted|ting)?\s+suicide\b": "died by suicide / took their own life",
    r"\b(?:un)?successful\s+(?:suicide\s+)?(?:attempt|suicide)s?\b": "suicide attempt / died",
    r"\bfailed\s+(?:suicide\s+)?attempts?\b": "suicide attempt / survived an attempt",
    r"\bfailed\s+suicides?\b": "suicide attempt",
    r"\bcompleted\s+suicides?\b": "died by suicide",
    r"\bsuicide\s+(?:epidemic|victim|prone)": "rising rates / person who died by suicide",
    r"\bepidemic\s+of\s+suicides?\b": "rising rates",
    r"\bsuicidal\s+gestures?\b": "suicide attempt / self-harm",
    r"\battention[-\s]seeking\b": "describe what the person did",
    r"\bmanipulative\b": "describe what the person did",
    r"\bcry\s+for\s+help\b": "describe what the person did",
    r"\bsuicide\s+methods?\b": "leave methods out",
}
PATTERN = re.compile("|".join(f"(?:{p})" for p in AVOIDED), re.IGNORECASE)


def scanned_files() -> list[Path]:
    templates = sorted((BASE / "templates").rglob("*"))
    return [
        *(path for path in templates if path.is_file() and path.suffix in {".html", ".txt"}),
        BASE / "crisisplan" / "plans" / "sections.py",
        BASE / "crisisplan" / "management" / "commands" / "seed_demo.py",
        # The tag libraries that write pages' words in Python (README, "Architecture").
        *sorted((BASE / "crisisplan").rglob("*_html.py")),
    ]


def findings(text: str) -> list[str]:
    return [match.group(0) for match in PATTERN.finditer(text)]


def test_the_guard_scans_the_templates_the_sections_and_the_demo_data() -> None:
    files = scanned_files()
    assert len(files) > 90
    assert BASE / "crisisplan" / "plans" / "body_html.py" in files
    assert all(path.exists() for path in files)


@pytest.mark.parametrize(
    "text",
    [
        "He committed suicide last year",
        "a Successful attempt",
        "two failed attempts",
        "completed   suicide",
        "an unsuccessful suicide attempt",
        "not attention-seeking",
        "a suicide epidemic",
    ],
)
def test_the_guard_catches_what_guidance_asks_to_avoid(text: str) -> None:
    assert findings(text)


def test_the_guard_leaves_careful_wording_alone() -> None:
    careful = (
        "Embrace LifeLine, National Emotional Support and Suicide Prevention Line. "
        "After a suicide attempt, a follow-up call within 72 hours. Died by suicide. "
        "Failed to save the plan. The attempt to reconnect was successful."
    )
    assert findings(careful) == []


def test_no_template_section_or_demo_text_uses_wording_guidance_avoids() -> None:
    found = {
        str(path.relative_to(BASE)): hits
        for path in scanned_files()
        if (hits := findings(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"wording that safe-messaging guidance avoids: {found}"
