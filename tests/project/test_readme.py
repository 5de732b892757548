"""The README tells the truth: every setting read from the environment, and every
management command of ours, is documented there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def environment_variables() -> set[str]:
    """Names read in settings.py through django-environ (env.str("NAME"), env.db_url(...))."""
    source = (ROOT / "crisisplan" / "settings.py").read_text()
    return set(re.findall(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", source))


def test_every_environment_variable_is_in_the_readme_table() -> None:
    names = environment_variables()
    # The parser found the variables the settings are known to read.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ENCRYPTION_KEYS", "CACHE_URL"} <= names
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", README, flags=re.MULTILINE))
    assert names - documented == set(), "settings.py reads these, the README table lacks them"
    assert documented - names == set(), "the README documents these, settings.py never reads them"


def test_every_management_command_is_in_the_readme() -> None:
    commands = {
        path.stem
        for path in ROOT.glob("*/management/commands/*.py")
        if not path.stem.startswith("_")
    }
    assert {"seed_demo", "import_hotlines", "rotate_encryption_keys"} <= commands
    missing = {name for name in commands if name not in README}
    assert missing == set(), "commands not documented in the README"


def test_the_make_verbs_in_the_readme_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    for verb in set(re.findall(r"`make ([a-z-]+)`", README)):
        assert verb in targets, f"README mentions `make {verb}`, the Makefile has no such target"
