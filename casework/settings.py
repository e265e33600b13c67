"""casework settings: one file, every value from the environment.

Read top to bottom. Each value comes from an environment variable through the small typed
helpers below; the variables are listed, with defaults and meanings, in docs/configuration.md
(tests/test_settings.py keeps that table and this file in step). Names carry a ``CASEWORK_``
prefix, except the well-known ``DATABASE_URL`` and ``SECRET_KEY``. A secret may instead be
given as a file path in ``<NAME>_FILE`` (Docker/Kubernetes secrets).

The defaults are the embedded setup: SQLite in WAL mode under ./var/, tasks in the same
database, DEBUG off.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from casework.policy.durations import parse_span

# -- helpers -----------------------------------------------------------------------------------

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def env_str(name: str, default: str) -> str:
    """The variable's value, or ``default`` when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off``, any case; anything else is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected one of 1/true/yes/on or 0/false/no/off")


def env_int(name: str, default: int) -> int:
    """A whole number; anything else is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number") from None


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_duration(name: str, default: str) -> timedelta | None:
    """A duration such as ``14d`` or ``36h`` (``off`` disables); business days are refused."""
    raw = env_str(name, default).strip()
    if raw.lower() == "off":
        return None
    try:
        span = parse_span(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={raw!r}: {error}") from None
    if span.is_business_days or span.is_zero:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a time such as 14d or 36h, or off")
    return span.timedelta()


def env_secret(name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (not both); None if unset."""
    file_name = f"{name}_FILE"
    path = os.environ.get(file_name)
    value = os.environ.get(name)
    if path is not None and value is not None:
        raise ImproperlyConfigured(f"set {name} or {file_name}, not both")
    if path is not None:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{file_name}={path!r}: {error.strerror}") from None
    return value


def env_secrets_prefixed(prefix: str) -> dict[str, str]:
    """Every secret whose name starts with ``prefix`` (each read as :func:`env_secret` reads
    one, so ``NAME_FILE`` works too), by name: for values an administrator names at run time,
    such as an IMAP mailbox's password variable."""
    names = {name.removesuffix("_FILE") for name in os.environ if name.startswith(prefix)}
    found = {name: env_secret(name) for name in sorted(names)}
    return {name: value for name, value in found.items() if value is not None}


def generated_secret_key(path: Path) -> str:
    """A development key kept in ``path``; made once (mode 0600), reused by every process."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    return key


# -- paths -------------------------------------------------------------------------------------

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CASEWORK_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

# -- core --------------------------------------------------------------------------------------

DEBUG = env_bool("CASEWORK_DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY") or generated_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("CASEWORK_ALLOWED_HOSTS", "127.0.0.1,localhost")
# Where people reach this casework, for links in mail (the portal, the policy pages).
CASEWORK_BASE_URL = env_str("CASEWORK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CASEWORK_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "ninja",  # serves the /api/v1/docs page's assets locally, no CDN
    "casework",
    "casework.policies",
    "casework.accounts",
    "casework.cases",
    "casework.channels",
    "casework.reports",
    "casework.status",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "casework.lib.web.ViewerTimezoneMiddleware",
]

# Requests each web process runs at once, on that many threads (casework/asgi.py). On
# PostgreSQL keep it at or under CASEWORK_DB_POOL_MAX_SIZE, or requests wait for a connection.
CASEWORK_WEB_THREADS = env_int("CASEWORK_WEB_THREADS", 8)

ROOT_URLCONF = "casework.urls"
ASGI_APPLICATION = "casework.asgi.application"
WSGI_APPLICATION = "casework.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "casework" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "casework.lib.web.page",
                "casework.channels.chat.context.widget",
            ],
        },
    },
]

# -- web pages: sign-in, sessions, Content-Security-Policy ---------------------------------------
# Staff and contacts sign in at /accounts/login/ with their username or email address and a
# password, or (contacts) with a one-time link mailed to them; staff land on /console/, contacts
# on /portal/. Sessions end after CASEWORK_SESSION_IDLE_SECONDS without a request (the cookie is
# renewed on every request) and when the browser closes.

AUTHENTICATION_BACKENDS = ["casework.accounts.auth.UsernameOrEmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("CASEWORK_SESSION_IDLE_SECONDS", 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
# Behind HTTPS, cookies must only travel over it; the loopback demo is plain HTTP.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("CASEWORK_SECURE_COOKIES", False)
PASSWORD_RESET_TIMEOUT = 3600  # a reset link works for an hour, once
# One-time sign-in links mailed to contacts: valid this long, and only once.
CASEWORK_LOGIN_LINK_SECONDS = env_int("CASEWORK_LOGIN_LINK_SECONDS", 900)
# Sign-in attempts (password, one-time link, password reset) per address and per client IP in
# a window of CASEWORK_SIGNIN_WINDOW_SECONDS; past either, the answer is 429 with Retry-After.
CASEWORK_SIGNIN_ATTEMPTS = env_int("CASEWORK_SIGNIN_ATTEMPTS", 10)
CASEWORK_SIGNIN_ATTEMPTS_PER_IP = env_int("CASEWORK_SIGNIN_ATTEMPTS_PER_IP", 50)
CASEWORK_SIGNIN_WINDOW_SECONDS = env_int("CASEWORK_SIGNIN_WINDOW_SECONDS", 900)

# Django's own CSP middleware: scripts and styles only from this site (no inline script, no
# eval), nothing framed, forms post only here. Pages use no inline script at all, so no nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# -- database ----------------------------------------------------------------------------------
# PostgreSQL (or any dj-database-url URL) when DATABASE_URL is set; otherwise SQLite in var/.
# SQLite runs in WAL mode so readers never block the writer; IMMEDIATE transactions take the
# write lock at BEGIN, so two writers queue on the busy timeout instead of failing mid-way
# with "database is locked" when a read lock would have to be upgraded.

# PostgreSQL connections come from a pool per process (psycopg_pool, Django's documented answer
# for ASGI, where persistent connections are not to be used): opening a connection costs more
# than most requests. CASEWORK_DB_POOL_MAX_SIZE=0 turns the pool off, and then
# CASEWORK_DB_CONN_MAX_AGE applies (0: one connection per request).

DATABASE_URL = env_secret("DATABASE_URL")
if DATABASE_URL:
    _POOL_MAX = env_int("CASEWORK_DB_POOL_MAX_SIZE", 8)
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=0 if _POOL_MAX else env_int("CASEWORK_DB_CONN_MAX_AGE", 0),
            conn_health_checks=not _POOL_MAX,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        _OPTIONS = DATABASES["default"].setdefault("OPTIONS", {})
        if _POOL_MAX:
            _OPTIONS["pool"] = {
                "min_size": 1,
                "max_size": _POOL_MAX,
                "timeout": env_int("CASEWORK_DB_POOL_TIMEOUT", 30),
            }
        # Server-side binding, and a statement run CASEWORK_DB_PREPARE_THRESHOLD times on one
        # connection is prepared: PostgreSQL then plans it once per connection instead of on
        # every request (the token lookup's five-table join took longer to plan than to run).
        # 0 keeps Django's default, client-side binding and no prepared statements: needed
        # behind a pooler in transaction mode (PgBouncer before 1.21), which loses them.
        _PREPARE_AFTER = env_int("CASEWORK_DB_PREPARE_THRESHOLD", 2)
        if _PREPARE_AFTER > 0:
            _OPTIONS["server_side_binding"] = True
            _OPTIONS["prepare_threshold"] = _PREPARE_AFTER
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "casework.sqlite3"),
            # Each thread keeps its connection: opening one per request cost more than the
            # request (the PRAGMAs, and closing the last connection checkpoints the WAL).
            "CONN_MAX_AGE": env_int("CASEWORK_SQLITE_CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("CASEWORK_SQLITE_TIMEOUT", 20),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- background tasks --------------------------------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The worker (`casework worker`, and a thread of `casework demo`) runs due tasks continuously
# and the SLA sweep every CASEWORK_SWEEP_INTERVAL seconds.
CASEWORK_SWEEP_INTERVAL = env_int("CASEWORK_SWEEP_INTERVAL", 30)

# -- outgoing mail -----------------------------------------------------------------------------
# SLA notifications are sent over SMTP by a task; a failed send is retried with a backoff
# (CASEWORK_NOTIFY_RETRY_SECONDS, doubling) up to CASEWORK_NOTIFY_MAX_ATTEMPTS attempts.

MAILERS = {
    "default": {
        "BACKEND": "casework.lib.mail.SMTPBackend",
        "OPTIONS": {
            "host": env_str("CASEWORK_EMAIL_HOST", "localhost"),
            "port": env_int("CASEWORK_EMAIL_PORT", 25),
            "username": env_str("CASEWORK_EMAIL_USER", ""),
            "password": env_secret("CASEWORK_EMAIL_PASSWORD") or "",
            "use_tls": env_bool("CASEWORK_EMAIL_STARTTLS", False),
            "timeout": env_int("CASEWORK_EMAIL_TIMEOUT", 30),
        },
    }
}
DEFAULT_FROM_EMAIL = env_str("CASEWORK_EMAIL_FROM", "casework@localhost")
CASEWORK_NOTIFY_MAX_ATTEMPTS = env_int("CASEWORK_NOTIFY_MAX_ATTEMPTS", 5)
CASEWORK_NOTIFY_RETRY_SECONDS = env_int("CASEWORK_NOTIFY_RETRY_SECONDS", 60)

# -- cases -------------------------------------------------------------------------------------

# R9: a case support marked "service restored" is resolved when the customer has not answered
# within this time (``casework.cases.followups.case_auto_confirm_due``).
CASEWORK_AUTO_CONFIRM_AFTER = env_duration("CASEWORK_AUTO_CONFIRM_AFTER", "14d")

# Attachments (ASVS 5.2): stored by Django's default storage under var/media/ with random
# names, never served from MEDIA_URL (the API streams them after checking who asks).
MEDIA_ROOT = VAR_DIR / "media"
CASEWORK_MAX_ATTACHMENT_BYTES = env_int("CASEWORK_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # larger uploads go to a temporary file first

# Inbound email (casework.channels.email): the largest message `casework smtpd` and
# POST /api/v1/intake/email accept, and what a message from an unknown sender does: `hold`
# keeps it for triage; `answer` keeps it too and mails the sender how to get access, at most
# once per address per CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS (and never to an automatic
# message), so two robots cannot keep answering each other.
CASEWORK_EMAIL_MAX_BYTES = env_int("CASEWORK_EMAIL_MAX_BYTES", 25 * 1024 * 1024)
CASEWORK_EMAIL_UNKNOWN_SENDER = env_str("CASEWORK_EMAIL_UNKNOWN_SENDER", "hold")
if CASEWORK_EMAIL_UNKNOWN_SENDER not in ("hold", "answer"):
    raise ImproperlyConfigured(
        f"CASEWORK_EMAIL_UNKNOWN_SENDER={CASEWORK_EMAIL_UNKNOWN_SENDER!r}: expected hold or answer"
    )
CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS = env_int("CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS", 86400)
if CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS <= 0:
    raise ImproperlyConfigured("CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS: expected seconds over 0")
# Who an unknown sender should ask for access, as the answer names it ("your IT desk,
# it@example.com"); empty: a contact of their organisation with the administrator role.
CASEWORK_EMAIL_ACCESS_CONTACT = env_str("CASEWORK_EMAIL_ACCESS_CONTACT", "")
# The per-case reply address: with `support@example.com`, mail about case CW-000042 carries
# Reply-To: support+cw-000042@example.com, and mail sent to that address joins the case.
CASEWORK_EMAIL_REPLY_TO = env_str("CASEWORK_EMAIL_REPLY_TO", "").strip()
if CASEWORK_EMAIL_REPLY_TO and CASEWORK_EMAIL_REPLY_TO.count("@") != 1:
    raise ImproperlyConfigured(
        f"CASEWORK_EMAIL_REPLY_TO={CASEWORK_EMAIL_REPLY_TO!r}: expected an address, local@domain"
    )
# `casework smtpd` accepts this many messages per sender address, and per peer IP address,
# in a window of this many seconds; past it the client is told to retry later (451).
CASEWORK_SMTP_RATE_LIMIT = env_int("CASEWORK_SMTP_RATE_LIMIT", 60)
CASEWORK_SMTP_RATE_WINDOW_SECONDS = env_int("CASEWORK_SMTP_RATE_WINDOW_SECONDS", 600)

# IMAP mailboxes (casework.channels.email.imap; configured in the Django admin) are polled by
# the worker every CASEWORK_IMAP_POLL_SECONDS. A mailbox names the variable holding its
# password, CASEWORK_IMAP_PASSWORD_<NAME> (or <that>_FILE): secrets stay out of the database.
# After CASEWORK_IMAP_ALERT_AFTER failed polls in a row the administrators are mailed, once.
CASEWORK_IMAP_POLL_SECONDS = env_int("CASEWORK_IMAP_POLL_SECONDS", 60)
CASEWORK_IMAP_ALERT_AFTER = env_int("CASEWORK_IMAP_ALERT_AFTER", 3)
CASEWORK_IMAP_TIMEOUT = env_int("CASEWORK_IMAP_TIMEOUT", 30)
CASEWORK_IMAP_CA_FILE = env_str("CASEWORK_IMAP_CA_FILE", "")
CASEWORK_IMAP_PASSWORDS = env_secrets_prefixed("CASEWORK_IMAP_PASSWORD_")

# -- monitoring intake -------------------------------------------------------------------------
# Prometheus Alertmanager posts to /api/v1/intake/alertmanager with this bearer token (its
# webhook_config http_config.authorization.credentials); unset, the endpoint answers 503.
CASEWORK_ALERTMANAGER_TOKEN = env_secret("CASEWORK_ALERTMANAGER_TOKEN") or ""

# -- chat (R1) -----------------------------------------------------------------------------------
# Websockets go through Django Channels' channel layer: in memory for the embedded default (one
# web process), Redis when several web processes serve casework (every one must name the same
# server, e.g. redis://127.0.0.1:6379/0).
CASEWORK_REDIS_URL = env_secret("CASEWORK_REDIS_URL") or ""
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [CASEWORK_REDIS_URL], "prefix": "casework"},
        }
        if CASEWORK_REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}
CASEWORK_CHAT_MAX_CHARS = env_int("CASEWORK_CHAT_MAX_CHARS", 4000)
CASEWORK_CHAT_RATE_LIMIT = env_int("CASEWORK_CHAT_RATE_LIMIT", 30)  # messages a minute a person

# -- cache and the status page -----------------------------------------------------------------
# The status page's board is cached under a revision read from the database, so a change shows
# at once on every process; the cache itself is per process, or the Redis server above.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CASEWORK_REDIS_URL}
        if CASEWORK_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CASEWORK_STATUS_CACHE_SECONDS = env_int("CASEWORK_STATUS_CACHE_SECONDS", 30)
CASEWORK_STATUS_HISTORY_DAYS = env_int("CASEWORK_STATUS_HISTORY_DAYS", 90)
CASEWORK_STATUS_TIMEZONE = env_str("CASEWORK_STATUS_TIMEZONE", "UTC")
# Subscriptions: how long a confirmation link works, how many subscription requests one
# address or client may make an hour, how long a webhook receiver has to answer.
CASEWORK_STATUS_CONFIRM_SECONDS = env_int("CASEWORK_STATUS_CONFIRM_SECONDS", 72 * 3600)
CASEWORK_STATUS_SUBSCRIBE_LIMIT = env_int("CASEWORK_STATUS_SUBSCRIBE_LIMIT", 5)
CASEWORK_WEBHOOK_TIMEOUT_SECONDS = env_int("CASEWORK_WEBHOOK_TIMEOUT_SECONDS", 10)
try:
    ZoneInfo(CASEWORK_STATUS_TIMEZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"CASEWORK_STATUS_TIMEZONE={CASEWORK_STATUS_TIMEZONE!r} is not an IANA time zone name"
    ) from None
if CASEWORK_STATUS_HISTORY_DAYS < 1:
    raise ImproperlyConfigured("CASEWORK_STATUS_HISTORY_DAYS must be at least 1")

# -- time and language -------------------------------------------------------------------------
# Stored and computed in UTC; each policy calendar carries its own IANA zone.

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# -- static files ------------------------------------------------------------------------------
# WhiteNoise serves them from the app folders directly (USE_FINDERS), so `casework serve`
# needs no collectstatic step; STATIC_ROOT is there for deployments that collect them.

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
WHITENOISE_USE_FINDERS = True

# -- logging -----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CASEWORK_LOG_LEVEL", "INFO")},
    # The worker runs django-tasks-db's batch worker every second: its start/stop lines are noise.
    "loggers": {"django_tasks_db": {"level": "WARNING"}},
}
