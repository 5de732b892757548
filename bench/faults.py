"""Fault drills (README "Faults", BENCHMARKS.md): real processes, no mocks.

A PostgreSQL cluster of the drill's own (initdb into a temporary folder, on a free port;
the shared server on 5432 is never stopped, restarted or reconfigured) and gunicorn with
two workers serving the app's production settings. Three drills:

- restart: PostgreSQL restarted (pg_ctl restart -m fast) while the client's link pages
  are under load. Every request is timed; a failure must be a 503 with Retry-After and
  the emergency number; the service must recover by itself.
- kill: a gunicorn worker killed (SIGKILL) while therapists save plans concurrently.
  Every save answered "saved" must be in the database, every version readable whole,
  each plan's version numbers 1..n without gaps or duplicates.
- read-only: the database made read-only (default_transaction_read_only). Saves fail
  with a plain message, pages that only read still work, nothing saved is lost.

``python -m bench.faults`` (``make faults``) runs all three and prints the figures;
tests/faults/ runs them in the test suite with assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.htmlform import post_form
from bench.run import Browser, Response, children, free_port, stop_group
from crisisplan.core.keys import generate_entry

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "faults_bench"  # the bench's rule: its databases end in _bench (bench/guard.py)
LINK_HELP = 'href="tel:999"'  # the drill's region's emergency number on a link page


class DrillError(Exception):
    """Something the drill needs did not work (not a finding about the app)."""


def postgres_bin() -> Path:
    """The newest local PostgreSQL's binaries (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        on_path = shutil.which("pg_ctl")
        if on_path is None:
            raise DrillError("No PostgreSQL binaries (apt-get install postgresql).")
        return Path(on_path).parent
    return found[-1].parent


class Cluster:
    """A throwaway PostgreSQL cluster: its own data folder, port and socket folder.

    As root (CI containers) the server runs as the ``postgres`` user, as initdb insists.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.port = free_port()
        self.bin = postgres_bin()

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(  # noqa: S603 (PostgreSQL's own tools, our arguments)
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode:
            raise DrillError(f"{argv[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done

    def create(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\n"
                "max_connections = 60\nshared_buffers = 32MB\n"
                # The drills restart the server, never crash the machine: durability on
                # disk is not what they test, and fsync would only slow a shared box.
                "fsync = off\nfull_page_writes = off\n"
            )
        self.start()
        self.sql(f"CREATE DATABASE {DATABASE}")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart"
        )

    def processes(self) -> list[int]:
        """The server's processes: the postmaster and its children."""
        master = int((self.data / "postmaster.pid").read_text().split()[0])
        return [master, *children(master)]

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Every process of the server stopped (SIGSTOP) and continued after: a server
        that stops answering on the connections it has open (a stalled disk, say),
        while the kernel still acknowledges what is sent to it."""
        pids = self.processes()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(DrillError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = DATABASE) -> Any:
        """A psycopg2 connection to the cluster (the caller closes it)."""
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, connect_timeout=5
        )

    def sql(self, statement: str, database: str = "postgres") -> list[tuple]:
        conn = self.connect(database)
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()

    def read_only(self, on: bool) -> None:
        """default_transaction_read_only for every session, the open ones included (a
        configuration reload reaches them), as a maintenance window or a failover to
        a standby would make it."""
        if on:
            self.sql("ALTER SYSTEM SET default_transaction_read_only = on")
        else:
            self.sql("ALTER SYSTEM RESET default_transaction_read_only")
        self.sql("SELECT pg_reload_conf()")


@dataclass
class App:
    """gunicorn serving the app with its production settings against the cluster."""

    folder: Path
    database_url: str
    workers: int = 2
    port: int = 0
    process: subprocess.Popen | None = None
    keys: str = ""
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "PATH": os.environ["PATH"],
            "ENV_FILE": "",
            "DEBUG": "false",
            "SECRET_KEY": self._secret,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "REQUIRE_2FA": "false",
            "DATABASE_URL": self.database_url,
            "ENCRYPTION_KEYS": self.keys,
            "STATIC_ROOT": str(self.folder / "static"),
            "LINK_RATE_LIMIT_PER_ADDRESS": "1000000/60",
            "LINK_RATE_LIMIT_PER_LINK": "1000000/60",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }

    def __post_init__(self) -> None:
        self._secret = secrets.token_urlsafe(50)
        self.log = self.folder / "gunicorn.log"

    def manage(self, *argv: str, settings: str = "crisisplan.settings") -> str:
        done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
            [PYTHON, str(ROOT / "manage.py"), *argv],
            cwd=ROOT,
            env=self.env(DJANGO_SETTINGS_MODULE=settings),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode:
            raise DrillError(f"manage.py {argv[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def prepare(self, plans: int) -> dict[str, Any]:
        """Keys, migrations, static files, the drill's data: its therapist and plans."""
        self.keys = generate_entry("faults1")
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        seeded = self.manage(
            "seed_faults",
            "--plans",
            str(plans),
            "--password",
            self.password,
            settings="bench.settings",
        )
        return json.loads(seeded)

    def report(self) -> dict[str, Any]:
        return json.loads(self.manage("seed_faults", "--report", settings="bench.settings"))

    def start(self) -> None:
        self.port = free_port()
        with self.log.open("a") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "--config",
                    str(ROOT / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                ],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for_workers(self.workers)

    def wait_for_workers(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DrillError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            if len(self.worker_pids()) >= count:
                with contextlib.suppress(OSError):
                    if self.browser().get("/login/").status == 200:
                        return
            time.sleep(0.2)
        raise DrillError(f"gunicorn did not answer:\n{self.log.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)

    def browser(self, timeout: float = 20) -> Browser:
        return Browser(self.port, timeout=timeout)

    def logged_in(self, email: str, tries: int = 5) -> Browser:
        """A browser with the therapist logged in (tried again if a worker was killed)."""
        for _ in range(tries):
            browser = self.browser()
            page = fetch(browser, "GET", "/login/")
            if page is None or page.status != 200:
                time.sleep(0.5)
                continue
            form = dict(post_form(page.text))
            form.update({"username": email, "password": self.password})
            answer = fetch(browser, "POST", "/login/", list(form.items()))
            if answer is not None and answer.status == 302:
                return browser
            time.sleep(0.5)
        raise DrillError("the therapist could not log in")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def drill_setup(plans: int = 4, workers: int = 2) -> Iterator[tuple[Cluster, App, dict]]:
    """A cluster, the app prepared against it and started; everything removed after."""
    folder = Path(tempfile.mkdtemp(prefix="crisisplan-faults-"))
    # The postgres user must reach its cluster folder inside (a temporary folder is 0700).
    os.chmod(folder, 0o755)  # noqa: S103
    cluster = Cluster(folder / "pg")
    app = App(folder / "app", cluster.url(), workers=workers)
    app.folder.mkdir()
    try:
        cluster.create()
        seeded = app.prepare(plans)
        app.start()
        yield cluster, app, seeded
    finally:
        app.stop()
        cluster.remove()
        shutil.rmtree(folder, ignore_errors=True)


# --- load -----------------------------------------------------------------------------


@dataclass
class Outcome:
    started: float  # seconds since the drill began
    seconds: float
    status: int  # 0: no HTTP answer (connection refused, reset, timed out)
    helps: bool = False  # the page shows the region's emergency number
    retry_after: bool = False
    marker: str = ""


def fetch(browser: Browser, method: str, path: str, form: Any = None) -> Response | None:
    """The answer, or None for none: refused, reset, timed out, or cut off in its body
    (a worker killed while sending the page: http.client.IncompleteRead)."""
    try:
        return browser.request(method, path, form=form)
    except (OSError, http.client.HTTPException):
        return None


class Load:
    """Threads requesting link pages as fast as they are answered, each outcome kept."""

    def __init__(self, app: App, paths: list[str], threads: int = 6) -> None:
        self.app, self.paths, self.threads = app, paths, threads
        self.outcomes: list[Outcome] = []
        self.stop = threading.Event()
        self.began = time.monotonic()
        self.workers: list[threading.Thread] = []

    def _run(self, n: int) -> None:
        browser = self.app.browser(timeout=30)
        i = n
        while not self.stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            started = time.monotonic()
            response = fetch(browser, "GET", path)
            seconds = time.monotonic() - started
            if response is None:
                self.outcomes.append(Outcome(started - self.began, seconds, 0))
                time.sleep(0.05)
                continue
            self.outcomes.append(
                Outcome(
                    started - self.began,
                    seconds,
                    response.status,
                    helps=LINK_HELP in response.text,
                    retry_after=bool(response.header("Retry-After")),
                )
            )

    def __enter__(self) -> Load:
        self.workers = [threading.Thread(target=self._run, args=(n,)) for n in range(self.threads)]
        for worker in self.workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for worker in self.workers:
            worker.join(timeout=60)

    def now(self) -> float:
        return time.monotonic() - self.began


@dataclass
class RestartFigures:
    requests: int
    per_second: int
    failed: int
    failed_clean: int  # 503, Retry-After, the region's emergency number on the page
    restart_seconds: float  # the fault, from its start until the server accepts again
    recovery_seconds: float  # from the server accepting again to the last failure's end
    outage_seconds: float  # from the first failure's start to the last one's end
    slowest_seconds: float
    statuses: dict[int, int]


def restart_drill(
    cluster: Cluster, app: App, tokens: list[str], *, restarts: int = 3, settle: float = 2.0
) -> list[RestartFigures]:
    """PostgreSQL restarted (pg_ctl restart -m fast) ``restarts`` times under load on
    the link pages; per restart: requests in its window, failures, how many were clean,
    and the seconds it took."""
    return _under_load(app, tokens, cluster.restart, repeats=restarts, settle=settle)


def stop_drill(
    cluster: Cluster, app: App, tokens: list[str], *, down: float = 3.0, settle: float = 2.0
) -> RestartFigures:
    """PostgreSQL stopped for ``down`` seconds under load: no request may wait for it."""

    def outage() -> None:
        cluster.stop()
        time.sleep(down)
        cluster.start()

    return _under_load(app, tokens, outage, repeats=1, settle=settle)[0]


def freeze_drill(
    cluster: Cluster, app: App, tokens: list[str], *, frozen: float = 10.0, settle: float = 2.0
) -> RestartFigures:
    """PostgreSQL frozen (every process stopped) for ``frozen`` seconds under load: the
    requests waiting on it must be cut off by the app's watchdog within seconds
    (crisisplan.core.faults.StalledQueryWatchdog), not by gunicorn's 30 s timeout."""

    def outage() -> None:
        with cluster.frozen():
            time.sleep(frozen)

    return _under_load(app, tokens, outage, repeats=1, settle=settle)[0]


def _under_load(
    app: App, tokens: list[str], fault: Callable[[], None], *, repeats: int, settle: float
) -> list[RestartFigures]:
    paths = [f"/p/{token}/" for token in tokens]
    figures = []
    with Load(app, paths) as load:
        time.sleep(settle)
        for _ in range(repeats):
            known = len(load.outcomes)
            began = load.now()
            fault()
            back = load.now()
            time.sleep(settle * 2)
            window_end = load.now()
            window = [o for o in load.outcomes[known:] if began <= o.started <= window_end]
            failed = [o for o in window if o.status != 200]
            last_failure_end = max((o.started + o.seconds for o in failed), default=back)
            first_failure = min((o.started for o in failed), default=last_failure_end)
            figures.append(
                RestartFigures(
                    requests=len(window),
                    per_second=round(len(window) / max(window_end - began, 0.001)),
                    failed=len(failed),
                    failed_clean=sum(
                        1 for o in failed if o.status == 503 and o.retry_after and o.helps
                    ),
                    restart_seconds=round(back - began, 2),
                    recovery_seconds=round(max(0.0, last_failure_end - back), 2),
                    outage_seconds=round(max(0.0, last_failure_end - first_failure), 2),
                    slowest_seconds=round(max((o.seconds for o in window), default=0.0), 2),
                    statuses=_count(o.status for o in window),
                )
            )
    return figures


def _count(values: Any) -> dict[int, int]:
    counted: dict[int, int] = {}
    for value in values:
        counted[value] = counted.get(value, 0) + 1
    return dict(sorted(counted.items()))


# --- saves ----------------------------------------------------------------------------


@dataclass
class SaveFigures:
    attempted: int = 0
    saved: int = 0  # answered "saved" (the editor's redirect)
    refused_stale: int = 0  # 409: another save came first (optimistic locking)
    failed_503: int = 0
    no_answer: int = 0  # the connection was cut (the worker died): outcome unknown
    other: dict[int, int] = field(default_factory=dict)
    kills: int = 0
    lost: int = 0  # answered "saved" but not in the database: must be 0
    unreadable_versions: int = 0
    plans_with_gaps_or_duplicates: int = 0
    refused_but_stored: int = 0  # answered "not saved" yet in the database: must be 0
    saved_markers: list[str] = field(default_factory=list, repr=False)
    refused_markers: list[str] = field(default_factory=list, repr=False)


def editor_path(client: str) -> str:
    return f"/clients/{client}/plan/"


def save(browser: Browser, client: str, marker: str) -> Response | None:
    """One save as the editor sends it: the page's own form, a new change note."""
    page = fetch(browser, "GET", editor_path(client))
    if page is None or page.status != 200:
        return page
    form = [(k, v) for k, v in post_form(page.text, "base_version") if k != "change_note"]
    form.append(("change_note", marker))
    return fetch(browser, "POST", editor_path(client), form)


def save_drill(
    app: App,
    email: str,
    clients: list[str],
    *,
    seconds: float = 8.0,
    kills: int = 3,
    writers_per_plan: int = 2,
    during: Callable[[], None] | None = None,
) -> SaveFigures:
    """Therapists save concurrently (``writers_per_plan`` on each plan, so that some
    saves race and optimistic locking refuses them) while a gunicorn worker is killed
    with SIGKILL ``kills`` times; then the database is checked against the answers."""
    figures = SaveFigures()
    lock = threading.Lock()
    stop = threading.Event()

    def writer(client: str, n: int) -> None:
        browser = app.logged_in(email)
        count = 0
        while not stop.is_set():
            count += 1
            marker = f"drill {n} save {count} {secrets.token_hex(4)}"
            response = save(browser, client, marker)
            with lock:
                figures.attempted += 1
                if response is None:
                    figures.no_answer += 1
                elif response.status == 302:
                    figures.saved += 1
                    figures.saved_markers.append(marker)
                elif response.status == 409:
                    figures.refused_stale += 1
                    figures.refused_markers.append(marker)
                elif response.status == 503:
                    figures.failed_503 += 1
                    figures.refused_markers.append(marker)
                else:
                    figures.other[response.status] = figures.other.get(response.status, 0) + 1

    threads = [
        threading.Thread(target=writer, args=(client, i * writers_per_plan + w))
        for i, client in enumerate(clients)
        for w in range(writers_per_plan)
    ]
    for thread in threads:
        thread.start()
    try:
        interval = seconds / (kills + 1)
        for _ in range(kills):
            time.sleep(interval)
            pids = app.worker_pids()
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                figures.kills += 1
                app.wait_for_workers(app.workers)
        if during is not None:
            during()
        time.sleep(interval)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    check_saves(app, figures)
    return figures


def check_saves(app: App, figures: SaveFigures) -> None:
    """Compare the database with what the therapists were told."""
    report = app.report()["plans"]
    notes = [note for plan in report.values() for note in plan["notes"]]
    stored = set(notes)
    figures.lost = sum(1 for marker in figures.saved_markers if marker not in stored)
    figures.unreadable_versions = sum(plan["unreadable"] for plan in report.values())
    figures.plans_with_gaps_or_duplicates = sum(
        1
        for plan in report.values()
        if plan["numbers"] != list(range(1, len(plan["numbers"]) + 1))
        or plan["current"] != len(plan["numbers"])
    )
    figures.refused_but_stored = sum(1 for m in figures.refused_markers if m in stored)


# --- read-only ------------------------------------------------------------------------


@dataclass
class ReadOnlyFigures:
    save_status: int
    save_message: bool  # the answer says plainly that it was not saved
    reads: dict[str, int]  # page -> status while read-only
    versions_before: int
    versions_during: int
    save_after_status: int
    versions_after: int
    health: int  # /healthz while read-only


def read_only_drill(
    cluster: Cluster, app: App, email: str, client: str, token: str
) -> ReadOnlyFigures:
    therapist = app.logged_in(email)
    visitor = app.browser()
    before = _versions(app, client)
    cluster.read_only(True)
    try:
        refused = save(therapist, client, "saved while read-only")
        reads = {
            "dashboard": _status(fetch(therapist, "GET", "/")),
            "editor": _status(fetch(therapist, "GET", editor_path(client))),
            "versions": _status(fetch(therapist, "GET", editor_path(client) + "versions/")),
            "link landing": _status(fetch(visitor, "GET", f"/p/{token}/")),
        }
        health = _status(fetch(visitor, "GET", "/healthz"))
        during = _versions(app, client)
    finally:
        cluster.read_only(False)
    after = save(therapist, client, "saved after read-only")
    return ReadOnlyFigures(
        save_status=_status(refused),
        save_message=refused is not None and "Not saved" in refused.text,
        reads=reads,
        versions_before=before,
        versions_during=during,
        save_after_status=_status(after),
        versions_after=_versions(app, client),
        health=health,
    )


def _status(response: Response | None) -> int:
    return response.status if response is not None else 0


def _versions(app: App, client: str) -> int:
    return len(app.report()["plans"][client]["numbers"])


# --- logs -----------------------------------------------------------------------------

FAULT_LINE = re.compile(r"\[(?P<id>[^\]]+)\] Database (?P<cause>[a-z-]+): ")


def fault_lines(app: App) -> list[tuple[str, str]]:
    """(request id, cause) of every fault line in the app's log."""
    return [(m["id"], m["cause"]) for m in FAULT_LINE.finditer(app.log_text())]


# --- the figures ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="of concurrent saves")
    parser.add_argument("--down", type=float, default=3.0, help="seconds PostgreSQL is stopped")
    parser.add_argument("--frozen", type=float, default=10.0, help="seconds it is frozen")
    args = parser.parse_args(argv)
    with drill_setup(plans=4) as (cluster, app, seeded):
        tokens = [p["token"] for p in seeded["plans"]]
        clients = [p["client"] for p in seeded["plans"]]
        print("PostgreSQL restarted under load (link pages, 6 clients, 2 gunicorn workers):")
        for n, f in enumerate(restart_drill(cluster, app, tokens, restarts=args.restarts), 1):
            print(
                f"  restart {n}: {f.failed} of {f.requests} requests ({f.per_second}/s) failed "
                f"({f.failed_clean} clean 503s with help) in {f.outage_seconds} s; "
                f"restart {f.restart_seconds} s, recovered {f.recovery_seconds} s after it; "
                "slowest answer "
                f"{f.slowest_seconds} s; statuses {f.statuses}"
            )
        f = stop_drill(cluster, app, tokens, down=args.down)
        print(
            f"PostgreSQL stopped for {args.down} s under load: {f.failed} of {f.requests} "
            f"requests failed ({f.failed_clean} clean 503s with help); recovered "
            f"{f.recovery_seconds} s after it started again; slowest answer "
            f"{f.slowest_seconds} s"
        )
        f = freeze_drill(cluster, app, tokens, frozen=args.frozen)
        print(
            f"PostgreSQL frozen (SIGSTOP) for {args.frozen} s under load: {f.failed} of "
            f"{f.requests} requests failed ({f.failed_clean} clean 503s with help); "
            f"recovered {f.recovery_seconds} s after it went on; slowest answer "
            f"{f.slowest_seconds} s; statuses {f.statuses}"
        )
        print(f"Worker killed (SIGKILL) during concurrent saves ({args.kills} kills):")
        s = save_drill(app, seeded["email"], clients, seconds=args.seconds, kills=args.kills)
        print(
            f"  {s.attempted} saves: {s.saved} saved, {s.refused_stale} refused as stale, "
            f"{s.no_answer} cut off with the worker, {s.failed_503} 503, other {s.other}; "
            f"saves lost: {s.lost}; unreadable versions: {s.unreadable_versions}; "
            f"plans with gaps or duplicates: {s.plans_with_gaps_or_duplicates}"
        )
        print("Database read-only:")
        r = read_only_drill(cluster, app, seeded["email"], clients[0], tokens[0])
        print(
            f"  save answered {r.save_status} (plain 'Not saved': {r.save_message}); reads "
            f"{r.reads}; versions {r.versions_before} -> {r.versions_during} while read-only "
            f"-> {r.versions_after} after (save answered {r.save_after_status}); "
            f"/healthz answered {r.health} while read-only"
        )
        print(f"Fault lines in the log: {len(fault_lines(app))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
