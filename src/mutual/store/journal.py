"""The single write path: every log entry is committed here, in batches.

Account openings, key events and transactions all become leaves of the one Merkle log,
so all go through here. One writer task per process takes commands from a queue. While
it commits one batch, new commands queue up; the next batch takes all of them (up to
``batch_max`` items), so under load each commit carries many entries and a hot account
is updated once per batch instead of once per request. Inside one database transaction
the writer takes the ledger-wide lock, reads what the batch touches, folds the pure core
over the commands in order (``journal_state``), appends the leaves and the Merkle nodes
they complete, writes everything in bulk (``journal_io``), then the rows a flow keeps
beside its accepted entries (a command's ``then``: a loan, a proposal's status), and
commits once. Only then does each caller get its answer, so an acknowledged write is
durable.

If the database's own constraints refuse a batch (they are the second line of
defence, so this means a bug or tampering), the batch is rolled back and retried
command by command so that only the culprit fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.merkle import NodeKey, append_nodes, perfect_nodes
from mutual.store.database import Database, is_unavailable
from mutual.store.errors import LedgerInvariantViolated, StoreUnavailable
from mutual.store.journal_io import load_nodes, load_state, write_state
from mutual.store.journal_state import (
    AccountWrite,
    BatchState,
    BoundsWrite,
    Command,
    GroupWrite,
    KeyEventWrite,
    LogContext,
    MemberNoticeWrite,
    PactWrite,
    PreRefused,
    RoundWrite,
    SideRows,
    TransactionWrite,
    WriteRequest,
)
from mutual.store.outcomes import Outcome

__all__ = [
    "AccountWrite",
    "BoundsWrite",
    "GroupWrite",
    "Journal",
    "KeyEventWrite",
    "LogContext",
    "MemberNoticeWrite",
    "PactWrite",
    "PreRefused",
    "RoundWrite",
    "SideRows",
    "TransactionWrite",
    "WriteRequest",
]

log = logging.getLogger(__name__)


class Journal:
    """The one way transactions enter the ledger. ``start`` before use, ``stop`` after."""

    def __init__(
        self,
        db: Database,
        log: LogContext,
        *,
        batching: bool,
        batch_max: int,
        timeout: float,
    ) -> None:
        self._db = db
        self._log = log
        self._batching = batching
        self._batch_max = batch_max
        self._timeout = timeout
        self._queue: asyncio.Queue[Command] = asyncio.Queue()
        # The right edge of the Merkle tree (the perfect subtrees of the current size):
        # all an append needs. Reloaded whenever another process has moved the head.
        self._frontier: dict[NodeKey, bytes] = {}
        self._frontier_size = -1
        self._task: asyncio.Task[None] | None = None
        # Recent batch sizes, for benchmarks; bounded for long runs.
        self.batch_sizes: deque[int] = deque(maxlen=4096)
        # Told of each committed batch (its size and every answer), e.g. by the metrics;
        # called on the writer's task, so they must be quick and must not raise.
        self.observers: list[Callable[[int, Sequence[Outcome]], None]] = []

    async def start(self) -> None:
        if self._batching and self._task is None:
            self._task = asyncio.create_task(self._run(), name="mutual-journal-writer")

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize()

    @property
    def accepting(self) -> bool:
        """Whether writes can be committed: the writer task runs (or writes are unbatched)."""
        return not self._batching or (self._task is not None and not self._task.done())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        # Whoever is still waiting learns now that the write did not happen, not at a timeout.
        while not self._queue.empty():
            _fail([self._queue.get_nowait()], StoreUnavailable("the service is shutting down"))

    async def submit(
        self,
        requests: Sequence[WriteRequest],
        *,
        atomic: bool,
        recorded_at: datetime,
        then: SideRows[Any] | None = None,
    ) -> list[Outcome]:
        """Commit the requests (all or nothing when ``atomic``) and return one outcome each;
        ``then`` writes the flow's own rows in the same transaction when all are accepted."""
        loop = asyncio.get_running_loop()
        command = Command(tuple(requests), atomic, recorded_at, loop.create_future(), then)
        if self._batching:
            if self._task is None:
                raise RuntimeError("the journal was not started")
            self._queue.put_nowait(command)
        else:
            await self._process([command])
        try:
            return await asyncio.wait_for(asyncio.shield(command.future), self._timeout)
        except TimeoutError as exc:
            # The write may still commit: a retry with the same id gets its answer.
            raise StoreUnavailable("the ledger did not answer in time") from exc

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            size = len(batch[0].requests)
            while size < self._batch_max and not self._queue.empty():
                command = self._queue.get_nowait()
                batch.append(command)
                size += len(command.requests)
            try:
                await self._process(batch)
            except Exception:  # the writer must outlive any one batch
                log.exception("journal batch failed")
                _fail(batch, LedgerInvariantViolated("the write path failed unexpectedly"))

    async def _process(self, batch: list[Command]) -> None:
        try:
            results = await self._commit(batch)
        except IntegrityError as exc:
            if len(batch) > 1:
                log.error("database refused a batch of %d; isolating", len(batch))
                for command in batch:
                    await self._process([command])
                return
            log.error("database refused a command the core accepted: %s", exc)
            _fail(batch, LedgerInvariantViolated(_trigger_code(exc)))
            return
        except Exception as exc:
            if is_unavailable(exc):
                log.warning("ledger database unavailable: %s", exc)
                _fail(batch, StoreUnavailable("the ledger database is unavailable"))
            else:
                log.exception("database error in the write path")
                _fail(batch, LedgerInvariantViolated("the write path failed unexpectedly"))
            return
        size = sum(len(c.requests) for c in batch)
        self.batch_sizes.append(size)
        for command, outcomes in results:
            if not command.future.done():
                command.future.set_result(outcomes)
        if self.observers:
            answered = [outcome for _, outcomes in results for outcome in outcomes]
            for observer in self.observers:
                observer(size, answered)

    async def _commit(self, batch: list[Command]) -> list[tuple[Command, list[Outcome]]]:
        async with self._db.write_transaction() as conn:
            state = await load_state(conn, batch, self._log.origin)
            if self._frontier_size != state.tree_size:
                self._frontier = await load_nodes(conn, _frontier_keys(state.tree_size))
                self._frontier_size = state.tree_size
            first_index = state.tree_size
            results: list[tuple[Command, list[Outcome]]] = []
            for command in batch:
                draft = state.fork() if command.atomic else state
                outcomes, keep = draft.fold(command, self._log)
                if keep and draft is not state:
                    state.merge(draft)
                results.append((command, outcomes))
            nodes, frontier = _grow(self._frontier, first_index, state)
            await write_state(conn, state, nodes)
            await _write_side_rows(conn, results)
        self._frontier, self._frontier_size = frontier, state.tree_size
        return results


async def _write_side_rows(
    conn: AsyncConnection, results: list[tuple[Command, list[Outcome]]]
) -> None:
    """The side rows of the commands whose entries were all accepted, one call per
    ``write`` for the batch, in the order the commands came."""
    rows: dict[Callable[[AsyncConnection, list[Any]], Awaitable[None]], list[Any]] = {}
    for command, outcomes in results:
        if command.then is not None and all(o.accepted for o in outcomes):
            rows.setdefault(command.then.write, []).extend(command.then.rows)
    for write, batch in rows.items():
        await write(conn, batch)


def _frontier_keys(size: int) -> list[NodeKey]:
    return perfect_nodes(0, size) if size else []


def _grow(
    frontier: dict[NodeKey, bytes], first_index: int, state: BatchState
) -> tuple[list[tuple[NodeKey, bytes]], dict[NodeKey, bytes]]:
    """The Merkle nodes the batch's leaves complete, and the frontier after them."""
    known = dict(frontier)
    created: list[tuple[NodeKey, bytes]] = []
    for offset, appended in enumerate(state.appended):
        new = append_nodes(first_index + offset, appended.entry.leaf_hash, known.__getitem__)
        known.update(new)
        created.extend(new)
    return created, {k: known[k] for k in _frontier_keys(state.tree_size)}


def _fail(batch: Iterable[Command], error: Exception) -> None:
    for command in batch:
        if not command.future.done():
            command.future.set_exception(error)


def _trigger_code(exc: IntegrityError) -> str:
    return str(exc.orig).split(":", 1)[0][:80] if exc.orig is not None else "integrity_error"
