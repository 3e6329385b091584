"""Refuse to run on a database a newer tmuxhub has migrated.

Old code on a newer schema comes up "fine" and then fails on every query that touches a changed
table (thousands of errors a minute). `tmuxhub serve`, `worker` and `beat` check first and stop
with the way back: with the newer code still installed, migrate each app back to the last
migration this code knows, then start this code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader


@dataclass(frozen=True)
class AheadApp:
    """An app whose applied migrations include some this code does not have."""

    app: str
    unknown: tuple[str, ...]
    last_known: str  # the newest migration of the app this code has: what to migrate back to


def apps_ahead(alias: str = DEFAULT_DB_ALIAS) -> list[AheadApp]:
    """Apps this code has migrations for that the database has newer ones of (a newer release
    applied them). Apps this code does not know at all are left out."""
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)  # a squashed migration stands for the ones it replaced
    unknown: dict[str, list[str]] = {}
    for app, name in sorted(loader.applied_migrations):
        if app in loader.migrated_apps and (app, name) not in known:
            unknown.setdefault(app, []).append(name)
    ahead = []
    for app, names in unknown.items():
        leaves = loader.graph.leaf_nodes(app)
        ahead.append(AheadApp(app, tuple(names), leaves[-1][1] if leaves else "zero"))
    return ahead


def newer_schema_message(ahead: list[AheadApp]) -> str:
    found = "; ".join(f"{app.app}: {', '.join(app.unknown)}" for app in ahead)
    steps = "\n".join(f"    tmuxhub manage migrate {app.app} {app.last_known}" for app in ahead)
    return (
        "tmuxhub cannot start: the database was migrated by a newer tmuxhub than this one "
        f"(migrations this code does not have: {found}).\n"
        "Run the newer release again, or, to go back to this one, first run with the NEWER code "
        "still installed (it has the steps back; take a backup with `tmuxhub backup` before):\n"
        f"{steps}\n"
        "then install this release and start it."
    )


def check_schema_is_known() -> None:
    """Exit with `newer_schema_message` when the database is ahead of this code."""
    ahead = apps_ahead()
    if ahead:
        raise SystemExit(newer_schema_message(ahead))
