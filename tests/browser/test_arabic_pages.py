"""The client's pages in Arabic (right to left) on a 360 px phone, in Chromium: the
landing page, the PIN page (with a wrong PIN too) and the plan. No sideways scroll, no
text cut off or pushed off the screen, axe finds nothing, the layout mirrors (the first
help button on the right), phone numbers read left to right, and the switch changes the
language and back. Screenshots: var/test-artifacts/arabic-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from crisisplan.links.models import PrivateLink
from tests.browser.test_client_pages import (
    PHONE,
    assert_accessible,
    assert_reflows,
    assert_tap_targets,
)
from tests.factory import full_content, make_client, make_plan, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEBANESE_NUMBER = "+961 1 234 567"

# Text that is cut off: an element whose content is wider or taller than its box while
# its overflow is hidden (a designed ellipsis, the sticky bar's long service name, is
# not), and text drawn outside the screen.
CLIPPED_JS = """() => {
  const out = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('.visually-hidden')) continue;
    const text = Array.from(el.childNodes).filter(n => n.nodeType === 3)
      .map(n => n.textContent.trim()).join(' ').trim();
    if (!text) continue;
    const hides = ['hidden', 'clip'].includes(style.overflowX) ||
                  ['hidden', 'clip'].includes(style.overflowY);
    if (hides && style.textOverflow !== 'ellipsis' &&
        (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
      out.push({text: text.slice(0, 40), why: 'cut off by its box'});
    }
    const box = el.getBoundingClientRect();
    if (box.left < -1 || box.right > width + 1) {
      out.push({text: text.slice(0, 40), why: `off screen: ${box.left}..${box.right}`});
    }
  }
  return out;
}"""

# Each isolated left-to-right run (a phone number): its direction, and whether its first
# character is drawn left of its last (so "+961 1 234 567" is not scrambled).
NUMBERS_JS = """() => Array.from(document.querySelectorAll('bdi[dir=ltr]'))
  .filter(el => el.getClientRects().length)
  .map(el => {
    const node = el.firstChild;
    const range = document.createRange();
    range.setStart(node, 0); range.setEnd(node, 1);
    const first = range.getBoundingClientRect();
    range.setStart(node, node.length - 1); range.setEnd(node, node.length);
    const last = range.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {text: el.textContent, direction: style.direction, bidi: style.unicodeBidi,
            inOrder: node.length < 2 || first.left < last.left};
  })"""


@pytest.fixture
def arabic_plan(alice: Any) -> Any:
    make_service("ISF police", country="LB", kind="emergency", phone="112")
    make_service("Red Cross ambulance", country="LB", kind="emergency", phone="140", priority=200)
    make_service("Embrace LifeLine", country="LB", phone="1564")
    make_service("Lebanese crisis text line", country="LB", phone=LEBANESE_NUMBER, priority=200)
    record = make_client(
        alice,
        preferred_name="رنا",
        preferred_language="العربية",
        language="",  # automatic: from the record
        country="LB",
        subdivision="",
        emergency_contact_name="مايا",
        emergency_contact_phone="+961 3 654 321",
    )
    assert record.language == "ar"
    content = full_content(2)
    content.data["helpers"][0].update(name="مايا", phone="+961 3 654 321", whatsapp="yes")
    content.data["warning_signs"][0]["text"] = "لا أنام، وأبتعد عن الناس"
    plan = make_plan(record, content)
    plan.publish(plan.version(1), alice)
    return plan


def assert_right_to_left(page: Page, name: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    # The help bar mirrors: its first button ("talk to someone now") on the right.
    items = page.locator(".help-bar .help-item")
    if items.count() >= 2:
        first, second = items.nth(0).bounding_box(), items.nth(1).bounding_box()
        if abs(first["y"] - second["y"]) < 5:  # side by side
            assert first["x"] > second["x"], f"{name}: the help bar is not mirrored"


def assert_nothing_cut_off(page: Page, name: str) -> None:
    clipped = page.evaluate(CLIPPED_JS)
    assert not clipped, f"{name}: text cut off: {clipped}"


def assert_numbers_left_to_right(page: Page, name: str) -> list[str]:
    numbers = page.evaluate(NUMBERS_JS)
    wrong = [n for n in numbers if n["direction"] != "ltr" or not n["inOrder"]]
    assert not wrong, f"{name}: numbers not read left to right: {wrong}"
    return [n["text"] for n in numbers]


def check(page: Page, name: str, artifacts: Path, sizes: dict[str, float]) -> None:
    assert_right_to_left(page, name)
    assert_nothing_cut_off(page, name)
    assert_tap_targets(page, name, sizes)
    assert_accessible(page, name)
    assert_reflows(page, name)
    page.screenshot(path=artifacts / f"arabic-{name}.png", full_page=True)
    # And screen by screen, to look at without zooming out.
    height = page.evaluate("document.documentElement.scrollHeight")
    for n, top in enumerate(range(0, height, 740), start=1):
        clip = {"x": 0, "y": top, "width": 360, "height": min(740, height - top)}
        page.screenshot(path=artifacts / f"arabic-{name}-{n}.png", full_page=True, clip=clip)


def test_landing_pin_and_plan_pages_in_arabic_on_a_phone(
    browser: Browser, live_server: Any, arabic_plan: Any, artifacts: Path
) -> None:
    _link, token = PrivateLink.issue(arabic_plan, None, pin="2468")
    context = browser.new_context(**PHONE, locale="en-GB")  # the record decides, not the phone
    page = context.new_page()
    sizes: dict[str, float] = {}

    page.goto(f"{live_server.url}/p/{token}/")
    check(page, "landing", artifacts, sizes)
    assert "112" in assert_numbers_left_to_right(page, "landing")

    pin = page.locator("input[name=pin]")
    pin.fill("1111")
    pin.press("Enter")
    expect(page.locator("#pin-error")).to_be_visible()
    check(page, "pin", artifacts, sizes)

    page.locator("input[name=pin]").fill("2468")
    page.locator("form.open-form button[type=submit]").click()
    expect(page.locator("article.client-plan")).to_be_visible()
    check(page, "plan", artifacts, sizes)
    numbers = assert_numbers_left_to_right(page, "plan")
    assert LEBANESE_NUMBER in numbers and "+961 3 654 321" in numbers

    # The switch: English, and back to Arabic, on the same page.
    page.locator("button[name=switch_language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("article.client-plan")).to_be_visible()
    page.locator("button[name=switch_language][value=ar]").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.url.endswith(f"/p/{token}/plan/")
    context.close()


def test_the_printed_plan_mirrors_too(
    browser: Browser, live_server: Any, arabic_plan: Any, artifacts: Path
) -> None:
    _link, token = PrivateLink.issue(arabic_plan, None)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/p/{token}/")
    page.locator("form.open-form button[type=submit]").click()
    expect(page.locator("article.client-plan")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".language-switch")).to_be_hidden()
    heading = page.evaluate(
        """() => { const range = document.createRange();
          range.selectNodeContents(document.querySelector('article.client-plan h1'));
          const box = range.getBoundingClientRect();
          return {left: box.left, right: box.right,
                  width: document.documentElement.clientWidth}; }"""
    )
    # Right to left: the heading's text starts at the right edge of the page.
    assert heading["right"] > heading["width"] * 0.8 > heading["left"], heading
    assert_nothing_cut_off(page, "print")
    page.screenshot(path=artifacts / "arabic-plan-print.png", full_page=True)
    context.close()
