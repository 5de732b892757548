"""The country and region picker (hotlines.places) on the client form, and the regions
it offers: by name, the chosen country's only, with or without JavaScript."""

from __future__ import annotations

import csv
from typing import Any

import pycountry
import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from clients.models import Client
from hotlines.regions import REGION_NAMES, place_name, region_choices, subdivision_name
from tests.factory import make_client, make_service

pytestmark = pytest.mark.django_db

ADD = reverse("clients:add")
REGIONS = reverse("hotlines:regions")


def region_options(response: Any) -> list[tuple[str, str]]:
    return list(response.context["form"].fields["subdivision"].choices)


def test_regions_are_offered_by_name_for_the_country_of_the_record(
    alice_client: HttpClient, alice: Any
) -> None:
    client = make_client(alice, country="LB", subdivision="LB-JL")
    response = alice_client.get(reverse("clients:edit", args=[client.pk]))
    options = region_options(response)
    assert ("LB-JL", "Jabal Lubnān") in options
    assert ("LB-BA", "Bayrūt") in options
    assert all(code == "" or code.startswith("LB-") for code, _name in options)
    content = response.content.decode()
    assert '<option value="LB-JL" selected>Jabal Lubnān</option>' in content
    # A select, not a code typed by hand (which was cut at six characters).
    assert (
        '<select name="subdivision"' in content
        and "maxlength" not in content.split('name="subdivision"')[1].split(">")[0]
    )


def test_without_a_country_no_region_is_offered(alice_client: HttpClient) -> None:
    assert region_options(alice_client.get(ADD)) == [("", "Choose a country first")]


def test_the_top_level_regions_and_those_in_use(alice: Any) -> None:
    # GB: the four nations, not its 200 counties and boroughs...
    assert [code for code, _name in region_choices("GB")] == [
        "GB-ENG",
        "GB-NIR",
        "GB-SCT",
        "GB-WLS",
    ]
    # ...except one the directory files entries under, named with its parent.
    make_service("Leeds line", country="GB", subdivision="GB-LDS")
    make_service("Elsewhere", country="DE", subdivision="DE-BE")
    from hotlines.places import regions_for

    assert ("GB-LDS", "Leeds (England)") in regions_for("GB")
    assert all(code.startswith("GB-") for code, _name in regions_for("GB"))


def test_a_lower_level_region_already_stored_stays_offered(
    alice_client: HttpClient, alice: Any
) -> None:
    client = make_client(alice, country="GB", subdivision="GB-LDS")
    response = alice_client.get(reverse("clients:edit", args=[client.pk]))
    assert ("GB-LDS", "Leeds (England)") in region_options(response)


def form_data(**overrides: str) -> dict[str, str]:
    data = {"preferred_name": "Nadia", "country": "LB", "subdivision": "", "city": "Beirut"}
    data.update(overrides)
    return data


def test_show_regions_without_javascript_keeps_everything_and_saves_nothing(
    alice_client: HttpClient, alice: Any
) -> None:
    client = make_client(alice, preferred_name="Nadia", country="DE", subdivision="DE-BE")
    url = reverse("clients:edit", args=[client.pk])
    # The country changed to Lebanon; the region list still shows Germany's.
    data = form_data(preferred_name="Nadia K.", subdivision="DE-BE", place_refresh="1")
    response = alice_client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound and not form.errors  # no error for the region not chosen yet
    assert ("LB-JL", "Jabal Lubnān") in region_options(response)
    content = response.content.decode()
    assert 'value="Nadia K."' in content and 'value="Beirut"' in content
    assert '<option value="LB" selected>' in content
    assert "has-error" not in content
    fresh = Client.objects.select_related("data_key").get(pk=client.pk)
    assert fresh.country == "DE" and fresh.preferred_name == "Nadia"


def test_show_regions_on_the_add_form_adds_nobody(alice_client: HttpClient) -> None:
    response = alice_client.post(ADD, form_data(preferred_name="", place_refresh="1"))
    assert response.status_code == 200
    assert ("LB-BA", "Bayrūt") in region_options(response)
    assert not Client.objects.exists()


def test_a_region_of_the_previous_country_is_refused_and_the_new_ones_shown(
    alice_client: HttpClient,
) -> None:
    response = alice_client.post(ADD, form_data(subdivision="DE-BE"))
    assert response.status_code == 200
    assert response.context["form"].errors["subdivision"] == [
        "Choose one of the regions of Lebanon, or none. The list shows them now."
    ]
    assert ("LB-JL", "Jabal Lubnān") in region_options(response)
    assert not Client.objects.exists()


def test_lebanon_with_a_region_by_name_is_saved(alice_client: HttpClient) -> None:
    response = alice_client.post(ADD, form_data(subdivision="LB-JL"))
    assert response.status_code == 302
    client = Client.objects.get()
    assert (client.country, client.subdivision) == ("LB", "LB-JL")


# --- the regions the JavaScript asks for -----------------------------------------------


def test_regions_json(alice_client: HttpClient) -> None:
    response = alice_client.get(REGIONS, {"country": "lb"})
    assert response.status_code == 200
    data = response.json()
    assert data["country"] == "LB"
    assert ["LB-JL", "Jabal Lubnān"] in data["regions"]
    assert len(data["regions"]) == 8


def test_regions_json_keeps_a_chosen_lower_level_region(alice_client: HttpClient) -> None:
    codes = [
        c
        for c, _ in alice_client.get(REGIONS, {"country": "GB", "keep": "GB-LDS"}).json()["regions"]
    ]
    assert "GB-LDS" in codes and "GB-ENG" in codes


def test_regions_json_of_an_unknown_country_is_404(alice_client: HttpClient) -> None:
    assert alice_client.get(REGIONS, {"country": "ZZ"}).status_code == 404
    assert alice_client.get(REGIONS).status_code == 404


def test_regions_json_needs_a_login_and_a_get(db: None, alice_client: HttpClient) -> None:
    response = HttpClient().get(REGIONS, {"country": "LB"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert alice_client.post(REGIONS, {"country": "LB"}).status_code == 405


def test_regions_json_is_three_queries_at_most(
    alice_client: HttpClient, django_assert_max_num_queries: Any
) -> None:
    alice_client.get(REGIONS, {"country": "DE"})  # the session's first request writes it
    with django_assert_max_num_queries(3):  # session, user, the directory's regions
        alice_client.get(REGIONS, {"country": "FR"})


# --- region names in the page's language -------------------------------------------------


def test_a_region_is_named_in_the_active_language_ours_where_iso_codes_has_none() -> None:
    assert subdivision_name("LB-BA") == "Bayrūt"  # English: the ISO name
    with translation.override("ar"):
        assert subdivision_name("LB-BA") == "بيروت"  # ours: iso-codes has none
        assert subdivision_name("AE-DU") == "دبي"
        assert subdivision_name("GB-ENG") == "England"  # neither: the ISO name
    with translation.override("fr"):
        assert subdivision_name("LB-JL") == "Mont-Liban"
        assert subdivision_name("AE-DU") == "Dubaï"  # iso-codes' own French
    assert subdivision_name("") == "" and subdivision_name("XX-YY") == "XX-YY"


def test_a_place_is_written_with_the_language_s_own_comma() -> None:
    assert place_name("LB", "LB-BA") == "Bayrūt, Lebanon"
    assert place_name("LB") == "Lebanon" and place_name("") == ""
    assert place_name("LB", "LB-BA", "Beirut") == "Beirut, Bayrūt, Lebanon"
    assert place_name("LB", "", "Beirut") == "Beirut, Lebanon"
    with translation.override("ar"):
        assert place_name("LB", "LB-BA") == "بيروت، لبنان"
        assert place_name("LB", "LB-BA", "Beirut") == "Beirut، بيروت، لبنان"
    with translation.override("fr"):
        assert place_name("LB", "LB-BA") == "Beyrouth, Liban"


def test_the_region_choices_are_named_and_sorted_in_the_active_language() -> None:
    with translation.override("ar"):
        names = [name for _code, name in region_choices("LB")]
    assert "بيروت" in names and "جبل لبنان" in names
    assert not any("ā" in name for name in names)


def test_every_curated_region_name_is_an_iso_region_in_a_language_of_the_app() -> None:
    """hotlines/data/region_names.csv: each row names a real ISO 3166-2 region, in one of
    settings.LANGUAGES but English (whose names are ISO's), once, with a name."""
    languages = {code for code, _name in settings.LANGUAGES} - {"en"}
    with REGION_NAMES.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    assert rows
    seen = set()
    for row in rows:
        assert pycountry.subdivisions.get(code=row["code"]) is not None, row
        assert row["language"] in languages, row
        assert row["name"].strip() == row["name"] and row["name"], row
        assert (row["code"], row["language"]) not in seen, row
        seen.add((row["code"], row["language"]))
