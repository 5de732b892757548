"""The encryption core: round trips, and every kind of tampering fails closed."""

from __future__ import annotations

import datetime
import io
import json
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Client
from crisisplan.core import encryption
from crisisplan.core.encryption import Ciphertext, DecryptionError, UnknownKeyError
from crisisplan.core.keys import generate_entry, parse_keyring
from crisisplan.core.models import DataKey
from tests.factory import make_client

pytestmark = pytest.mark.django_db

FIXTURE_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def field(name: str) -> Any:
    return Client._meta.get_field(name)


def stored(client: Client, name: str) -> Ciphertext:
    """The ciphertext as the database holds it (read back through the ORM)."""
    return Client.objects.filter(pk=client.pk).values_list(name, flat=True).get()


def decrypt(client: Client, name: str, blob: bytes) -> Any:
    return field(name).decrypt(client, blob)


@pytest.fixture
def pair(alice: Any) -> tuple[Client, Client]:
    return make_client(alice, notes="first notes"), make_client(alice, notes="second notes")


# --- round trips ----------------------------------------------------------------------


@FIXTURE_SETTINGS
@given(text=st.text(max_size=500))
def test_any_text_round_trips(pair: tuple[Client, Client], text: str) -> None:
    client = pair[0]
    blob = field("notes").encrypt(client, text)
    assert decrypt(client, "notes", blob) == text


@FIXTURE_SETTINGS
@given(value=json_values)
def test_any_json_value_round_trips(pair: tuple[Client, Client], value: Any) -> None:
    json_field = encryption.EncryptedJSONField()
    json_field.set_attributes_from_name("notes")
    json_field.model = Client
    blob = json_field.encrypt(pair[0], value)
    assert json_field.decrypt(pair[0], blob) == value


def test_saved_values_round_trip_through_the_database(alice: Any) -> None:
    client = make_client(
        alice,
        preferred_name="Zoë",
        date_of_birth=datetime.date(1990, 2, 28),
        emergency_contact_consent=True,
        notes="",
    )
    fresh = Client.objects.get(pk=client.pk)
    assert isinstance(fresh.__dict__["preferred_name"], Ciphertext)  # lazy until read
    assert fresh.preferred_name == "Zoë"
    assert fresh.date_of_birth == datetime.date(1990, 2, 28)
    assert fresh.emergency_contact_consent is True
    assert fresh.notes == ""
    assert fresh.full_name == ""


def test_each_write_uses_a_fresh_nonce(alice: Any) -> None:
    client = make_client(alice)
    assert field("notes").encrypt(client, "same") != field("notes").encrypt(client, "same")


# --- tampering ------------------------------------------------------------------------


@FIXTURE_SETTINGS
@given(data=st.data())
def test_flipping_any_bit_raises(pair: tuple[Client, Client], data: st.DataObject) -> None:
    client = pair[0]
    blob = bytearray(field("notes").encrypt(client, data.draw(st.text(max_size=50))))
    bit = data.draw(st.integers(min_value=0, max_value=len(blob) * 8 - 1))
    blob[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionError):
        decrypt(client, "notes", bytes(blob))


@FIXTURE_SETTINGS
@given(data=st.data())
def test_truncating_raises(pair: tuple[Client, Client], data: st.DataObject) -> None:
    client = pair[0]
    blob = field("notes").encrypt(client, data.draw(st.text(max_size=50)))
    cut = data.draw(st.integers(min_value=0, max_value=len(blob) - 1))
    with pytest.raises(DecryptionError):
        decrypt(client, "notes", blob[:cut])


def test_unknown_format_version_raises(pair: tuple[Client, Client]) -> None:
    blob = bytearray(field("notes").encrypt(pair[0], "x"))
    blob[0] = 0x02
    with pytest.raises(DecryptionError, match="unknown format version"):
        decrypt(pair[0], "notes", bytes(blob))


@FIXTURE_SETTINGS
@given(text=st.text(max_size=50))
def test_swapping_between_rows_raises(pair: tuple[Client, Client], text: str) -> None:
    first, second = pair
    with pytest.raises(DecryptionError):
        decrypt(second, "notes", field("notes").encrypt(first, text))


@FIXTURE_SETTINGS
@given(text=st.text(max_size=50))
def test_swapping_between_fields_raises(pair: tuple[Client, Client], text: str) -> None:
    client = pair[0]
    with pytest.raises(DecryptionError):
        decrypt(client, "full_name", field("notes").encrypt(client, text))


def test_ciphertext_moved_in_the_database_does_not_decrypt(pair: tuple[Client, Client]) -> None:
    first, second = pair
    # Copy stored ciphertext to another row, and to another field of the same row.
    Client.objects.filter(pk=second.pk).update(notes=stored(first, "notes"))
    Client.objects.filter(pk=first.pk).update(full_name=stored(first, "notes"))
    with pytest.raises(DecryptionError, match="not this client's"):
        _ = Client.objects.get(pk=second.pk).notes
    with pytest.raises(DecryptionError, match="failed authentication"):
        _ = Client.objects.get(pk=first.pk).full_name


def test_same_row_id_with_another_client_binding_raises(pair: tuple[Client, Client]) -> None:
    first, _ = pair
    blob = field("notes").encrypt(first, "x")
    impostor = Client(pk=first.pk, data_key=first.data_key)
    impostor.encryption_context = lambda: (uuid.uuid4(), first.data_key)  # type: ignore[method-assign]
    with pytest.raises(DecryptionError):
        decrypt(impostor, "notes", blob)


@FIXTURE_SETTINGS
@given(text=st.text(max_size=50))
def test_another_clients_data_key_raises(pair: tuple[Client, Client], text: str) -> None:
    first, second = pair
    blob = field("notes").encrypt(first, text)
    first_key = first.data_key
    try:
        first.data_key = second.data_key
        with pytest.raises(DecryptionError, match="not this client's"):
            decrypt(first, "notes", blob)
    finally:
        first.data_key = first_key


def test_wrong_kek_with_the_same_id_raises(alice: Any, settings: Any) -> None:
    client = make_client(alice, notes="secret")
    current = settings.ENCRYPTION_KEYRING.current_id
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry(current))
    fresh = Client.objects.select_related("data_key").get(pk=client.pk)
    with pytest.raises(DecryptionError, match="failed authentication"):
        _ = fresh.notes


def test_retired_kek_raises_naming_the_key_id(alice: Any, settings: Any) -> None:
    client = make_client(alice, notes="secret")
    old_id = settings.ENCRYPTION_KEYRING.current_id
    settings.ENCRYPTION_KEYRING = parse_keyring(generate_entry("k9"))
    fresh = Client.objects.select_related("data_key").get(pk=client.pk)
    with pytest.raises(UnknownKeyError) as caught:
        _ = fresh.notes
    assert f"wrapped with key id '{old_id}', which is not in ENCRYPTION_KEYS" in str(caught.value)


def test_wrapped_key_moved_to_another_data_key_raises(pair: tuple[Client, Client]) -> None:
    first, second = pair
    DataKey.objects.filter(pk=second.data_key_id).update(wrapped=first.data_key.wrapped)
    fresh = Client.objects.select_related("data_key").get(pk=second.pk)
    with pytest.raises(DecryptionError):
        _ = fresh.notes


def test_errors_are_not_swallowed_by_templates() -> None:
    assert not getattr(DecryptionError, "silent_variable_failure", False)
    assert not issubclass(DecryptionError, TypeError | AttributeError | ValueError | KeyError)


def test_without_encryption_keys_a_clear_error(alice: Any, settings: Any) -> None:
    settings.ENCRYPTION_KEYRING = None
    with pytest.raises(encryption.EncryptionNotConfigured, match="ENCRYPTION_KEYS is not set"):
        make_client(alice)


# --- the database layer accepts only ciphertext ---------------------------------------


def test_update_filter_and_bulk_update_refuse_plaintext(alice: Any) -> None:
    client = make_client(alice, notes="original")
    with pytest.raises(TypeError, match="encrypted"), transaction.atomic():
        Client.objects.filter(pk=client.pk).update(notes="plain")
    with pytest.raises(TypeError, match="encrypted"), transaction.atomic():
        list(Client.objects.filter(notes="original"))
    client.notes = "changed"
    with pytest.raises(TypeError, match="encrypted"), transaction.atomic():
        Client.objects.bulk_update([client], ["notes"])
    assert Client.objects.get(pk=client.pk).notes == "original"


def test_bulk_create_encrypts(alice: Any) -> None:
    key = DataKey.generate()
    key.save()
    (client,) = Client.objects.bulk_create(
        [Client(therapist=alice, data_key=key, preferred_name="Bulk", country="FR")]
    )
    assert Client.objects.select_related("data_key").get(pk=client.pk).preferred_name == "Bulk"


# --- canary: no plaintext in any column or in dumpdata --------------------------------

CANARY = "Canary-Q7xZ-Ünïcode"


def canary_client(therapist: Any) -> Client:
    values: dict[str, Any] = {
        name: f"{CANARY}-{name}"
        for name in Client.encrypted_field_names()
        if isinstance(field(name), encryption.EncryptedTextField)
    }
    values["timezone"] = CANARY
    return make_client(
        therapist,
        **values,
        date_of_birth=datetime.date(1977, 7, 7),
        emergency_contact_consent=True,
        emergency_contact_consent_date=datetime.date(2023, 3, 3),
    )


def raw_rows_as_text() -> str:
    """Every column of every table, read with a cursor (not the ORM)."""
    tables = connection.introspection.table_names()
    assert "clients_client" in tables and "crisisplan_auditevent" in tables
    chunks = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        raw = bytes(value)
                        chunks.append(raw.decode("utf-8", "replace"))
                        chunks.append(raw.decode("latin-1"))
                    else:
                        chunks.append(str(value))
    return "\n".join(chunks)


def canary_plan(alice_client: Any, client: Client) -> None:
    """Two plan versions with canary text in every section and change note, written
    through the editor, then published, restored and previewed (as a therapist does)."""
    from tests.factory import editor_form_data as form_data
    from tests.factory import full_content

    editor = f"/clients/{client.pk}/plan/"
    for base, tag in ((0, f"{CANARY} one "), (1, f"{CANARY} two ")):
        data = form_data(full_content(2, tag=tag), base, note=f"{CANARY} note {base}")
        assert alice_client.post(editor, data).status_code == 302
    assert alice_client.post(f"{editor}versions/2/publish/").status_code == 302
    assert alice_client.post(f"{editor}versions/1/restore/").status_code == 302
    assert CANARY in alice_client.get(f"{editor}preview/").content.decode()


def test_canary_is_in_no_column(alice_client: Any, alice: Any) -> None:
    client = canary_client(alice)
    client.save_changes(alice, ["notes"])  # an update path as well as the insert
    # ... and through the pages, which also write sessions, messages and audit events.
    alice_client.get(f"/clients/{client.pk}/")
    canary_plan(alice_client, client)
    alice_client.post(f"/clients/{client.pk}/archive/")
    text = raw_rows_as_text()
    assert str(client.pk) in text or client.pk.hex in text  # we did read the rows
    assert "crisisplan_planversion" in connection.introspection.table_names()
    from crisisplan.plans.models import PlanVersion

    assert PlanVersion.objects.filter(plan__client=client).count() == 3
    for needle in (CANARY, "Canary", "1977-07-07", "2023-03-03"):
        assert needle not in text


def test_canary_is_not_in_dumpdata(alice_client: Any, alice: Any) -> None:
    canary_plan(alice_client, canary_client(alice))
    out = io.StringIO()
    call_command("dumpdata", "clients", "crisisplan", stdout=out)
    dumped = out.getvalue()
    assert '"model": "clients.client"' in dumped
    assert '"model": "crisisplan.planversion"' in dumped
    assert CANARY not in dumped
    assert "Canary" not in dumped
    assert "1977-07-07" not in dumped


def test_dumpdata_and_loaddata_keep_ciphertext_bound(alice: Any, tmp_path: Any) -> None:
    client = canary_client(alice)
    out = io.StringIO()
    call_command("dumpdata", "crisisplan.datakey", "clients", stdout=out)
    fixture = tmp_path / "clients.json"
    fixture.write_text(out.getvalue())
    client.destroy()
    assert not Client.objects.exists()

    call_command("loaddata", str(fixture), verbosity=0)
    restored = Client.objects.select_related("data_key").get(pk=client.pk)
    assert restored.notes == f"{CANARY}-notes"

    # The same fixture with a ciphertext moved to another field does not decrypt.
    objects = json.loads(fixture.read_text())
    row = next(o for o in objects if o["model"] == "clients.client")
    row["fields"]["full_name"] = row["fields"]["notes"]
    fixture.write_text(json.dumps(objects))
    call_command("loaddata", str(fixture), verbosity=0)
    with pytest.raises(DecryptionError):
        _ = Client.objects.select_related("data_key").get(pk=client.pk).full_name
