"""Exchanges recorded by the provider and confirmed (signed) or rejected by the receiver.

A confirmation is the receiver's signature over the transaction the proposal
describes; it goes through the same journal as every transaction, so bounds, key
validity and idempotency hold as for a direct payment. When a confirmation and a
rejection or expiry race, the ledger wins: a proposal whose transaction was recorded is
confirmed.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.ids import PrincipalId, TransactionId
from mutual.core.signing import Signature
from mutual.core.territory_lists import ListKind
from mutual.core.timebank import (
    EXCHANGE_MINUTES_MAX,
    Proposal,
    ProposalNotPending,
    ProposalStatus,
    check_decidable,
    check_duration,
    check_parties,
    check_plausible,
    proposal_transaction,
)
from mutual.core.transactions import MEMO_SALT_MIN_BYTES, transaction_payload
from mutual.store import timebank as store
from mutual.store.journal import SideRows
from mutual.store.outcomes import Outcome
from mutual.usecases import territory_lists as lists
from mutual.usecases.associations import acting_account
from mutual.usecases.errors import IdempotencyKeyMismatch, InvalidRequest, NotFound
from mutual.usecases.members import active_member, is_coordinator, oversees
from mutual.usecases.runtime import Runtime, chosen_id
from mutual.usecases.transactions import SignedTransaction, record_transactions


async def propose(
    rt: Runtime,
    provider: Principal,
    *,
    proposal_id: UUID | None,
    receiver: UUID,
    minutes: int,
    memo: str,
    offer_id: UUID | None,
    category: str | None,
    on_behalf_of: UUID | None = None,
) -> tuple[Proposal, bool]:
    """Record "I provided ``minutes`` to ``receiver``"; returns it and whether it is new.
    Resending the same proposal with its id answers the recorded one. With
    ``on_behalf_of``, a member who acts for that association records it for it: the
    hours go to the association's account, and the proposal (and the transaction the
    receiver signs, as its initiator) keeps who recorded it."""
    check_duration(minutes, step=rt.settings.duration_step_minutes)
    check_plausible(minutes, EXCHANGE_MINUTES_MAX, field="minutes")
    check_parties(provider.id, PrincipalId(receiver))
    category = await exchange_category(
        rt, offer_id, category, parties=(provider.id, PrincipalId(receiver))
    )
    mine = await active_member(rt, provider.id, field="provider")
    theirs = await active_member(rt, receiver, field="receiver")
    now = rt.clock()
    assert mine.account_id is not None
    assert theirs.account_id is not None
    credited = (
        mine.account_id
        if on_behalf_of is None
        else await acting_account(rt, provider, on_behalf_of)
    )
    proposal = Proposal(
        TransactionId(chosen_id(proposal_id)),
        provider.id,
        PrincipalId(receiver),
        credited,
        theirs.account_id,
        minutes,
        now,
        now + timedelta(days=rt.settings.proposal_expiry_days),
        memo=memo,
        memo_salt=secrets.token_bytes(MEMO_SALT_MIN_BYTES) if memo else b"",
        offer_id=offer_id,
        category=category,
    )
    async with rt.db.writing() as conn:
        existing = await store.get_proposal(conn, proposal.id)
        if existing is not None:
            same = (
                existing.provider,
                existing.receiver,
                existing.provider_account,
                existing.minutes,
                existing.memo,
            ) == (
                proposal.provider,
                proposal.receiver,
                proposal.provider_account,
                proposal.minutes,
                proposal.memo,
            )
            if not same:
                raise IdempotencyKeyMismatch(
                    "a different proposal was recorded with this id", field="id"
                )
            return existing, False
        await store.insert_proposal(conn, proposal)
        await store.notify(
            conn,
            proposal.receiver,
            "proposal_received",
            {"proposal_id": str(proposal.id), "provider": str(provider.id), "minutes": minutes},
            source=str(proposal.id),
            now=now,
        )
    return proposal, True


async def exchange_category(
    rt: Runtime,
    offer_id: UUID | None,
    category: str | None,
    *,
    parties: tuple[PrincipalId, ...],
) -> str | None:
    """An exchange's category: the one given, a category of the territory, else its
    offer's (refused when the offer does not exist, or is none of the ``parties``': an
    exchange "from" an offer is one its author takes part in, or reports would count it
    for an offer that had nothing to do with it)."""
    await lists.require_now(rt, ListKind.CATEGORY, category, "category")
    if offer_id is None:
        return category
    async with rt.db.reading() as conn:
        offer = await store.get_offer(conn, offer_id)
    if offer is None:
        raise NotFound("no such offer or request", field="offer_id")
    if offer.member_id not in parties:
        raise InvalidRequest("the offer is neither party's", field="offer_id")
    return category or offer.category


async def read_proposal(rt: Runtime, reader: Principal, proposal_id: UUID) -> Proposal:
    async with rt.db.reading() as conn:
        proposal = await store.get_proposal(conn, proposal_id)
    if proposal is None or not (
        reader.id in (proposal.provider, proposal.receiver) or oversees(reader)
    ):
        raise NotFound("no such proposal", field="id")
    return proposal


def signing_payload(rt: Runtime, proposal: Proposal) -> dict[str, Any]:
    """The document the receiver signs (``mutual/transaction/v1`` domain) to confirm."""
    return transaction_payload(rt.log.origin, proposal_transaction(proposal))


async def confirm(
    rt: Runtime, caller: Principal, proposal_id: UUID, signatures: tuple[Signature, ...]
) -> Outcome:
    """The receiver's signed confirmation; a coordinator may bring a custodial one."""
    proposal = await read_proposal(rt, caller, proposal_id)
    actor = proposal.receiver if is_coordinator(caller) else caller.id
    now = rt.clock()
    check_decidable(proposal, actor, now)

    [outcome] = await record_transactions(
        rt,
        caller,
        [SignedTransaction(proposal_transaction(proposal), signatures)],
        atomic=False,
        then=SideRows(store.confirm_proposals, ({"id": proposal.id, "decided_at": now},)),
    )
    return outcome


async def reject(rt: Runtime, caller: Principal, proposal_id: UUID, reason: str) -> Proposal:
    proposal = await read_proposal(rt, caller, proposal_id)
    now = rt.clock()
    check_decidable(proposal, caller.id, now)
    async with rt.db.writing() as conn:
        if not await store.set_proposal_status(
            conn, proposal.id, ProposalStatus.REJECTED, now=now, reason=reason
        ):
            # Confirmed (or expired) in the meantime: answer what it now is. A confirmation
            # whose transaction landed but whose status is not yet written is confirmed.
            current = await store.get_proposal(conn, proposal.id)
            assert current is not None
            check_decidable(current, caller.id, now)
            raise ProposalNotPending("the proposal is already confirmed", field="id")
        await store.notify(
            conn,
            proposal.provider,
            "proposal_rejected",
            {
                "proposal_id": str(proposal.id),
                "receiver": str(proposal.receiver),
                "minutes": proposal.minutes,
                "reason": reason,
            },
            source=str(proposal.id),
            now=now,
        )
        updated = await store.get_proposal(conn, proposal.id)
    assert updated is not None
    return updated


async def expire_due(rt: Runtime) -> int:
    """Record the expiry of every overdue proposal and tell both sides."""
    now = rt.clock()
    async with rt.db.reading() as conn:
        if not await store.any_due(conn, now):
            return 0
    async with rt.db.writing() as conn:
        expired = await store.expire_due(conn, now)
        for proposal in expired:
            for member in (proposal.provider, proposal.receiver):
                await store.notify(
                    conn,
                    member,
                    "proposal_expired",
                    {"proposal_id": str(proposal.id), "minutes": proposal.minutes},
                    source=str(proposal.id),
                    now=now,
                )
    return len(expired)


async def list_proposals(
    rt: Runtime,
    caller: Principal,
    *,
    role: str | None,
    status: str | None,
    after: UUID | None,
    limit: int,
) -> list[Proposal]:
    await expire_due(rt)
    member = None if oversees(caller) and role is None else caller.id
    async with rt.db.reading() as conn:
        return await store.list_proposals(
            conn, member, role=role, status=status, after=after, limit=limit
        )
