"""The single write path: every ledger transaction is committed here, in batches.

One writer task per process takes commands from a queue. While it commits one batch,
new commands queue up; the next batch takes all of them (up to ``batch_max`` items),
so under load each commit carries many transactions and a hot account is updated
once per batch instead of once per request. Inside one database transaction the
writer takes the ledger-wide lock, reads the idempotency records, accounts and
reversal facts the batch touches, folds the pure core over the commands in order
(each sees the effects of the previous ones), writes everything in bulk, and commits
once. Only then does each caller get its answer, so an acknowledged write is durable.

If the database's own constraints refuse a batch (they are the second line of
defence, so this means a bug or tampering), the batch is rolled back and retried
command by command so that only the culprit fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.accounts import Account, OwnerKind
from mutual.core.authority import Principal
from mutual.core.errors import IdempotencyKeyReused, LedgerError
from mutual.core.ids import AccountId, TransactionId
from mutual.core.ledger import Applied, apply_transaction
from mutual.core.transactions import Posting, Transaction
from mutual.core.units import Unit
from mutual.store.database import UNAVAILABLE_ERRORS, Database
from mutual.store.errors import LedgerInvariantViolated, StoreUnavailable
from mutual.store.outcomes import (
    BATCH_ABORTED,
    Outcome,
    accepted_outcome,
    decode_outcome,
    encode_outcome,
    rejected_outcome,
)
from mutual.store.tables import (
    accounts,
    idempotency_records,
    ledger_head,
    postings,
    transaction_memos,
    transactions,
)

log = logging.getLogger(__name__)

# Arbitrary but fixed: every process writing this database takes the same advisory lock.
LEDGER_LOCK_KEY = 0x6D757475616C  # "mutual"


@dataclass(frozen=True, slots=True)
class WriteRequest:
    transaction: Transaction
    digest: bytes


@dataclass(eq=False, slots=True)
class _Command:
    principal: Principal
    requests: tuple[WriteRequest, ...]
    atomic: bool
    recorded_at: datetime
    future: asyncio.Future[list[Outcome]]


@dataclass(slots=True)
class _State:
    """The ledger as the batch has changed it so far; ``fork`` gives an atomic group a draft."""

    accounts: dict[AccountId, Account]
    originals: dict[TransactionId, tuple[Posting, ...]]
    reversed_ids: set[TransactionId]
    idempotent: dict[TransactionId, tuple[bytes, Outcome]]
    tree_size: int
    applied: list[tuple[Applied, datetime]] = field(default_factory=list)
    records: list[tuple[TransactionId, bytes, Outcome, datetime]] = field(default_factory=list)

    def fork(self) -> _State:
        return _State(
            dict(self.accounts),
            self.originals,
            set(self.reversed_ids),
            dict(self.idempotent),
            self.tree_size,
        )

    def merge(self, draft: _State) -> None:
        self.accounts = draft.accounts
        self.reversed_ids = draft.reversed_ids
        self.idempotent = draft.idempotent
        self.tree_size = draft.tree_size
        self.applied.extend(draft.applied)
        self.records.extend(draft.records)

    def fold(self, command: _Command) -> tuple[list[Outcome], bool]:
        """Apply the command's requests in order.

        Returns one outcome per request and whether the draft may be kept: an atomic
        command with a refused item answers that item's error and ``batch_aborted``
        for all the others, and writes nothing.
        """
        outcomes: list[Outcome] = []
        for request in command.requests:
            tx = request.transaction
            prior = self.idempotent.get(tx.id)
            if prior is not None and prior[0] == request.digest:
                outcomes.append(prior[1].as_replay())
                continue
            try:
                if prior is not None:
                    raise IdempotencyKeyReused(
                        "this transaction id was already used for a different request",
                        field="id",
                    )
                applied = apply_transaction(
                    tx,
                    command.principal,
                    accounts=self.accounts,
                    originals=self.originals,
                    reversed_ids=self.reversed_ids,
                    log_index=self.tree_size,
                )
            except LedgerError as exc:
                outcome = rejected_outcome(exc)
                if command.atomic:
                    failing = len(outcomes)
                    return [
                        outcome if i == failing else BATCH_ABORTED
                        for i in range(len(command.requests))
                    ], False
                if prior is None:
                    # A refusal caused by the request or the ledger state is kept, so a
                    # replay answers the same; a reused key keeps the first answer.
                    self.idempotent[tx.id] = (request.digest, outcome)
                    self.records.append((tx.id, request.digest, outcome, command.recorded_at))
                outcomes.append(outcome)
                continue
            for account in applied.accounts:
                self.accounts[account.id] = account
            if tx.reverses is not None:
                self.reversed_ids.add(tx.reverses)
            self.tree_size += 1
            outcome = accepted_outcome(applied)
            self.idempotent[tx.id] = (request.digest, outcome)
            self.applied.append((applied, command.recorded_at))
            self.records.append((tx.id, request.digest, outcome, command.recorded_at))
            outcomes.append(outcome)
        return outcomes, True


class Journal:
    """The one way transactions enter the ledger. ``start`` before use, ``stop`` after."""

    def __init__(self, db: Database, *, batching: bool, batch_max: int, timeout: float) -> None:
        self._db = db
        self._batching = batching
        self._batch_max = batch_max
        self._timeout = timeout
        self._queue: asyncio.Queue[_Command] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        # Recent batch sizes, for benchmarks and (later) metrics; bounded for long runs.
        self.batch_sizes: deque[int] = deque(maxlen=4096)

    async def start(self) -> None:
        if self._batching and self._task is None:
            self._task = asyncio.create_task(self._run(), name="mutual-journal-writer")

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
        principal: Principal,
        requests: Sequence[WriteRequest],
        *,
        atomic: bool,
        recorded_at: datetime,
    ) -> list[Outcome]:
        """Commit the requests (all or nothing when ``atomic``) and return one outcome each."""
        loop = asyncio.get_running_loop()
        command = _Command(principal, tuple(requests), atomic, recorded_at, loop.create_future())
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

    async def _process(self, batch: list[_Command]) -> None:
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
        except UNAVAILABLE_ERRORS as exc:
            log.warning("ledger database unavailable: %s", exc)
            _fail(batch, StoreUnavailable("the ledger database is unavailable"))
            return
        except DBAPIError as exc:
            if exc.connection_invalidated:
                log.warning("ledger database connection lost: %s", exc)
                _fail(batch, StoreUnavailable("the ledger database is unavailable"))
            else:
                log.exception("database error in the write path")
                _fail(batch, LedgerInvariantViolated("the write path failed unexpectedly"))
            return
        self.batch_sizes.append(sum(len(c.requests) for c in batch))
        for command, outcomes in results:
            if not command.future.done():
                command.future.set_result(outcomes)

    async def _commit(self, batch: list[_Command]) -> list[tuple[_Command, list[Outcome]]]:
        async with self._db.write_engine.begin() as conn:
            if self._db.is_postgres:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEDGER_LOCK_KEY}
                )
            state = await _load_state(conn, batch, lock_rows=self._db.is_postgres)
            results: list[tuple[_Command, list[Outcome]]] = []
            for command in batch:
                draft = state.fork() if command.atomic else state
                outcomes, keep = draft.fold(command)
                if keep and draft is not state:
                    state.merge(draft)
                results.append((command, outcomes))
            await _write(conn, state)
        return results


def _fail(batch: Iterable[_Command], error: Exception) -> None:
    for command in batch:
        if not command.future.done():
            command.future.set_exception(error)


def _trigger_code(exc: IntegrityError) -> str:
    return str(exc.orig).split(":", 1)[0][:80] if exc.orig is not None else "integrity_error"


async def _load_state(conn: AsyncConnection, batch: list[_Command], *, lock_rows: bool) -> _State:
    requests = [r for c in batch for r in c.requests]
    tree_size = (
        await conn.execute(select(ledger_head.c.tree_size).where(ledger_head.c.id == 1))
    ).scalar_one()
    ids = {r.transaction.id for r in requests}
    idempotent = {
        TransactionId(row.key): (row.request_hash, decode_outcome(row.outcome))
        for row in await conn.execute(
            select(idempotency_records).where(idempotency_records.c.key.in_(ids))
        )
    }
    reverses = {r.transaction.reverses for r in requests if r.transaction.reverses is not None}
    originals: dict[TransactionId, list[Posting]] = {}
    reversed_ids: set[TransactionId] = set()
    if reverses:
        rows = await conn.execute(
            select(
                postings.c.transaction_id, postings.c.account_id, postings.c.unit, postings.c.amount
            )
            .where(postings.c.transaction_id.in_(reverses))
            .order_by(postings.c.transaction_id, postings.c.seq)
        )
        for row in rows:
            originals.setdefault(TransactionId(row.transaction_id), []).append(
                Posting(AccountId(row.account_id), Unit(row.unit), row.amount)
            )
        reversed_ids = {
            TransactionId(r)
            for r in (
                await conn.execute(
                    select(transactions.c.reverses).where(transactions.c.reverses.in_(reverses))
                )
            ).scalars()
        }
    account_ids = {p.account_id for r in requests for p in r.transaction.postings}
    query = select(accounts).where(accounts.c.id.in_(account_ids)).order_by(accounts.c.id)
    if lock_rows:
        query = query.with_for_update()
    loaded = {
        AccountId(row.id): Account(
            AccountId(row.id),
            Unit(row.unit),
            OwnerKind(row.owner_kind),
            row.owner_id,
            row.balance_min,
            row.balance_max,
            row.balance,
            row.version,
        )
        for row in await conn.execute(query)
    }
    return _State(
        loaded,
        {k: tuple(v) for k, v in originals.items()},
        reversed_ids,
        idempotent,
        tree_size,
    )


async def _write(conn: AsyncConnection, state: _State) -> None:
    """Insert the batch's rows in the order the SQLite triggers need: postings, then their
    transaction, then the head (whose trigger checks the log stayed dense)."""
    if state.applied:
        await conn.execute(
            postings.insert(),
            [
                {
                    "transaction_id": applied.transaction.id,
                    "seq": seq,
                    "account_id": p.account_id,
                    "unit": p.unit,
                    "amount": p.amount,
                    "account_version": p.account_version,
                    "balance_after": p.balance_after,
                    "balance_min": p.balance_min,
                    "balance_max": p.balance_max,
                }
                for applied, _ in state.applied
                for seq, p in enumerate(applied.postings)
            ],
        )
        await conn.execute(
            transactions.insert(),
            [
                {
                    "id": applied.transaction.id,
                    "log_index": applied.log_index,
                    "kind": applied.transaction.kind.value,
                    "initiator": applied.transaction.initiator,
                    "references": json.dumps(dict(applied.transaction.references)),
                    "reverses": applied.transaction.reverses,
                    "recorded_at": recorded_at,
                }
                for applied, recorded_at in state.applied
            ],
        )
        memos = [
            {"transaction_id": a.transaction.id, "memo": a.transaction.memo}
            for a, _ in state.applied
            if a.transaction.memo
        ]
        if memos:
            await conn.execute(transaction_memos.insert(), memos)
        final: dict[AccountId, Account] = {}
        for applied, _ in state.applied:
            for account in applied.accounts:
                final[account.id] = state.accounts[account.id]
        await conn.execute(
            update(accounts)
            .where(accounts.c.id == bindparam("account_id"))
            .values(balance=bindparam("new_balance"), version=bindparam("new_version")),
            [
                {"account_id": a.id, "new_balance": a.balance, "new_version": a.version}
                for a in sorted(final.values(), key=lambda a: a.id)
            ],
        )
        await conn.execute(
            update(ledger_head).where(ledger_head.c.id == 1).values(tree_size=state.tree_size)
        )
    if state.records:
        await conn.execute(
            idempotency_records.insert(),
            [
                {
                    "key": key,
                    "request_hash": digest,
                    "outcome": encode_outcome(outcome),
                    "created_at": recorded_at,
                }
                for key, digest, outcome, recorded_at in state.records
            ],
        )
