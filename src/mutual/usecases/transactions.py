"""Recording transactions (one, or a batch), reversing them, and reading them back."""

from __future__ import annotations

from collections.abc import Sequence

from mutual.core.authority import Principal, Role
from mutual.core.ids import TransactionId
from mutual.core.transactions import (
    Transaction,
    TransactionKind,
    inverse_postings,
    request_digest,
)
from mutual.store import ledger_reads
from mutual.store.accounts import get_account
from mutual.store.journal import WriteRequest
from mutual.store.ledger_reads import TransactionRecord
from mutual.store.outcomes import Outcome
from mutual.usecases.errors import NotFound
from mutual.usecases.runtime import Runtime


async def record_transactions(
    rt: Runtime, principal: Principal, txs: Sequence[Transaction], *, atomic: bool
) -> list[Outcome]:
    """Submit transactions to the journal; one outcome each, in order.

    The request digests (the CPU work) are computed here, in the caller's task, so the
    single writer only folds and writes.
    """
    requests = [WriteRequest(tx, request_digest(tx)) for tx in txs]
    return await rt.journal.submit(principal, requests, atomic=atomic, recorded_at=rt.clock())


async def reverse_transaction(
    rt: Runtime,
    principal: Principal,
    original_id: TransactionId,
    *,
    reversal_id: TransactionId,
    memo: str,
) -> Outcome:
    """Record the exact inverse of ``original_id`` as a correction."""
    original = await ledger_reads.original_postings(rt.db, original_id)
    if original is None:
        raise NotFound("no such transaction", field="id")
    tx = Transaction(
        reversal_id,
        TransactionKind.CORRECTION,
        inverse_postings(original),
        principal.id,
        memo,
        {},
        original_id,
    )
    [outcome] = await record_transactions(rt, principal, [tx], atomic=False)
    return outcome


async def read_transaction(
    rt: Runtime, principal: Principal, tx_id: TransactionId
) -> TransactionRecord:
    record = await ledger_reads.get_transaction(rt.db, tx_id)
    if record is None:
        raise NotFound("no such transaction", field="id")
    if not (principal.has(Role.OPERATOR) or principal.has(Role.AUDITOR)):
        owns = [await get_account(rt.db, p.account_id) for p in record.postings]
        mine = record.initiator == principal.id or any(
            a is not None and a.owned_by(principal.id) for a in owns
        )
        if not mine:
            # Another member's transaction answers like a missing one.
            raise NotFound("no such transaction", field="id")
    return record
