"""The in-process half of the benchmark, run by bench/run.py before the server starts:

- picks the pages to load (the demo therapist with 500 clients, a client in GB-ENG with
  a full published plan) and issues their private links through PrivateLink.issue;
- counts SQL queries (and decrypted values) per page with Django's test client and
  CaptureQueriesContext against the benchmark database, on the benchmarked objects and
  on a small and a large variant of each, to show whether counts stay constant as the
  data grows;
- writes the reference pages' template with exactly the plan page's byte size;
- times Argon2 password checks without HTTP.

Usage (with the benchmark's environment, see bench/run.py):
``python -m bench.probe OUT.json``. Writes a JSON object; with --profile DIR also a
pyinstrument profile of each page into DIR.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH_COUNTRY = "GB"
BENCH_REGION = "GB-ENG"
SMALL_COUNTRY = "LY"  # no starter entries (hotlines/data/README.md): the fallback
LARGE_VERSIONS = 30
# The server's address and host name, as gunicorn's requests have them.
ENVIRON = {"HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1"}


def baseline_html(size: int) -> str:
    """A static page of exactly ``size`` bytes (ASCII, no template tags)."""
    head = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Baseline</title>\n</head>\n<body>\n<main>\n<h1>Baseline</h1>\n"
    )
    tail = "</main>\n</body>\n</html>\n"
    sentence = "A static page of the same size as the plan page, for comparison. "
    room = size - len(head) - len(tail)
    if room < 8:
        raise ValueError(f"A baseline page needs at least {len(head) + len(tail) + 8} bytes.")
    paragraphs = []
    while room > 0:
        text = (sentence * 6)[: max(room - 8, 0)]
        paragraph = f"<p>{text}</p>\n"
        if len(paragraph) > room:  # the last one: pad with spaces to the exact size
            paragraph = "<p></p>\n".ljust(room) if room >= 8 else " " * room
        paragraphs.append(paragraph)
        room -= len(paragraph)
    html = head + "".join(paragraphs) + tail
    assert len(html.encode()) == size, (len(html.encode()), size)  # noqa: S101
    return html


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def _make_client(therapist: Any, country: str, region: str, versions: int) -> Any:
    """A client of ``therapist`` with a published plan of ``versions`` versions (the
    content of a seeded plan), made through the app's own create_for, save_version and
    publish."""
    from clients.models import Client
    from crisisplan.plans.models import Plan, PlanVersion
    from crisisplan.plans.sections import PlanContent

    template = PlanVersion.objects.select_related("plan__client__data_key").filter(
        plan__client__country=BENCH_COUNTRY, number=1
    )[0]
    content = PlanContent(template.content)
    record = Client.objects.create_for(
        therapist, preferred_name="Probe", country=country, subdivision=region
    )
    plan = Plan(client=record)
    version = None
    for number in range(versions):
        version = plan.save_version(therapist, content, number, f"Probe version {number + 1}")
    plan.publish(version, therapist)
    return record


def _session_data(records: dict[str, Any]) -> dict[str, Any]:
    """Each variant's client gets a check-in and a follow-up due today (so every
    therapist's dashboard lists one); the large one also 30 earlier check-ins, crisis
    events and recorded follow-ups. Returns each variant's pending follow-up id."""
    from django.utils import timezone

    from clients.models import CheckIn, CrisisEvent, FollowUp

    due = {}
    for variant, record in records.items():
        therapist = record.therapist
        extra = 30 if variant == "large" else 0
        for n in range(extra + 1):
            CheckIn.objects.record(
                record,
                therapist,
                country=BENCH_COUNTRY,
                subdivision=BENCH_REGION,
                place=f"Probe place {n}",
                phone="+44 7700 900123",
                company="alone",
            )
        for _ in range(extra):
            CrisisEvent.objects.record(
                record, therapist, occurred_at=timezone.now(), actions="Probe event"
            )
        past = [timezone.localdate() - datetime.timedelta(days=n + 1) for n in range(extra)]
        for follow_up in FollowUp.objects.schedule(record, therapist, past, "manual"):
            follow_up.record(therapist, outcome="not_reached", method="phone")
        (pending,) = FollowUp.objects.schedule(record, therapist, [timezone.localdate()], "manual")
        due[variant] = pending.pk
    return due


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--profile", type=Path, help="Write pyinstrument profiles here.")
    parser.add_argument("--profile-requests", type=int, default=50)
    args = parser.parse_args(argv)
    _setup()

    from django.conf import settings
    from django.contrib.auth.hashers import check_password
    from django.db import connection
    from django.db.models import Count
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    from bench.htmlform import post_form
    from bench.urls import BASELINE_PATH, SESSION_PATH, STATIC_PATH
    from bench.views import TEMPLATE
    from clients.models import Client
    from crisisplan.core import encryption
    from crisisplan.core.models import User
    from crisisplan.links.models import PrivateLink
    from crisisplan.management.commands.seed_demo import DEMO_EMAIL, DEMO_PASSWORD
    from crisisplan.plans.models import Plan, PlanVersion
    from hotlines.models import Service

    demo = User.objects.get(email=DEMO_EMAIL)
    small_therapist = (
        User.objects.filter(email__endswith="@bench.crisisplan.example").order_by("email").first()
    )
    bench_clients = list(
        Client.objects.for_therapist(demo)
        .filter(country=BENCH_COUNTRY, subdivision=BENCH_REGION, plan__current_number__gte=3)
        .order_by("created_at", "pk")[:3]
    )
    if len(bench_clients) < 3 or small_therapist is None:
        print("The benchmark data is missing: run seed_scale first.", file=sys.stderr)
        return 1
    link_client, *save_clients = bench_clients
    small = _make_client(small_therapist, SMALL_COUNTRY, "", 1)
    large = _make_client(demo, BENCH_COUNTRY, BENCH_REGION, LARGE_VERSIONS)
    # The large variant also pins and hides directory services, and has many opens.
    large_plan = Plan.objects.get(client=large)
    region = list(
        Service.objects.for_region(BENCH_COUNTRY, BENCH_REGION).values_list("pk", flat=True)
    )
    others = list(
        Service.objects.visible_to_clients()
        .filter(country=BENCH_COUNTRY)
        .exclude(pk__in=region)
        .values_list("pk", flat=True)[:5]
    )
    large_plan.set_directory_choices(set(others), set(region[1:3]), demo)

    def link_for(record: Any) -> str:
        plan = Plan.objects.select_related("client").get(client=record)
        return PrivateLink.issue(plan, record.therapist)[1]

    tokens = {"bench": link_for(link_client), "small": link_for(small), "large": link_for(large)}
    large_link = PrivateLink.find(tokens["large"])
    for _ in range(20):
        large_link.record_open("Mozilla/5.0 Firefox/130.0")

    countries = dict(
        Service.objects.filter(active=True, subdivision="")
        .values_list("country")
        .annotate(n=Count("pk"))
        .values_list("country", "n")
    )
    directory_large = max(sorted(countries), key=lambda c: countries[c])
    directory_small = min(sorted(countries), key=lambda c: countries[c])

    therapist_browsers = {"bench": demo, "small": small_therapist, "large": demo}
    logged_in: dict[str, HttpClient] = {}
    for variant, user in therapist_browsers.items():
        browser = HttpClient(**ENVIRON)
        browser.force_login(user)
        logged_in[variant] = browser

    def measure(
        browser: HttpClient, method: str, path: str, data: Any = None, status: int = 200
    ) -> dict:
        """One request's queries and decrypted values. Callers make the same request
        once before (first-request work: session touch, template loading), so that this
        one counts what a steady stream of requests costs."""
        before_decrypted = encryption.decryption_count()
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(path) if method == "GET" else browser.post(path, data)
        if response.status_code != status:
            raise SystemExit(f"{method} {path[:12]}... answered {response.status_code}.")
        return {
            "queries": len(queries),
            "decrypted": encryption.decryption_count() - before_decrypted,
            "status": response.status_code,
            "bytes": len(response.content),
            "html": response.content.decode(errors="replace"),
        }

    pages: dict[str, dict[str, dict]] = {}

    def record(page: str, variant: str, result: dict) -> dict:
        pages.setdefault(page, {})[variant] = {k: v for k, v in result.items() if k != "html"}
        return result

    # (b), (c): the client's landing page, the open (POST) and the plan page.
    client_browsers = {}
    for variant, token in tokens.items():
        browser = HttpClient(**ENVIRON)
        client_browsers[variant] = browser
        landing = f"/p/{token}/"
        browser.get(landing)
        record("landing", variant, measure(browser, "GET", landing))
        record("open (POST)", variant, measure(browser, "POST", landing, status=302))
        browser.get(f"{landing}plan/")
        record("plan", variant, measure(browser, "GET", f"{landing}plan/"))

    # (d) the dashboard, (e) the editor and a save, (f) the directory.
    editor_clients = {"bench": link_client, "small": small, "large": large}
    follow_ups = _session_data(editor_clients)
    for variant, browser in logged_in.items():
        browser.get("/")
        record("dashboard", variant, measure(browser, "GET", "/"))
        editor = f"/clients/{editor_clients[variant].pk}/plan/"
        browser.get(editor)
        result = record("editor", variant, measure(browser, "GET", editor))
        form = dict(post_form(result["html"], "base_version"))
        form["change_note"] = "Benchmark save"
        record("save (POST)", variant, measure(browser, "POST", editor, form, status=302))
        country = {"small": directory_small}.get(variant, directory_large)
        browser.get(f"/directory/?country={country}")
        record("directory", variant, measure(browser, "GET", f"/directory/?country={country}"))
        # (g) the emergency in a session: the check-in form, the Emergency page, a follow-up.
        session_pages = {
            "check-in": f"/clients/{editor_clients[variant].pk}/check-in/",
            "emergency": f"/clients/{editor_clients[variant].pk}/emergency/",
            "follow-up": f"/clients/{editor_clients[variant].pk}/follow-ups/{follow_ups[variant]}/",
        }
        for name, path in session_pages.items():
            browser.get(path)
            record(name, variant, measure(browser, "GET", path))

    # The reference pages: a template as large as the bench plan page, static (a sanity
    # row) and behind the fair baseline (b): session, one row, one upsert.
    plan_bytes = pages["plan"]["bench"]["bytes"]
    templates = Path(os.environ["BENCH_TEMPLATES_DIR"]) / TEMPLATE
    templates.parent.mkdir(parents=True, exist_ok=True)
    templates.write_text(baseline_html(plan_bytes), encoding="ascii")
    anonymous = HttpClient(**ENVIRON)
    anonymous.get(STATIC_PATH)
    for variant in ("bench", "small", "large"):
        record("static", variant, measure(anonymous, "GET", STATIC_PATH))
    fair = HttpClient(**ENVIRON)
    fair.get(SESSION_PATH, {"token_hash": PrivateLink.hash_token(tokens["bench"])})
    fair.get(BASELINE_PATH)
    for variant in ("bench", "small", "large"):
        record("baseline (b)", variant, measure(fair, "GET", BASELINE_PATH))

    # Argon2: one password check, as a login does it.
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        ok = check_password(DEMO_PASSWORD, demo.password)
        timings.append((time.perf_counter() - started) * 1000)
        assert ok  # noqa: S101
    hasher = settings.PASSWORD_HASHERS[0].rsplit(".", 1)[1]

    profiles = {}
    if args.profile:
        profiles = _profile(
            args.profile,
            args.profile_requests,
            {
                "static": (anonymous, STATIC_PATH),
                "baseline": (fair, BASELINE_PATH),
                "landing": (client_browsers["bench"], f"/p/{tokens['bench']}/"),
                "plan": (client_browsers["bench"], f"/p/{tokens['bench']}/plan/"),
                "dashboard": (logged_in["bench"], "/"),
                "editor": (logged_in["bench"], f"/clients/{link_client.pk}/plan/"),
                "directory": (logged_in["bench"], f"/directory/?country={directory_large}"),
            },
        )

    # The demo plan (seed_demo's, Rana's): the editor the targets name.
    demo_client = next(
        c
        for c in Client.objects.for_therapist(demo).select_related("data_key")
        if c.preferred_name == "Rana"
    )
    result = {
        "tokens": tokens,
        "link_client": str(link_client.pk),
        "demo_client": str(demo_client.pk),
        "save_clients": [str(c.pk) for c in save_clients],
        "directory_country": directory_large,
        "directory_country_small": directory_small,
        "pages": pages,
        "plan_bytes": plan_bytes,
        "argon2": {
            "hasher": hasher,
            "check_password_ms": round(statistics.median(timings), 1),
            "parameters": demo.password.split("$")[3],  # e.g. m=102400,t=2,p=8
        },
        "profiles": profiles,
        "data": {
            "therapists": User.objects.count(),
            "clients": Client.objects.count(),
            "clients_of_bench_therapist": Client.objects.for_therapist(demo).count(),
            "plan_versions": PlanVersion.objects.count(),
            "services": Service.objects.count(),
        },
    }
    args.out.write_text(json.dumps(result, indent=2))
    return 0


def _profile(folder: Path, requests: int, pages: dict[str, tuple[Any, str]]) -> dict[str, str]:
    """pyinstrument profiles of ``requests`` GETs of each page (text and HTML)."""
    from pyinstrument import Profiler

    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (browser, path) in pages.items():
        browser.get(path)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(requests):
            browser.get(path)
        profiler.stop()
        target = folder / f"{name}.txt"
        target.write_text(profiler.output_text(unicode=True, show_all=False))
        (folder / f"{name}.html").write_text(profiler.output_html())
        written[name] = str(target)
    return written


if __name__ == "__main__":
    sys.exit(main())
