"""Configuration classes, read from the environment.

Every setting that an operator may change is an environment variable; the
README lists them all.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-not-secret"
#: The interface languages (each catalogue in translations/), named in their
#: own language: names of languages are never translated.
LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français"}
LANGUAGES = tuple(LANGUAGE_NAMES)


def env_flag(name: str, default: bool) -> bool:
    """A yes/no environment variable: 1/true/yes/on or 0/false/no/off."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def public_url(environ=os.environ) -> str:
    """PUBLIC_URL, or the address the app is served on (HOST, PORT) when unset.

    ``flask serve-room`` sets HOST to the machine's LAN address, so every
    printed link, QR code and badge names the address and port phones reach.
    """
    explicit = environ.get("PUBLIC_URL", "").strip()
    if explicit:
        return explicit
    host = environ.get("HOST", "").strip() or "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    port = environ.get("PORT", "").strip() or "5000"
    return f"http://{host}:{port}"


def database_url(default: str) -> str:
    """Return DATABASE_URL (or ``default``), forcing the psycopg 3 driver."""
    url = os.environ.get("DATABASE_URL") or default
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(
        f"sqlite:///{BASE_DIR / 'instance' / 'prioriza.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: SQLite: seconds a write waits for the database's write lock (then 503).
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", 10))
    # A ballot page left open on a phone for an hour must still submit.
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LANGUAGE", "es")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = LANGUAGES
    LANGUAGE_NAMES = LANGUAGE_NAMES
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Failed code joins, link lookups and receipt checks allowed per IP and
    #: per code typed (voting.throttle: valid ones are never refused).
    DELEGATE_JOIN_LIMIT = os.environ.get("DELEGATE_JOIN_LIMIT", "20 per minute")
    #: Wrong passwords allowed per IP, and per e-mail (then that account is locked).
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "20 per minute")
    LOGIN_ACCOUNT_FAILURE_LIMIT = os.environ.get(
        "LOGIN_ACCOUNT_FAILURE_LIMIT", "20 per 15 minutes"
    )
    #: Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For,
    #: -Proto and -Host are trusted; 0: none, the headers are ignored.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Where the app is served (``make demo``, ``flask serve-room``).
    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = int(os.environ.get("PORT") or 5000)
    #: Public base URL used in printed links and QR codes (badges, CLI output);
    #: unset, it follows HOST and PORT.
    PUBLIC_URL = public_url()
    # Operations (voting/ops.py): Prometheus /metrics (404 when off) and the
    # JSON access log on the logger "prioriza.access" (on in production).
    METRICS_ENABLED = env_flag("METRICS_ENABLED", False)
    ACCESS_LOG = env_flag("ACCESS_LOG", False)

    #: Milliseconds between two polls of a page for changes (If-None-Match):
    #: the projector, the console's live parts, a delegate's page following the
    #: room (light: states only, no counts).
    DISPLAY_POLL_MS = 2000
    CONSOLE_POLL_MS = 2000
    ROOM_POLL_MS = 5000


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    #: One PBKDF2 iteration instead of werkzeug's scrypt (~0.15 s per hash and
    #: per login): tests only; other configs leave it unset (werkzeug's default).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
    METRICS_ENABLED = False
    ACCESS_LOG = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    # Flask-Login's remember-me cookie (unused today) gets the same treatment.
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_NAME = "__Host-remember"
    PREFERRED_URL_SCHEME = "https"
    ACCESS_LOG = env_flag("ACCESS_LOG", True)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
