"""Test set-up: SQLite by default, PostgreSQL / Redis when MALL_TEST_DATABASE_URL / MALL_TEST_REDIS_URL are set."""

import os
import secrets
import tempfile
from pathlib import Path

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text

from mall import CORE_MIGRATIONS, create_app
from mall.extensions import db, limiter

pytest_plugins = ["tests.fixtures.factories", "tests.fixtures.programmes"]

# Worker subprocesses start the production entry point, which refuses to run without a signing key.
os.environ.setdefault("MALL_SECRET_KEY", secrets.token_hex(32))
PG_URL = os.environ.get("MALL_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("MALL_TEST_REDIS_URL")
_TMP = Path(tempfile.mkdtemp(prefix="mall-tests-"))
DB_URL = PG_URL or f"sqlite:///{_TMP / 'test.db'}"
if DB_URL.startswith("postgresql://") or DB_URL.startswith("postgres://"):
    DB_URL = "postgresql+psycopg://" + DB_URL.split("://", 1)[1]
IS_PG = DB_URL.startswith("postgresql")

TEST_CONFIG = {
    "TESTING": True,
    "SQLALCHEMY_DATABASE_URI": DB_URL,
    "EMBEDDED_QUEUE_INLINE": True,
    "REDIS_URL": None,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "WTF_CSRF_ENABLED": False,
    "SECRET_KEY": secrets.token_hex(32),  # long enough for the apps that tests start as production
    "RATELIMIT_STORAGE_URI": "memory://",
    "OUTBOX_DIR": str(_TMP / "outbox"),
    "SMS_OUTBOX_DIR": str(_TMP / "sms"),
    "MEDIA_DIR": str(_TMP / "media"),
    # Tests travel years ahead with one token; expiry itself is tested with the production lifetime.
    "TOKEN_TTL_DAYS": 36500,
    # Concurrency tests run 20+ threads, each with its own connection.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 30, "max_overflow": 10} if IS_PG else {},
}


def pytest_report_header(config):
    """Say which database and queue the run uses, so a skip is never silent."""
    return [f"database: {'PostgreSQL' if IS_PG else 'SQLite'} ({DB_URL.split('@')[-1]})",
            f"redis: {REDIS_URL or 'not set (Redis tests skip; set MALL_TEST_REDIS_URL)'}"]


def _reset_schema(app):
    from flask_migrate import upgrade

    with app.app_context():
        if IS_PG:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=str(CORE_MIGRATIONS), revision="heads")


def fresh_g():
    """Tests keep an app context pushed, so requests share `g`; clear it as a new request would."""
    for name in list(g):
        g.pop(name)


class NoServerErrorClient(FlaskClient):
    """A test client that fails the test on any 5xx: a server error is never an acceptable answer."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.status_code >= 500:
            request = response.request
            pytest.fail(f"{request.method} {request.path} answered {response.status}:\n"
                        f"{response.get_data(as_text=True)[:2000]}", pytrace=False)
        return response


_APPS: list = []


def make_test_app(**overrides):
    """An app with the test configuration (and `g` cleared per request); its pool closes at the end."""
    application = create_app({**TEST_CONFIG, **overrides})
    application.test_client_class = NoServerErrorClient
    application.before_request_funcs.setdefault(None, []).insert(0, fresh_g)
    _APPS.append(application)
    return application


@pytest.fixture(scope="session", autouse=True)
def _close_pools():
    """Close every test app's connections so none is left to the garbage collector."""
    yield
    for application in _APPS:
        with application.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture(scope="session")
def app():
    """The app under test, with the schema built by the real migrations."""
    application = make_test_app()
    _reset_schema(application)
    return application


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Each test starts from empty tables; views commit, so rollback alone cannot isolate tests."""
    ctx = app.app_context()
    ctx.push()
    limiter.reset()
    yield
    wipe_tables()
    ctx.pop()


def wipe_tables():
    """Empty every table (the schema stays); also used between a state machine's runs."""
    db.session.remove()
    with db.engine.begin() as conn:
        if IS_PG:
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    """A test client for pages (CSRF off; the CSRF test builds its own app)."""
    return app.test_client()


requires_pg = pytest.mark.skipif(not IS_PG, reason="needs PostgreSQL: set MALL_TEST_DATABASE_URL")
requires_redis = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set MALL_TEST_REDIS_URL")
