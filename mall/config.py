"""Configuration defaults: embedded SQLite and queue; environment variables override."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    url = os.environ.get("MALL_DATABASE_URL")
    if not url:
        return f"sqlite:///{ROOT / 'instance' / 'mall.db'}"
    # psycopg 3 is the PostgreSQL driver; accept the plain scheme too.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Config:
    """Defaults for a bare machine; every value can be overridden by the environment."""

    #: Session signing key (MALL_SECRET_KEY, read at start). Unset: development keeps a generated key in
    #: instance/secret_key, tests make one per run, production refuses to start (see mall.security).
    SECRET_KEY: str | None = None
    #: "development" for a local run (`make demo` sets it); anything else is production.
    MALL_ENV = "production"
    #: Secure flag of the session cookie; None = on except in development and tests (MALL_SESSION_COOKIE_SECURE).
    SESSION_COOKIE_SECURE: bool | None = None
    #: Number of trusted reverse proxies in front of the app (MALL_PROXY_FIX); 0 trusts no X-Forwarded-* header.
    PROXY_FIX = 0
    #: Days an API token stays valid after it is issued.
    TOKEN_TTL_DAYS = 30
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    #: Name of the RQ queue that jobs go to.
    QUEUE_NAME = os.environ.get("MALL_QUEUE_NAME", "mall")
    #: Embedded queue: run jobs in a background thread (server) or inline (tests).
    EMBEDDED_QUEUE_INLINE = False
    #: Plugins to enable by entry-point name; None enables every installed one.
    MALL_PLUGINS: list[str] | None = None
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh": "中文", "en": "English"}
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_STORAGE_URI = os.environ.get("MALL_RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Login attempts allowed per e-mail address and client address.
    LOGIN_RATE_LIMIT = os.environ.get("MALL_LOGIN_RATE_LIMIT", "10 per minute")
    #: Failed login attempts allowed per client address, whatever the e-mail (pages and API together).
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("MALL_LOGIN_ADDRESS_RATE_LIMIT", "30 per 10 minutes")
    #: Accounts one client address may create (pages and API together).
    REGISTER_RATE_LIMIT = os.environ.get("MALL_REGISTER_RATE_LIMIT", "10 per hour")
    #: Password-reset mails one client address may ask for, whatever the e-mail.
    RESET_RATE_LIMIT = os.environ.get("MALL_RESET_RATE_LIMIT", "15 per hour")
    #: The simulated gateway declines every payment when true (staging drills).
    GATEWAY_DECLINE_ALL = False
    #: Minutes an unpaid checkout keeps its stock, points and coupons before the tick cancels it.
    PAYMENT_WINDOW_MINUTES = int(os.environ.get("MALL_PAYMENT_WINDOW_MINUTES", "30"))
    PAGE_SIZE = 20
    MAX_CONTENT_LENGTH = 1024 * 1024
    SESSION_COOKIE_SAMESITE = "Lax"
    #: E-mail: SMTP when MAIL_SERVER is set, otherwise messages are written to OUTBOX_DIR (and the log).
    MAIL_SERVER = os.environ.get("MALL_MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MALL_MAIL_PORT", "587"))
    MAIL_USE_TLS = os.environ.get("MALL_MAIL_USE_TLS", "1") not in ("0", "false", "no")
    MAIL_USERNAME = os.environ.get("MALL_MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MALL_MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MALL_MAIL_FROM", "Mall <no-reply@mall.example>")
    OUTBOX_DIR = os.environ.get("MALL_OUTBOX_DIR", str(ROOT / "instance" / "outbox"))
    #: SMS: a provider class ("module:Class" with send(key, to, text)); the default writes to SMS_OUTBOX_DIR.
    SMS_PROVIDER = os.environ.get("MALL_SMS_PROVIDER", "mall.notifications.channels:FileSms")
    SMS_OUTBOX_DIR = os.environ.get("MALL_SMS_OUTBOX_DIR", str(ROOT / "instance" / "sms"))
    #: The site's public address: links in e-mail and SMS are made absolute with it.
    BASE_URL = os.environ.get("MALL_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    #: Delivery attempts before an e-mail or SMS is marked failed.
    DELIVERY_ATTEMPTS = 5
    #: Uploaded images: where the local storage keeps them, the class that stores them ("module:Class", see
    #: docs/media.md), the address they are served from, the largest file and the most pixels one may have.
    MEDIA_DIR = os.environ.get("MALL_MEDIA_DIR", str(ROOT / "instance" / "media"))
    MEDIA_STORAGE = os.environ.get("MALL_MEDIA_STORAGE", "mall.media.storage:LocalStorage")
    MEDIA_URL = os.environ.get("MALL_MEDIA_URL", "/media/")
    MAX_IMAGE_BYTES = 10 * 1024 * 1024
    MAX_IMAGE_PIXELS = 40_000_000


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off", "")


def _whole(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise RuntimeError(f"{name} must be a whole number of 0 or more, not {value!r}.")
    return number


def from_environment() -> dict:
    """Return config values read from MALL_* variables at app creation time."""
    values: dict = {}
    env = os.environ
    if env.get("MALL_SECRET_KEY"):
        values["SECRET_KEY"] = env["MALL_SECRET_KEY"]
    if env.get("MALL_ENV"):
        values["MALL_ENV"] = env["MALL_ENV"].strip().lower()
    if env.get("MALL_SESSION_COOKIE_SECURE"):
        values["SESSION_COOKIE_SECURE"] = _flag(env["MALL_SESSION_COOKIE_SECURE"])
    if env.get("MALL_PROXY_FIX"):
        values["PROXY_FIX"] = _whole("MALL_PROXY_FIX", env["MALL_PROXY_FIX"])
    if env.get("MALL_TOKEN_TTL_DAYS"):
        values["TOKEN_TTL_DAYS"] = _whole("MALL_TOKEN_TTL_DAYS", env["MALL_TOKEN_TTL_DAYS"]) or 1
    for name in ("MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS"):
        if env.get(f"MALL_{name}"):
            values[name] = _whole(f"MALL_{name}", env[f"MALL_{name}"]) or 1
    if os.environ.get("MALL_PLUGINS") is not None:
        names = os.environ["MALL_PLUGINS"].strip()
        values["MALL_PLUGINS"] = [n.strip() for n in names.split(",") if n.strip()]
    return values
