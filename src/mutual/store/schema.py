"""The schema as the code declares it, and how a database differs from it.

Tables are declared where they are queried (``tables`` for the ledger, the flows' own
modules for theirs), all on one ``MetaData``; importing this module gathers them, so the
migrations' environment and the drift check see every table.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

# Imported for their tables, declared on the shared metadata.
from mutual.store import (  # noqa: F401
    audit,
    fund,
    goods,
    invitations,
    mail,
    operator_keys,
    pledges,
    rounds,
    sign_in,
    webhooks,
)
from mutual.store.database import Database
from mutual.store.tables import metadata

__all__ = ["metadata", "schema_drift"]


def _compare(connection: Connection, declared: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, declared))


async def schema_drift(db: Database) -> list[str]:
    """What the migrated database has that the code does not declare, or lacks: one line
    per difference (alembic's comparison: tables, columns, types, indexes, uniques, keys).
    CHECK constraints and triggers are outside it; the migrations' tests cover them."""
    async with db.write_engine.connect() as conn:
        differences = await conn.run_sync(_compare, metadata)
    return [_describe(d) for d in differences]


def _describe(difference: Any) -> str:
    if isinstance(difference, list):  # alembic groups column modifications in a list
        return "; ".join(_describe(d) for d in difference)
    action, *details = difference
    names = [getattr(d, "name", None) or str(d) for d in details if d is not None]
    return f"{action}: {', '.join(str(n) for n in names)}"
