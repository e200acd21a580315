"""Per-service Alembic migrations, run from code: no alembic.ini and no env.py.

Each service has a folder of ordinary Alembic revision scripts (`revision`, `down_revision`,
`upgrade()`, `downgrade()` with `op.*` and explicit `schema=`), either directly in the folder
or in its `versions/` subfolder. Its version table (`alembic_version`) lives in its own first
schema, so services migrate independently. The async URLs the services use are turned into
sync ones (`sqlite`, `postgresql+psycopg`); on SQLite every schema's file is attached exactly
as `core.db.Database` attaches it, and scripts use `op.batch_alter_table` to alter tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event, make_url
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateSchema

from core.db import ADVISORY_XACT_LOCK, advisory_key, attach_sqlite_schemas, sqlite_dir_of

if TYPE_CHECKING:
    from core.service import ServiceSpec

VERSION_TABLE = "alembic_version"
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


class MigrationSpec(NamedTuple):
    """What the runner needs to migrate one service."""

    name: str
    scripts_dir: Path
    schemas: Sequence[str]


def spec_of(service: ServiceSpec) -> MigrationSpec | None:
    """A ServiceSpec's migrations, or None when it has none."""
    if service.migrations is None:
        return None
    schemas = [md.schema for md in service.metadata if md.schema]
    return MigrationSpec(service.name, Path(service.migrations), schemas)


def sync_url(database_url: str) -> URL:
    """The sync-driver twin of an async database URL."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend not in _SYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}")
    return url.set(drivername=_SYNC_DRIVERS[backend])


def upgrade(
    database_url: str,
    service_name: str,
    scripts_dir: Path | str,
    metadata_schemas: Sequence[str],
    revision: str = "head",
) -> str | None:
    """Upgrade one service's schemas to `revision`; returns the revision it is at afterwards."""
    spec = MigrationSpec(service_name, Path(scripts_dir), list(metadata_schemas))
    with _engine(database_url, spec.schemas) as engine:
        _run(engine, spec, revision, upgrading=True)
        return _current(engine, spec)


def downgrade(
    database_url: str,
    service_name: str,
    scripts_dir: Path | str,
    metadata_schemas: Sequence[str],
    revision: str = "base",
) -> str | None:
    """Downgrade one service's schemas to `revision` (`base` removes everything it created)."""
    spec = MigrationSpec(service_name, Path(scripts_dir), list(metadata_schemas))
    with _engine(database_url, spec.schemas) as engine:
        _run(engine, spec, revision, upgrading=False)
        return _current(engine, spec)


def current(
    database_url: str, service_name: str, scripts_dir: Path | str, metadata_schemas: Sequence[str]
) -> str | None:
    """The revision a service's schemas are at, or None before its first migration."""
    spec = MigrationSpec(service_name, Path(scripts_dir), list(metadata_schemas))
    with _engine(database_url, spec.schemas) as engine:
        return _current(engine, spec)


def heads(scripts_dir: Path | str) -> list[str]:
    """The head revision(s) of a scripts folder."""
    return list(_script_directory(Path(scripts_dir)).get_heads())


def upgrade_all(
    database_url: str, specs: Iterable[MigrationSpec | tuple[str, Path | str, Sequence[str]]]
) -> dict[str, str | None]:
    """Upgrade every service to head, in the given order; returns each one's revision."""
    done: dict[str, str | None] = {}
    for name, scripts_dir, schemas in specs:
        done[name] = upgrade(database_url, name, scripts_dir, schemas)
    return done


@contextmanager
def _engine(database_url: str, schemas: Sequence[str]) -> Iterator[Engine]:
    url = sync_url(database_url)
    engine = create_engine(url, poolclass=NullPool)
    if url.get_backend_name() == "sqlite":
        directory = sqlite_dir_of(url)

        @event.listens_for(engine, "connect")
        def _attach(dbapi_conn: Any, _record: Any) -> None:
            attach_sqlite_schemas(dbapi_conn, directory, schemas)

    try:
        yield engine
    finally:
        engine.dispose()


def _script_directory(scripts_dir: Path) -> ScriptDirectory:
    if not scripts_dir.is_dir():
        raise FileNotFoundError(f"no migrations folder at {scripts_dir}")
    versions = scripts_dir / "versions"
    location = versions if versions.is_dir() else scripts_dir
    return ScriptDirectory(str(scripts_dir), version_locations=[str(location)])


def _options(engine: Engine, spec: MigrationSpec) -> dict[str, Any]:
    if not spec.schemas:
        raise ValueError(f"{spec.name}: a service needs at least one schema for its version table")
    return {
        "version_table": VERSION_TABLE,
        "version_table_schema": spec.schemas[0],
        "render_as_batch": engine.dialect.name == "sqlite",
    }


def _run(engine: Engine, spec: MigrationSpec, revision: str, *, upgrading: bool) -> None:
    script = _script_directory(spec.scripts_dir)

    def steps(rev: Any, _context: MigrationContext) -> Any:
        if upgrading:
            return script._upgrade_revs(revision, rev)
        return script._downgrade_revs(revision, rev)

    config = Config()
    config.set_main_option("script_location", str(spec.scripts_dir))
    with (
        EnvironmentContext(config, script, fn=steps, destination_rev=revision) as env,
        engine.begin() as conn,
    ):
        _prepare(conn, spec)
        env.configure(connection=conn, **_options(engine, spec))
        with env.begin_transaction():
            env.run_migrations()


def _prepare(conn: Connection, spec: MigrationSpec) -> None:
    """On PostgreSQL: one migrator per service at a time, and its schemas exist."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(ADVISORY_XACT_LOCK, {"key": advisory_key(f"migrate:{spec.name}")})
    for schema in spec.schemas:
        conn.execute(CreateSchema(schema, if_not_exists=True))


def _current(engine: Engine, spec: MigrationSpec) -> str | None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=_options(engine, spec))
        revisions = context.get_current_heads()
    return ",".join(revisions) if revisions else None
