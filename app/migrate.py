"""`trading migrate`: every service's Alembic scripts, in the registry's order."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from core import migrations
from core.service import ServiceSpec
from core.settings import Settings

log = logging.getLogger("app.migrate")


def migrate(settings: Settings, specs: Sequence[ServiceSpec], *, down: bool = False) -> dict[str, str | None]:
    """Upgrade (or with `down`, downgrade to base, in reverse order) each service's schemas."""
    settings.sqlite_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    plans = [m for m in (migrations.spec_of(s) for s in specs) if m is not None]
    done: dict[str, str | None] = {}
    for plan in reversed(plans) if down else plans:
        step = migrations.downgrade if down else migrations.upgrade
        done[plan.name] = step(url, plan.name, plan.scripts_dir, plan.schemas)
        log.info("migrated", extra={"fields": {"service": plan.name, "revision": done[plan.name]}})
    return done
