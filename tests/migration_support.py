"""A database of a migration test's own, migrated to the revision the test starts from."""

from contextlib import contextmanager

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mall import CORE_MIGRATIONS
from mall.extensions import db
from tests.conftest import IS_PG, make_test_app


def _drop_schema(schema: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


@contextmanager
def database_at(tmp_path, schema: str, revision: str, *, down_from_heads: bool = False):
    """Yield an app on an empty database (a file on SQLite, `schema` on PostgreSQL) migrated to `revision`.

    `down_from_heads` migrates everything and then down to `revision`: a plugin branch's revision is reached that
    way, because upgrading to it alone would leave the core branch it depends on short of its later revisions.
    """
    if IS_PG:
        _drop_schema(schema)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        app = make_test_app(SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema}"}})
    else:
        app = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(directory=str(CORE_MIGRATIONS), revision="heads" if down_from_heads else revision)
        if down_from_heads:
            downgrade(directory=str(CORE_MIGRATIONS), revision=revision)
        yield app
        db.session.remove()
        db.engine.dispose()
    if IS_PG:
        _drop_schema(schema)
