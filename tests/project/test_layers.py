"""The layers (README, "Architecture") hold, and an upward import would be caught."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("crisisplan", "clients", "hotlines", "bench", "tests")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_of_the_tree(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_are_kept() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "upward_import"),
    [
        ("crisisplan/core/models.py", "from clients.models import Client"),
        ("crisisplan/core/encryption.py", "from hotlines.models import Service"),
        ("clients/views.py", "from crisisplan.plans.models import Plan"),
        ("crisisplan/plans/views.py", "from crisisplan.links.models import PrivateLink"),
        ("crisisplan/links/public.py", "from crisisplan.errors import not_found"),
        ("hotlines/models.py", "from crisisplan.core.models import User"),
    ],
)
def test_an_upward_import_breaks_a_contract(
    tmp_path: Path, module: str, upward_import: str
) -> None:
    tree = copy_of_the_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{upward_import}  # noqa\n")
    done = lint_imports(tree)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout or "broken" in done.stdout
