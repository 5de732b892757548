"""Project-wide pytest fixtures: people, fast hashing, test keys, and the browser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import handlers as staticfiles_handlers
from django.contrib.staticfiles.handlers import StaticFilesHandler

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# from such a thread unless told this is fine (it is: the loop only drives the browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "var" / "test-artifacts"
TEST_KEYS = (
    "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8,"
    "test0:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """The catalogues compiled as `make test` does, when a .po is newer than its .mo (a
    run of pytest alone after a translation changed)."""
    from django.core.management import call_command

    catalogues = Path(__file__).resolve().parent / "locale"
    stale = [
        po
        for po in catalogues.glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        call_command(
            "compilemessages",
            verbosity=0,
            locale=sorted({po.parts[-3] for po in stale}),
            ignore_patterns=[".venv", "var", "bench", "tests", "build"],
        )


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Collect static files once, so hashed names resolve as they do in production.

    Into a folder of this run's own, so that parallel runs and `make run` never see a
    half-written manifest.
    """
    from django.conf import settings
    from django.core.files.storage import storages
    from django.core.management import call_command

    settings.STATIC_ROOT = str(tmp_path_factory.mktemp("static"))
    storages._storages.pop("staticfiles", None)
    call_command("collectstatic", interactive=False, verbosity=0)


class _WhiteNoiseServesStatic(StaticFilesHandler):
    """live_server would serve /static/ from the finders, which know no hashed names;
    let whitenoise serve the collected files instead, exactly as in production."""

    def _should_handle(self, path: str) -> bool:
        return False


@pytest.fixture(scope="session", autouse=True)
def _live_server_uses_whitenoise() -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    patch.setattr(staticfiles_handlers, "StaticFilesHandler", _WhiteNoiseServesStatic)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _fresh_region_lookups() -> None:
    """Tests write the directory with bulk_create too (no signals): start each test with
    no remembered region lookups (hotlines.models.region_help)."""
    from hotlines.models import forget_region_help

    forget_region_help()


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from crisisplan.core.keys import parse_keyring

    settings.ENCRYPTION_KEYRING = parse_keyring(TEST_KEYS)


def make_user(email: str, *, is_staff: bool = False, password: str = "correct horse battery"):
    from crisisplan.core.models import User

    return User.objects.create_user(email, password, is_staff=is_staff)


@pytest.fixture
def alice(db: None):
    return make_user("alice@example.com")


@pytest.fixture
def bob(db: None):
    return make_user("bob@example.com")


@pytest.fixture
def carol(db: None):
    """A curator: staff, reaches the admin, is not a clinician."""
    from django.contrib.auth.models import Permission

    user = make_user("carol@example.com", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="hotlines"))
    return user


@pytest.fixture
def alice_client(client: Any, alice: Any) -> Any:
    client.force_login(alice)
    return client


# --- a real Redis ------------------------------------------------------------------


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of this test's own, on a free port, in memory only; its URL.

    Skipped with a notice on a developer machine without redis-server; CI installs it
    (.ci/run) and fails without it."""
    server = shutil.which("redis-server")
    if server is None:
        message = "redis-server is not installed (apt-get install redis-server): skipped."
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [server, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_cache(redis_url: str, settings: Any) -> str:
    """The app's cache is that redis-server (as CACHE_URL=redis://... makes it)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    return redis_url


# --- two-step login -------------------------------------------------------------------


def add_authenticator(user: Any, name: str = "Phone") -> Any:
    """A confirmed TOTP device for ``user``, as set-up would leave it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def totp_code(device: Any, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or ``steps_ahead`` 30-second steps later, still
    accepted: for a second login in the same step, since a code works only once)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def alice_device(alice: Any) -> Any:
    return add_authenticator(alice)


@pytest.fixture
def verified_client(client: Any, alice: Any, alice_device: Any) -> Any:
    """Alice logged in with her password and a code: her session is verified."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(alice)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = alice_device.persistent_id
    session.save()
    return client


# --- browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive Debian's Chromium; Playwright never downloads a browser of its own."""
    if not Path(CHROMIUM).exists():
        message = (
            f"Chromium is not installed at {CHROMIUM} (apt-get install chromium): "
            "BROWSER TESTS ARE SKIPPED."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def artifacts() -> Iterator[Path]:
    """A git-ignored folder for screenshots a person can look at after the run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield ARTIFACTS


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
        print(f"\n*** NOTE: no Chromium at {CHROMIUM}; browser tests were skipped. ***")
