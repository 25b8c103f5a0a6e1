"""Backups of the embedded SQLite ledger: a consistent snapshot while the service runs,
and its restoration into an empty data directory.

SQLite's online backup API copies the whole database under one read transaction, so the
copy is one committed state of the ledger, never half a batch, even while the writer
commits (WAL mode lets it go on meanwhile). PostgreSQL has its own tools (``pg_dump``,
point-in-time recovery from WAL archives); see README.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


class BackupError(Exception):
    """A backup or restore that cannot be made; nothing was changed."""


def _check(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            (verdict,) = db.execute("PRAGMA integrity_check").fetchone()
            versions = db.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a mutual database: {exc}") from exc
    if verdict != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {verdict}")
    if len(versions) != 1:
        raise BackupError(f"{path} has no schema version")


def _copy(source: Path, target: Path) -> None:
    with (
        contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)  # all pages in one step: one consistent state


def backup_sqlite(database: Path, target: Path) -> None:
    """Copy the live ``database`` to ``target`` (which must not exist), then check it."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists: choose a new file")
    _copy(database, target)
    _check(target)


def restore_sqlite(backup: Path, database: Path) -> None:
    """Put ``backup`` in place as ``database``, which must not exist (stop the service and
    move the old file aside first): a restore never overwrites a ledger."""
    if not backup.exists():
        raise BackupError(f"no backup at {backup}")
    if database.exists():
        raise BackupError(f"{database} exists: move it aside before restoring over it")
    _check(backup)
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup, database)
