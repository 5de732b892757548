"""Issue 19, point 2, in Chromium at 360 px: the plan kept on the phone opens when the
server answers 503 (its database stopped), and a phone without a kept copy still gets
the region's crisis line and emergency number on the 503 page. Real gunicorn and a
PostgreSQL cluster of the test's own (tests/faults/conftest.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.faults.conftest import Drill
from tests.faults.test_database_faults import settle

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def test_kept_on_this_phone_and_the_server_down(
    drill: Drill, browser: Browser, artifacts: Path
) -> None:
    settle(drill)
    landing = f"http://127.0.0.1:{drill.app.port}/p/{drill.tokens[3]}/"
    kept_context = browser.new_context(**PHONE)
    kept = kept_context.new_page()
    kept.goto(landing)
    kept.get_by_role("button", name="Open my plan").click()
    kept.get_by_role("button", name="Keep on this phone").click()
    status = kept.get_by_role("status").filter(has_text="Kept on this phone since")
    expect(status).to_be_visible(timeout=15_000)
    other_context = browser.new_context(**PHONE)
    other = other_context.new_page()
    for _ in range(4):  # every worker has served this link (and remembers its region)
        assert other.goto(landing).status == 200

    drill.cluster.stop()
    try:
        # The kept plan, as the service worker keeps it, instead of the server's 503.
        kept.goto(landing)
        expect(kept.get_by_text("This copy was kept on this phone on")).to_be_visible()
        expect(kept.get_by_text("I stop answering messages")).to_be_visible()
        kept.screenshot(path=artifacts / "kept-plan-server-down.png", full_page=True)

        # No kept copy: the 503 page, with the region's help at the top.
        answer = other.goto(landing)
        assert answer.status == 503
        assert int(answer.headers["retry-after"]) > 0
        bar = other.get_by_role("banner", name="Help now")
        talk = bar.get_by_role("link", name=re.compile("^Talk to someone now"))
        danger = bar.get_by_role("link", name=re.compile("^In danger now"))
        expect(talk).to_have_attribute("href", "tel:116123")
        expect(danger).to_have_attribute("href", "tel:999")
        expect(other.get_by_role("heading", name="Your plan cannot be opened right now"))
        other.screenshot(path=artifacts / "link-page-server-down.png", full_page=True)
    finally:
        drill.cluster.start()
    settle(drill)
    time.sleep(0.5)
    assert kept.goto(landing).status == 200  # online again: the server's own page
    kept_context.close()
    other_context.close()
