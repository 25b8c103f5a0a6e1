"""What every use case needs: settings, the database, the journal and a clock."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from mutual.settings import Settings
from mutual.store.database import Database, open_database
from mutual.store.journal import Journal
from mutual.store.migrate import upgrade_database


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> UUID:
    """A UUIDv7: 48 bits of Unix milliseconds then random bits, so ids sort by creation."""
    millis = time.time_ns() // 1_000_000
    value = (millis & (2**48 - 1)) << 80 | int.from_bytes(os.urandom(10)) & (2**80 - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 9562 variant
    return UUID(int=value)


@dataclass(slots=True)
class Runtime:
    settings: Settings
    db: Database
    journal: Journal
    clock: Callable[[], datetime] = field(default=utc_now)


@asynccontextmanager
async def open_runtime(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Runtime]:
    """Open the database (migrated to the newest schema) and start the journal's writer."""
    db = open_database(settings)
    try:
        if migrate:
            await upgrade_database(db)
        journal = Journal(
            db,
            batching=settings.writer_batching,
            batch_max=settings.writer_batch_max,
            timeout=settings.db_timeout_seconds,
        )
        await journal.start()
        try:
            yield Runtime(settings, db, journal)
        finally:
            await journal.stop()
    finally:
        await db.dispose()
