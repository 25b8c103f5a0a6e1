"""Opening the service's runtime: the database migrated, the journal's writer started, the
checkpoint timer running; and closing it all again.

It sits above the use cases it starts (``usecases.log``'s timer) so that ``runtime``,
which every use case imports, imports none of them: the dependency runs one way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mutual.settings import Settings
from mutual.store.database import open_database
from mutual.store.journal import Journal, LogContext
from mutual.store.migrate import upgrade_database
from mutual.usecases.log import checkpoint_timer
from mutual.usecases.log_key import load_log_signer
from mutual.usecases.runtime import Runtime


@asynccontextmanager
async def open_runtime(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Runtime]:
    """Open the database (migrated to the newest schema) and start the journal's writer."""
    db = open_database(settings)
    try:
        if migrate:
            await upgrade_database(db)
        signer = load_log_signer(settings)
        journal = Journal(
            db,
            LogContext(signer.origin, signer.public_key),
            batching=settings.writer_batching,
            batch_max=settings.writer_batch_max,
            timeout=settings.db_timeout_seconds,
        )
        await journal.start()
        runtime = Runtime(settings, db, journal, signer)
        timer: asyncio.Task[None] | None = None
        if settings.checkpoint_interval_seconds > 0:
            timer = asyncio.create_task(
                checkpoint_timer(runtime, settings.checkpoint_interval_seconds),
                name="mutual-checkpoint-timer",
            )
        try:
            yield runtime
        finally:
            if timer is not None:
                timer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await timer
            await journal.stop()
            runtime.verifiers.shutdown(wait=True)
    finally:
        await db.dispose()
