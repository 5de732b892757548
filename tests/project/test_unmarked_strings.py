"""No page shows a string that is not marked for translation.

Every page of tests/project/test_aria_references.py (every named URL, in the states a
person meets, errors too) is rendered in a pseudo language "xx" whose catalogue wraps
every string of ours, and Django's own, in ⟦ ⟧. What is left outside the brackets must
be data: names, plan content, directory entries, codes, numbers. A word of text left
over is a string someone forgot to mark, or a catalogue not regenerated
(``make messages``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zoneinfo
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import django
import pycountry
import pytest
from django.apps import apps
from django.test import Client as HttpClient

from clients.models import Client
from crisisplan.plans.models import PlanVersion
from hotlines.models import ContactMethod, Service
from tests.factory import full_content
from tests.project.test_aria_references import visits, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"
# Attributes a person reads or hears, and the data-* texts the scripts show.
READ_ATTRIBUTES = {
    "title",
    "aria-label",
    "alt",
    "placeholder",
    "data-kept",
    "data-removed",
    "data-failed",
    "data-close",
    "data-open",
    "data-empty",
    "data-noun",
    "data-nouns",
    "data-empty-none",
    "data-empty-some",
    "data-empty-no-regions",
    "data-announce",
}
# Names that are never translated: the product, a web address, a brand, and each
# language's name written in that language (the switch).
NEVER_TRANSLATED = {"CrisisPlan", "findahelpline", "com", "WhatsApp", "English", "Français"}
# Elements whose text is data shown as written (recovery codes, a key's name).
DATA_ELEMENTS = ("script", "style", "template", "code")


def _django_catalogues() -> list[Path]:
    """The English catalogues of Django and the installed apps: their strings (form
    errors, month names, password rules) are wrapped too."""
    found = [Path(django.__file__).parent / "conf" / "locale" / "en" / "LC_MESSAGES" / "django.po"]
    for app in apps.get_app_configs():
        if app.label == "admin":
            continue  # the admin is not among the pages visited
        po = Path(app.path) / "locale" / "en" / "LC_MESSAGES" / "django.po"
        if po.exists() and not str(po).startswith(str(ROOT / "locale")):
            found.append(po)
    return [po for po in found if po.exists()]


@pytest.fixture(scope="module")
def pseudo_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """locale/xx/LC_MESSAGES/django.mo: every msgid of our catalogue (locale/fr, as
    makemessages writes it) and of Django's, translated as ⟦msgid⟧."""
    if shutil.which("msgfmt") is None:
        pytest.fail("gettext is not installed (apt-get install gettext; see the Makefile)")
    root = tmp_path_factory.mktemp("pseudo-locale")
    folder = root / PSEUDO / "LC_MESSAGES"
    folder.mkdir(parents=True)
    ours = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    merged = folder / "merged.po"
    subprocess.run(
        ["msgcat", "--use-first", "-o", str(merged), str(ours), *map(str, _django_catalogues())],
        check=True,
    )
    # Every translation emptied (locale/fr holds French now, and changed strings waiting
    # for their translators are fuzzy: still marked strings), then msgen fills in the
    # English.
    settled = folder / "settled.po"
    subprocess.run(
        ["msgattrib", "--clear-fuzzy", "--empty", "-o", str(settled), str(merged)], check=True
    )
    blank = folder / "blank.po"
    subprocess.run(
        ["msgfilter", "--keep-header", "-i", str(settled), "-o", str(blank), "sed", "-e", "d"],
        check=True,
    )
    english = folder / "english.po"
    subprocess.run(["msgen", "-o", str(english), str(blank)], check=True)
    wrapped = folder / "django.po"
    subprocess.run(
        [
            "msgfilter",
            "--keep-header",
            "-i",
            str(english),
            "-o",
            str(wrapped),
            "sed",
            "-e",
            f"s/^\\(.\\+\\)$/{OPEN}\\1{CLOSE}/",
        ],
        check=True,
    )
    subprocess.run(["msgfmt", "-o", str(folder / "django.mo"), str(wrapped)], check=True)
    return root


@pytest.fixture
def in_pseudo_language(settings: Any, pseudo_locale: Path, world: dict[str, Any]) -> None:  # noqa: F811
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Pseudo")]
    settings.LOCALE_PATHS = [pseudo_locale, *settings.LOCALE_PATHS]
    Client.objects.update(language=PSEUDO)


class Text(HTMLParser):
    """What a person reads on a page: its text (outside scripts and styles) and the
    attributes above."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attributes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DATA_ELEMENTS:
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.attributes.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in DATA_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def _unwrapped(text: str) -> str:
    """The text outside ⟦ ⟧, innermost pairs first (a string may hold another)."""
    pair = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
    while True:
        shorter = pair.sub(" ", text)
        if shorter == text:
            return text
        text = shorter


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z']*[a-z][A-Za-z']*", text))


def _data_words(world: dict[str, Any], posted: list[dict[str, Any]]) -> set[str]:  # noqa: F811
    """Every word the pages may show as data: the records, plans, directory, users,
    what the tests typed, and the ISO names of places, languages and time zones."""
    corpus: list[str] = [*NEVER_TRANSLATED, "Pseudo"]
    for client in Client.objects.all():
        corpus += [str(getattr(client, f.name) or "") for f in client._meta.concrete_fields]
    for version in PlanVersion.objects.all():
        corpus += [json.dumps(version.content), version.change_note]
    corpus += [json.dumps(full_content(n).data) for n in (1, 2)]
    for service in Service.objects.all():
        corpus += [service.name, service.description, service.audience, service.note]
        corpus += service.source_urls
    for method in ContactMethod.objects.all():
        corpus += [method.value, method.instructions, method.hours_note]
    from crisisplan.core.models import User

    corpus += [f"{u.email} {u.name}" for u in User.objects.all()]
    corpus += [str(value) for data in posted for value in data.values()]
    corpus += [c.name for c in pycountry.countries]
    corpus += [getattr(c, "common_name", "") for c in pycountry.countries]
    corpus += [s.name for s in pycountry.subdivisions]
    corpus += [lang.name for lang in pycountry.languages]
    corpus += [z.replace("_", " ").replace("/", " ") for z in zoneinfo.available_timezones()]
    return _words(" ".join(corpus))


def test_every_page_shows_only_marked_strings_and_data(
    world: dict[str, Any],  # noqa: F811
    in_pseudo_language: None,
) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY

    from conftest import add_authenticator, make_user

    alice = world["client"].therapist
    alice.language = PSEUDO
    alice.save(update_fields=["language"])
    browsers = {
        name: HttpClient(HTTP_ACCEPT_LANGUAGE=PSEUDO)
        for name in ("anonymous", "alice", "phone", "second")
    }
    browsers["alice"].force_login(alice)
    add_authenticator(make_user("dora@example.com", password="correct horse battery"))
    eve = make_user("eve@example.com")
    eve.language = PSEUDO
    eve.save(update_fields=["language"])
    device = add_authenticator(eve)
    browsers["verified"] = HttpClient(HTTP_ACCEPT_LANGUAGE=PSEUDO)
    browsers["verified"].force_login(eve)
    session = browsers["verified"].session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    pages = visits(world)
    allowed = _data_words(world, [data for *_rest, data in pages if data])
    unmarked: dict[str, set[str]] = {}
    for name, who, path, data in pages:
        browser = browsers[who]
        response = browser.get(path) if data is None else browser.post(path, data)
        if response.status_code in (301, 302, 303):
            continue
        assert response.status_code < 500, f"{name} {path}: {response.status_code}"
        page = Text()
        page.feed(response.content.decode())
        left = _words(_unwrapped(" ".join(page.text)))
        for value in page.attributes:
            left |= _words(_unwrapped(value))
        words = left - allowed
        if words:
            unmarked.setdefault(f"{name} ({who}, {'POST' if data else 'GET'})", set()).update(words)
    assert not unmarked, "words outside any marked string:\n" + "\n".join(
        f"  {page}: {' '.join(sorted(words))}" for page, words in unmarked.items()
    )


def test_the_pseudo_language_does_wrap_strings(
    world: dict[str, Any],  # noqa: F811
    in_pseudo_language: None,
) -> None:
    """The test above cannot pass by accident: its language is really in use."""
    response = HttpClient().get(f"/p/{world['token']}/")
    assert f"{OPEN}Open my plan{CLOSE}" in response.content.decode()
    assert response["Content-Language"] == PSEUDO


def test_a_service_keeps_its_own_name_and_its_kind_label_is_translated(
    world: dict[str, Any],  # noqa: F811
    in_pseudo_language: None,
) -> None:
    browser = HttpClient()
    landing = f"/p/{world['token']}/"
    assert browser.post(landing, {"pin": "2468"}).status_code == 302
    html = browser.get(f"{landing}plan/").content.decode()
    assert f"{OPEN}crisis line{CLOSE}" in html  # the kind label, translated
    assert ">Samaritans</h3>" in html  # the service's name, as the directory has it
    assert f"{OPEN}Samaritans" not in html
