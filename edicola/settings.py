"""The only settings module. Every deployment knob comes from the environment.

Embedded default: SQLite in WAL mode, local media, local-memory cache, database task backend.
Scale-out with the same code: DATABASE_URL (PostgreSQL), REDIS_URL (Redis cache + RQ tasks),
S3_BUCKET (S3-compatible media). With DEBUG off a missing SECRET_KEY stops start-up.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("EDICOLA_DATA_DIR", "var")).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
BASE_URL = env("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = BASE_URL

# Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDR networks; see
# core/origin.py). Loopback by default: nginx on the same host. Anyone else's headers are ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is neither an address nor a network (e.g. 10.0.0.0/8)."
        ) from None

# HTTPS hardening is on unless explicitly turned off (make run serves plain HTTP on loopback).
HTTPS = env_bool("HTTPS", True)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    LANGUAGE_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page of ours uses (edicola.core.headers); "" sends no header.
PERMISSIONS_POLICY = env(
    "PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()",
)

INSTALLED_APPS = [
    "edicola.core",
    "edicola.news",
    "edicola.comments",
    "edicola.accounts",
    "edicola.deals",
    "edicola.passages",
    "edicola.wordpress",
    "edicola.export",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # First: the scheme a trusted proxy saw (X-Forwarded-Proto), before the SSL redirect.
    "edicola.core.origin.ForwardedProtoMiddleware",
    # Then the request id and the access log line, and the metrics (/metrics), both seeing
    # every request, page-cache hits included.
    "edicola.core.logs.AccessLogMiddleware",
    "edicola.core.metrics.MetricsMiddleware",
    # Compresses what the layers below did not (cached pages come compressed already).
    "edicola.core.compression.CompressionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Every 429, HTML or JSON, says how long to wait (the seconds the rate limiter computed).
    "edicola.core.ratelimit.RetryAfterMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "edicola.core.headers.SecurityHeadersMiddleware",
    # Static files (hashed names, precompressed by collectstatic) leave before anything else runs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the page cache: /?p=12 is an old address, not the cached home page.
    "edicola.wordpress.middleware.LegacyRedirectMiddleware",
    "edicola.core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "edicola.core.routing.RouteCacheMiddleware",
]

ROOT_URLCONF = "edicola.urls"
WSGI_APPLICATION = "edicola.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "edicola.core.context_processors.site_chrome",
            ],
        },
    }
]

# Database: SQLite (WAL) in the data directory unless DATABASE_URL names another server.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        INSTALLED_APPS.append("django.contrib.postgres")  # Wagtail's search indexes need it
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "edicola.sqlite3",
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA cache_size=-20000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and background tasks: Redis + RQ when REDIS_URL is set, otherwise in-process and database.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "edicola"),
        }
    }
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    INSTALLED_APPS += ["django_rq"]
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "edicola",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "600"))
# Anonymous pages tell shared caches (a CDN, nginx) to keep them this long (s-maxage); browsers
# revalidate every time with the ETag. CDN_PURGE_URL (a Cloudflare-style purge_cache endpoint)
# with CDN_PURGE_TOKEN is told which addresses to drop when a page changes.
CDN_MAX_AGE = int(env("CDN_MAX_AGE", "60"))
CDN_PURGE_URL = env("CDN_PURGE_URL")
CDN_PURGE_TOKEN = env("CDN_PURGE_TOKEN")
# /metrics answers on loopback, and elsewhere only with "Authorization: Bearer METRICS_TOKEN".
METRICS_TOKEN = env("METRICS_TOKEN")
FRAGMENT_CACHE_SECONDS = int(env("FRAGMENT_CACHE_SECONDS", "3600"))
# Rate-limit counters (edicola.core.ratelimit): auto = the cache when it is shared (Redis), else
# the database; or "cache" / "database".
RATELIMIT_BACKEND = env("RATELIMIT_BACKEND", "auto")

# Media: local files in the data directory, or an S3-compatible bucket when S3_BUCKET is set.
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names plus .gz and .br copies written by collectstatic, served by WhiteNoise.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Hashed static files are cached for a year and never revalidated (edicola.core.static).
from edicola.core.static import static_headers  # noqa: E402

WHITENOISE_ADD_HEADERS_FUNCTION = static_headers


def s3_storage_options() -> dict:
    """The S3 media storage from the environment. Public (the default): objects are uploaded
    public-read with a year's `Cache-Control` (names never repeat, so a cached copy never goes
    stale) and linked without a signature. S3_SIGNED_URLS=1: objects stay private and every link
    is signed for S3_SIGNED_URL_SECONDS, which must outlive cached pages holding the links."""
    options = {
        "bucket_name": env("S3_BUCKET"),
        "endpoint_url": env("S3_ENDPOINT_URL") or None,
        "access_key": env("S3_ACCESS_KEY_ID"),
        "secret_key": env("S3_SECRET_ACCESS_KEY"),
        "custom_domain": env("S3_CUSTOM_DOMAIN") or None,
        "file_overwrite": False,
    }
    if env_bool("S3_SIGNED_URLS", False):
        expire = int(env("S3_SIGNED_URL_SECONDS", str(7 * 24 * 3600)))
        cached_for = PAGE_CACHE_SECONDS + CDN_MAX_AGE
        if expire <= 2 * cached_for:
            raise ImproperlyConfigured(
                f"S3_SIGNED_URL_SECONDS ({expire}) must be more than twice as long as pages "
                f"are cached (PAGE_CACHE_SECONDS + CDN_MAX_AGE = {cached_for})."
            )
        if options["custom_domain"]:
            raise ImproperlyConfigured("S3_SIGNED_URLS cannot sign links on S3_CUSTOM_DOMAIN.")
        return {
            **options,
            "querystring_auth": True,
            "querystring_expire": expire,
            "default_acl": "private",
            "object_parameters": {"CacheControl": "private, max-age=3600"},
        }
    return {
        **options,
        "querystring_auth": False,
        "default_acl": "public-read",
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }


if env("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(),
    }


# Content-Security-Policy, enforced by django.middleware.csp (edicola.core.headers explains it).
# Media may come from the S3 bucket's host; embeds are framed only from the players that
# news.blocks.embed_player_url builds addresses for (a test keeps the two in step).
def _media_origins() -> list[str]:
    if not env("S3_BUCKET"):
        return []
    if env("S3_CUSTOM_DOMAIN"):
        return [f"https://{env('S3_CUSTOM_DOMAIN').strip('/')}"]
    if env("S3_ENDPOINT_URL"):
        parts = urlsplit(env("S3_ENDPOINT_URL"))
        return [f"{parts.scheme}://{parts.netloc}"]
    return [f"https://{env('S3_BUCKET')}.s3.amazonaws.com"]


EMBED_FRAME_SOURCES = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
# The one inline style of ours: the 500 page's, which must not depend on static files.
ERROR_PAGE_STYLE_HASH = "'sha256-A3PT2H/PQtyCSGiDBxujNIRSQNm9st6/StRARd6aZdA='"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, ERROR_PAGE_STYLE_HASH],
    "img-src": [CSP.SELF, "data:", *_media_origins()],
    "media-src": [CSP.SELF, *_media_origins()],
    "frame-src": EMBED_FRAME_SOURCES,
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The Wagtail admin has inline scripts and styles of its own and frames its previews.
ADMIN_CSP_PREFIXES = ["/admin/"]
ADMIN_CSP = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", *_media_origins()],
    "font-src": [CSP.SELF, "data:"],
    "frame-src": [CSP.SELF, *EMBED_FRAME_SOURCES],
    "frame-ancestors": [CSP.SELF],
}

# Mail (SMTP). Defaults suit a local relay. EMAIL_TIMEOUT bounds every wait for the server; a
# time-out after DATA leaves the outcome unknown and is never retried blindly (core/smtp.py).
MAILERS = {
    "default": {
        "BACKEND": env("EMAIL_BACKEND", "edicola.core.smtp.SMTPBackend"),
        "OPTIONS": {
            "host": env("EMAIL_HOST", "localhost"),
            "port": int(env("EMAIL_PORT", "25")),
            "username": env("EMAIL_HOST_USER"),
            "password": env("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "use_ssl": env_bool("EMAIL_USE_SSL", False),
            "timeout": float(env("EMAIL_TIMEOUT", "60")),
        },
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Edicola <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Django's own mails date themselves in TIME_ZONE, as edicola.core.mail.mail_date() does ours.
EMAIL_USE_LOCALTIME = True
ADMINS = [("Admin", address) for address in env_list("ADMINS")]

AUTHENTICATION_BACKENDS = [
    "edicola.accounts.backends.EmailBackend",  # readers log in by e-mail
    "django.contrib.auth.backends.ModelBackend",  # the Wagtail admin by username
]
LOGIN_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # every new password
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # Accounts imported from WordPress keep their old password until their first login here.
    "edicola.wordpress.hashers.WordPressPhpassHasher",
    "edicola.wordpress.hashers.WordPressBcryptHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time: Italian first, English second; Rome time.
LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["edicola.formats"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("it", "Italiano")]

# Wagtail.
WAGTAIL_SITE_NAME = env("SITE_NAME", "Edicola")
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        "SEARCH_CONFIG": "italian",
    }
}
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILEMBEDS_RESPONSIVE_HTML = True
# Documents: downloads, and the audio and video files the body's media block plays.
WAGTAILDOCS_EXTENSIONS = ["pdf", "mp3", "m4a", "ogg", "oga", "opus", "wav", "mp4", "m4v", "webm"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar in the admin: staff addresses are not sent to a third party (and ADMIN_CSP
# allows images from this site only).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILADMIN_LOGIN_URL = "/admin/login/"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
SILENCED_SYSTEM_CHECKS: list[str] = []

# Logs on standard error: text, or one JSON object per line (LOG_FORMAT=json); every line has
# the request id (edicola.core.logs). The access log (a line per request) is written whatever
# LOG_LEVEL says, unless ACCESS_LOG=0; the line per task (edicola.tasks) from LOG_LEVEL=INFO.
LOG_LEVEL = env("LOG_LEVEL", "WARNING").upper()
LOG_FORMAT = env("LOG_FORMAT", "text")
ACCESS_LOG = env_bool("ACCESS_LOG", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "edicola.core.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            # Extra fields of a record (status, path, duration_ms, task…) are added as keys.
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"edicola.access": {"level": "INFO" if ACCESS_LOG else "WARNING"}},
}

EDICOLA_SERVE = {
    "workers": int(env("WEB_WORKERS", str(os.cpu_count() or 2))),
    "threads": int(env("WEB_THREADS", "4")),
    "clock_seconds": int(env("CLOCK_SECONDS", "15")),
}

# Discussion (edicola.comments): moderation, threading, editing, reports, anti-spam, rate limits.
COMMENTS = {
    "MODERATION": env("COMMENTS_MODERATION", "first-time"),  # first-time | all | none
    "MAX_DEPTH": int(env("COMMENTS_MAX_DEPTH", "4")),
    "PAGE_SIZE": int(env("COMMENTS_PAGE_SIZE", "20")),
    "EDIT_WINDOW_SECONDS": int(env("COMMENTS_EDIT_WINDOW_SECONDS", "900")),
    "REPORT_THRESHOLD": int(env("COMMENTS_REPORT_THRESHOLD", "3")),
    # Reports hide a comment only when they come from this many networks (/24, /48) at least.
    "REPORT_MIN_NETWORKS": int(env("COMMENTS_REPORT_MIN_NETWORKS", "2")),
    "MAX_LINKS": int(env("COMMENTS_MAX_LINKS", "2")),
    "MIN_FORM_SECONDS": float(env("COMMENTS_MIN_FORM_SECONDS", "3")),
    # A form stamp (comments/stamps.py) is good for this long and for one comment.
    "STAMP_SECONDS": int(env("COMMENTS_STAMP_SECONDS", "7200")),
    "MAX_LENGTH": int(env("COMMENTS_MAX_LENGTH", "5000")),
    "BLOCKLIST": env_list("COMMENTS_BLOCKLIST"),
    "DUPLICATE_WINDOW_SECONDS": int(env("COMMENTS_DUPLICATE_WINDOW_SECONDS", "86400")),
    "GUEST_VOTES_PER_NETWORK": int(env("COMMENTS_GUEST_VOTES_PER_NETWORK", "3")),
    # "count/seconds" pairs, applied per IP and per e-mail (comments) or per reader and IP (votes).
    "RATE_COMMENTS": env_list("COMMENTS_RATE", "5/60,30/3600"),
    "RATE_VOTES": env_list("COMMENTS_RATE_VOTES", "2/1"),
    "RATE_REPORTS": env_list("COMMENTS_RATE_REPORTS", "5/60,20/3600"),
    # Commenters' own data (edicola.comments.privacy): mailed links per address a day, how long
    # a link stays valid, and the days commenters' networks are kept.
    "PRIVACY_MAILS_PER_DAY": int(env("COMMENTS_PRIVACY_MAILS_PER_DAY", "3")),
    "PRIVACY_LINK_SECONDS": int(env("COMMENTS_PRIVACY_LINK_SECONDS", str(24 * 3600))),
    "NETWORK_RETENTION_DAYS": int(env("COMMENTS_NETWORK_RETENTION_DAYS", "30")),
}

# Reader accounts (edicola.accounts): the link that proves a new account's e-mail address, how
# long it works, and how many are mailed ("count/seconds" pairs, per IP and per address).
ACCOUNTS = {
    "CONFIRM_HOURS": int(env("ACCOUNTS_CONFIRM_HOURS", "72")),
    "CONFIRM_RATE_IP": env_list("ACCOUNTS_CONFIRM_RATE_IP", "10/3600,30/86400"),
    "CONFIRM_RATE_EMAIL": env_list("ACCOUNTS_CONFIRM_RATE_EMAIL", "3/3600,5/86400"),
}

# Deals: the Telegram bot and channel, the WhatsApp Cloud API number, the outbox workers.
# The *_API_URL knobs exist so tests and benchmarks can point the clients at local fakes.
TELEGRAM_BOT_TOKEN = env("TELEGRAM_BOT_TOKEN")
TELEGRAM_CHANNEL = env("TELEGRAM_CHANNEL")  # "@channel" or a numeric chat id
TELEGRAM_BOT_USERNAME = env("TELEGRAM_BOT_USERNAME")
TELEGRAM_WEBHOOK_SECRET = env("TELEGRAM_WEBHOOK_SECRET")
TELEGRAM_API_URL = env("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
WHATSAPP_TOKEN = env("WHATSAPP_TOKEN")
WHATSAPP_PHONE_NUMBER_ID = env("WHATSAPP_PHONE_NUMBER_ID")
WHATSAPP_APP_SECRET = env("WHATSAPP_APP_SECRET")
WHATSAPP_VERIFY_TOKEN = env("WHATSAPP_VERIFY_TOKEN")
WHATSAPP_API_URL = env("WHATSAPP_API_URL", "https://graph.facebook.com/v23.0").rstrip("/")
WHATSAPP_OFFER_TEMPLATE = env("WHATSAPP_OFFER_TEMPLATE", "offerta_del_giorno")
WHATSAPP_CONFIRM_TEMPLATE = env("WHATSAPP_CONFIRM_TEMPLATE", "conferma_iscrizione")
WHATSAPP_TEMPLATE_LANGUAGE = env("WHATSAPP_TEMPLATE_LANGUAGE", "it")
WHATSAPP_MESSAGES_PER_SECOND = float(env("WHATSAPP_MESSAGES_PER_SECOND", "80"))
# A send whose outcome is unknown (read time-out, worker killed) waits this long for a status
# webhook before it is sent again.
DEALS_RECONCILE_SECONDS = float(env("DEALS_RECONCILE_SECONDS", "600"))
DEALS_LEASE_SECONDS = float(env("DEALS_LEASE_SECONDS", "60"))
DEALS_AFFILIATE_DISCLOSURE = env("DEALS_AFFILIATE_DISCLOSURE")  # empty: the translated default
# Readers' forms ("count/seconds" pairs, edicola.core.ratelimit): alerts and WhatsApp opt-ins
# per network (/24, /48), each form counted apart; WhatsApp opt-ins also per phone number.
DEALS_RATE_PER_NETWORK = env_list("DEALS_RATE_PER_NETWORK", "10/600,40/86400")
DEALS_RATE_PER_PHONE = env_list("DEALS_RATE_PER_PHONE", "3/3600,5/86400")

# Subscriptions to discussions and the mail they trigger (edicola/comments/notifications.py).
COMMENTS_NOTIFICATIONS = {
    # Who hears about comments waiting for moderation; at most one notice per period.
    "MODERATOR_EMAILS": env_list("COMMENTS_MODERATOR_EMAILS"),
    "MODERATOR_NOTICE_SECONDS": int(env("COMMENTS_MODERATOR_NOTICE_SECONDS", "600")),
    "CONFIRM_DAYS": int(env("COMMENTS_CONFIRM_DAYS", "7")),
    "CONFIRM_MAILS_PER_DAY": int(env("COMMENTS_CONFIRM_MAILS_PER_DAY", "3")),
    "SUBSCRIBE_RATE": env_list("COMMENTS_SUBSCRIBE_RATE", "20/3600,100/86400"),
    "BATCH": int(env("COMMENTS_NOTIFY_BATCH", "500")),  # mails per SMTP connection
    "LEASE_SECONDS": int(env("COMMENTS_NOTIFY_LEASE_SECONDS", "300")),
    "DIGEST_HOUR": int(env("COMMENTS_DIGEST_HOUR", "7")),  # local time of the daily digest
}
