"""tmuxhub settings: every value comes from the environment (see `.env.example`).

Defaults are the embedded mode a single person runs on a laptop: SQLite, no Redis (Celery on a
filesystem broker), DEBUG off. Each setting is named after its variable. Every problem found is
collected and reported together at the end, in plain words; `TMUXHUB_PRODUCTION=1` adds the checks a
public deployment needs. Importing this module only reads: folders and the embedded secret key are
made when Django starts (tmuxhub/datadir.py).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import django_stubs_ext
import environ

from tmuxhub.datadir import read_secret_key

# Lets classes such as `admin.ModelAdmin[Offender]` be subscripted at run time, as their stubs are.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = os.environ.get("TMUXHUB_ENV_FILE", str(BASE_DIR / ".env"))
if Path(_env_file).is_file():
    env.read_env(_env_file)

# --- Core -----------------------------------------------------------------------------------------

TMUXHUB_PRODUCTION = env.bool("TMUXHUB_PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=False)
TMUXHUB_DATA_DIR = Path(env.str("TMUXHUB_DATA_DIR", default=str(BASE_DIR / "data")))

# The URL people (and Claude) reach this server at. Everything public is derived from it: the
# OAuth issuer, the MCP resource identifier, allowed hosts, cookie security.
TMUXHUB_PUBLIC_URL = env.str("TMUXHUB_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
_public = urlsplit(TMUXHUB_PUBLIC_URL)
PUBLIC_HOST = _public.hostname or "127.0.0.1"
PUBLIC_IS_HTTPS = _public.scheme == "https"
MCP_RESOURCE_URL = f"{TMUXHUB_PUBLIC_URL}/mcp"

# Where `tmuxhub serve` listens, and how many uvicorn worker processes it runs (its --host, --port and
# --workers default to these).
TMUXHUB_HOST = env.str("TMUXHUB_HOST", default="127.0.0.1")
TMUXHUB_PORT = env.int("TMUXHUB_PORT", default=8000)
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=1)
# Seconds any outgoing HTTP request may take (GitHub, RIPE Stat, AbuseIPDB).
TMUXHUB_HTTP_TIMEOUT = env.float("TMUXHUB_HTTP_TIMEOUT", default=10.0)


# Every configuration problem found below, reported together at the end (one restart fixes them all).
_problems: list[str] = []


def _required(name: str, hint: str) -> str:
    value = env.str(name, default="")
    if TMUXHUB_PRODUCTION and not value:
        _problems.append(f"{name} is not set: {hint}.")
    return value


# Embedded mode keeps a per-installation key in the data folder (tmuxhub/datadir.py makes it at start).
SECRET_KEY = _required("SECRET_KEY", "set it to a random string of 50 or more characters") or (
    read_secret_key(TMUXHUB_DATA_DIR)
)
if TMUXHUB_PRODUCTION and 0 < len(SECRET_KEY) < 50:
    _problems.append(f"SECRET_KEY is {len(SECRET_KEY)} characters long: use a random string of 50 or more.")
if TMUXHUB_PRODUCTION and not PUBLIC_IS_HTTPS:
    _problems.append(
        f"TMUXHUB_PUBLIC_URL is {TMUXHUB_PUBLIC_URL}: a public deployment is reached over https (OAuth "
        "redirects, secure cookies); put a TLS proxy or tunnel in front and give its https URL."
    )
if TMUXHUB_PRODUCTION and DEBUG:
    _problems.append("DEBUG=1: debug pages show settings and code to anyone; turn it off in production.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or [PUBLIC_HOST, "127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = [TMUXHUB_PUBLIC_URL]

INSTALLED_APPS = [
    # First: makes the data folder and the embedded secret key before any other app starts.
    "tmuxhub.apps.TmuxhubConfig",
    "tmuxhub.apps.HubAdminConfig",  # django.contrib.admin with tmuxhub's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "oauth2_provider",
    "social_django",
    "axes",
    "tmuxhub.accounts",
    "bridge",
    "abuse",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tmuxhub.headers.ContentSecurityPolicyMiddleware",
    "tmuxhub.static.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Answers a locked-out password login with 429 (AXES_* below).
    "axes.middleware.AxesMiddleware",
    "tmuxhub.lib.redis.UnavailableMiddleware",
]

ROOT_URLCONF = "tmuxhub.urls"
ASGI_APPLICATION = "tmuxhub.asgi.application"
WSGI_APPLICATION = "tmuxhub.wsgi.application"

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
            ],
            "libraries": {"hub": "tmuxhub.lib.humanize", "hub_setup": "tmuxhub.accounts.setup"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------------

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    # Survive a PostgreSQL restart: check the connection before reuse.
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": TMUXHUB_DATA_DIR / "tmuxhub.sqlite3",
            # Each thread keeps its connection a minute: the audit and abuse writers, which write a
            # batch every few tens of milliseconds, opened one (and set WAL) per batch.
            "CONN_MAX_AGE": 60,
            # Concurrent writers (web + worker) wait instead of failing with "database is locked".
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
# Seconds any Redis connection attempt or command may take (tmuxhub/lib/redis.py), then one retry.
TMUXHUB_REDIS_TIMEOUT = env.float("TMUXHUB_REDIS_TIMEOUT", default=1.0)
# Prefixes every Redis key and Celery queue, so several installations (or test runs) share a Redis.
TMUXHUB_INSTANCE = env.str("TMUXHUB_INSTANCE", default="tmuxhub")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "tmuxhub.lib.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": TMUXHUB_INSTANCE,
        }
    }
else:
    # Embedded mode: the database is the one store every process shares.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tmuxhub_cache",
            "KEY_PREFIX": TMUXHUB_INSTANCE,
        }
    }

CELERY_TASK_DEFAULT_QUEUE = TMUXHUB_INSTANCE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# The worker's timer thread sleeps at most this long; stopping a worker waits for it (Celery's 1 s made
# every stop a second longer).
CELERY_WORKER_TIMER_PRECISION = 0.25
# No result backend: nothing reads task results (outcomes are rows), and Redis' result backend neither
# prefixes its keys nor lets a sender fail fast (it retried ~20 s, then said "must be restarted").
# Queueing a task with the broker down fails within ~2 s (connect timeout, one quick retry):
# abuse.tasks.queue_task turns that into a message naming the broker.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.2}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # acks_late tasks come back after a worker dies, once the visibility timeout has passed; an hour
    # covers the longest retry backoff (a shorter one would deliver waiting retries twice).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "global_keyprefix": f"{TMUXHUB_INSTANCE}:",
        # A broker that vanished without closing the connection must not hang a publish forever.
        "socket_connect_timeout": 2,
        "socket_timeout": 10,
    }
else:
    _broker_dir = TMUXHUB_DATA_DIR / "celery-broker"  # its folders are made at start (tmuxhub/datadir.py)
    # A hostname kombu does not use, but otherwise warns about at every connection.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT = "tmuxhub.celery:EmbeddedTransport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        # Message files a worker cannot read (an empty one left by a full disk) are set aside here.
        "quarantine_folder": str(_broker_dir / "quarantine"),
        # kombu otherwise writes its broadcast (control) files into the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # Seconds between two looks for a new task (kombu's default is 1).
        "polling_interval": 0.1,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Static files ---------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve the admin's and tmuxhub's static files straight from their folders, so `tmuxhub serve` needs
# no collectstatic step; the Docker image still collects them (compressed) into STATIC_ROOT.
WHITENOISE_USE_FINDERS = True

# --- Security headers -----------------------------------------------------------------------------

# Sessions in the database, where removing a person can find and end theirs (accounts/sessions.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_SECURE = PUBLIC_IS_HTTPS
CSRF_COOKIE_SECURE = PUBLIC_IS_HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = 31536000 if PUBLIC_IS_HTTPS else 0
SECURE_REFERRER_POLICY = "same-origin"
# Scripts only from tmuxhub's own files; inline styles stay allowed (templates carry a few). No
# form-action: the login and consent forms end in redirects to GitHub and to the client.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# Behind a TLS-terminating proxy (a trusted one, see TMUXHUB_TRUSTED_PROXIES).
if PUBLIC_IS_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Accounts: GitHub login, allow-list, OAuth provider -------------------------------------------

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out password login before its password is hashed (0.3 s of CPU each).
    "axes.backends.AxesStandaloneBackend",
    "tmuxhub.accounts.backends.GitHubOAuth2",
    "django.contrib.auth.backends.ModelBackend",
]
SOCIAL_AUTH_GITHUB_KEY = _required("GITHUB_CLIENT_ID", "create a GitHub OAuth app and copy its client id")
SOCIAL_AUTH_GITHUB_SECRET = _required("GITHUB_CLIENT_SECRET", "copy the GitHub OAuth app's client secret")
SOCIAL_AUTH_GITHUB_SCOPE: list[str] = []
# GitHub's endpoints; point them at a GitHub Enterprise server (or, in tests, a fake GitHub).
GITHUB_AUTHORIZATION_URL = env.str(
    "GITHUB_AUTHORIZATION_URL", default="https://github.com/login/oauth/authorize"
)
GITHUB_ACCESS_TOKEN_URL = env.str(
    "GITHUB_ACCESS_TOKEN_URL", default="https://github.com/login/oauth/access_token"
)
GITHUB_API_URL = env.str("GITHUB_API_URL", default="https://api.github.com/").rstrip("/") + "/"
SOCIAL_AUTH_GITHUB_AUTHORIZATION_URL = GITHUB_AUTHORIZATION_URL
SOCIAL_AUTH_GITHUB_ACCESS_TOKEN_URL = GITHUB_ACCESS_TOKEN_URL
SOCIAL_AUTH_URLOPEN_TIMEOUT = TMUXHUB_HTTP_TIMEOUT
SOCIAL_AUTH_REDIRECT_IS_HTTPS = PUBLIC_IS_HTTPS
SOCIAL_AUTH_URL_NAMESPACE = "social"
SOCIAL_AUTH_JSONFIELD_ENABLED = True
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    # Before any account exists: GitHub accounts not on the allow-list stop here.
    "tmuxhub.accounts.pipeline.require_allow_listed",
    "social_core.pipeline.social_auth.social_user",
    "social_core.pipeline.user.get_username",
    "social_core.pipeline.user.create_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "social_core.pipeline.user.user_details",
    "tmuxhub.accounts.pipeline.link_allow_list_entry",
)
# Seeds the admin-managed allow-list at every migrate (missing logins are added, none removed);
# comma separated GitHub logins.
TMUXHUB_ALLOWED_GITHUB_USERS = env.list("TMUXHUB_ALLOWED_GITHUB_USERS", default=[])
if TMUXHUB_PRODUCTION and not TMUXHUB_ALLOWED_GITHUB_USERS:
    _problems.append(
        "TMUXHUB_ALLOWED_GITHUB_USERS is not set: name the GitHub logins allowed to log in (comma separated)."
    )

# Password login (the admin's form, for the first superuser): after AXES_FAILURE_LIMIT failures from
# one IP, or for one username, that IP or username is locked out for AXES_COOLOFF_TIME (429). Only the
# admin's login counts: GitHub logins never take a password. `tmuxhub manage axes_reset` unlocks.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=10)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_ONLY_ADMIN_SITE = True
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tmuxhub.accounts.ratelimit.login_ip"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False  # no banner on every start (CLI output stays clean)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# Dynamic Client Registration: per-IP registrations per hour, body size, and how long a client
# that never got a token is kept (Claude registers anew on every connection).
TMUXHUB_DCR_PER_IP_PER_HOUR = env.int("TMUXHUB_DCR_PER_IP_PER_HOUR", default=30)
TMUXHUB_DCR_MAX_BODY_BYTES = env.int("TMUXHUB_DCR_MAX_BODY_BYTES", default=8192)
TMUXHUB_DCR_UNUSED_CLIENT_HOURS = env.int("TMUXHUB_DCR_UNUSED_CLIENT_HOURS", default=24)

TMUXHUB_ACCESS_TOKEN_SECONDS = env.int("TMUXHUB_ACCESS_TOKEN_SECONDS", default=3600)
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": TMUXHUB_ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("TMUXHUB_REFRESH_TOKEN_SECONDS", default=30 * 24 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "PKCE_REQUIRED": True,
    # RFC 9700: S256 only, no implicit or password grant, `iss` on the authorization response.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    # Access and refresh tokens are stored as their SHA-256 only (the `token` column stays blank).
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "SCOPES": {"mcp": "Use tmuxhub's MCP tools"},
    "DEFAULT_SCOPES": ["mcp"],
    # The consent screen shows every time: any client may register, so the person decides each time.
    "REQUEST_APPROVAL_PROMPT": "force",
    # http is accepted for loopback redirect URIs only; registration enforces that.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    # The advertised issuer and resource are the public URL, whatever Host a request carried.
    "OIDC_ISS_ENDPOINT": TMUXHUB_PUBLIC_URL,
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["none"],
    "OAUTH2_PROTECTED_RESOURCE_IDENTIFIER": MCP_RESOURCE_URL,
    "OAUTH2_PROTECTED_RESOURCE_AUTHORIZATION_SERVERS": [TMUXHUB_PUBLIC_URL],
    "OAUTH2_PROTECTED_RESOURCE_NAME": "tmuxhub",
    "DCR_ENABLED": True,
    # Open registration (RFC 7591 as MCP clients use it); tmuxhub.accounts.views.RegisterView limits it.
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("oauth2_provider.dcr.AllowAllDCRPermission",),
    "APPLICATION_ADMIN_CLASS": "tmuxhub.accounts.oauth_admin.ApplicationAdmin",
    # Replayed codes revoke their tokens; /token must repeat redirect_uri (RFC 6749 §4.1.2, §4.1.3).
    "OAUTH2_VALIDATOR_CLASS": "tmuxhub.accounts.oauth_validator.HubOAuth2Validator",
}

# --- Bridge: tmux and MCP -------------------------------------------------------------------------

# The tmux server the hub drives: a socket path (tmux -S) or a socket name (tmux -L). Empty means
# tmux's default socket for the user running tmuxhub.
TMUXHUB_TMUX_SOCKET = env.str("TMUXHUB_TMUX_SOCKET", default="")
TMUXHUB_SAFETY_TIER = env.str("TMUXHUB_SAFETY_TIER", default="mutating")
if TMUXHUB_SAFETY_TIER not in ("readonly", "mutating", "destructive"):
    _problems.append(
        f"TMUXHUB_SAFETY_TIER={TMUXHUB_SAFETY_TIER!r} is not a tier: use readonly, mutating or destructive."
    )
TMUXHUB_TMUX_TIMEOUT = env.float("TMUXHUB_TMUX_TIMEOUT", default=5.0)
TMUXHUB_CAPTURE_MAX_LINES = env.int("TMUXHUB_CAPTURE_MAX_LINES", default=2000)
TMUXHUB_CAPTURE_MAX_BYTES = env.int("TMUXHUB_CAPTURE_MAX_BYTES", default=256 * 1024)
# How long capture_since remembers what a user last read of a pane.
TMUXHUB_READ_MARK_SECONDS = env.int("TMUXHUB_READ_MARK_SECONDS", default=7 * 24 * 3600)
# The terminal view's library (@modelcontextprotocol/ext-apps's app-with-deps.js, pinned by hash in
# bridge/app_view.py); empty means where `tmuxhub manage install_terminal_view` puts it (~/.cache/tmuxhub).
TMUXHUB_VIEW_SCRIPT = env.str("TMUXHUB_VIEW_SCRIPT", default="")
# wait_for_channel calls waiting at once (each is a `tmux wait-for` process), per user and in all,
# in each hub process: more are refused with a clear error instead of piling up processes.
TMUXHUB_CHANNEL_WAITS_PER_USER = env.int("TMUXHUB_CHANNEL_WAITS_PER_USER", default=4)
TMUXHUB_CHANNEL_WAITS = env.int("TMUXHUB_CHANNEL_WAITS", default=32)
# Origins a browser-based MCP client may call /mcp from (DNS-rebinding protection).
TMUXHUB_MCP_ALLOWED_ORIGINS = [
    *env.list("TMUXHUB_MCP_ALLOWED_ORIGINS", default=["https://claude.ai", "https://claude.com"]),
    TMUXHUB_PUBLIC_URL,
]

# SSH sessions (bridge/ssh/): ssh runs in tmux windows of the hub's socket, configured by this
# ssh config file (`ssh -F`); empty means ssh's own (~/.ssh/config of the user running tmux).
TMUXHUB_SSH_CONFIG = env.str("TMUXHUB_SSH_CONFIG", default="")
TMUXHUB_SSH_CONNECT_TIMEOUT = env.float("TMUXHUB_SSH_CONNECT_TIMEOUT", default=15.0)
TMUXHUB_SSH_MAX_WAIT = env.float("TMUXHUB_SSH_MAX_WAIT", default=600.0)
TMUXHUB_SSH_MAX_FILE_BYTES = env.int("TMUXHUB_SSH_MAX_FILE_BYTES", default=8 * 1024 * 1024)
# ssh_send_command's guard rail (bridge/ssh/policy.py, README "SSH sessions"): its built-in deny-list
# of well-known destructive commands (on unless 0), and one regex of yours added to it.
TMUXHUB_SSH_COMMAND_POLICY = env.bool("TMUXHUB_SSH_COMMAND_POLICY", default=True)
TMUXHUB_SSH_DENY_PATTERN = env.str("TMUXHUB_SSH_DENY_PATTERN", default="")
try:
    re.compile(TMUXHUB_SSH_DENY_PATTERN)
except re.error as _exc:
    _problems.append(f"TMUXHUB_SSH_DENY_PATTERN {TMUXHUB_SSH_DENY_PATTERN!r} is not a regex: {_exc}.")

# --- Request limits (tmuxhub/limits.py): every request's body, before Django or /mcp read it -------

# Room for the largest ssh_write_file (base64 in JSON) and then some.
TMUXHUB_MAX_BODY_BYTES = env.int(
    "TMUXHUB_MAX_BODY_BYTES", default=TMUXHUB_SSH_MAX_FILE_BYTES * 4 // 3 + 1024 * 1024
)
TMUXHUB_BODY_SECONDS = env.float("TMUXHUB_BODY_SECONDS", default=60.0)
# An /mcp answer not ready after this many seconds is streamed (SSE) with a keep-alive comment this
# often, so a proxy's read timeout (nginx: 60 s) never cuts a long wait; 0 = never (tmuxhub/keepalive.py).
TMUXHUB_MCP_KEEPALIVE_SECONDS = env.float("TMUXHUB_MCP_KEEPALIVE_SECONDS", default=20.0)

# --- Abuse: rate limits and the reporting pipeline ------------------------------------------------

# Peers whose X-Forwarded-For is believed (IPs or CIDRs); empty means the socket peer is the client.
TMUXHUB_TRUSTED_PROXIES = env.list("TMUXHUB_TRUSTED_PROXIES", default=[])
ABUSEIPDB_KEY = env.str("ABUSEIPDB_KEY", default="")
ABUSEIPDB_URL = env.str("ABUSEIPDB_URL", default="https://api.abuseipdb.com/api/v2")
ABUSEIPDB_DAILY_QUOTA = env.int("ABUSEIPDB_DAILY_QUOTA", default=1000)
RIPESTAT_URL = env.str("RIPESTAT_URL", default="https://stat.ripe.net/data")

# Throttles: requests per window (seconds) per anonymous IP, per discovery-probing IP, per valid token.
ABUSE_ANON_LIMIT = env.int("ABUSE_ANON_LIMIT", default=120)
ABUSE_ANON_WINDOW = env.int("ABUSE_ANON_WINDOW", default=60)
ABUSE_DISCOVERY_LIMIT = env.int("ABUSE_DISCOVERY_LIMIT", default=300)
ABUSE_TOKEN_LIMIT = env.int("ABUSE_TOKEN_LIMIT", default=1200)
ABUSE_TOKEN_WINDOW = env.int("ABUSE_TOKEN_WINDOW", default=60)
# Static files (and /favicon.ico) per IP and window: a page costs many, so they have a budget of their own.
ABUSE_STATIC_LIMIT = env.int("ABUSE_STATIC_LIMIT", default=1200)
# IPv6 clients are counted by this prefix (a /64 is one household or server): throttles, bans, budgets.
ABUSE_IPV6_PREFIX = env.int("ABUSE_IPV6_PREFIX", default=64)
# Addresses that presented a valid token or staff session this many days ago or later are never
# staged or reported; staging needs at least this many recorded requests (one stray hit is not enough).
ABUSE_KNOWN_GOOD_DAYS = env.int("ABUSE_KNOWN_GOOD_DAYS", default=30)
ABUSE_STAGE_MIN_REQUESTS = env.int("ABUSE_STAGE_MIN_REQUESTS", default=2)
# Scanning rules: this many exploit-path hits / 404s / bad bearer tokens within the strike window ban
# the IP for ABUSE_BAN_SECONDS (bans always expire).
ABUSE_MAX_EXPLOIT = env.int("ABUSE_MAX_EXPLOIT", default=1)
ABUSE_MAX_404 = env.int("ABUSE_MAX_404", default=30)
ABUSE_MAX_AUTH_FAILURES = env.int("ABUSE_MAX_AUTH_FAILURES", default=10)
ABUSE_STRIKE_WINDOW = env.int("ABUSE_STRIKE_WINDOW", default=600)
ABUSE_BAN_SECONDS = env.int("ABUSE_BAN_SECONDS", default=3600)
# Per-process caches: refusals (in front of Redis), token and staff-session validity, the abuse
# review's allow-list and known-good addresses (from the database).
ABUSE_LOCAL_CACHE_SECONDS = env.float("ABUSE_LOCAL_CACHE_SECONDS", default=5.0)
ABUSE_TOKEN_CACHE_SECONDS = env.float("ABUSE_TOKEN_CACHE_SECONDS", default=60.0)
ABUSE_ALLOWLIST_REFRESH_SECONDS = env.float("ABUSE_ALLOWLIST_REFRESH_SECONDS", default=10.0)
# Collector: flush interval, flush early past this many distinct IPs, request samples kept.
ABUSE_FLUSH_SECONDS = env.float("ABUSE_FLUSH_SECONDS", default=1.0)
ABUSE_MAX_BUFFERED_IPS = env.int("ABUSE_MAX_BUFFERED_IPS", default=20000)
ABUSE_SAMPLES_PER_FLUSH = env.int("ABUSE_SAMPLES_PER_FLUSH", default=5)
ABUSE_SAMPLES_PER_OFFENDER = env.int("ABUSE_SAMPLES_PER_OFFENDER", default=50)
# Pipeline: quiet seconds before enrichment, minutes between two reports of one IP, auto-submit.
ABUSE_QUIET_SECONDS = env.int("ABUSE_QUIET_SECONDS", default=60)
ABUSE_ENRICH_BACKOFF_SECONDS = env.int("ABUSE_ENRICH_BACKOFF_SECONDS", default=60)
ABUSE_REPORT_INTERVAL_MINUTES = env.int("ABUSE_REPORT_INTERVAL_MINUTES", default=15)
ABUSE_AUTO_REPORT = env.bool("ABUSE_AUTO_REPORT", default=False)
# A report left `sending` this long (its worker died) is resumed by the sweep.
ABUSE_SEND_LEASE_SECONDS = env.int("ABUSE_SEND_LEASE_SECONDS", default=120)
# A report still `queued`, never attempted, this long after it was asked for (the broker was away) is sent
# by the sweep.
ABUSE_QUEUED_GRACE_SECONDS = env.int("ABUSE_QUEUED_GRACE_SECONDS", default=300)
ABUSE_SWEEP_SECONDS = env.float("ABUSE_SWEEP_SECONDS", default=30.0)
# `tmuxhub beat` (and the embedded worker's beat) keep their schedule here, not in the working directory.
CELERY_BEAT_SCHEDULE_FILENAME = str(TMUXHUB_DATA_DIR / "celerybeat-schedule")
# Seconds between worker and beat heartbeats; /healthz reports either down after three missed ones.
TMUXHUB_HEARTBEAT_SECONDS = env.int("TMUXHUB_HEARTBEAT_SECONDS", default=30)
# Every scheduled task of every app, here and nowhere else.
CELERY_BEAT_SCHEDULE = {
    "tmuxhub-heartbeat": {
        "task": "tmuxhub.beat_heartbeat",
        "schedule": TMUXHUB_HEARTBEAT_SECONDS,
        "options": {"expires": TMUXHUB_HEARTBEAT_SECONDS},
    },
    "abuse-sweep-pending": {"task": "abuse.sweep_pending", "schedule": ABUSE_SWEEP_SECONDS},
    "abuse-sweep-reports": {"task": "abuse.sweep_reports", "schedule": ABUSE_SWEEP_SECONDS},
    "accounts-expire-unused-clients": {
        "task": "tmuxhub.accounts.tasks.expire_unused_clients",
        "schedule": 3600,
    },
}

# --- Audit log -----------------------------------------------------------------------------------
# Rows waiting while the database cannot be written (each a few hundred bytes); calls beyond it are
# counted and the audit log says how many were lost. Seconds between retries at most, and the longest
# a stop waits for the rows still waiting.
TMUXHUB_AUDIT_BUFFER_ROWS = env.int("TMUXHUB_AUDIT_BUFFER_ROWS", default=10000)
TMUXHUB_AUDIT_RETRY_MAX_SECONDS = env.float("TMUXHUB_AUDIT_RETRY_MAX_SECONDS", default=30.0)
TMUXHUB_AUDIT_FLUSH_SECONDS = env.float("TMUXHUB_AUDIT_FLUSH_SECONDS", default=3.0)

# --- Logging --------------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
_TOKEN_SAFE_LEVEL = "INFO" if LOG_LEVEL.upper() == "DEBUG" else LOG_LEVEL
# `text`: one line per record, `<UTC time> <LEVEL> <logger>: <message>`; `json`: one JSON object per
# line (time, level, logger, message, and a record's own fields: the access log's client, status...).
TMUXHUB_LOG_FORMAT = env.str("TMUXHUB_LOG_FORMAT", default="text").lower()
if TMUXHUB_LOG_FORMAT not in ("text", "json"):
    _problems.append(f"TMUXHUB_LOG_FORMAT={TMUXHUB_LOG_FORMAT!r}: use text or json.")
# Every process logs through this (web, uvicorn's own lines, worker, beat): one format for a shipper.
# Plain data only (`tmuxhub serve` hands it to uvicorn as its --log-config file).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "tmuxhub.logs.TextFormatter"},
        "json": {"()": "tmuxhub.logs.JSONFormatter"},
    },
    # A failure repeating every second (a database outage) logs once a minute, with a count.
    "filters": {"repeated_errors": {"()": "tmuxhub.logs.RepeatedErrors", "interval": 60.0}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": TMUXHUB_LOG_FORMAT if TMUXHUB_LOG_FORMAT in ("text", "json") else "text",
            "stream": "ext://sys.stderr",
            "filters": ["repeated_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # At DEBUG these print whole token responses (access and refresh tokens): never below INFO.
        "oauthlib": {"level": _TOKEN_SAFE_LEVEL},
        "oauth2_provider": {"level": _TOKEN_SAFE_LEVEL},
        # uvicorn's lines in the same format (its own handlers replaced; its level stays what its
        # --log-level made it, else LOG_LEVEL); its access log is off: tmuxhub.access
        # (tmuxhub/accesslog.py) names the client behind a trusted proxy, not the proxy.
        "uvicorn": {"handlers": ["console"], "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# Every moment reads "7 Dec 2026, 20:41 UTC" (tmuxhub/formats/en/formats.py).
FORMAT_MODULE_PATH = "tmuxhub.formats"
USE_I18N = True
USE_TZ = True

# --- Every problem found above, at once and in plain words (no traceback) ---------------------------

if _problems:
    _mode = " with TMUXHUB_PRODUCTION=1" if TMUXHUB_PRODUCTION else ""
    raise SystemExit(
        f"tmuxhub cannot start{_mode}; fix these (every variable is described in .env.example):\n"
        + "\n".join(f"  - {problem}" for problem in _problems)
    )
