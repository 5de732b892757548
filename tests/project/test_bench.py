"""The benchmark (`make bench`): it refuses any database but its own, and its seed_scale
command loads the data set it measures. The benchmark itself is not run here."""

from __future__ import annotations

import copy
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient

from bench import guard
from bench.htmlform import assets, post_form
from bench.management.commands.seed_keys import Command as SeedKeys
from bench.management.commands.seed_scale import Command as SeedScale
from bench.probe import baseline_html
from bench.run import check_targets, children, cpu_ticks, percentile, summarize, verdict
from bench.urls import BASELINE_PATH, SESSION_PATH, STATIC_PATH
from clients.models import Client
from crisisplan.core.models import AuditEvent, DataKey, User
from crisisplan.links.models import PrivateLink, RateCounter
from crisisplan.management.commands.seed_demo import DEMO_EMAIL
from crisisplan.plans.models import Plan, PlanVersion
from crisisplan.plans.sections import PlanContent
from hotlines.models import DirectoryVersion, Service
from tests.factory import full_content, make_client, make_plan

ROOT = Path(__file__).resolve().parents[2]

# --- the benchmark's database and nothing else ---------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:5432/crisisplan",  # what `make test` uses
        "postgres://app:secret@db.example.org:5432/crisisplan_production",
        "postgres://postgres@127.0.0.1:5432/bench",
        "postgres://postgres@127.0.0.1:5432/_bench",
        "postgres://postgres@127.0.0.1:5432/crisisplan_bench_old",
        'postgres://postgres@127.0.0.1:5432/x"; DROP DATABASE crisisplan; --_bench',
        "sqlite:///var/db_bench",
        "mysql://root@127.0.0.1/crisisplan_bench",
    ],
)
def test_any_other_database_is_refused(url: str) -> None:
    with pytest.raises(guard.Refused):
        guard.database_url({"DATABASE_URL": url})


def test_its_own_database_is_used() -> None:
    assert guard.database_url({}) == guard.DEFAULT_DATABASE_URL
    assert guard.DEFAULT_DATABASE_URL.endswith("/crisisplan_bench")
    mine = "postgres://me:pw@10.0.0.5:5433/perf_bench"
    assert guard.database_url({"DATABASE_URL": mine}) == mine


def _bench_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENV_FILE")}
    return {**env, "ENV_FILE": "", **changes}


def test_make_bench_refuses_a_foreign_database_before_touching_anything(tmp_path: Path) -> None:
    # An address where no server answers: a refusal must come before any connection.
    foreign = "postgres://postgres@192.0.2.1:5432/crisisplan"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--results", str(tmp_path)],
        cwd=ROOT,
        env=_bench_env(DATABASE_URL=foreign),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "refused" in done.stderr and "'crisisplan'" in done.stderr
    assert "never touches the development or a production database" in done.stderr
    assert list(tmp_path.iterdir()) == []  # no results, nothing started


def test_the_benchmark_settings_refuse_a_foreign_database() -> None:
    """No process with bench.settings (gunicorn, migrate, the probe) can reach another
    database either."""
    script = "import django; django.setup()"
    for url, words in [
        ("postgres://postgres@127.0.0.1:5432/crisisplan", "ends in '_bench'"),
        ("sqlite:///var/bench_bench.sqlite3", "only on PostgreSQL"),
    ]:
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=_bench_env(DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=url, DEBUG="true"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        assert "ImproperlyConfigured" in done.stderr and words in done.stderr


def test_the_baseline_route_is_not_in_the_app(client: HttpClient) -> None:
    assert client.get("/__bench__/baseline/").status_code == 404


# --- seed_scale --------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_scale_loads_therapists_clients_plans_and_services(settings: Any) -> None:
    settings.DEBUG = True
    scale = [
        "--therapists=3",
        "--clients=7",
        "--other-clients=2",
        "--versions=2",
        "--services=25",
    ]
    out = io.StringIO()
    call_command(SeedScale(), *scale, stdout=out)
    assert "scale: 3 therapists" in out.getvalue()

    demo = User.objects.get(email=DEMO_EMAIL)
    therapists = list(User.objects.order_by("email"))
    assert len(therapists) == 3
    counts = {t.email: Client.objects.for_therapist(t).count() for t in therapists}
    assert counts[DEMO_EMAIL] == 7  # the 4 demo clients and 3 more
    assert sorted(n for email, n in counts.items() if email != DEMO_EMAIL) == [2, 2]
    assert DataKey.objects.count() == Client.objects.count() == 11

    everyone = Client.objects.select_related("data_key", "plan__published_version")
    scaled = [c for c in everyone if c.notes]  # the demo clients have no notes
    assert len(scaled) == 7
    for record in scaled:
        record.full_clean()  # the data passes the same validation as the form
        plan = record.plan
        assert plan.current_number == 2 and plan.status == Plan.Status.PUBLISHED
        assert [v.number for v in plan.versions_newest_first()] == [2, 1]
        version = plan.published_version
        version.plan = plan
        content = PlanContent(version.content)
        assert version.number == 2 and not content.is_empty()
        assert all(content.rows(key) for key in ("warning_signs", "coping", "helpers"))
        assert AuditEvent.objects.for_client(record.pk).count() == 1 + 2 + 1
    # Every client's values are stored encrypted, bound to their rows.
    assert (
        not PlanVersion.objects.filter(plan__client__in=scaled)
        .filter(content__contains=b"Walk round")
        .exists()
    )

    synthetic = Service.objects.filter(name__startswith="Synthetic ")
    assert synthetic.count() == 25
    assert synthetic.filter(subdivision="").exists() and synthetic.exclude(subdivision="").exists()
    assert all(s.contact_methods.exists() for s in synthetic)
    assert Service.objects.exclude(name__startswith="Synthetic ").count() > 100  # starter data

    # A second run tops up to the same counts: nothing more.
    call_command(SeedScale(), *scale, stdout=io.StringIO())
    assert Client.objects.count() == 11 and synthetic.count() == 25
    assert User.objects.count() == 3
    assert Client.objects.for_therapist(demo).count() == 7


@pytest.mark.django_db
def test_seed_scale_refuses_nonsense_and_keeps_the_default_without_it(settings: Any) -> None:
    settings.DEBUG = True
    with pytest.raises(CommandError):
        call_command(SeedScale(), "--clients=0", stdout=io.StringIO())
    Client.objects.all().delete()
    call_command("seed_demo", stdout=io.StringIO())
    assert Client.objects.count() == 4
    assert not Service.objects.filter(name__startswith="Synthetic ").exists()


# --- the runner's small parts --------------------------------------------------------------


@pytest.mark.parametrize("size", [200, 1000, 11269, 20000])
def test_the_baseline_page_has_exactly_the_size_asked_for(size: int) -> None:
    html = baseline_html(size)
    assert len(html.encode()) == size
    assert "{" not in html and html.startswith("<!doctype html>")


def test_forms_are_read_as_a_browser_submits_them() -> None:
    page = """
    <link rel="stylesheet" href="/static/css/app.1.css"><script src="/static/js/a.js"></script>
    <form method="get"><input name="q" value="x"></form>
    <form method="post">
      <input type="hidden" name="csrfmiddlewaretoken" value="tok">
      <input name="base_version" value="3"><input type="checkbox" name="a" value="1" checked>
      <input type="checkbox" name="a" value="2"><textarea name="t">
line &amp; more</textarea>
      <select name="s"><option value="x">X</option><option value="y" selected>Y</option></select>
      <button name="row_action" value="add">Add</button>
    </form>"""
    assert post_form(page, "base_version") == [
        ("csrfmiddlewaretoken", "tok"),
        ("base_version", "3"),
        ("a", "1"),
        ("t", "line & more"),
        ("s", "y"),
    ]
    assert assets(page) == ["/static/css/app.1.css", "/static/js/a.js"]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0


# --- the fair baseline, rounds and CPU time ----------------------------------------------


@pytest.mark.django_db
def test_the_fair_baseline_reads_a_session_fetches_a_row_and_counts_once(
    settings: Any, tmp_path: Path, django_assert_num_queries: Any
) -> None:
    """(b): the database session, one row (a link by its token's hash), one upsert of the
    two rate counters, and the reference template; nothing else."""
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "baseline.html").write_text(baseline_html(2000))
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    settings.ROOT_URLCONF = "bench.urls"
    alice = User.objects.create_user("alice@example.com", "correct horse battery")
    plan = make_plan(make_client(alice), full_content(1))
    _link, token = PrivateLink.issue(plan, alice)
    browser = HttpClient()
    assert browser.get(BASELINE_PATH).status_code == 400  # no session yet
    browser.get(SESSION_PATH, {"token_hash": PrivateLink.hash_token(token)})
    with django_assert_num_queries(3):
        response = browser.get(BASELINE_PATH)
    assert response.status_code == 200 and len(response.content) == 2000
    assert RateCounter.objects.count() == 2
    with django_assert_num_queries(0):
        assert len(HttpClient().get(STATIC_PATH).content) == 2000


def test_rounds_are_summarised_as_medians_spread_and_ratios_to_b() -> None:
    def run(rps: float, p50: float, cpu: float) -> dict:
        return {"rps": rps, "p50_ms": p50, "p99_ms": p50 * 2, "cpu_ms": cpu, "errors": 0}

    summary = summarize(
        {
            "baseline (b)": [run(100, 4, 2), run(50, 8, 2), run(100, 4, 4)],
            "plan": [run(80, 5, 3), run(45, 9, 3), run(70, 6, 4)],
        }
    )
    plan = summary["plan"]
    assert plan["rps"] == 70 and plan["rps_spread"] == [45, 80]
    # The ratio is the median of each round's ratio to the (b) of the same round.
    assert plan["rps_ratio"] == 0.8 and plan["p50_ms_ratio"] == 1.25
    assert plan["cpu_ms_ratio"] == 1.5
    assert summary["baseline (b)"]["rps_ratio"] == 1.0


def test_the_plan_targets_are_judged_with_redis_and_the_fallback_reported() -> None:
    """The plan page's targets hold with the shared cache; the database fallback's
    figures are judged alike and printed beside them as reported, never as missed."""
    plan = {"rps_ratio": 0.7, "p99_ms_ratio": 1.6, "cpu_ms_ratio": 1.4}
    results = {
        "redis": {"plan": {"rps_ratio": 0.9, "p99_ms_ratio": 1.3, "cpu_ms_ratio": 1.2}},
        "database": {"plan": plan},
        "settings": {"practices": [100, 10000], "services": [15000, 50000]},
        "queries": {},
    }
    for phase in ("redis", "database"):
        results[phase]["plan"]["errors"] = 0
    targets = check_targets(results)
    assert targets["plan (with Redis) rps >= 0.8x (b)"] == {
        "value": 0.9,
        "met": True,
        "reported": False,
    }
    assert not targets["plan (with Redis) p99 <= 1.25x (b)"]["met"]
    fallback = targets["plan (database fallback) rps >= 0.8x (b)"]
    assert fallback == {"value": 0.7, "met": False, "reported": True}
    assert targets["plan (database fallback) CPU <= 1.5x (b)"]["met"]
    # The printout: the targets met or MISSED, the fallback reported.
    assert verdict(targets["plan (with Redis) rps >= 0.8x (b)"]) == "met"
    assert verdict(targets["plan (with Redis) p99 <= 1.25x (b)"]) == "MISSED"
    assert verdict(fallback) == "reported, not a target: beyond"
    assert verdict(targets["plan (database fallback) CPU <= 1.5x (b)"]) == (
        "reported, not a target: within"
    )


def test_cpu_time_is_read_from_proc() -> None:
    before = cpu_ticks(os.getpid())
    sum(n * n for n in range(2_000_000))
    assert cpu_ticks(os.getpid()) > before
    assert cpu_ticks(2**22 + 12345) is None  # no such process
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        assert child.pid in children(os.getpid())
    finally:
        child.kill()
        child.wait()


@pytest.mark.django_db
def test_seed_keys_tops_up_synthetic_data_keys() -> None:
    call_command(SeedKeys(), "--keys=30", stdout=io.StringIO())
    assert DataKey.objects.count() == 30
    call_command(SeedKeys(), "--keys=30", stdout=io.StringIO())
    assert DataKey.objects.count() == 30
    assert all(len(key.dek) == 32 for key in DataKey.objects.all()[:3])


@pytest.mark.django_db
def test_seed_scale_makes_practices_and_grows_the_directory(settings: Any) -> None:
    settings.DEBUG = True
    call_command(
        SeedScale(),
        "--therapists=1",
        "--clients=1",
        "--other-clients=0",
        "--versions=1",
        "--services=10",
        "--practices=3,7",
        stdout=io.StringIO(),
    )
    practices = {
        u.email: Client.objects.for_therapist(u).count()
        for u in User.objects.filter(email__startswith="practice")
    }
    assert practices == {
        "practice3@bench.crisisplan.example": 3,
        "practice7@bench.crisisplan.example": 7,
    }
    before = DirectoryVersion.current()
    call_command(SeedScale(), "--services-only", "--services=25", stdout=io.StringIO())
    assert Service.objects.filter(name__startswith="Synthetic ").count() == 25
    assert DirectoryVersion.current() != before  # every process sees the directory grew
