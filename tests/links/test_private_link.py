"""The client's private link: the therapist's side, the landing page, the PIN, the plan
page, the kept copy, dead links, rate limits, headers and the open log."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from crisisplan.core.keys import parse_keyring
from crisisplan.core.models import AuditEvent
from crisisplan.links import recall
from crisisplan.links.models import LinkOpen, PrivateLink
from crisisplan.plans.models import Plan
from hotlines.models import Service
from tests.factory import full_content, make_client, make_plan, make_service

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


@pytest.fixture
def record(alice: Any) -> Any:
    return make_client(
        alice,
        preferred_name="Robin",
        full_name="Robin Canary-Surname",
        city="Leeds",
        country="GB",
        subdivision="GB-ENG",
        emergency_contact_name="Maya",
        emergency_contact_phone="07700 900456",
    )


@pytest.fixture
def directory(db: None) -> list[Service]:
    return [
        make_service("Emergency services", country="GB", kind="emergency", phone="999"),
        make_service(
            "Shout", country="GB", kind="text_line", phone=None, sms="85258", sms_keyword="SHOUT"
        ),
        make_service("Samaritans", country="GB", phone="116 123"),
    ]


@pytest.fixture
def plan(record: Any, directory: list[Service]) -> Plan:
    plan = make_plan(record, full_content(1), full_content(2))
    plan.publish(plan.version(2), record.therapist)
    return plan


def issue(plan: Plan, pin: str = "", days: int = 180) -> str:
    """A new link for ``plan``; returns its path."""
    _link, token = PrivateLink.issue(plan, plan.client.therapist, days=days, pin=pin)
    return reverse("links:landing", args=[token])


def open_plan(browser: HttpClient, path: str, pin: str = "") -> Any:
    data = {"pin": pin} if pin else {}
    response = browser.post(path, data, HTTP_USER_AGENT=PHONE_UA)
    assert response.status_code == 302, response.content.decode()[:500]
    return browser.get(response["Location"])


def assert_private_headers(response: Any) -> None:
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "http" not in csp  # no third-party origin


# --- the therapist's side -------------------------------------------------------------


def test_create_shows_the_url_once_and_stores_only_its_hash(
    alice_client: HttpClient, plan: Plan
) -> None:
    manage = reverse("links:manage", args=[plan.client.pk])
    assert alice_client.get(manage).status_code == 200
    response = alice_client.post(
        reverse("links:create", args=[plan.client.pk]), {"expires_in_days": "90", "pin": ""}
    )
    # POST-redirect-GET: the token is in no URL, and a reload shows the page again.
    made = reverse("links:created", args=[plan.client.pk])
    assert response.status_code == 302 and response["Location"] == made
    response = alice_client.get(made)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    url = re.search(r'value="(http://testserver/p/([^/]+)/)"', response.content.decode())
    assert url, "the new URL is shown"
    token = url.group(2)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32  # 256 bits
    assert 'src="data:image/svg+xml' in response.content.decode()  # the QR code
    link = PrivateLink.objects.get(plan=plan)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(PrivateLink.objects.values_list().get(pk=link.pk))
    assert timedelta(days=89) < link.expires_at - timezone.now() <= timedelta(days=90)
    # Never shown again: not on a reload, not on the link's page, not in the session.
    again = alice_client.get(made)
    assert again.status_code == 302 and again["Location"] == manage
    assert token not in alice_client.get(manage).content.decode()
    assert token not in str(dict(alice_client.session))
    assert PrivateLink.objects.filter(plan=plan).count() == 1  # the reload made no link
    assert AuditEvent.objects.filter(action="link_create", client_id=plan.client.pk).exists()


def test_default_expiry_is_six_months(alice_client: HttpClient, plan: Plan) -> None:
    alice_client.post(reverse("links:create", args=[plan.client.pk]), {"expires_in_days": "180"})
    link = PrivateLink.objects.get(plan=plan)
    assert (link.expires_at - link.created_at).days == PrivateLink.DEFAULT_EXPIRY_DAYS == 180


def test_rotating_kills_the_old_url_at_once(plan: Plan) -> None:
    old, new = issue(plan), issue(plan)
    browser = HttpClient()
    assert browser.get(old).status_code == 404
    assert browser.get(new).status_code == 200
    assert PrivateLink.objects.current().filter(plan=plan).count() == 1
    assert AuditEvent.objects.filter(action="link_rotate").exists()


def test_revoke_takes_effect_at_once(alice_client: HttpClient, plan: Plan) -> None:
    path = issue(plan)
    browser = HttpClient()
    page = open_plan(browser, path)
    assert page.status_code == 200
    revoke = reverse("links:revoke", args=[plan.client.pk])
    link = PrivateLink.objects.current().get(plan=plan)
    confirm = alice_client.get(revoke)  # asks first
    assert confirm.status_code == 200
    assert "current link stops working" in confirm.content.decode()
    assert PrivateLink.objects.current().filter(plan=plan).exists()
    response = alice_client.post(revoke, {"link": str(link.pk)})
    assert response.status_code == 302
    # The client's open page dies with the link, even with the grant in the session.
    gone = browser.get(path + "plan/")
    assert gone.status_code == 404
    assert 'href="tel:999"' in gone.content.decode()


def test_bad_pin_and_expiry_choices_are_refused(alice_client: HttpClient, plan: Plan) -> None:
    create = reverse("links:create", args=[plan.client.pk])
    letters = alice_client.post(create, {"expires_in_days": "180", "pin": "abcd"})
    assert letters.status_code == 400
    assert "4 to 8 digits" in letters.content.decode()
    odd = alice_client.post(create, {"expires_in_days": "7"})
    assert odd.status_code == 400
    assert not PrivateLink.objects.exists()


def test_link_needs_a_saved_plan(alice_client: HttpClient, record: Any) -> None:
    response = alice_client.post(
        reverse("links:create", args=[record.pk]), {"expires_in_days": "180"}
    )
    assert response.status_code == 302
    assert not PrivateLink.objects.exists()


@pytest.mark.parametrize(
    ("name", "method", "wrong"),
    [
        ("links:manage", "get", "post"),
        ("links:create", "post", "get"),
        ("links:created", "get", "post"),
        ("links:replace", "get", "post"),
        ("links:revoke", "get", "put"),
        ("links:revoke", "post", "put"),
        ("links:unlock", "post", "get"),
    ],
)
def test_therapist_link_urls_check_owner_method_and_login(
    client: HttpClient,
    alice: Any,
    bob: Any,
    carol: Any,
    plan: Plan,
    name: str,
    method: str,
    wrong: str,
) -> None:
    issue(plan)
    link = PrivateLink.objects.current().get()
    data = {"expires_in_days": "180", "replaces": str(link.pk), "link": str(link.pk)}
    url = reverse(name, args=[plan.client.pk])
    assert getattr(client, method)(url).status_code == 302  # anonymous: to login
    assert getattr(client, method)(url)["Location"].startswith(reverse("login"))
    for other in (bob, carol):
        client.force_login(other)
        assert getattr(client, method)(url, data).status_code == 404
    client.force_login(alice)
    assert getattr(client, wrong)(url).status_code == 405
    assert PrivateLink.objects.current().get() == link  # nobody else changed anything


# --- the landing page -----------------------------------------------------------------


def test_landing_shows_no_personal_data_and_does_not_count_as_an_open(plan: Plan) -> None:
    path = issue(plan)
    browser = HttpClient()
    for response in (browser.get(path, HTTP_USER_AGENT="WhatsApp/2.23"), browser.head(path)):
        assert response.status_code == 200
        assert_private_headers(response)
    page = browser.get(path).content.decode()
    for private in ("Robin", "Canary-Surname", "Leeds", "Maya", "07700", "Dr. Ito"):
        assert private not in page
    assert 'href="tel:999"' in page  # the region's emergency number
    assert 'href="tel:116123"' in page  # and its crisis line
    assert "Open my plan" in page
    assert not LinkOpen.objects.exists()


def test_options_and_other_methods_leak_nothing(plan: Plan) -> None:
    path = issue(plan)
    for response in (
        HttpClient().options(path),
        HttpClient().put(path),
        HttpClient().delete(path + "plan/"),
    ):
        assert response.status_code == 405
        assert_private_headers(response)
        assert b"Robin" not in response.content


def test_opening_records_the_open_and_shows_the_plan(plan: Plan) -> None:
    path = issue(plan)
    browser = HttpClient()
    page = open_plan(browser, path)
    assert page.status_code == 200
    assert_private_headers(page)
    html = page.content.decode()
    assert "warning_signs 0" in html  # the published version's text
    assert 'href="tel:999"' in html  # emergency number, tap to call
    assert html.index('href="tel:999"') < html.index("warning_signs 0")  # at the top
    assert 'href="tel:0113496' in html  # a plan's phone number is a tel: link
    assert 'href="sms:85258?body=SHOUT"' in html  # texting where the directory says so
    assert "Last reviewed" not in html  # published, but not reviewed together yet
    assert "first time this plan has been opened" in html
    opened = LinkOpen.objects.get()
    assert opened.browser == "Chrome"
    # A second open shows the first as "last opened".
    again = open_plan(HttpClient(), path)
    assert "last opened on" in again.content.decode()


def test_the_plan_page_needs_the_button_first(plan: Plan) -> None:
    path = issue(plan)
    response = HttpClient().get(path + "plan/")
    assert response.status_code == 302
    assert response["Location"] == path


def test_the_plan_page_leaves_empty_sections_out(record: Any, directory: Any) -> None:
    from crisisplan.plans.sections import PlanContent

    plan = make_plan(record, PlanContent({"coping": [{"text": "Walk the dog"}]}))
    plan.publish(plan.version(1), record.therapist)
    html = open_plan(HttpClient(), issue(plan)).content.decode()
    assert "Walk the dog" in html
    assert "Warning signs" not in html


def test_an_unpublished_plan_shows_the_emergency_numbers(record: Any, directory: Any) -> None:
    plan = make_plan(record, full_content(1))
    html = open_plan(HttpClient(), issue(plan)).content.decode()
    assert "not shared the plan yet" in html
    assert "warning_signs 0" not in html
    assert 'href="tel:999"' in html


def test_a_plan_that_cannot_be_decrypted_still_shows_help(plan: Plan, settings: Any) -> None:
    path = issue(plan)
    browser = HttpClient()
    browser.post(path)
    # The key that wrapped this client's data key is gone from ENCRYPTION_KEYS.
    settings.ENCRYPTION_KEYRING = parse_keyring(
        "other:" + base64.b64encode(bytes(range(100, 132))).decode()
    )
    browser.raise_request_exception = False
    response = browser.get(path + "plan/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be shown right now" in html
    assert 'href="tel:999"' in html
    assert "Traceback" not in html


def test_the_kept_copy_is_one_self_contained_file(plan: Plan) -> None:
    path = issue(plan)
    browser = HttpClient()
    browser.post(path)
    response = browser.get(path + "plan/copy/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-crisis-plan.html"'
    html = response.content.decode()
    assert "<style>" in html and "--accent" in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(/|https?://(?!findahelpline))', html)
    assert "warning_signs 0" in html
    assert 'href="tel:999"' in html


# --- PINs -------------------------------------------------------------------------------


def test_pin_comes_first(plan: Plan) -> None:
    path = issue(plan, pin="2468")
    browser = HttpClient()
    assert 'name="pin"' in browser.get(path).content.decode()
    no_pin = browser.post(path, {})
    assert no_pin.status_code == 400
    letters = browser.post(path, {"pin": "abcd"})
    assert letters.status_code == 400
    assert "4 to 8 digits" in letters.content.decode()
    wrong = browser.post(path, {"pin": "1111"})
    assert wrong.status_code == 403
    assert "not right" in wrong.content.decode()
    assert open_plan(browser, path, "2468").status_code == 200


def test_wrong_pins_lock_the_link_until_the_therapist_unlocks(
    alice_client: HttpClient, plan: Plan
) -> None:
    path = issue(plan, pin="2468")
    browser = HttpClient()
    for attempt in range(PrivateLink.PIN_FAILURE_LIMIT):
        assert browser.post(path, {"pin": f"000{attempt}"}).status_code == 403
    locked = browser.post(path, {"pin": "2468"})
    assert locked.status_code == 403
    assert "paused" in locked.content.decode()
    assert 'href="tel:999"' in locked.content.decode()
    assert "paused" in browser.get(path).content.decode()
    assert not LinkOpen.objects.exists()
    alice_client.post(reverse("links:unlock", args=[plan.client.pk]))
    assert open_plan(browser, path, "2468").status_code == 200


def test_the_lock_ends_by_itself(plan: Plan) -> None:
    path = issue(plan, pin="2468")
    link = PrivateLink.objects.get()
    link.locked_until = timezone.now() - timedelta(seconds=1)
    link.save(update_fields=["locked_until"])
    assert open_plan(HttpClient(), path, "2468").status_code == 200


def test_missing_csrf_token_is_refused_without_a_leak(plan: Plan) -> None:
    path = issue(plan)
    browser = HttpClient(enforce_csrf_checks=True)
    response = browser.post(path)
    assert response.status_code == 403
    assert_private_headers(response)
    assert "Please try again" in response.content.decode()
    assert 'href="tel:999"' in response.content.decode()  # the link's region's help
    assert b"Robin" not in response.content
    assert not LinkOpen.objects.exists()


# --- dead links -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/p/x/",
        "/p/" + "A" * 43 + "/",
        "/p/" + "A" * 5000 + "/",
        "/p/%00%ff%3Cscript%3E/",
        "/p/../../etc/passwd",
        "/p/a/b/c/",
        "/p/" + "é" * 43 + "/plan/",
    ],
)
def test_unknown_and_malformed_tokens_get_the_same_404(
    client: HttpClient, db: None, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert_private_headers(response)
    html = response.content.decode()
    assert "This link does not work" in html
    assert 'href="tel:112"' in html  # general emergency help
    assert "findahelpline.com" in html


def test_an_expired_link_that_was_never_revoked_is_dead(plan: Plan) -> None:
    """Expiry on its own (no revoke, no second issue()): 404 on GET and POST, and for a
    browser that opened the plan before the link expired, its plan and copy too."""
    path = issue(plan)
    browser = HttpClient()
    assert open_plan(browser, path).status_code == 200
    link = PrivateLink.objects.get()
    PrivateLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    link.refresh_from_db()
    assert link.revoked_at is None and link.status == PrivateLink.Status.EXPIRED
    for visitor in (browser, HttpClient()):
        for response in (
            visitor.get(path),
            visitor.post(path),
            visitor.get(path + "plan/"),
            visitor.get(path + "plan/copy/"),
        ):
            assert response.status_code == 404
            page = response.content.decode()
            assert "This link does not work" in page
            assert "Robin" not in page and "warning_signs" not in page
            # The documented trade-off: an expired link keeps its region's numbers.
            assert 'href="tel:999"' in page
    assert LinkOpen.objects.count() == 1  # the open before it expired, no other


def _unknown_token_like(token: str) -> str:
    """Another well-formed token, never issued."""
    return ("B" if token[0] != "B" else "C") + token[1:]


def _comparable(response: Any) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted(
        (k, v) for k, v in response.headers.items() if k.lower() not in ("date", "x-request-id")
    )
    # Every page carries a fresh random CSRF token (the language switch's form): the same
    # for a dead and an unknown link but for its random bytes.
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"(csrf)", response.content)
    return response.status_code, content, headers


def test_revoked_and_replaced_links_answer_exactly_like_an_unknown_token(plan: Plan) -> None:
    """Whoever holds an old URL learns nothing from it: not that it was real, not the
    region of its client. Byte for byte the answer to a token never issued."""
    plan.client.language = "ar"  # not even the client's language gives it away
    plan.client.save()
    revoked_link, revoked = PrivateLink.issue(plan, None)
    revoked_link.revoke(None)
    _replaced_link, replaced = PrivateLink.issue(plan, None)
    PrivateLink.issue(plan, None)  # replaces the one before
    for token in (revoked, replaced):
        for suffix, method in (("", "get"), ("", "post"), ("plan/", "get"), ("plan/copy/", "get")):
            dead = getattr(HttpClient(), method)(f"/p/{token}/{suffix}")
            unknown = getattr(HttpClient(), method)(f"/p/{_unknown_token_like(token)}/{suffix}")
            assert dead.status_code == 404
            assert _comparable(dead) == _comparable(unknown)
            assert "Samaritans" not in dead.content.decode()  # not the region's help
            assert "help-general" in dead.content.decode()  # but the general help


def test_a_revoked_link_is_not_remembered_for_the_outage_page(plan: Plan) -> None:
    """The 503 page (database down) shows the region this process remembers of a link:
    never for a revoked or replaced one, which answers like an unknown token."""
    recall.forget_all()
    link, token = PrivateLink.issue(plan, None)
    link.revoke(None)
    HttpClient().get(f"/p/{token}/")
    assert recall.region_help_for_path(f"/p/{token}/") is None
    _link, working = PrivateLink.issue(plan, None)
    HttpClient().get(f"/p/{working}/")
    assert recall.region_help_for_path(f"/p/{working}/") is not None
    recall.forget_all()


def test_a_refused_form_and_the_rate_limit_on_a_revoked_link_name_no_region(
    plan: Plan, settings: Any
) -> None:
    link, token = PrivateLink.issue(plan, None)
    link.revoke(None)
    refused = HttpClient(enforce_csrf_checks=True).post(f"/p/{token}/")
    assert refused.status_code == 403
    assert "Samaritans" not in refused.content.decode()
    assert "help-general" in refused.content.decode()
    settings.LINK_RATE_LIMIT_PER_LINK = (1, 3600)
    HttpClient().get(f"/p/{token}/")
    too_many = HttpClient().get(f"/p/{token}/")
    assert too_many.status_code == 429
    assert "Samaritans" not in too_many.content.decode()
    assert "help-general" in too_many.content.decode()


def test_a_token_is_found_by_its_whole_hash_only(plan: Plan) -> None:
    """The stored hash of another link shares all but its last characters with this
    token's hash: no match. (A lookup by a prefix of the hash would find it.)"""
    _link, token = PrivateLink.issue(plan, None)
    PrivateLink.objects.all().delete()
    digest = PrivateLink.hash_token(token)
    other_plan = make_plan(make_client(plan.client.therapist, country="GB"), full_content(1))
    near, _ = PrivateLink.issue(other_plan, None)
    last = "0" if digest[-1] != "0" else "1"
    PrivateLink.objects.filter(pk=near.pk).update(token_hash=digest[:-1] + last)
    assert PrivateLink.find(token) is None
    response = HttpClient().get(f"/p/{token}/")
    assert response.status_code == 404
    # ... and the link whose hash it is still works.
    PrivateLink.objects.filter(pk=near.pk).update(token_hash=digest)
    assert PrivateLink.find(token).pk == near.pk


# --- rate limits ------------------------------------------------------------------------
# Counters run in fixed windows; hour-long windows keep a test from straddling two.


def test_requests_per_address_are_limited(plan: Plan, settings: Any) -> None:
    settings.LINK_RATE_LIMIT_PER_ADDRESS = (3, 3600)
    path = issue(plan)
    browser = HttpClient(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert browser.get(path).status_code == 200
    limited = browser.get(path)
    assert limited.status_code == 429
    assert_private_headers(limited)
    assert limited["Retry-After"] == "3600"
    assert 'href="tel:999"' in limited.content.decode()  # the link's region's help
    # Unknown tokens count too (no guessing), and another address is not affected.
    unknown = browser.get("/p/unknown/")
    assert unknown.status_code == 429
    assert 'href="tel:112"' in unknown.content.decode()  # the general numbers
    assert HttpClient(REMOTE_ADDR="203.0.113.10").get(path).status_code == 200


def test_requests_per_link_are_limited(plan: Plan, settings: Any) -> None:
    settings.LINK_RATE_LIMIT_PER_LINK = (2, 3600)
    path = issue(plan)
    assert HttpClient(REMOTE_ADDR="198.51.100.1").get(path).status_code == 200
    assert HttpClient(REMOTE_ADDR="198.51.100.2").get(path).status_code == 200
    assert HttpClient(REMOTE_ADDR="198.51.100.3").get(path).status_code == 429


def test_behind_a_proxy_the_forwarded_address_counts(plan: Plan, settings: Any) -> None:
    settings.LINK_RATE_LIMIT_PER_ADDRESS = (1, 3600)
    settings.BEHIND_TLS_PROXY = True
    path = issue(plan)
    proxy = HttpClient(REMOTE_ADDR="127.0.0.1")
    assert proxy.get(path, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 200
    assert proxy.get(path, HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 200
    assert proxy.get(path, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429


# --- the therapist sees the opens -------------------------------------------------------


def test_opens_show_on_the_client_record_and_dashboard(
    alice_client: HttpClient, plan: Plan
) -> None:
    open_plan(HttpClient(), issue(plan, pin="1234"), "1234")
    detail = alice_client.get(reverse("clients:detail", args=[plan.client.pk])).content.decode()
    assert "Opened by the client" in detail
    assert "Chrome" in detail
    dashboard = alice_client.get(reverse("clients:dashboard")).content.decode()
    assert "Active" in dashboard


@pytest.mark.parametrize("extra_services", [0, 40])
def test_link_pages_take_a_fixed_number_of_queries(
    plan: Plan, django_assert_num_queries: Any, extra_services: int
) -> None:
    """Session, the rate counters (one statement), and one query for the link with its
    plan, client, key and published version, the plan's pins and hides (the landing page
    leaves out hidden lines too) and the directory's version (LinkPageQuery). The first
    lookup of a region adds three."""
    for n in range(extra_services):
        make_service(f"Line {n}", country="GB", phone=f"0800 {n:03d} 000")
    path = issue(plan)
    browser = HttpClient()
    browser.post(path)
    with django_assert_num_queries(6):
        assert browser.get(path).status_code == 200
    with django_assert_num_queries(3):
        assert browser.get(path).status_code == 200
    with django_assert_num_queries(3):
        assert browser.get(path + "plan/").status_code == 200


def test_a_corrected_number_reaches_an_open_plan_page_at_once(
    plan: Plan, directory: list[Service]
) -> None:
    path = issue(plan)
    browser = HttpClient()
    page = open_plan(browser, path)  # the region's lookup is now remembered
    assert 'href="tel:116123"' in page.content.decode()
    method = directory[2].contact_methods.get(kind="phone")
    method.value = "116 000"
    method.save()
    html = browser.get(path + "plan/").content.decode()
    assert 'href="tel:116000"' in html
    assert 'href="tel:116123"' not in html


# --- weight -----------------------------------------------------------------------------


def test_landing_and_plan_pages_weigh_under_20_kb_compressed(
    client: HttpClient, plan: Plan
) -> None:
    full = make_plan(make_client(plan.client.therapist, country="GB"), full_content(4))
    full.publish(full.version(1), plan.client.therapist)
    path = issue(full)
    landing = client.get(path).content
    page = open_plan(client, path).content
    css_path = re.search(rb'href="(/static/css/app\.[0-9a-f]+\.css)"', page).group(1).decode()
    css = b"".join(client.get(css_path).streaming_content)
    for html in (landing, page):
        size = len(gzip.compress(html)) + len(gzip.compress(css))
        print(f"{len(html)} bytes of HTML + {len(css)} of CSS = {size} bytes gzipped")
        assert size < 20 * 1024


# --- one source of truth for the link's state -------------------------------------------


def test_the_link_status_is_what_every_page_shows(alice_client: HttpClient, plan: Plan) -> None:
    link, _token = PrivateLink.issue(plan, plan.client.therapist)
    detail = reverse("clients:detail", args=[plan.client.pk])
    pages = [reverse("clients:dashboard"), detail, reverse("links:manage", args=[plan.client.pk])]

    def badges() -> set[str]:
        found = set()
        for page in pages:
            html = alice_client.get(page).content.decode()
            found |= set(
                re.findall(r'<span class="badge badge-(?:ok|warn|danger|muted)">(\w+)', html)
            )
        return found - {"Published", "Location"}  # the plan's, and "Location never confirmed"

    assert link.status == PrivateLink.Status.ACTIVE and badges() == {"Active"}
    PrivateLink.objects.filter(pk=link.pk).update(
        locked_until=timezone.now() + timedelta(minutes=5)
    )
    link.refresh_from_db()
    assert link.status == PrivateLink.Status.PAUSED and badges() == {"Paused"}
    PrivateLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    link.refresh_from_db()
    assert link.status == PrivateLink.Status.EXPIRED and badges() == {"Expired"}
    link.revoke(plan.client.therapist)
    assert link.status == PrivateLink.Status.REVOKED
    assert badges() == set()  # a revoked link is no link: "None" on every page
