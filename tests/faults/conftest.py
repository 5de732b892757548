"""The fault drills' processes (bench/faults.py), started once for the tests here: a
PostgreSQL cluster of their own on a free port (never the shared server on 5432, which
these tests must never stop, restart or make read-only) and gunicorn with two workers
serving the app's production settings against it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bench import faults


@dataclass
class Drill:
    cluster: faults.Cluster
    app: faults.App
    email: str
    clients: list[str]
    tokens: list[str]


@pytest.fixture(scope="session")
def drill() -> Iterator[Drill]:
    from django.db import connection

    if connection.vendor != "postgresql":
        # The drills bring their own cluster: once per CI run (the PostgreSQL one) is enough.
        pytest.skip("the fault drills run with the PostgreSQL suite")
    try:
        faults.postgres_bin()
    except faults.DrillError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    with faults.drill_setup(plans=4) as (cluster, app, seeded):
        plans: list[dict[str, Any]] = seeded["plans"]
        yield Drill(
            cluster,
            app,
            seeded["email"],
            [p["client"] for p in plans],
            [p["token"] for p in plans],
        )
