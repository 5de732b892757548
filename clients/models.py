"""Client records. Everything that identifies a client is encrypted (crisisplan.core.encryption);
only the owner, the ISO location codes (for the directory lookup), timestamps and the
archived flag are plaintext.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, ClassVar

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Concat
from django.utils import timezone as tz

from clients import hooks
from crisisplan.core import blindindex
from crisisplan.core.encryption import (
    EncryptedBooleanField,
    EncryptedDateField,
    EncryptedModel,
    EncryptedTextField,
    get_keyring,
)
from crisisplan.core.models import AuditEvent, DataKey
from hotlines.regions import (
    country_name,
    subdivision_name,
    validate_country,
    validate_subdivision,
)


class ClientQuerySet(models.QuerySet["Client"]):
    def for_therapist(self, user: Any) -> ClientQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(therapist=user)

    def active(self) -> ClientQuerySet:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> ClientQuerySet:
        return self.filter(archived_at__isnull=False)

    def for_dashboard(self) -> ClientQuerySet:
        """The dashboard's rows, newest activity first, with what the layers above add to
        each row (clients.hooks.dashboard_rows) fetched in a constant number of queries."""
        rows = self.select_related("data_key")
        for add_to_rows in hooks.dashboard_rows:
            rows = add_to_rows(rows)
        return rows.order_by("-updated_at", "-id")

    def matching(self, therapist: Any, query: str) -> ClientQuerySet:
        """The therapist's clients with a name word starting with each word of ``query``
        (case and accents ignored), through the blind index: nothing is decrypted, and
        the database sorts, counts and pages as without a search."""
        rows = self
        for tokens in blindindex.query_tokens(get_keyring(), str(therapist.pk), query):
            rows = rows.filter(
                pk__in=ClientSearchToken.objects.filter(token__in=tokens).values("client_id")
            )
        return rows

    def reindex_names(self) -> int:
        """Rebuild the blind index of these clients' names under the current key (after
        a bulk_create, or to retire an old key); returns how many clients. Decrypts the
        names, so fetch the data keys with them (select_related("data_key"))."""
        clients = list(self)
        ClientSearchToken.objects.rebuild(clients)
        return len(clients)

    def create_for(self, therapist: Any, **fields: Any) -> Client:
        """Create a client with a new data key of its own; the therapist is the actor."""
        with transaction.atomic():
            client = self.model(therapist=therapist, **fields)
            client.save(force_insert=True)
            AuditEvent.objects.record(therapist, AuditEvent.Action.CREATE, client.pk)
        return client

    def delete(self) -> tuple[int, dict[str, int]]:
        # Deleting clients means destroying their data keys (crypto-shredding); the
        # clients and their rows go with them by cascade.
        with transaction.atomic():
            ids = list(self.values_list("pk", "data_key_id"))
            for client_id, _key_id in ids:
                AuditEvent.objects.record(None, AuditEvent.Action.DELETE, client_id)
            return DataKey.objects.filter(pk__in=[key_id for _pk, key_id in ids]).delete()


class Client(EncryptedModel):
    """A therapist's client. See crisisplan/core/encryption.py for how fields are stored."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clients"
    )
    data_key = models.OneToOneField(
        DataKey, on_delete=models.CASCADE, related_name="client", editable=False
    )

    preferred_name = EncryptedTextField(
        "preferred name", max_length=100, help_text="What the client likes to be called."
    )
    full_name = EncryptedTextField("full name", max_length=200, blank=True)
    date_of_birth = EncryptedDateField("date of birth", blank=True)
    phone = EncryptedTextField("phone", max_length=40, blank=True)
    email = EncryptedTextField("email", max_length=254, blank=True)

    # Where the client usually is during online sessions. The ISO codes are plaintext:
    # the directory of emergency services is looked up by them.
    country = models.CharField("country", max_length=2, help_text="ISO 3166-1 alpha-2 code.")
    subdivision = models.CharField(
        "region",
        max_length=6,
        blank=True,
        help_text="ISO 3166-2 code of the state, province or region, e.g. US-CA or GB-ENG.",
    )
    street_address = EncryptedTextField("street address", max_length=300, blank=True)
    city = EncryptedTextField("city", max_length=100, blank=True)
    timezone = EncryptedTextField("time zone", max_length=64, blank=True)
    preferred_language = EncryptedTextField("preferred language", max_length=100, blank=True)

    emergency_contact_name = EncryptedTextField("name", max_length=200, blank=True)
    emergency_contact_relationship = EncryptedTextField("relationship", max_length=100, blank=True)
    emergency_contact_phone = EncryptedTextField("phone", max_length=40, blank=True)
    emergency_contact_consent = EncryptedBooleanField(
        "the client consented to this person being contacted in a crisis", blank=True
    )
    emergency_contact_consent_date = EncryptedDateField("date of consent", blank=True)

    other_providers = EncryptedTextField(
        "other treating providers",
        max_length=4000,
        blank=True,
        help_text="Psychiatrist, GP, other services: names and how to reach them.",
    )
    notes = EncryptedTextField("notes", max_length=10000, blank=True)

    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=tz.now, editable=False)
    updated_at = models.DateTimeField(default=tz.now, editable=False)

    objects: ClassVar[ClientQuerySet] = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = "client"
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(subdivision="")
                | models.Q(subdivision__startswith=Concat(models.F("country"), models.Value("-"))),
                name="clients_client_subdivision_in_country",
                violation_error_message="The region must be one of the country's regions.",
            ),
        ]
        indexes: ClassVar = [
            # The dashboard: for_therapist(user).active().order_by("-updated_at", "-id")
            # and its count, read in index order and stopped after a page. Partial, since
            # "archived_at IS NULL" does not fix a column's order as "=" does: without it
            # the database sorted every client of the therapist (85 ms at 10,000).
            models.Index(
                fields=["therapist", "-updated_at", "-id"],
                condition=models.Q(archived_at__isnull=True),
                name="clients_client_dashboard_idx",
            ),
            # The same for .archived().
            models.Index(
                fields=["therapist", "-updated_at", "-id"],
                condition=models.Q(archived_at__isnull=False),
                name="clients_client_archived_idx",
            ),
        ]

    def __str__(self) -> str:
        # Never the name: __str__ reaches the admin's log and error reports.
        return f"Client {str(self.pk)[:8]}"

    def encryption_context(self) -> tuple[uuid.UUID, DataKey | None]:
        # No data key before the first save (see save()).
        return self.pk, (self.data_key if self.data_key_id else None)

    NAME_FIELDS = ("preferred_name", "full_name")

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        names_changed = update_fields is None or bool(set(update_fields) & set(self.NAME_FIELDS))
        with transaction.atomic():
            if self._state.adding and self.data_key_id is None:
                self.data_key = DataKey.generate()
                self.data_key.save(force_insert=True)
            super().save(*args, **kwargs)
            if names_changed:
                ClientSearchToken.objects.rebuild([self])

    def name_tokens(self, keyring: Any) -> tuple[str, set[str]]:
        """The blind index of this client's names (crisisplan/core/blindindex.py)."""
        names = [getattr(self, field) for field in self.NAME_FIELDS]
        return blindindex.index_tokens(keyring, str(self.therapist_id), names)

    def clean(self) -> None:
        super().clean()
        self.country = (self.country or "").strip().upper()
        self.subdivision = (self.subdivision or "").strip().upper()
        # The directory's code checks, with messages that help a therapist fix the form.
        # An empty country is the field's own "blank" check (clean_fields), which a form
        # skips when its own field already said so: one message, not two.
        if not self.country:
            return
        try:
            validate_country(self.country)
        except ValidationError:
            raise ValidationError({"country": "Choose a country from the list."}) from None
        try:
            validate_subdivision(self.subdivision, self.country)
        except ValidationError as exc:
            problem = (
                "is not an ISO 3166-2 region code; codes look like"
                if exc.code == "unknown_subdivision"
                else f"is not a region of {country_name(self.country)}; its regions look like"
            )
            raise ValidationError(
                {"subdivision": f"{self.subdivision} {problem} {self.example_subdivision()}."}
            ) from None

    def example_subdivision(self) -> str:
        found = pycountry.subdivisions.get(country_code=self.country) or []
        codes = sorted(s.code for s in found)[:2]
        return " or ".join(codes) if codes else f"{self.country or 'XX'}-..."

    # -- display --

    @classmethod
    def field_labels(cls, names: list[str]) -> list[str]:
        """Human labels of field names (e.g. from an audit event), unknown names skipped."""
        fields = {f.name: f for f in cls._meta.get_fields() if hasattr(f, "verbose_name")}
        labels = []
        for name in names:
            if name in fields:
                prefix = "emergency contact " if name.startswith("emergency_contact_") else ""
                labels.append(prefix + str(fields[name].verbose_name))
        return labels

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def subdivision_name(self) -> str:
        return subdivision_name(self.subdivision)

    # -- actions --

    def save_changes(self, actor: Any, fields: list[str]) -> None:
        """Write the named (edited) fields and record which ones changed, not how."""
        if not fields:
            return
        with transaction.atomic():
            self.updated_at = tz.now()
            self.save(update_fields=[*fields, "updated_at"])
            AuditEvent.objects.record(actor, AuditEvent.Action.EDIT, self.pk, fields=sorted(fields))

    def archive(self, actor: Any) -> None:
        with transaction.atomic():
            self.archived_at = self.updated_at = tz.now()
            self.save(update_fields=["archived_at", "updated_at"])
            AuditEvent.objects.record(actor, AuditEvent.Action.ARCHIVE, self.pk)

    def unarchive(self, actor: Any) -> None:
        with transaction.atomic():
            self.archived_at = None
            self.updated_at = tz.now()
            self.save(update_fields=["archived_at", "updated_at"])
            AuditEvent.objects.record(actor, AuditEvent.Action.UNARCHIVE, self.pk)

    def destroy(self, actor: Any = None) -> tuple[int, dict[str, int]]:
        """Delete the client by destroying its data key (crypto-shredding); the client's
        rows go with it by cascade. The audit events stay."""
        with transaction.atomic():
            AuditEvent.objects.record(actor, AuditEvent.Action.DELETE, self.pk)
            return DataKey.objects.filter(pk=self.data_key_id).delete()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        return self.destroy()

    def export(self) -> dict[str, Any]:
        """The client's decrypted record and every registered section (e.g. plans), as
        JSON-ready data. Raises EncryptionError rather than returning a partial record."""
        record: dict[str, Any] = {
            "id": str(self.pk),
            "therapist": self.therapist.email,
            "country": self.country,
            "subdivision": self.subdivision,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "archived_at": self.archived_at.isoformat() if self.archived_at else None,
        }
        for name in self.encrypted_field_names():
            value = getattr(self, name)
            record[name] = value.isoformat() if isinstance(value, datetime.date) else value
        data: dict[str, Any] = {"client": record}
        for key, section in hooks.export_sections.items():
            data[key] = section(self)
        return data


class ClientSearchTokenQuerySet(models.QuerySet["ClientSearchToken"]):
    def rebuild(self, clients: list[Client]) -> None:
        """Replace the tokens of ``clients`` with their names' tokens under the current
        key (decrypts each name once)."""
        keyring = get_keyring()
        rows = []
        for client in clients:
            key_id, tokens = client.name_tokens(keyring)
            rows += [ClientSearchToken(client=client, key_id=key_id, token=t) for t in tokens]
        with transaction.atomic():
            self.filter(client__in=[c.pk for c in clients]).delete()
            self.bulk_create(rows, batch_size=2000)


class ClientSearchToken(models.Model):
    """One entry of the blind index of client names: a keyed HMAC of a name prefix,
    never the name (crisisplan/core/blindindex.py says what it reveals)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="search_tokens")
    # The key-encryption key the search key was derived from (rotation rebuilds).
    key_id = models.CharField(max_length=32)
    token = models.CharField(max_length=blindindex.TOKEN_HEX)

    objects: ClassVar[ClientSearchTokenQuerySet] = ClientSearchTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "client search token"
        indexes: ClassVar = [
            # Client.objects.matching(): ClientSearchToken.objects.filter(token__in=...)
            models.Index(fields=["token", "client"], name="clients_searchtoken_token_idx"),
        ]

    def __str__(self) -> str:
        return f"Search token of {self.client_id}"
