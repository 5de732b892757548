"""Settings for CrisisPlan, read from the environment (and a local .env) by django-environ.

Every variable is listed in README.md. Development defaults are safe and local; with
DEBUG off (the default) a missing or malformed secret stops start-up with one sentence.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from crisisplan.core.keys import KeyringError, parse_keyring

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE points at the file to read; an empty value reads none (used by tests that
# start the app with an exact environment). Real environment variables always win.
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE)


def _fail(sentence: str) -> None:
    raise ImproperlyConfigured(sentence)


_debug = env.str("DEBUG", default="false").strip().lower()
if _debug not in {"true", "false", "1", "0", "yes", "no", "on", "off", ""}:
    _fail("DEBUG must be true or false.")
DEBUG = _debug in {"true", "1", "yes", "on"}

# --- secrets and hosts -------------------------------------------------------------

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        _fail("SECRET_KEY is not set: production needs a long random value (see README).")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 (DEBUG only)
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    _fail("SECRET_KEY is too short: use at least 50 random characters (see README).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        _fail("ALLOWED_HOSTS is not set: list the host names the app is served on.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
elif any(not host.strip() or " " in host for host in ALLOWED_HOSTS):
    _fail("ALLOWED_HOSTS is malformed: give comma-separated host names.")

# Key-encryption keys for client data (crisisplan/core/keys.py, crisisplan/core/encryption.py).
# In DEBUG without keys the app starts, and any encryption raises a clear error.
_raw_keys = env.str("ENCRYPTION_KEYS", default="")
try:
    ENCRYPTION_KEYRING = parse_keyring(_raw_keys) if (_raw_keys or not DEBUG) else None
except KeyringError as exc:
    _fail(str(exc))

# --- apps ---------------------------------------------------------------------------

INSTALLED_APPS = [
    # Django's admin with a site that asks for the second factor (crisisplan/apps.py)
    "crisisplan.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "crisisplan",
    "clients",
    "hotlines",
]

MIDDLEWARE = [
    # The app server's requests never wait on a database that stopped answering.
    "crisisplan.middleware.StalledQueryMiddleware",
    # /healthz for the proxy in front, before the HTTPS redirect and the host check.
    "crisisplan.health.HealthCheckMiddleware",
    # One log line per request, with its id (crisisplan/requestlog.py).
    "crisisplan.requestlog.RequestLogMiddleware",
    # A moment after the database stalled, answer at once (503 with help).
    "crisisplan.middleware.DatabasePauseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A NUL in the query string: a plain 400, before anything reads it.
    "crisisplan.middleware.NullCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages of a signed-in user: Cache-Control: no-store, private.
    "crisisplan.middleware.SignedInPagesNotStoredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "crisisplan.middleware.SessionTimeoutMiddleware",
    "crisisplan.middleware.TwoFactorMiddleware",
    "crisisplan.middleware.TimeZoneMiddleware",
    "crisisplan.middleware.LanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that a locked-out login is answered before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crisisplan.urls"
WSGI_APPLICATION = "crisisplan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crisisplan.core.sessions.session_timing",
            ],
            # Tag libraries of the plans and links packages (not apps of their own):
            # the client's plan and page parts, the editor's rows and the plan pages'
            # tabs, built in Python
            # for speed (BENCHMARKS.md).
            "libraries": {
                "client_page": "crisisplan.links.page_html",
                "plan_body": "crisisplan.plans.body_html",
                "plan_editor": "crisisplan.plans.editor_html",
                "plan_nav": "crisisplan.plans.nav_html",
                # {% url_for %}: {% url %} from a pattern reversed once per process.
                "paths": "crisisplan.core.paths",
            },
        },
    },
]

# --- database and cache -------------------------------------------------------------

try:
    DATABASES = {
        "default": env.db_url(
            "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
        )
    }
except (ImproperlyConfigured, ValueError, KeyError) as exc:
    _fail(f"DATABASE_URL is malformed ({exc.__class__.__name__}): e.g. postgres://user@host/db.")
if DATABASES["default"].get("ENGINE") not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}:
    _fail("DATABASE_URL is malformed: use postgres://... (or sqlite:///... for local use).")
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The private link's page prepares its one query once per database connection
# (crisisplan/links/models.py, LinkPageQuery). A pooler in transaction mode (PgBouncer's
# pool_mode=transaction) gives each transaction any server connection, where that
# prepared statement may not exist: set DB_PREPARED_STATEMENTS=false (and CONN_MAX_AGE=0)
# behind one. See docs/operations.md, "Scaling".
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
# No request may hang on a database that does not answer (docs/operations.md, "Faults"): a
# connection gives up after DATABASE_CONNECT_TIMEOUT seconds, unacknowledged data after
# as long, and a statement (a web request's: crisisplan/wsgi.py sets it for the app
# server, not for commands such as migrate) after DATABASE_STATEMENT_TIMEOUT seconds.
# The request then answers 503 with help (crisisplan/errors.py).
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    _options.setdefault("tcp_user_timeout", DATABASE_CONNECT_TIMEOUT * 1000)
    if DATABASE_STATEMENT_TIMEOUT > 0:
        _timeout = f"-c statement_timeout={int(DATABASE_STATEMENT_TIMEOUT * 1000)}"
        _options["options"] = f"{_options.get('options', '')} {_timeout}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if env.str("CACHE_URL", default=""):
    try:
        CACHES = {"default": env.cache_url("CACHE_URL")}
    except (ImproperlyConfigured, ValueError, KeyError):
        _fail("CACHE_URL is malformed: e.g. redis://127.0.0.1:6379/0.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- accounts -----------------------------------------------------------------------

AUTH_USER_MODEL = "crisisplan.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "clients:dashboard"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes, database handler: survives restarts and is shared by
# every app process). Failures are counted per account and per address separately.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# One address rule for the whole app (crisisplan.core.http.client_address: the proxy's
# X-Forwarded-For entry only with BEHIND_TLS_PROXY), the same the link rate limits use;
# and the email as login matches it (any case), so "Ann@" and "ann@" share five tries.
AXES_CLIENT_IP_CALLABLE = "crisisplan.core.http.client_address"
AXES_USERNAME_CALLABLE = "crisisplan.core.http.login_username"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Sessions: end after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after
# login, whichever comes first (crisisplan.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- two-factor login, password reset, email (README "Accounts") --------------------

# A signed-in user without a second factor is sent to set it up before any other page
# (crisisplan.middleware.TwoFactorMiddleware); the admin asks for it too.
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "CrisisPlan"
# django-axes is the one lockout for passwords and codes alike (crisisplan/core/views.py);
# django-otp's own back-off would refuse a right code after a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
PASSWORD_RESET_TIMEOUT = 3600  # a reset link works for an hour, and once

# Password-reset mail: printed to the console in development, SMTP in production.
try:
    _email = env.email_url(
        "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
    )
except (ImproperlyConfigured, ValueError, KeyError):
    _fail("EMAIL_URL is malformed: e.g. smtp+tls://user:password@smtp.example.org:587.")
# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS...; parts the URL leaves out keep
# Django's defaults.
globals().update({name: value for name, value in _email.items() if value not in (None, "")})
DEFAULT_FROM_EMAIL = env.str("EMAIL_FROM", default="CrisisPlan <crisisplan@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- behind a proxy -----------------------------------------------------------------

# Set BEHIND_TLS_PROXY=true when a proxy (nginx, Caddy, a load balancer) terminates TLS
# and forwards X-Forwarded-Proto and X-Forwarded-For; never when clients reach gunicorn
# directly, or they could forge both headers.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- security headers ---------------------------------------------------------------

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "crisisplan.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): nothing from another origin, no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- private links -----------------------------------------------------------------


def _rate(name: str, value: str) -> tuple[int, int]:
    """A rate "COUNT/SECONDS", e.g. 30/60 for 30 requests a minute."""
    count, _, seconds = value.partition("/")
    if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
        _fail(f"{name} is malformed: give COUNT/SECONDS, e.g. 30/60.")
    return int(count), int(seconds)


# Requests to private-link URLs, counted in the database (shared by every app process).
# Tokens are 256-bit, so the address limit is not what stops guessing; it stops floods.
# It is generous because many phones share one address behind a carrier's NAT, and a
# client must not be kept from their plan by strangers on the same network.
LINK_RATE_LIMIT_PER_ADDRESS = _rate(
    "LINK_RATE_LIMIT_PER_ADDRESS", env.str("LINK_RATE_LIMIT_PER_ADDRESS", default="120/60")
)
LINK_RATE_LIMIT_PER_LINK = _rate(
    "LINK_RATE_LIMIT_PER_LINK", env.str("LINK_RATE_LIMIT_PER_LINK", default="60/60")
)

# --- the emergency in a session ------------------------------------------------------

# The dashboard flags a client whose location was last confirmed (a session check-in)
# longer ago than this: weekly sessions are the common rhythm. CrisisPlan has no
# calendar, so the check-in is its only record of a session.
CHECKIN_STALE_DAYS = env.int("CHECKIN_STALE_DAYS", default=7)
if CHECKIN_STALE_DAYS < 1:
    _fail("CHECKIN_STALE_DAYS must be a whole number of days, 1 or more.")

# --- static files -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "crisisplan.storage.HashedStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600
# Files browsers ask for at the site's root: /favicon.ico, /apple-touch-icon.png.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# --- i18n ---------------------------------------------------------------------------

LANGUAGE_CODE = "en"
# The languages the pages come in (README, "Languages"): each has catalogues in
# locale/<code>/LC_MESSAGES/ (django.po for pages and Python, djangojs.po for scripts).
# A name is written in its own language, as the language switch shows it.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- logging ------------------------------------------------------------------------

# LOG_FORMAT=json: one JSON object per line (crisisplan/requestlog.py), for a log system;
# plain: "time level logger [request id] message". Either way one line per request
# (logger crisisplan.request) on stdout, everything else (warnings, errors with their
# request id) on stderr; link tokens and search words redacted.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    _fail("LOG_FORMAT must be plain or json.")
_log_formatter = (
    "crisisplan.requestlog.JsonFormatter"
    if LOG_FORMAT == "json"
    else "crisisplan.requestlog.PlainFormatter"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_tokens": {"()": "crisisplan.logfilters.RedactTokensFilter"},
        "request_id": {"()": "crisisplan.requestlog.RequestIdFilter"},
    },
    "formatters": {"line": {"()": _log_formatter}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",  # stderr
            "formatter": "line",
            "filters": ["redact_tokens", "request_id"],
        },
        "requests": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["redact_tokens", "request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The default request logger would print exception details that may contain
        # client data; our handler500 renders a plain page and the logger keeps a line.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # runserver's own line per request: crisisplan.request already writes one.
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "crisisplan.request": {"handlers": ["requests"], "level": "INFO", "propagate": False},
    },
}
