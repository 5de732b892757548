"""`make bench`: load-test the pages people wait on, side by side with a baseline.

One run, one server, one database of its own:

1. refuses any database but its own (bench/guard.py), then drops and recreates it;
2. migrates and seeds it through the app's own code (``seed_scale``, with
   DEBUG=true as seed_demo requires), and collects static files into a folder of its own;
3. counts queries per page in-process (bench/probe.py), which also issues the private
   links and writes the baseline template, as large as the plan page;
4. serves the app with gunicorn (production settings: DEBUG off, generated SECRET_KEY and
   ENCRYPTION_KEYS, 2 workers) on a free loopback port, and drives it with wrk (requests
   per second, closed loop) and hey (p50/p99 at a fixed rate, the same for every page
   but at most half of what wrk measured for it);
5. times logins, measures the bytes on the wire of the client's pages, stops the server,
   and times rotate_encryption_keys over every client;
6. prints one table, writes it as JSON into bench/results/, and drops the database.

Everything it starts (gunicorn in its own process group, wrk, hey, the temporary folder,
the database) is stopped or removed on the way out, also on failure and Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import gzip
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import guard
from bench.htmlform import assets, post_form

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
BASELINE_PATH = "/__bench__/baseline/"
DEMO_EMAIL = "demo@crisisplan.example"
DEMO_PASSWORD = "demo-therapist-2026"  # noqa: S105 (seed_demo's published demo login)
UNLIMITED = "1000000000/60"  # link rate limits: counted as usual, never reached
COMPRESSED_LIMIT = 20_000  # bytes: "under 20 KB compressed"

# The targets (BENCHMARKS.md, "Targets").
PLAN_MIN_RPS_RATIO = 0.60
PLAN_MAX_P99_RATIO = 1.5
MAX_P50_RATIO = 3.0


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


# --- the command line -----------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Load-test CrisisPlan against a baseline."
    )
    parser.add_argument("--duration", type=int, default=10, help="Seconds per run (10).")
    parser.add_argument("--warmup", type=int, default=2, help="Warm-up seconds per page (2).")
    parser.add_argument("--connections", type=int, default=4, help="wrk and hey connections (4).")
    parser.add_argument(
        "--rate",
        type=float,
        default=20,
        help="Requests per second of the fixed-rate latency runs, the same for every page "
        "(20), but at most --max-load of what the page served in its wrk run.",
    )
    parser.add_argument(
        "--max-load",
        type=float,
        default=0.5,
        help="The latency runs' rate never exceeds this fraction of the page's rps (0.5).",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
    parser.add_argument("--therapists", type=int, default=50)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--other-clients", type=int, default=10)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--services", type=int, default=15000)
    parser.add_argument("--logins", type=int, default=10, help="Timed logins (10).")
    parser.add_argument(
        "--profile", action="store_true", help="Also write pyinstrument profiles of each page."
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="Output folder.")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 1 or args.rate <= 0 or not 0 < args.max_load <= 1:
        parser.error("--duration, --connections and --rate must be positive, 0 < --max-load <= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        url = guard.database_url(os.environ)
    except guard.Refused as exc:
        print(f"bench: refused: {exc}", file=sys.stderr)
        return 2
    missing = [tool for tool in ("wrk", "hey") if shutil.which(tool) is None]
    if missing:
        print(
            f"bench: {' and '.join(missing)} not found: apt-get install -y wrk hey "
            "(make bench does this).",
            file=sys.stderr,
        )
        return 3
    # Ctrl-C and SIGTERM (e.g. from a CI timeout) unwind through every finally; SIGINT
    # explicitly, since a shell starts background jobs with it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        with Bench(args, url) as bench:
            results = bench.run()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; everything it started is stopped.", file=sys.stderr)
        return 130
    print(render_table(results))
    path = write_results(results, args.results)
    print(f"\nJSON: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


# --- HTTP ----------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    seconds: float

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


@dataclass
class Browser:
    """Just enough of a browser: cookies by name (the server's cookies are Secure, which
    a standard cookie jar would not send over plain HTTP to 127.0.0.1)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self,
        method: str,
        path: str,
        form: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = urllib.parse.urlencode(form) if form is not None else None
        sent = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = self.cookie_header
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            data = raw.read()
        finally:
            conn.close()
        seconds = time.perf_counter() - started
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val and "max-age=0" not in value.lower():
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        return Response(raw.status, raw.getheaders(), data, seconds)

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: list[tuple[str, str]], **kw: Any) -> Response:
        return self.request("POST", path, form=form, **kw)


def _expect(response: Response, status: int, what: str) -> Response:
    if response.status != status:
        raise BenchError(f"{what}: expected HTTP {status}, got {response.status}.")
    return response


# --- the run ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _new_key_entry(key_id: str) -> str:
    from crisisplan.core.keys import generate_entry

    return generate_entry(key_id)


class Bench:
    def __init__(self, args: argparse.Namespace, database_url: str) -> None:
        self.args = args
        self.database_url = database_url
        self.tmp = Path(tempfile.mkdtemp(prefix="crisisplan-bench-"))
        self.server: subprocess.Popen | None = None
        self.port = 0
        self.database_created = False
        self.keys = _new_key_entry("bench1")
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "STATIC_ROOT")},
            "ENV_FILE": "",  # never the developer's .env
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ENCRYPTION_KEYS": self.keys,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": str(self.tmp / "static"),
            "BENCH_TEMPLATES_DIR": str(self.tmp / "templates"),
            "LINK_RATE_LIMIT_PER_ADDRESS": UNLIMITED,
            "LINK_RATE_LIMIT_PER_LINK": UNLIMITED,
            "PYTHONUNBUFFERED": "1",
        }
        self.timings: dict[str, float] = {}

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_server()
        with contextlib.suppress(Exception):
            if self.database_created:
                self.drop_database()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- steps --

    def step(self, text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - started, 2)

    def manage(self, *argv: str, debug: bool = False, env: dict | None = None) -> str:
        run_env = {**self.env, **(env or {})}
        if debug:
            run_env["DEBUG"] = "true"
        done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
            [PYTHON, str(ROOT / "manage.py"), *argv],
            cwd=ROOT,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode:
            raise BenchError(
                f"manage.py {' '.join(argv)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
            )
        return done.stdout

    def _admin_connection(self) -> Any:
        import psycopg2

        parts = urllib.parse.urlsplit(self.database_url)
        try:
            conn = psycopg2.connect(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 5432,
                user=urllib.parse.unquote(parts.username or "postgres"),
                password=urllib.parse.unquote(parts.password or "") or None,
                dbname="postgres",
                connect_timeout=5,
            )
        except psycopg2.OperationalError as exc:
            raise BenchError(
                f"PostgreSQL does not answer at {parts.hostname}:{parts.port or 5432} "
                f"({str(exc).strip()}); start it, or set DATABASE_URL to a *_bench database."
            ) from None
        conn.autocommit = True
        return conn

    def _database_name(self) -> str:
        path = urllib.parse.urlsplit(self.database_url).path.lstrip("/")
        return guard.check_name(urllib.parse.unquote(path))

    def recreate_database(self) -> None:
        from psycopg2 import sql

        name = sql.Identifier(self._database_name())
        conn = self._admin_connection()
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
        finally:
            conn.close()
        self.database_created = True

    def drop_database(self) -> None:
        from psycopg2 import sql

        name = sql.Identifier(self._database_name())
        conn = self._admin_connection()
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        finally:
            conn.close()

    def start_server(self) -> None:
        self.port = free_port()
        log = (self.tmp / "gunicorn.log").open("w")
        self.server = subprocess.Popen(  # noqa: S603
            [
                str(Path(PYTHON).with_name("gunicorn")),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"gunicorn exited:\n{self.server_log()}")
            with contextlib.suppress(OSError):
                response = Browser(self.port).get(BASELINE_PATH)
                if response.status == 200:
                    return
                raise BenchError(f"the baseline answered {response.status}:\n{self.server_log()}")
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within 30 s:\n{self.server_log()}")

    def server_log(self) -> str:
        path = self.tmp / "gunicorn.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop_server(self) -> None:
        server, self.server = self.server, None
        if server is None or server.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)

    # -- load --

    def _wrk(self, path: str, headers: dict[str, str], seconds: int, script: str) -> dict:
        lua = self.tmp / "report.lua"
        lua.write_text(script)
        argv = ["wrk", "-t1", f"-c{self.args.connections}", f"-d{seconds}s", "--timeout", "10s"]
        argv += ["-s", str(lua)]
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
        return _wrk_report([*argv, f"http://127.0.0.1:{self.port}{path}"], seconds)

    def throughput(self, path: str, headers: dict[str, str]) -> dict:
        """Requests per second with every connection busy (wrk, closed loop)."""
        if self.args.warmup:
            self._wrk(path, headers, self.args.warmup, REPORT_LUA)
        return self._wrk(path, headers, self.args.duration, REPORT_LUA)

    def latency(self, path: str, headers: dict[str, str], rate: float) -> dict:
        """p50/p99 at a fixed rate (hey -q), from every request's own time."""
        workers = self.args.connections
        out = self.tmp / "hey.csv"
        argv = ["hey", "-z", f"{self.args.duration}s", "-c", str(workers)]
        argv += ["-q", f"{max(rate, 1.0) / workers:.3f}", "-disable-redirects", "-o", "csv"]
        argv += ["-cpus", "1"]
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
        argv.append(f"http://127.0.0.1:{self.port}{path}")
        with out.open("w") as sink:
            subprocess.run(  # noqa: S603
                argv,
                stdout=sink,
                stderr=subprocess.PIPE,
                timeout=self.args.duration + 60,
                check=True,
            )
        times, errors = [], 0
        with out.open() as source:
            for row in csv.DictReader(source):
                times.append(float(row["response-time"]) * 1000)
                errors += row["status-code"] != "200"
        if not times:
            raise BenchError(f"hey sent no request to {path}.")
        return {
            "rate": round(rate, 1),
            "requests": len(times),
            "p50_ms": round(percentile(times, 50), 2),
            "p99_ms": round(percentile(times, 99), 2),
            "errors": errors,
        }

    def page(self, name: str, path: str, headers: dict[str, str]) -> dict:
        self.step(f"loading {name}")
        busy = self.throughput(path, headers)
        fixed = self.latency(path, headers, min(self.args.rate, busy["rps"] * self.args.max_load))
        return {
            "path": _redact(path),
            "rps": busy["rps"],
            "p50_ms": fixed["p50_ms"],
            "p99_ms": fixed["p99_ms"],
            "errors": busy["errors"] + fixed["errors"],
            "wrk": busy,
            "fixed_rate": fixed,
        }

    def saves(self, browser: Browser, clients: list[str]) -> dict:
        """Plan saves, one wrk connection per plan, each posting the base version it
        saved last (optimistic locking): rps and wrk's own p50/p99 (closed loop with one
        request at a time per plan)."""
        self.step("loading saves")
        argv = ["wrk", f"-t{len(clients)}", f"-c{len(clients)}", "--timeout", "30s"]
        url = f"http://127.0.0.1:{self.port}/"
        report = {}
        for seconds in (self.args.warmup, self.args.duration):
            if not seconds:
                continue
            # A save wrk sent as the warm-up ended may still be committing: let it land, so
            # the base version read below is the latest (else the first save is refused).
            time.sleep(1)
            # The editor as the browser has it now: the form and its base version.
            targets = []
            for pk in clients:
                path = f"/clients/{pk}/plan/"
                fields = post_form(
                    _expect(browser.get(path), 200, "the plan editor").text, "base_version"
                )
                body = urllib.parse.urlencode(
                    [(k, v) for k, v in fields if k not in ("base_version", "change_note")]
                    + [("change_note", "Benchmark save")]
                )
                base = int(dict(fields)["base_version"])
                targets.append({"path": path, "base": base, "body": body})
            script = self.tmp / "save.lua"
            script.write_text(
                SAVE_LUA.replace("%TARGETS%", _lua_targets(targets)).replace(
                    "%COOKIE%", _lua_string(browser.cookie_header)
                )
            )
            report = _wrk_report([*argv, "-s", str(script), f"-d{seconds}s", url], seconds)
        return {
            "path": "/clients/<id>/plan/ (POST)",
            "rps": report["rps"],
            "p50_ms": report["p50_ms"],
            "p99_ms": report["p99_ms"],
            "errors": report["errors"],
            "wrk": report,
            "fixed_rate": None,
        }

    def logins(self, count: int) -> dict:
        """``count`` sequential logins through /login/ (Argon2 and all): the POST's time."""
        self.step("timing logins")
        times = []
        for _ in range(count):
            browser = Browser(self.port)
            form = post_form(_expect(browser.get("/login/"), 200, "the login page").text)
            form = [(k, v) for k, v in form if k not in ("username", "password")]
            form += [("username", DEMO_EMAIL), ("password", DEMO_PASSWORD)]
            response = _expect(browser.post("/login/", form), 302, "a login")
            times.append(response.seconds * 1000)
        return {
            "path": "/login/ (POST)",
            "rps": round(1000 / statistics.mean(times), 1),
            "p50_ms": round(percentile(times, 50), 2),
            "p99_ms": round(percentile(times, 99), 2),
            "errors": 0,
            "sequential": count,
            "fixed_rate": None,
        }

    def login(self) -> Browser:
        browser = Browser(self.port)
        form = post_form(_expect(browser.get("/login/"), 200, "the login page").text)
        form = [(k, v) for k, v in form if k not in ("username", "password")]
        form += [("username", DEMO_EMAIL), ("password", DEMO_PASSWORD)]
        _expect(browser.post("/login/", form), 302, "the bench therapist's login")
        return browser

    def open_link(self, token: str) -> Browser:
        """The client's browser after pressing "Open my plan" (the session holds the grant)."""
        browser = Browser(self.port)
        landing = _expect(browser.get(f"/p/{token}/"), 200, "the landing page")
        response = browser.post(f"/p/{token}/", post_form(landing.text))
        if response.status != 302 or not response.header("Location").endswith("/plan/"):
            raise BenchError(f"opening the link answered {response.status}, not a redirect.")
        _expect(browser.get(f"/p/{token}/plan/"), 200, "the plan page")
        return browser

    def weight(self, name: str, browser: Browser, path: str) -> dict:
        """Bytes on the wire, compressed: the HTML gzipped here (Django sends it as it
        is; a proxy or GZipMiddleware would compress it), the page's assets as whitenoise
        serves them to a browser that accepts gzip."""
        page = _expect(browser.get(path, headers={"Accept-Encoding": "gzip"}), 200, name)
        if page.header("Content-Encoding"):
            html_gz = len(page.body)
            html = len(gzip.decompress(page.body))
        else:
            html, html_gz = len(page.body), len(gzip.compress(page.body, compresslevel=6))
        parts = {}
        for src in assets(page.text):
            if "://" in src or src.startswith("data:"):
                raise BenchError(f"{name} loads {src} from elsewhere.")
            got = _expect(
                Browser(self.port).get(src, headers={"Accept-Encoding": "gzip"}), 200, src
            )
            parts[src] = {
                "bytes": len(got.body),
                "encoding": got.header("Content-Encoding") or "identity",
            }
        total = html_gz + sum(p["bytes"] for p in parts.values())
        return {"html": html, "html_gzip": html_gz, "assets": parts, "total": total}

    # -- everything --

    def run(self) -> dict:
        args = self.args
        started = time.perf_counter()
        self.step(f"database {self._database_name()} (dropped and created anew)")
        self.recreate_database()
        with self.timed("migrate_s"):
            self.manage("migrate", "--noinput", "-v", "0")
        self.step("seeding (seed_scale)")
        with self.timed("seed_s"):
            seed_log = self.manage(
                "seed_scale",
                f"--therapists={args.therapists}",
                f"--clients={args.clients}",
                f"--other-clients={args.other_clients}",
                f"--versions={args.versions}",
                f"--services={args.services}",
                debug=True,
            )
        with self.timed("collectstatic_s"):
            self.manage("collectstatic", "--noinput", "-v", "0")
        self.step("counting queries per page (in-process)")
        probe_out = self.tmp / "probe.json"
        probe_argv = [PYTHON, "-m", "bench.probe", str(probe_out)]
        profiles = None
        if args.profile:
            profiles = args.results / f"profile-{_stamp()}"
            probe_argv += ["--profile", str(profiles)]
        done = subprocess.run(  # noqa: S603
            probe_argv, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise BenchError(f"the probe failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
        probe = json.loads(probe_out.read_text())

        self.step("starting gunicorn")
        self.start_server()
        therapist = self.login()
        client = self.open_link(probe["tokens"]["bench"])
        token = probe["tokens"]["bench"]
        therapist_headers = {"Cookie": therapist.cookie_header}
        client_headers = {"Cookie": client.cookie_header}
        pages = {}
        pages["baseline"] = self.page("baseline", BASELINE_PATH, {})
        pages["plan"] = self.page("plan", f"/p/{token}/plan/", client_headers)
        pages["landing"] = self.page("landing", f"/p/{token}/", {})
        pages["dashboard"] = self.page("dashboard", "/", therapist_headers)
        pages["editor"] = self.page(
            "editor", f"/clients/{probe['link_client']}/plan/", therapist_headers
        )
        pages["directory"] = self.page(
            "directory", f"/directory/?country={probe['directory_country']}", therapist_headers
        )
        pages["baseline (again)"] = self.page("baseline (again)", BASELINE_PATH, {})
        pages["save (POST)"] = self.saves(therapist, probe["save_clients"])
        pages["login (POST)"] = self.logins(args.logins)
        weights = {
            "landing": self.weight("the landing page", Browser(self.port), f"/p/{token}/"),
            "plan": self.weight("the plan page", client, f"/p/{token}/plan/"),
        }
        self.step("stopping gunicorn")
        self.stop_server()

        self.step("rotating every client's data key")
        new_keys = f"{_new_key_entry('bench2')},{self.keys}"
        with self.timed("rotate_s"):
            rotation_log = self.manage("rotate_encryption_keys", env={"ENCRYPTION_KEYS": new_keys})
        rewrapped = next(
            (line for line in rotation_log.splitlines() if line.startswith("Done:")), ""
        )
        return {
            "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "commit": _git_commit(),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_before": _loadavg(),
            },
            "settings": {
                "duration_s": args.duration,
                "connections": args.connections,
                "rate": args.rate,
                "max_load": args.max_load,
                "gunicorn_workers": args.workers,
            },
            "data": probe["data"],
            "seed_log": [_TOKEN_IN_URL.sub("/p/<token>/", ln) for ln in seed_log.splitlines()],
            "pages": _with_ratios(pages),
            "queries": probe["pages"],
            "weights": weights,
            "argon2": {**probe["argon2"], "login": pages["login (POST)"]},
            "rotation": {"seconds": self.timings["rotate_s"], "log": rewrapped},
            "timings": {**self.timings, "total_s": round(time.perf_counter() - started, 1)},
            "profiles": str(profiles) if profiles else None,
            "targets": {},
        }


# --- wrk ------------------------------------------------------------------------------

# wrk prints its summary for people; this prints one JSON line for the runner.
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""

# One plan per thread (and one connection per thread, so its requests go one at a time):
# each save posts the base version the last successful save created.
SAVE_LUA = (
    """
local targets = %TARGETS%
local count = 0
function setup(thread)
  count = count + 1
  thread:set("index", count)
end
function init(args)
  target = targets[index]
  base = target.base
  wrk.headers["Cookie"] = %COOKIE%
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
function request()
  return wrk.format("POST", target.path, nil, target.body .. "&base_version=" .. base)
end
function response(status, headers, body)
  if status == 302 then
    base = base + 1
  elseif status == 409 then
    -- Refused as stale (counted as an error): go on from the version the page names.
    local current = body and body:match('name="base_version" value="(%d+)"')
    if current then base = tonumber(current) end
  end
end
"""
    + REPORT_LUA
)


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _lua_targets(targets: list[dict]) -> str:
    rows = [
        f"{{path = {_lua_string(t['path'])}, base = {int(t['base'])}, "
        f"body = {_lua_string(t['body'])}}}"
        for t in targets
    ]
    return "{" + ", ".join(rows) + "}"


def _wrk_report(argv: list[str], seconds: int) -> dict:
    done = subprocess.run(  # noqa: S603
        argv, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if done.returncode or line is None:
        raise BenchError(f"wrk failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    report = json.loads(line[len("BENCH ") :])
    duration = report["duration_us"] / 1e6
    return {
        "requests": report["requests"],
        "rps": round(report["requests"] / duration, 1) if duration else 0.0,
        "p50_ms": round(report["p50_us"] / 1000, 2),
        "p99_ms": round(report["p99_us"] / 1000, 2),
        "errors": report["errors"],
    }


# --- results ----------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


def _with_ratios(pages: dict[str, dict]) -> dict[str, dict]:
    runs = [pages["baseline"], pages["baseline (again)"]]
    base = {key: statistics.mean(run[key] for run in runs) for key in ("rps", "p50_ms", "p99_ms")}
    for page in pages.values():
        page["rps_ratio"] = round(page["rps"] / base["rps"], 2) if base["rps"] else None
        page["p50_ratio"] = round(page["p50_ms"] / base["p50_ms"], 2) if base["p50_ms"] else None
        page["p99_ratio"] = round(page["p99_ms"] / base["p99_ms"], 2) if base["p99_ms"] else None
    return pages


def check_targets(results: dict) -> dict[str, dict]:
    """Each target: met or missed, with the figure it was judged on."""
    pages = results["pages"]
    plan = pages["plan"]
    targets = {
        "plan rps >= 60% of baseline": {
            "value": plan["rps_ratio"],
            "met": plan["rps_ratio"] is not None and plan["rps_ratio"] >= PLAN_MIN_RPS_RATIO,
        },
        "plan p99 <= 1.5x baseline": {
            "value": plan["p99_ratio"],
            "met": plan["p99_ratio"] is not None and plan["p99_ratio"] <= PLAN_MAX_P99_RATIO,
        },
    }
    changing = sorted(
        page
        for page, variants in results["queries"].items()
        if len({v["queries"] for v in variants.values()}) > 1
    )
    targets["query counts constant in data size"] = {
        "value": ", ".join(changing) or "all constant",
        "met": not changing,
    }
    for name, weight in results["weights"].items():
        targets[f"{name} page < 20 KB compressed"] = {
            "value": weight["total"],
            "met": weight["total"] < COMPRESSED_LIMIT,
        }
    slow = sorted(
        name
        for name, page in pages.items()
        if not name.startswith("login") and (page["p50_ratio"] or 0) > MAX_P50_RATIO
    )
    targets["no page over 3x baseline p50 (login excepted)"] = {
        "value": ", ".join(slow) or "none over",
        "met": not slow,
    }
    errors = sorted(name for name, page in pages.items() if page["errors"])
    targets["no failed requests"] = {"value": ", ".join(errors) or "none", "met": not errors}
    return targets


def render_table(results: dict) -> str:
    """The run as text: load per page, then per-request costs, then the rest."""
    results["targets"] = check_targets(results)
    pages, queries = results["pages"], results["queries"]
    settings = results["settings"]
    lines = [
        f"CrisisPlan benchmark {results['when']} at {results['commit']}: "
        f"{results['machine']['cpus']} CPUs, gunicorn {settings['gunicorn_workers']} workers, "
        f"{settings['duration_s']} s per run, {settings['connections']} connections",
        "",
        f"{'page':<18} {'rps':>8} {'x base':>7} {'p50 ms':>8} {'x base':>7} "
        f"{'p99 ms':>8} {'x base':>7} {'rate':>6} {'errors':>7}",
    ]
    for name, page in pages.items():
        lines.append(
            f"{name:<18} {page['rps']:>8.1f} {page['rps_ratio']:>7.2f} {page['p50_ms']:>8.1f} "
            f"{page['p50_ratio']:>7.2f} {page['p99_ms']:>8.1f} {page['p99_ratio']:>7.2f} "
            f"{(page['fixed_rate'] or {}).get('rate', '-'):>6} {page['errors']:>7}"
        )
    lines += [
        "",
        "rps: wrk, closed loop; p50/p99: hey at a fixed rate of "
        f"{settings['rate']:g} requests/s (at most {settings['max_load']:.0%} of the page's "
        "rps; the rate column); x base: ratio to the mean of the two baseline runs; saves: "
        "wrk, one request at a time per plan; login: sequential.",
        "",
        f"{'per request':<18} {'queries':>7} {'small':>6} {'large':>6} {'decrypted':>9} "
        f"{'HTML bytes':>10} {'small':>8} {'large':>8}",
    ]
    for name, variants in queries.items():
        bench, small, large = (variants[k] for k in ("bench", "small", "large"))
        lines.append(
            f"{name:<18} {bench['queries']:>7} {small['queries']:>6} {large['queries']:>6} "
            f"{bench['decrypted']:>9} {bench['bytes']:>10,} {small['bytes']:>8,} "
            f"{large['bytes']:>8,}"
        )
    data = results["data"]
    lines += [
        "",
        "queries and decrypted values: one request in steady state, counted in-process; "
        "small/large: the same page on less and more data (fewer or more versions, opens, "
        "pins, directory services; a therapist with 10 clients; the country with the "
        "fewest nationwide services).",
        "",
        "compressed bytes on the wire: "
        + "; ".join(
            f"{name} {w['total']:,} B (HTML {w['html']:,} B, gzip {w['html_gzip']:,} B"
            + "".join(
                f" + {Path(src).name.split('.')[0]} {a['bytes']:,} B {a['encoding']}"
                for src, a in w["assets"].items()
            )
            + ")"
            for name, w in results["weights"].items()
        ),
        f"Argon2 ({results['argon2'].get('parameters', '?')}) login: check_password "
        f"{results['argon2']['check_password_ms']} ms, "
        f"POST /login/ p50 {results['argon2']['login']['p50_ms']} ms",
        f"rotate_encryption_keys: {results['rotation']['seconds']} s for "
        f"{data['clients']} clients (the command's whole run)",
        f"data: {data['therapists']} therapists, {data['clients']} clients "
        f"({data['clients_of_bench_therapist']} of the benchmarked therapist), "
        f"{data['plan_versions']} plan versions, {data['services']} services; "
        f"seeding {results['timings']['seed_s']} s; whole run {results['timings']['total_s']} s",
        "",
        "targets:",
    ]
    for name, target in results["targets"].items():
        lines.append(f"  [{'met' if target['met'] else 'MISSED'}] {name}: {target['value']}")
    return "\n".join(lines)


def write_results(results: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{_stamp()}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def _stamp() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


_TOKEN_IN_URL = re.compile(r"/p/[^/\s]+/")


def _redact(path: str) -> str:
    """Link tokens stay out of the results (and of anything that copies them)."""
    if path.startswith("/p/"):
        rest = path[3:].split("/", 1)
        return "/p/<token>/" + (rest[1] if len(rest) > 1 else "")
    return path


def _git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []
