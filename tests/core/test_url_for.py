"""crisisplan/core/paths.py: url_for(name, arg) gives reverse()'s URL, from a pattern
reversed once per process and script prefix."""

from __future__ import annotations

import uuid

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from crisisplan.core.paths import url_for

TOKEN = "kCR3hmH8cfgLMBE-YpCiqdJT5ITrpzdVXju-9W9OoeA"


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("clients:detail", uuid.UUID("12345678-1234-5678-1234-567812345678")),
        ("plans:edit", uuid.uuid4()),
        ("links:landing", TOKEN),
        ("links:copy", TOKEN),
    ],
)
def test_url_for_is_reverse(name: str, arg: uuid.UUID | str) -> None:
    assert url_for(name, arg) == reverse(name, args=[arg])
    assert str(arg) in url_for(name, arg)


def test_url_for_without_an_argument_is_reverse() -> None:
    assert url_for("links:service_worker") == reverse("links:service_worker") == "/p/sw.js"


def test_url_for_follows_the_script_prefix() -> None:
    client_pk = uuid.uuid4()
    set_script_prefix("/crisisplan/")
    try:
        assert url_for("plans:edit", client_pk) == reverse("plans:edit", args=[client_pk])
        assert url_for("plans:edit", client_pk).startswith("/crisisplan/clients/")
        assert url_for("links:service_worker") == "/crisisplan/p/sw.js"
    finally:
        clear_script_prefix()
    assert url_for("plans:edit", client_pk).startswith("/clients/")
