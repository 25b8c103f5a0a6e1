"""Bringing a database to the newest schema with alembic, from the CLI or at start-up."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from mutual.store.database import Database


def migrations_dir() -> Path:
    """Where the migration scripts are.

    A wheel carries them inside the package as ``mutual/_migrations`` (see pyproject's
    force-include); a source checkout or editable install reads the top-level folder.
    """
    packaged = Path(str(resources.files("mutual"))) / "_migrations"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "migrations"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("mutual's migrations folder is missing from this installation")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def upgrade_database(db: Database) -> None:
    """Apply every migration not yet applied, in one transaction where the database allows."""
    async with db.write_engine.begin() as conn:
        await conn.run_sync(_upgrade)
