"""The Mall storefront core: create_app() wires extensions, blueprints, CLI and plugins."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from mall import security
from mall.config import ROOT, Config, from_environment

CORE_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config, extensions, core blueprints and CLI, then the enabled plugins."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance"))
    app.url_map.converters["int"] = security.BoundedInt  # before any rule is added
    app.config.from_object(Config)
    app.config.update(from_environment())
    app.config.update(config or {})
    security.configure(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}, **app.config[
            "SQLALCHEMY_ENGINE_OPTIONS"]}

    from mall import errors, i18n, jobs, models, web  # noqa: F401  (models: every table on the metadata)
    from mall.extensions import csrf, db, limiter, login_manager, migrate

    if _plugin_version_locations not in migrate.configure_callbacks:
        migrate.configure(_plugin_version_locations)

    security.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(CORE_MIGRATIONS), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    jobs.init_app(app)
    web.init_app(app)
    from mall.audit import receivers as audit_receivers

    audit_receivers.connect(app)
    from mall import signals
    from mall.notifications import delivery

    signals.tick.connect(delivery.on_tick, sender=app)
    from mall.checkout import reconcile

    signals.tick.connect(reconcile.on_tick, sender=app)
    from mall import media
    from mall.catalog import receivers as catalog_receivers

    media.init_app(app)
    catalog_receivers.connect(app)

    from mall.api import init_app as init_api
    from mall.cli import mall_cli
    from mall.plugins import init_plugins

    init_api(app)
    app.cli.add_command(mall_cli)
    init_plugins(app)
    return app


def _plugin_version_locations(config):
    """Alembic sees the core's versions and each installed plugin's own migrations folder."""
    from mall.plugins import available_plugins

    locations = [str(CORE_MIGRATIONS / "versions")]
    for plugin in available_plugins().values():
        folder = getattr(__import__(plugin.__module__, fromlist=["MIGRATIONS"]), "MIGRATIONS", None)
        if folder is not None:
            locations.append(str(folder))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    """SQLite: enforce foreign keys, WAL, and let SQLAlchemy emit BEGIN itself."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _is_memory(dbapi_connection) -> bool:
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    return not row or not row[2]


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """SQLite: take the write lock at the start so concurrent writers queue instead of failing."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
