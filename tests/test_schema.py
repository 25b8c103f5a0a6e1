"""The tables the code declares and the ones the migrations create agree, on SQLite and
PostgreSQL; a database that drifted from them is named, difference by difference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from mutual.settings import Settings
from mutual.store.database import open_database
from mutual.store.schema import schema_drift


async def test_migrations_create_exactly_the_declared_schema(backend_settings: Settings) -> None:
    """A freshly migrated database has no difference from the declared tables; an added
    column and a dropped index are each reported."""
    db = open_database(backend_settings)
    try:
        assert await schema_drift(db) == []
        async with db.write_engine.begin() as conn:
            await conn.execute(text("ALTER TABLE loans ADD COLUMN note INTEGER"))
            await conn.execute(text("DROP INDEX ix_pledge_accounts_quarter_role"))
        drift = await schema_drift(db)
    finally:
        await db.dispose()
    assert sorted(d.split(":")[0] for d in drift) == ["add_index", "remove_column"]
    assert any("note" in d for d in drift)


def test_db_check_command(tmp_path: Path) -> None:
    """`mutual db check` passes on a database `mutual db upgrade` made (exit 0)."""
    env = {"MUTUAL_DATA_DIR": str(tmp_path), "PATH": ""}
    run = [sys.executable, "-m", "mutual", "db"]
    subprocess.run([*run, "upgrade"], env=env, check=True, capture_output=True)
    checked = subprocess.run([*run, "check"], env=env, capture_output=True, text=True)
    assert (checked.returncode, checked.stdout) == (0, "the database schema matches the code\n")
