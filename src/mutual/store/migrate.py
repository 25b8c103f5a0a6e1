"""Bringing a database to the newest schema with alembic, from the CLI or at start-up."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

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


async def create_schema(db: Database) -> None:
    """Create the database's own schema (a territory's) when it has one and it is missing.
    On a connection of its own, with no search path: SQLAlchemy learns a connection's
    default schema on its first connect, which must find the schema there."""
    if db.schema is None:
        return
    engine = create_async_engine(db.url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))
    finally:
        await engine.dispose()


async def drop_schema(db: Database) -> None:
    """Drop the database's own schema (a territory's) and everything in it."""
    if db.schema is None:
        raise ValueError("only a territory's own schema is ever dropped")
    engine = create_async_engine(db.url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE'))
    finally:
        await engine.dispose()


async def upgrade_database(db: Database) -> None:
    """Apply every migration not yet applied, in one transaction where the database allows.
    In a territory's schema, alembic's version table is that schema's own (the search path
    names it alone)."""
    await create_schema(db)
    async with db.write_engine.begin() as conn:
        await conn.run_sync(_upgrade)
