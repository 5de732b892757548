"""The crisis moment on the client's phone, in Chromium at 360 px: both kinds of help on
every page as large tap targets (every target measured), the bar that stays on screen
while scrolling, "somewhere else?", the plan kept on the phone and opened offline, the
printed plan, and each page's accessibility and reflow."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Error, Page, expect

from crisisplan.links.models import PrivateLink
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TAP = 44  # CSS px, both ways

# Everything a finger can hit that is on screen (or would be, scrolled to).
TARGETS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const style = getComputedStyle(el);
    if (!el.getClientRects().length || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    out.push({what: (el.getAttribute('href') || el.textContent || el.name || el.tagName).trim()
              .replace(/\\s+/g, ' ').slice(0, 50),
              width: Math.round(box.width * 10) / 10, height: Math.round(box.height * 10) / 10});
  }
  return out;
}"""


@pytest.fixture
def plan(alice: Any) -> Any:
    make_service("ISF police", country="LB", kind="emergency", phone="112")
    make_service("Red Cross ambulance", country="LB", kind="emergency", phone="140", priority=200)
    make_service("Embrace LifeLine", country="LB", phone="1564", url="https://embracelebanon.org")
    make_service("SAMU", country="FR", kind="emergency", phone="15")
    make_service("3114", country="FR", phone="3114")
    make_service("Corsica line", country="FR", subdivision="FR-20R", phone="0800 100 100")
    record = make_client(
        alice,
        preferred_name="Rana",
        country="LB",
        subdivision="",
        emergency_contact_name="Maya",
        emergency_contact_phone="+961 3 654 321",
    )
    content = full_content(2)
    content.data["helpers"][0].update(phone="+961 3 654 321", whatsapp="yes")
    plan = make_plan(record, content)
    plan.publish(plan.version(1), alice)
    return plan


def phone(browser: Browser, **options: Any) -> tuple[BrowserContext, Page]:
    context = browser.new_context(**PHONE, **options)
    return context, context.new_page()


def assert_tap_targets(page: Page, name: str, sizes: dict[str, float]) -> None:
    targets = page.evaluate(TARGETS_JS)
    assert targets, f"{name}: nothing to tap?"
    small = [t for t in targets if t["width"] < TAP or t["height"] < TAP]
    assert not small, f"{name}: tap targets under {TAP}x{TAP} px: {small}"
    sizes[name] = min(min(t["width"], t["height"]) for t in targets)


def assert_accessible(page: Page, name: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def assert_reflows(page: Page, name: str) -> None:
    """No sideways scroll at 360 px, nor with text at 200% (set through the CSSOM: the
    CSP allows no inline style)."""
    for size in ("", "200%"):
        page.evaluate(f"document.documentElement.style.fontSize = '{size}'")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} at {size or '100%'} scrolls sideways by {overflow}px"
    page.evaluate("document.documentElement.style.fontSize = ''")


def help_links(page: Page) -> tuple[Any, Any]:
    bar = page.get_by_role("banner", name="Help now")
    return (
        bar.get_by_role("link", name=re.compile("^Talk to someone now")),
        bar.get_by_role("link", name=re.compile("^In danger now")),
    )


def test_every_client_page_has_both_kinds_of_help_and_only_large_tap_targets(
    browser: Browser, live_server: Any, plan: Any, settings: Any, artifacts: Path
) -> None:
    sizes: dict[str, float] = {}
    _link, token = PrivateLink.issue(plan, None)
    landing = f"{live_server.url}/p/{token}/"
    context, page = phone(browser)

    def check(name: str, talk: str = "tel:1564", danger: str = "tel:112") -> None:
        talk_link, danger_link = help_links(page)
        expect(talk_link).to_have_attribute("href", talk)
        expect(danger_link).to_have_attribute("href", danger)
        for link in (talk_link, danger_link):
            box = link.bounding_box()
            assert box and box["width"] >= 120 and box["height"] >= 60, f"{name}: {box}"
        assert_tap_targets(page, name, sizes)
        assert_accessible(page, name)
        assert_reflows(page, name)
        page.screenshot(path=artifacts / f"client-{name}.png", full_page=True)

    page.goto(landing)
    check("landing")
    page.get_by_role("button", name="Open my plan").click()
    expect(page.get_by_role("heading", name="My crisis plan")).to_be_visible()
    expect(page.get_by_role("button", name="Keep on this phone")).to_be_visible()
    check("plan")
    page.get_by_text("Somewhere else? Help in another country").click()
    page.get_by_label("Country").select_option("FR")
    page.get_by_role("button", name="Show the numbers there").click()
    expect(page.get_by_role("heading", name="Help in France")).to_be_visible()
    page.get_by_label("Region").select_option("FR-20R")  # offered once France is chosen
    page.get_by_role("button", name="Show the numbers there").click()
    expect(page.get_by_role("heading", name="Help in Corse, France")).to_be_visible()
    check("plan-somewhere-else")

    # Expired: a dead link that keeps its region's help (the README's trade-off).
    PrivateLink.objects.update(expires_at=timezone.now())
    response = page.goto(landing)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    check("dead-link")
    _link, token = PrivateLink.issue(plan, None, pin="2468")  # replaces the first link
    response = page.goto(landing)
    assert response is not None and response.status == 404
    # A replaced link answers as a token never issued (issue 11): the general help, not
    # its client's region, still one tap away.
    bar = page.get_by_role("banner", name="Help now")
    talk = bar.get_by_role("link", name=re.compile("^Talk to someone now"))
    expect(talk).to_have_attribute("href", "https://findahelpline.com")
    expect(bar.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    assert_tap_targets(page, "replaced-link", sizes)
    assert_accessible(page, "replaced-link")
    assert_reflows(page, "replaced-link")
    page.screenshot(path=artifacts / "client-replaced-link.png", full_page=True)
    page.goto(f"{live_server.url}/p/{token}/")
    expect(page.get_by_label("Your PIN")).to_be_visible()
    check("pin")
    for _ in range(PrivateLink.PIN_FAILURE_LIMIT):
        page.get_by_label("Your PIN").fill("1111")
        page.get_by_role("button", name="Open my plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Your therapist can unlock it sooner")
    expect(page.get_by_role("alert")).to_contain_text("(Beirut time)")
    check("pin-paused")
    settings.LINK_RATE_LIMIT_PER_ADDRESS = (1, 3600)
    page.goto(f"{live_server.url}/p/{token}/")
    response = page.goto(f"{live_server.url}/p/{token}/")
    assert response is not None and response.status == 429
    check("too-many")
    context.close()
    print("smallest tap target side per page (CSS px):", sizes)


def test_the_help_bar_stays_on_screen_without_covering_the_plan(
    browser: Browser, live_server: Any, plan: Any, artifacts: Path
) -> None:
    _link, token = PrivateLink.issue(plan, None)
    context, page = phone(browser)
    page.goto(f"{live_server.url}/p/{token}/")
    page.get_by_role("button", name="Open my plan").click()
    keep = page.get_by_role("button", name="Keep on this phone")
    expect(keep).to_be_visible()  # the page's script has run: the page is whole
    bar = page.get_by_role("banner", name="Help now")
    heights = {}
    for size in ("", "200%"):
        page.evaluate(f"document.documentElement.style.fontSize = '{size}'")
        page.evaluate("window.scrollTo(0, 0)")
        top = bar.bounding_box()
        heights[size or "100%"] = top["height"]
        # At the top the bar is above the plan, not over it.
        heading = page.get_by_role("heading", name="My crisis plan").bounding_box()
        assert heading["y"] >= top["y"] + top["height"]
        for y in (1500, 100_000):
            page.evaluate(f"window.scrollTo(0, {y})")
            box = bar.bounding_box()
            assert box["y"] == 0 and page.evaluate("window.scrollY") > 0
            for link in help_links(page):
                center = link.bounding_box()
                x, y_ = center["x"] + center["width"] / 2, center["y"] + center["height"] / 2
                hit = page.evaluate(
                    f"document.elementFromPoint({x}, {y_}).closest('a').getAttribute('href')"
                )
                assert hit == link.get_attribute("href")  # on screen and on top
        # At the bottom, the last of the page is visible below the bar.
        last = keep.bounding_box()
        assert last["y"] >= box["height"] and last["y"] + last["height"] <= 740
        # A focused link is scrolled into view below the bar, not under it.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        target = page.get_by_role("link", name="+961 3 654 321").first
        page.evaluate("document.activeElement && document.activeElement.blur()")
        target.focus()
        focused = target.bounding_box()
        assert focused["y"] >= bar.bounding_box()["height"], (size, focused)
        page.screenshot(path=artifacts / f"client-plan-scrolled-{size or '100'}.png")
    page.evaluate("document.documentElement.style.fontSize = ''")
    print("help bar height (CSS px, of 740):", heights)
    assert heights["100%"] <= 0.12 * 740
    assert heights["200%"] <= 0.25 * 740

    # Not in print: no bar that stays, nothing of "somewhere else", "keep" or the buttons.
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.help-bar')).position") == (
        "static"
    )
    for selector in (".elsewhere", ".keep", ".plan-reach", ".actions"):
        expect(page.locator(selector).first).to_be_hidden()
    context.close()


def test_the_demo_plan_prints_on_two_a4_pages(
    browser: Browser, live_server: Any, db: None, settings: Any, artifacts: Path
) -> None:
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", base_url=live_server.url, stdout=out)
    url = re.search(r"^link: (\S+)$", out.getvalue(), re.M).group(1)
    page = browser.new_page()
    page.goto(url)
    # The demo client lives in Beirut, so the pages open in Arabic; both languages print.
    page.get_by_role("button", name="فتح خطتي").click()
    expect(page.get_by_role("heading", name="خطتي للأزمات")).to_be_visible()
    pdf = page.pdf(format="A4", path=artifacts / "demo-plan-ar.pdf")
    arabic = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="My crisis plan")).to_be_visible()
    pdf = page.pdf(format="A4", path=artifacts / "demo-plan.pdf")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    print("printed pages of the demo plan: English", pages, "Arabic", arabic)
    assert pages == 2 and arabic == 2
    page.close()


def test_keep_on_this_phone_opens_offline_then_is_removed(
    browser: Browser, live_server: Any, plan: Any, artifacts: Path
) -> None:
    _link, token = PrivateLink.issue(plan, None)
    landing = f"{live_server.url}/p/{token}/"
    context, page = phone(browser)
    page.goto(landing)
    # Installable (Chromium's own check; a test browser is always "incognito"), and the
    # installed app starts at this link's landing page.
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert {error["errorId"] for error in errors} <= {"in-incognito"}, errors
    manifest = cdp.send("Page.getAppManifest")
    assert not manifest["errors"]
    assert manifest["manifest"]["startUrl"] == manifest["manifest"]["scope"] == landing
    assert page.evaluate("caches.keys()") == []  # nothing kept unless chosen
    page.get_by_role("button", name="Open my plan").click()
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    keep = page.get_by_role("button", name="Keep on this phone")
    keep.click()
    status = page.get_by_role("status").filter(has_text="Kept on this phone since")
    expect(status).to_be_visible(timeout=15_000)
    kept = page.evaluate(
        """async () => { const out = {};
          for (const name of await caches.keys()) {
            out[name] = (await (await caches.open(name)).keys()).map(r => r.url); }
          return out; }"""
    )
    ((name, keys),) = kept.items()
    assert token not in name and not any(token in key for key in keys)  # no token in keys
    assert len(keys) == 4  # the page, its date, the stylesheet and the script

    # Airplane mode: the app's start page (the landing page) opens the kept plan.
    context.set_offline(True)
    page.goto(landing)
    expect(page.get_by_text("This copy was kept on this phone on")).to_be_visible()
    expect(page.get_by_text("warning_signs 0")).to_be_visible()
    talk, danger = help_links(page)
    expect(talk).to_have_attribute("href", "tel:1564")
    expect(danger).to_have_attribute("href", "tel:112")
    page.screenshot(path=artifacts / "client-kept-offline.png", full_page=True)
    assert_accessible(page, "kept copy")

    page.get_by_role("button", name="Remove from this phone").click()
    expect(page.get_by_role("status").filter(has_text="Removed from this phone")).to_be_visible()
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    with pytest.raises(Error, match="ERR_INTERNET_DISCONNECTED"):
        page.goto(landing)
    context.close()


def test_a_revoked_link_takes_the_kept_plan_away_on_the_next_online_visit(
    browser: Browser, live_server: Any, plan: Any
) -> None:
    link, token = PrivateLink.issue(plan, None)
    landing = f"{live_server.url}/p/{token}/"
    context, page = phone(browser)
    page.goto(landing)
    page.get_by_role("button", name="Open my plan").click()
    page.get_by_role("button", name="Keep on this phone").click()
    expect(page.get_by_role("status").filter(has_text="Kept on this phone")).to_be_visible(
        timeout=15_000
    )
    link.revoke(None)
    response = page.goto(landing)
    assert response is not None and response.status == 404
    page.wait_for_function("caches.keys().then(keys => keys.length === 0)")
    page.wait_for_function("navigator.serviceWorker.getRegistrations().then(r => r.length === 0)")
    context.set_offline(True)
    with pytest.raises(Error, match="ERR_INTERNET_DISCONNECTED"):
        page.goto(landing)
    context.close()


def test_without_javascript_somewhere_else_works_and_nothing_offers_to_keep(
    browser: Browser, live_server: Any, plan: Any
) -> None:
    _link, token = PrivateLink.issue(plan, None)
    context, page = phone(browser, java_script_enabled=False)
    page.goto(f"{live_server.url}/p/{token}/")
    page.get_by_text("Somewhere else? Help in another country").click()
    page.get_by_label("Country").select_option("FR")
    page.get_by_role("button", name="Show the numbers there").click()
    expect(page.get_by_role("heading", name="Help in France")).to_be_visible()
    assert page.url.endswith(f"/p/{token}/?country=FR")
    page.get_by_role("button", name="Open my plan").click()
    expect(page.get_by_role("heading", name="My crisis plan")).to_be_visible()
    expect(page.get_by_role("button", name="Keep on this phone")).to_be_hidden()
    expect(page.get_by_role("link", name="Keep a copy")).to_be_visible()
    context.close()
