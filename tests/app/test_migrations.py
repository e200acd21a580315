"""Every service's migrations, on SQLite and PostgreSQL: up to head gives exactly the tables its
models declare (no drift), down to base removes them, and up again works."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from core import migrations
from core.db import attach_sqlite_schemas, sqlite_dir_of
from core.service import ServiceSpec

SPECS = [s for s in __import__("app.registry", fromlist=["load_specs"]).load_specs() if s.migrations]


def _engine(url: str, schemas: list[str]):
    sync = migrations.sync_url(url)
    engine = create_engine(sync)
    if sync.get_backend_name() == "sqlite":
        from sqlalchemy import event

        directory = sqlite_dir_of(url)

        @event.listens_for(engine, "connect")
        def _attach(dbapi_conn, _record) -> None:
            attach_sqlite_schemas(dbapi_conn, directory, schemas)

    return engine


def _full_text_tables(conn, schema: str) -> set[str]:
    """SQLite full-text indexes (FTS5 virtual tables and their shadow tables) a migration creates:
    structures of the database engine, which the models do not declare."""
    if conn.dialect.name != "sqlite":
        return set()
    virtual = [
        row[0]
        for row in conn.exec_driver_sql(
            f"SELECT name FROM {schema}.sqlite_master "
            "WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]
    names = set(inspect(conn).get_table_names(schema=schema))
    return {n for n in names if any(n == v or n.startswith(f"{v}_") for v in virtual)}


def _tables(url: str, schema: str) -> set[str]:
    engine = _engine(url, [schema])
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names(schema=schema)) - _full_text_tables(conn, schema)
    finally:
        engine.dispose()
    return names - {migrations.VERSION_TABLE}


def _only_schema(own: str | None, engine_owned: set[str]):
    """Objects of one schema, less the tables the database engine owns (SQLite full-text indexes)."""
    return lambda name, type_, _parent: (
        (type_ != "schema" or name == own) and not (type_ == "table" and name in engine_owned)
    )


def _drift(url: str, spec: ServiceSpec) -> list:
    schemas = [md.schema for md in spec.metadata if md.schema]
    engine = _engine(url, schemas)
    try:
        diffs = []
        with engine.connect() as conn:
            engine_owned = set().union(*(_full_text_tables(conn, schema) for schema in schemas))
            for md in spec.metadata:  # a service with several schemas: each metadata against its own
                ctx = MigrationContext.configure(
                    conn,
                    opts={
                        "include_schemas": True,
                        "include_name": _only_schema(md.schema, engine_owned),
                        "compare_type": False,
                        "compare_server_default": False,
                    },
                )
                diffs += [d for d in compare_metadata(ctx, md) if not _is_version_table(d)]
        return diffs
    finally:
        engine.dispose()


def _drop_schemas(url: str, schemas: list[str]) -> None:
    if not url.startswith("postgresql"):
        return
    engine = _engine(url, schemas)
    with engine.begin() as conn:
        for schema in schemas:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def _is_version_table(diff: object) -> bool:
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == migrations.VERSION_TABLE


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_migrations_go_up_down_and_up_matching_the_models(database_url: str, spec: ServiceSpec) -> None:
    plan = migrations.spec_of(spec)
    assert plan is not None
    url = database_url
    _drop_schemas(url, plan.schemas)  # other tests may have created these tables directly
    head = migrations.upgrade(url, plan.name, plan.scripts_dir, plan.schemas)
    assert head in migrations.heads(plan.scripts_dir)
    for md in spec.metadata:
        declared = {t.name for t in md.tables.values()}
        assert _tables(url, md.schema) == declared
    assert _drift(url, spec) == []
    assert migrations.downgrade(url, plan.name, plan.scripts_dir, plan.schemas) is None
    for md in spec.metadata:
        assert _tables(url, md.schema) == set()
    assert migrations.upgrade(url, plan.name, plan.scripts_dir, plan.schemas) == head
    migrations.downgrade(url, plan.name, plan.scripts_dir, plan.schemas)
