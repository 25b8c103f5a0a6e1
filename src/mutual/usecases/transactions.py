"""Recording signed transactions (one, or a batch), reversing them, and reading them back."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mutual.core.authority import Principal, Role
from mutual.core.entries import EntryType, signed_log_entry
from mutual.core.errors import LedgerError
from mutual.core.ids import TransactionId
from mutual.core.permissions import reads_everything
from mutual.core.signing import Domain, Signature, canonical, check_signatures
from mutual.core.transactions import (
    Transaction,
    TransactionKind,
    check_shape,
    inverse_postings,
    transaction_payload,
)
from mutual.store import ledger_reads
from mutual.store.accounts import get_account
from mutual.store.journal import PreRefused, SideRows, TransactionWrite
from mutual.store.ledger_reads import TransactionRecord
from mutual.store.outcomes import Outcome, rejected_outcome
from mutual.usecases.errors import NotFound
from mutual.usecases.keys import public_keys
from mutual.usecases.runtime import Runtime


@dataclass(frozen=True, slots=True)
class SignedTransaction:
    transaction: Transaction
    signatures: tuple[Signature, ...]


async def prepare(
    rt: Runtime, principal: Principal, item: SignedTransaction | LedgerError
) -> TransactionWrite | PreRefused:
    """Check the transaction's shape and its signatures over the canonical payload.

    This is the CPU work (canonical JSON, Ed25519, SHA-256); it runs in the caller's
    task so that the single writer only folds and writes. A refusal still goes to the
    journal, in its place, so that ids and atomic batches are answered in order.
    """
    if isinstance(item, LedgerError):
        return PreRefused(None, None, rejected_outcome(item))
    tx = item.transaction
    try:
        check_shape(tx)
    except LedgerError as exc:
        # No digest: a malformed request is never the replay of a recorded one.
        return PreRefused(tx.id, None, rejected_outcome(exc))
    body = canonical(transaction_payload(rt.log.origin, tx))
    message = Domain.TRANSACTION.value + body
    try:
        keys = await public_keys(rt, (s.key_id for s in item.signatures))
        # Ed25519 verification releases the GIL: on a thread it uses another core.
        await asyncio.get_running_loop().run_in_executor(
            rt.verifiers, check_signatures, message, item.signatures, keys
        )
    except LedgerError as exc:
        # Answered as is, even for a payload already recorded: a forged signature never
        # earns the recorded answer.
        return PreRefused(None, None, rejected_outcome(exc))
    digest = hashlib.sha256(message).digest()
    entry = signed_log_entry(EntryType.TRANSACTION, body, item.signatures)
    return TransactionWrite(
        tx, item.signatures, digest, entry, principal.id, reads_all=reads_everything(principal)
    )


async def record_transactions(
    rt: Runtime,
    principal: Principal,
    items: Sequence[SignedTransaction | LedgerError],
    *,
    atomic: bool,
    then: SideRows[Any] | None = None,
) -> list[Outcome]:
    """Submit signed transactions to the journal; one outcome each, in order.

    An item may already be the error that made the request unreadable (bad base64, say):
    it is answered as a refusal in its place. ``then`` writes rows of the caller's in
    the journal's transaction, when every item is accepted.
    """
    writes = [await prepare(rt, principal, item) for item in items]
    return await rt.journal.submit(writes, atomic=atomic, recorded_at=rt.clock(), then=then)


async def reversal_of(
    rt: Runtime,
    original_id: TransactionId,
    *,
    reversal_id: TransactionId,
    memo: str,
    memo_salt: bytes,
    initiator: Principal,
) -> Transaction:
    """The correction that exactly undoes ``original_id``: what its signers sign."""
    original = await ledger_reads.original_postings(rt.db, original_id)
    if original is None:
        raise NotFound("no such transaction", field="id")
    return Transaction(
        reversal_id,
        TransactionKind.CORRECTION,
        inverse_postings(original),
        initiator.id,
        memo,
        {},
        original_id,
        memo_salt,
    )


async def read_transaction(
    rt: Runtime, principal: Principal, tx_id: TransactionId
) -> TransactionRecord:
    record = await ledger_reads.get_transaction(rt.db, tx_id)
    if record is None:
        raise NotFound("no such transaction", field="id")
    # Coordinators read any transaction: they correct mistakes in anyone's accounts (the
    # reversal they may ask for composes its exact inverse from it anyway), as they read
    # every exchange proposal.
    if not (reads_everything(principal) or principal.has(Role.COORDINATION_MEMBER)):
        owns = [await get_account(rt.db, p.account_id) for p in record.postings]
        mine = record.initiator == principal.id or any(
            a is not None and a.owned_by(principal.id) for a in owns
        )
        if not mine:
            # Another member's transaction answers like a missing one.
            raise NotFound("no such transaction", field="id")
    return record
