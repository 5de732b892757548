"""/healthz: whether this app server can serve, for the proxy in front (Caddy's active
health checks take an instance that fails out of rotation) and for monitoring.

200 "ok" when every check passes; otherwise 503 with the failing check's one-word name
("database", "migrations", "keys") and nothing else: no data, no versions. The reason
in full goes to the log (never a key or client data).

The answer comes from ``HealthCheckMiddleware``, first in MIDDLEWARE, before the HTTPS
redirect, the host check, sessions and the second factor: the proxy asks each app
server directly, over plain HTTP, by its own address.

To add a check, write a function that raises (``Unhealthy`` with a sentence, or any
exception) when something is wrong, and append ``(word, function)`` to ``CHECKS``.
Checks run in order, and the first failure is the answer: a check may assume the ones
before it passed (the keys check reads the database).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse

from crisisplan.core import encryption
from crisisplan.core.models import DataKey

logger = logging.getLogger(__name__)

PATH = "/healthz"


class Unhealthy(Exception):
    """A check failed; the message (one sentence, no secrets) goes to the log."""


def check_database() -> None:
    """The database answers a query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


# Migrations do not come undone under a running process: once every one is applied, a
# process stops asking (loading the migration graph costs tens of milliseconds).
_migrated = False


def check_migrations() -> None:
    """Every migration this code knows is applied to the database."""
    global _migrated
    if _migrated:
        return
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        first = pending[0][0]
        raise Unhealthy(
            f"{len(pending)} migration(s) not applied, the first {first.app_label}.{first.name}: "
            "run `python manage.py migrate`."
        )
    _migrated = True


def check_keys() -> None:
    """ENCRYPTION_KEYS wraps and unwraps a fresh test key, and unwraps one stored data key
    of every key id the data uses: keys that do not match the data fail here, before any
    page could fail to decrypt."""
    keyring = settings.ENCRYPTION_KEYRING
    if keyring is None:
        raise Unhealthy("ENCRYPTION_KEYS is not set.")
    probe, dek = uuid.uuid4(), encryption.new_data_key()
    kek_id, wrapped = encryption.wrap_data_key(probe, dek, keyring)
    if encryption.unwrap_data_key(probe, wrapped, kek_id, keyring) != dek:
        raise Unhealthy("A test key did not come back unwrapped as it was wrapped.")
    # kek_id is indexed (crisisplan_datakey_kek_idx); there are one or two ids in use.
    for used in DataKey.objects.order_by().values_list("kek_id", flat=True).distinct():
        if used not in keyring.keys:
            raise Unhealthy(
                f"Data keys are wrapped by the key id {used!r}, which ENCRYPTION_KEYS lacks."
            )
        sample = DataKey.objects.filter(kek_id=used).only("id", "wrapped", "kek_id").first()
        if sample is not None:
            try:
                encryption.unwrap_data_key(sample.pk, bytes(sample.wrapped), used, keyring)
            except encryption.EncryptionError:
                raise Unhealthy(
                    f"The key {used!r} of ENCRYPTION_KEYS does not unwrap the data keys "
                    "wrapped under that id: it is not the key the data was written with."
                ) from None


CHECKS: list[tuple[str, Callable[[], None]]] = [
    ("database", check_database),
    ("migrations", check_migrations),
    ("keys", check_keys),
]


def failing_check() -> str | None:
    """The word of the first check that fails (its reason logged), or None."""
    for word, check in CHECKS:
        try:
            check()
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            logger.error("Health check failed: %s (%s: %s)", word, type(exc).__name__, reason)
            return word
    return None


def healthz(request: HttpRequest) -> HttpResponse:
    word = failing_check()
    response = HttpResponse(
        f"{word or 'ok'}\n", status=503 if word else 200, content_type="text/plain"
    )
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answer GET and HEAD of /healthz before anything else runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
