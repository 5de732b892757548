"""The migration that gives every existing entry its stable key."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from hotlines.keys import derived_key

BEFORE = [("hotlines", "0002_directory_version")]
AFTER = [("hotlines", "0005_service_key_unique")]


@pytest.mark.django_db(transaction=True)
def test_existing_entries_get_the_key_their_starter_row_derives() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("hotlines", "Service")
    police = old.objects.create(name="Police", country="LB", kind="emergency")
    line = old.objects.create(name="Embrace LifeLine", country="LB", kind="crisis_line")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    new = executor.loader.project_state(AFTER).apps.get_model("hotlines", "Service")
    keys = dict(new.objects.values_list("pk", "key"))
    assert keys == {
        police.pk: derived_key("LB", "", "Police", "emergency"),
        line.pk: derived_key("LB", "", "Embrace LifeLine", "crisis_line"),
    }
    assert new.objects.get(pk=police.pk).imported_row == {}  # a curator may have changed it
