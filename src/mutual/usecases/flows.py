"""Transactions the service composes for a flow (a pledge, a grant, a loan, ...), in two steps.

A flow's request names what happens in the domain's words ("pledge 10 hours for
2027-Q1"); the service turns it into a ledger transaction, with the accounts it needs
opened first. The signers still sign that exact transaction, as for ``POST
/transactions``: sent without signatures, the request is answered ``unsigned`` with the
``signing_payload``; sent again with the same id and the signatures, the accounts and
the transaction are written in one atomic journal command, so either all of it is in
the log or none of it, and the flow's own rows (a loan, a grant's decision) in the
same database transaction as they are.

The composition must be deterministic in the request and the id, so that the second
request composes the same bytes the first one showed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from mutual.core.accounts import Account
from mutual.core.authority import Principal
from mutual.core.ids import PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.signing import Domain, Signature
from mutual.core.transactions import Transaction, transaction_payload
from mutual.store import ledger_reads
from mutual.store.journal import SideRows
from mutual.store.outcomes import Outcome, raise_refusal
from mutual.usecases.accounts import account_write
from mutual.usecases.errors import Unsigned
from mutual.usecases.runtime import Runtime
from mutual.usecases.transactions import SignedTransaction, prepare


@dataclass(frozen=True, slots=True)
class Composed:
    """A flow's transaction and the accounts it needs (opened first, if not yet open)."""

    transaction: Transaction
    openings: tuple[Account, ...] = ()


async def record_composed(
    rt: Runtime,
    caller: Principal,
    composed: Composed,
    signatures: Sequence[Signature],
    *,
    then: SideRows[Any] | None = None,
) -> Outcome:
    """Write the composed transaction, or raise ``Unsigned`` with what to sign.

    Returns the transaction's outcome, accepted or refused by the ledger's rules (bounds,
    authority), for the caller to answer as ``POST /transactions`` does; an account that
    could not be opened is raised as its refusal. ``then`` writes the flow's own rows (a
    loan, say) in the journal's transaction, once the transaction is accepted.
    """
    tx = composed.transaction
    if not signatures:
        raise Unsigned(transaction_payload(rt.log.origin, tx))
    # An opening already in the ledger is an identical replay (its id is derived from
    # what it is for), so two flows racing to open the same account both succeed.
    write = await prepare(rt, caller, SignedTransaction(tx, tuple(signatures)))
    outcomes = await rt.journal.submit(
        [*(account_write(rt, a) for a in composed.openings), write],
        atomic=True,
        recorded_at=rt.clock(),
        then=then,
    )
    raise_refusal(outcomes[:-1])
    return outcomes[-1]


async def is_recorded(rt: Runtime, tx_id: UUID | None) -> bool:
    """Whether the ledger already holds this transaction. A flow's own checks are about
    the state before it, so a resend of a recorded one skips them and is answered by the
    journal as the replay it is (a replayed grant is not "more than available")."""
    return tx_id is not None and await ledger_reads.transaction_exists(rt.db, TransactionId(tx_id))


FlowCall = Callable[[Sequence[Signature]], Awaitable[Outcome]]


async def sign_and_record(
    call: FlowCall, key: Keypair, *, on_behalf_of: UUID | None = None
) -> Outcome:
    """A Python client's two steps (the demo, the tests): ask what to sign, sign it with
    ``key`` and send the same request again. ``call`` sends it with the signatures given
    and must compose the same transaction both times (fix its id)."""
    try:
        return await call(())
    except Unsigned as asked:
        payload = asked.signing_payload
    behalf = None if on_behalf_of is None else PrincipalId(on_behalf_of)
    signature = key.sign_payload(Domain.TRANSACTION, payload, on_behalf_of=behalf)
    return await call((signature,))


async def sign_and_record_or_raise(
    call: FlowCall, key: Keypair, *, on_behalf_of: UUID | None = None
) -> Outcome:
    """``sign_and_record``, raising the rule that refused it (for the demo)."""
    outcome = await sign_and_record(call, key, on_behalf_of=on_behalf_of)
    raise_refusal([outcome])
    return outcome
