"""Shared set-up for the benchmarks: a fresh PostgreSQL database (or SQLite, said loudly) and the machine."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from pathlib import Path

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/mall_bench"


def _pg_url() -> str | None:
    """The benchmark database on PostgreSQL, created when missing; None when no server answers."""
    import psycopg

    url = os.environ.get("MALL_BENCH_DATABASE_URL", DEFAULT_PG)
    plain = "postgresql://" + url.split("://", 1)[1]
    base, name = plain.rsplit("/", 1)
    try:
        with psycopg.connect(base + "/postgres", autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}); falling back to SQLite", file=sys.stderr)
        return None
    return "postgresql+psycopg://" + plain.split("://", 1)[1]


def bench_apps():
    """(app without plugins, app with the loyalty plugin, database label) on one freshly migrated database."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from mall import CORE_MIGRATIONS, create_app
    from mall.extensions import db

    url = _pg_url()
    label = "PostgreSQL"
    if url is None:
        url, label = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", "SQLite (PostgreSQL unreachable)"
    config = {"SQLALCHEMY_DATABASE_URI": url, "EMBEDDED_QUEUE_INLINE": True, "RATELIMIT_ENABLED": False,
              "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SECRET_KEY": "bench"}
    loyal = create_app({**config, "MALL_PLUGINS": ["loyalty"]})
    plain = create_app({**config, "MALL_PLUGINS": []})
    with loyal.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=str(CORE_MIGRATIONS), revision="heads")
    return plain, loyal, label


def describe_machine(database: str) -> str:
    """One line naming the machine, Python and database, to record next to the numbers."""
    cpus = os.cpu_count()
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"machine: {platform.machine()}, {cpus} CPUs{memory}, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; database: {database}")
