"""Reads from PostgreSQL streaming standbys (``MUTUAL_REPLICA_URLS``).

A watcher polls the primary's WAL position and each standby's replayed position. A
standby is *in service* while it answers, is in recovery, and has replayed everything
the primary had written ``MUTUAL_REPLICA_MAX_LAG_SECONDS`` ago; one that lags or is down
is left out until it catches up.

Read-your-writes: after a successful write request, the primary's WAL position is
remembered for the principal who made it (``remember_write``); their next reads are
given to a standby only once it has replayed that position, and to the primary until
then (``read_after`` carries the position through the request). A read that cannot
reach its standby falls back to the primary (``Database.reading``), so a standby going
away mid-load shows as slower reads, not errors.

The position is remembered in this process, and shared with the others through Redis
when ``MUTUAL_REDIS_URL`` is set (``api/shared_state.py``); without Redis, a principal's
read that lands on another process than their write may be served by a standby that has
not replayed it yet (for at most the lag allowed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
# Written positions remembered per principal; the oldest are forgotten past this many
# (a principal forgotten reads from standbys in service, at most the lag allowed behind).
REMEMBERED_MAX = 100_000

# The WAL position the current request's reads must see (None: any standby in service).
read_after: ContextVar[int | None] = ContextVar("mutual_read_after", default=None)


def lsn_value(lsn: str) -> int:
    """A PostgreSQL ``pg_lsn`` as text (``16/B374D848``) as a comparable integer."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass(eq=False)
class Replica:
    url: str
    engine: AsyncEngine
    replayed: int = -1
    in_service: bool = False
    reads: int = 0  # reads given to it (the metrics and the tests read this)


@dataclass(eq=False)
class Replicas:
    primary: AsyncEngine
    replicas: list[Replica]
    max_lag_seconds: float
    # The primary's position over the last seconds: (monotonic time, position).
    _history: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=4096))
    _written: dict[str, int] = field(default_factory=dict)

    def choose(self, after: int | None) -> Replica | None:
        """A standby in service that has replayed ``after`` (the least used), or None."""
        fit = [r for r in self.replicas if r.in_service and (after is None or r.replayed >= after)]
        if not fit:
            return None
        chosen = min(fit, key=lambda r: r.reads)
        chosen.reads += 1
        return chosen

    def left_out(self, replica: Replica) -> None:
        """A read could not reach ``replica``: out of service until the watcher sees it."""
        replica.in_service = False

    def remember_write(self, principal: str, position: int) -> None:
        self._written.pop(principal, None)
        self._written[principal] = position
        if len(self._written) > REMEMBERED_MAX:
            self._written.pop(next(iter(self._written)))

    def written_by(self, principal: str) -> int | None:
        return self._written.get(principal)

    async def primary_position(self) -> int:
        async with self.primary.connect() as conn:
            found = await conn.scalar(text("SELECT pg_current_wal_lsn()::text"))
        return lsn_value(str(found))

    async def poll(self) -> None:
        """One look at the primary and every standby."""
        now = time.monotonic()
        try:
            self._history.append((now, await self.primary_position()))
        except Exception as exc:  # the primary down: standbys keep their last state
            log.warning("replica watcher cannot read the primary's position: %s", exc)
        due = self._due(now)
        for replica in self.replicas:
            try:
                async with replica.engine.connect() as conn:
                    row = (
                        await conn.execute(
                            text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
                        )
                    ).one()
            except Exception as exc:
                if replica.in_service:
                    log.warning("standby %s left out: %s", safe_url(replica.url), exc)
                replica.in_service = False
                continue
            recovering, replayed = bool(row[0]), row[1]
            replica.replayed = lsn_value(replayed) if replayed else -1
            keeps_up = due is not None and replica.replayed >= due
            if recovering and keeps_up and not replica.in_service:
                log.info("standby %s in service", safe_url(replica.url))
            elif replica.in_service and not (recovering and keeps_up):
                log.warning("standby %s left out: lagging or promoted", safe_url(replica.url))
            replica.in_service = recovering and keeps_up

    def _due(self, now: float) -> int | None:
        """What a standby must have replayed to be in service: the primary's position as
        it was ``max_lag_seconds`` ago (the oldest known while the watcher is younger)."""
        due = None
        for seen, position in self._history:
            if seen > now - self.max_lag_seconds and due is not None:
                break
            due = position
        return due

    async def watch(self) -> None:
        while True:
            await self.poll()
            await asyncio.sleep(POLL_SECONDS)

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        await self.poll()
        task = asyncio.create_task(self.watch(), name="mutual-replica-watcher")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def furthest(self) -> Replica | None:
        """The reachable standby that has replayed the most, whatever its lag (None when
        none is reachable or every one was promoted). For a read that is consistent on its
        own, such as an export: it is the log up to the size it names, however old."""
        found: list[tuple[int, Replica]] = []
        for replica in self.replicas:
            try:
                async with replica.engine.connect() as conn:
                    row = (
                        await conn.execute(
                            text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
                        )
                    ).one()
            except Exception as exc:
                log.warning("standby %s not reachable: %s", safe_url(replica.url), exc)
                continue
            if row[0] and row[1]:
                found.append((lsn_value(row[1]), replica))
        return max(found, key=lambda f: f[0])[1] if found else None

    async def dispose(self) -> None:
        for replica in self.replicas:
            await replica.engine.dispose()


def safe_url(url: str) -> str:
    """A URL for the logs: never its password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


def open_replicas(
    primary: AsyncEngine,
    urls: Sequence[str],
    *,
    max_lag_seconds: float,
    timeout: float,
    connect_args: dict[str, Any] | None = None,
) -> Replicas | None:
    if not urls:
        return None
    engines = [
        Replica(
            url,
            create_async_engine(
                url,
                pool_size=5,
                max_overflow=0,
                pool_timeout=timeout,
                # A standby that went away leaves dead connections in the pool: checked at
                # checkout, so the read goes to the primary instead of failing.
                pool_pre_ping=True,
                isolation_level="AUTOCOMMIT",
                connect_args={
                    "timeout": timeout,
                    "command_timeout": timeout,
                    **(connect_args or {}),
                },
            ),
        )
        for url in urls
    ]
    return Replicas(primary, engines, max_lag_seconds)
