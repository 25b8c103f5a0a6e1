"""Engines for the two supported databases, with the durability settings spelled out.

SQLite gets two engines: a writer whose transactions start with ``BEGIN IMMEDIATE``
(the ledger-wide write lock is taken before anything is read, so a batch never reads
a state another writer is about to change) and a reader with ordinary deferred
transactions, which WAL mode lets run beside the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from asyncpg.exceptions import InternalClientError
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from mutual.settings import Settings
from mutual.store.errors import StandbyLost, StoreUnavailable
from mutual.store.replicas import Replica, Replicas, open_replicas, read_after

T = TypeVar("T")
log = logging.getLogger(__name__)

# Failures that mean "the database cannot answer now", as opposed to a refused statement.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError, OSError, TimeoutError)
# SQLSTATEs of a server that is going away or not there yet (class 08: connection
# exception; 57P01-57P03: shutting down, crashed, starting up; 53300: too many
# connections): asyncpg raises them as plain DBAPIErrors while PostgreSQL restarts.
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300")


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot answer now (retry later), rather than
    that it refused a statement."""
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    cause: BaseException | None = exc.orig
    while cause is not None:
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
            return True
        # asyncpg's client state machine breaks this way on a connection cut mid-query.
        if isinstance(cause, InternalClientError):
            return True
        cause = cause.__cause__
    return False


@asynccontextmanager
async def _available(
    connection: AbstractAsyncContextManager[AsyncConnection],
) -> AsyncIterator[AsyncConnection]:
    try:
        async with connection as conn:
            yield conn
    except Exception as exc:
        if is_unavailable(exc):
            raise StoreUnavailable("the ledger database is unavailable") from exc
        raise


class WriteGate:
    """SQLite's one write lock, queued for in the process rather than at the file.

    SQLite lets one transaction write at a time; one that finds the file locked polls it
    under its busy timeout, sleeping up to 100 ms between tries, so under load a write
    (the journal's batch or a request's own) can wait whole seconds while others that
    came later get in. Taking this lock first lines this process's writers up in the
    order they came, each starting as soon as the one before commits. Another process
    on the same file still meets the busy timeout. Waiting here is bounded by that same
    timeout (a ``TimeoutError``, so unavailable, as the busy timeout's error is). One
    lock per event loop: a lock belongs to the loop it waited on first.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        found = self._locks.get(loop)
        if found is None:
            found = self._locks[loop] = asyncio.Lock()
        return found


@asynccontextmanager
async def _gated(
    gate: WriteGate | None, transaction: AbstractAsyncContextManager[AsyncConnection]
) -> AsyncIterator[AsyncConnection]:
    if gate is None:
        async with transaction as conn:
            yield conn
        return
    lock = gate.lock()
    async with asyncio.timeout(gate.timeout):
        await lock.acquire()
    try:
        async with transaction as conn:
            yield conn
    finally:
        lock.release()


@dataclass(frozen=True, slots=True)
class Database:
    url: str
    write_engine: AsyncEngine
    read_engine: AsyncEngine
    replicas: Replicas | None = None
    # Set on a view whose reads go to a standby (``replica()``): the standby read from.
    standby: Replica | None = None
    primary_reads: AsyncEngine | None = None
    # The PostgreSQL schema its tables are in (a territory's), or None for the default.
    schema: str | None = None
    # SQLite's: its writers queue in the process (PostgreSQL's lock what they touch).
    write_gate: WriteGate | None = field(default=None, compare=False)

    @property
    def is_postgres(self) -> bool:
        return self.write_engine.dialect.name == "postgresql"

    def replica(self) -> Database:
        """This database with its reads given to a streaming standby in service that has
        replayed what the request must see (``store.replicas``), when there is one. Use it
        through ``from_standby``, which reads again from the primary when the standby goes
        away mid-read; never for a read that decides a write."""
        if self.replicas is None:
            return self
        chosen = self.replicas.choose(read_after.get())
        if chosen is None:
            return self
        return replace(
            self, read_engine=chosen.engine, standby=chosen, primary_reads=self.read_engine
        )

    async def from_standby(self, read: Callable[[Database], Awaitable[T]]) -> T:
        """``read`` on a standby's view (statements, lists, reports), and once more on the
        primary if the standby went away during it: a read has no effect, so running it
        again is safe, and a standby stopped mid-load costs the client only time."""
        view = self.replica()
        if view is self:
            return await read(self)
        try:
            return await read(view)
        except StandbyLost as lost:
            log.warning("%s mid-read (%s): read again from the primary", lost, lost.__cause__)
            return await read(self)

    def reading(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A read connection; an unreachable database surfaces as StoreUnavailable. On a
        standby's view, a standby that cannot be reached gives the read to the primary,
        and one lost during the read raises StandbyLost (``from_standby`` reads again)."""
        if self.standby is None or self.primary_reads is None:
            return _available(self.read_engine.connect())
        return self._standby_reading(self.standby, self.primary_reads)

    @asynccontextmanager
    async def _standby_reading(
        self, standby: Replica, primary: AsyncEngine
    ) -> AsyncIterator[AsyncConnection]:
        assert self.replicas is not None
        conn = self.read_engine.connect()
        try:
            conn = await conn.start()
        except Exception as exc:
            if not is_unavailable(exc) and not isinstance(exc, DBAPIError):
                raise
            self.replicas.left_out(standby)
            async with _available(primary.connect()) as fallback:
                yield fallback
            return
        try:
            yield conn
        except Exception as exc:
            # Any driver failure on a standby (a shutdown cuts the connection in several
            # ways, not all classed as "unavailable"): the primary answers instead, and a
            # statement that is really wrong fails there again, as it would have.
            if is_unavailable(exc) or isinstance(exc, DBAPIError):
                self.replicas.left_out(standby)
                raise StandbyLost("the ledger database's standby went away") from exc
            raise
        finally:
            with contextlib.suppress(Exception):
                await conn.close()

    def writing(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A write transaction, committed on exit; unreachable means StoreUnavailable."""
        return _available(self.write_transaction())

    def write_transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A write transaction, committed on exit, its errors as the driver raised them
        (the journal's writer tells them apart)."""
        return _gated(self.write_gate, self.write_engine.begin())

    async def dispose(self) -> None:
        if self.replicas is not None:
            await self.replicas.dispose()
        await self.write_engine.dispose()
        if self.read_engine.sync_engine.pool is not self.write_engine.sync_engine.pool:
            await self.read_engine.dispose()


def _sqlite_engine(url: str, *, timeout: float, immediate: bool) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": timeout})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss,
        # and an acknowledged write must survive a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def open_database(settings: Settings) -> Database:
    """Engines for the configured database; the caller disposes of them."""
    url = settings.resolved_database_url()
    timeout = settings.db_timeout_seconds
    if url.startswith("sqlite"):
        if ":memory:" not in url and "///" in url:
            Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        return Database(
            url,
            _sqlite_engine(url, timeout=timeout, immediate=True),
            _sqlite_engine(url, timeout=timeout, immediate=False),
            write_gate=WriteGate(timeout),
        )
    # No pre-ping: it costs a round trip on every checkout. A connection that died with
    # a server restart fails its first statement instead; SQLAlchemy then invalidates
    # the whole pool and the request is answered 503 (is_unavailable), so clients retry
    # onto fresh connections.
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=timeout,
        isolation_level="READ COMMITTED",
        connect_args={
            "timeout": timeout,
            "command_timeout": timeout,
            # IN lists of every length up to a batch's are distinct statements: keep
            # them all prepared rather than re-preparing as a small cache churns.
            "prepared_statement_cache_size": 1000,
            # A territory's tables are in its own schema, and only there: with no other
            # schema on the path, no statement can reach another territory's rows.
            **_in_schema(settings.database_schema),
        },
    )
    # Reads run without BEGIN and ROLLBACK (two round trips each): under READ COMMITTED
    # every statement takes its own snapshot anyway, so a read outside a transaction
    # sees exactly what it saw inside one. A reader that needs one snapshot for several
    # statements (the export, a move) asks for REPEATABLE READ and begins explicitly.
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    replicas = open_replicas(
        reads,
        [str(u) for u in settings.replica_urls],
        max_lag_seconds=settings.replica_max_lag_seconds,
        timeout=timeout,
        connect_args=_in_schema(settings.database_schema),
    )
    return Database(url, engine, reads, replicas, schema=settings.database_schema)


def _in_schema(schema: str | None) -> dict[str, Any]:
    """asyncpg's connection arguments that put every statement in ``schema``."""
    return {} if schema is None else {"server_settings": {"search_path": schema}}
