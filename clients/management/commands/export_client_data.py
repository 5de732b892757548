"""Write one client's decrypted record (and every registered export section, such as
plans with their versions) as JSON to stdout, to answer a right-of-access request.

The whole export is built before anything is written: a failure (unknown id, a value
that does not decrypt) exits non-zero with a clear message and writes no partial data.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from clients.models import Client
from crisisplan.core.encryption import EncryptionError
from crisisplan.core.models import AuditEvent


class Command(BaseCommand):
    help = "Print a client's decrypted record as JSON (for a right-of-access request)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_id", help="The client's id (a UUID, shown in its URL).")

    def handle(self, *args: Any, client_id: str, **options: Any) -> None:
        try:
            pk = uuid.UUID(client_id)
        except ValueError:
            raise CommandError(
                f"{client_id!r} is not a client id: expected a UUID such as "
                "3f2b9c1e-8d4a-4b7e-9a61-2c5d0e7f1a38."
            ) from None
        client = Client.objects.select_related("data_key", "therapist").filter(pk=pk).first()
        if client is None:
            raise CommandError(f"No client has the id {pk}.")
        try:
            data = client.export()
            text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        except EncryptionError as exc:
            raise CommandError(f"The data of client {pk} could not be decrypted: {exc}") from None
        AuditEvent.objects.record(
            None, AuditEvent.Action.EXPORT, client.pk, via="export_client_data"
        )
        self.stdout.write(text)
