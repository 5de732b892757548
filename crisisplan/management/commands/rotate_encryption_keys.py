"""Re-wrap every data key under the current key-encryption key (the first of
ENCRYPTION_KEYS). Resumable: it only touches keys still wrapped by another KEK, in
batches that each commit, so an interrupted run continues where it stopped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction

from clients.models import Client, ClientSearchToken
from crisisplan.core.encryption import EncryptionError, get_keyring
from crisisplan.core.models import AuditEvent, DataKey


class Command(BaseCommand):
    help = "Re-wrap every client data key under the first key of ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=200, help="Data keys per transaction (200)."
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            keyring = get_keyring()
        except EncryptionError as exc:
            raise CommandError(str(exc)) from None
        current = keyring.current_id
        pending = DataKey.objects.needing_rotation(current)
        total = pending.count()
        self.stdout.write(f"{total} data key(s) to re-wrap under key id {current!r}.")
        done = 0
        after = None
        while True:
            with transaction.atomic():
                # Keyset: continue after the last key of the previous batch, so each batch
                # costs the same however many keys are done. skip_locked: two runs at once
                # share the work instead of waiting.
                todo = pending if after is None else pending.filter(pk__gt=after)
                batch = list(todo.select_for_update(skip_locked=True).order_by("pk")[:batch_size])
                if not batch:
                    break
                after = batch[-1].pk
                try:
                    for key in batch:
                        key.rewrap(keyring)
                except EncryptionError as exc:
                    raise CommandError(
                        f"{exc} Add that key to ENCRYPTION_KEYS (after the current one) and "
                        f"run again; {done} data key(s) were re-wrapped before this one."
                    ) from None
                DataKey.objects.bulk_update(batch, ["wrapped", "kek_id", "rotated_at"])
                # The blind index of these clients' names moves to the new key with them.
                Client.objects.filter(data_key__in=batch).select_related("data_key").reindex_names()
            done += len(batch)
            self.stdout.write(f"  {done}/{max(total, done)} re-wrapped")
        reindexed = self.reindex_names_left_behind(current, batch_size)
        if reindexed:
            self.stdout.write(f"Search index: {reindexed} client(s) re-indexed under {current!r}.")
        AuditEvent.objects.record(
            None, AuditEvent.Action.KEY_ROTATION, None, kek_id=current, rewrapped=done
        )
        self.stdout.write(
            self.style.SUCCESS(f"Done: {done} data key(s) re-wrapped under key id {current!r}.")
        )
        remaining = DataKey.objects.needing_rotation(current).count()
        if remaining:
            self.stdout.write(
                f"{remaining} data key(s) were locked by another run; run again to finish."
            )
        else:
            self.stdout.write("Every data key uses the current key: older keys can be retired.")

    def reindex_names_left_behind(self, current: str, batch_size: int) -> int:
        """Clients whose search tokens are not all under the current key (e.g. a run
        interrupted between batches): rebuilt in keyset batches too."""
        stale = Client.objects.filter(
            models.Q(search_tokens__isnull=True)
            | models.Q(pk__in=ClientSearchToken.objects.exclude(key_id=current).values("client_id"))
        ).distinct()
        done, after = 0, None
        while True:
            todo = stale if after is None else stale.filter(pk__gt=after)
            batch = list(todo.select_related("data_key").order_by("pk")[:batch_size])
            if not batch:
                return done
            ClientSearchToken.objects.rebuild(batch)
            after = batch[-1].pk
            done += len(batch)
