"""A group exchange: one provider and several receivers (a workshop), or several
providers and one receiver, recorded by the member they have in common.

Each share is a proposal like any other (``usecases.exchanges``): it moves nothing until
its receiver signs it, it may be rejected, and it expires unanswered. What makes them a
group is the group's id, chosen by the recording member and carried in each share's
signed references; each share's transaction id is derived from the group and its two
accounts (``core.derived.exchange_share_id``), which the ledger's rule for exchanges
checks (``core.kinds``), so nobody pays the same share twice and the shares of a group
can be found again from the log alone.

When the recording member is the receiver ("I received from these three"), the shares
are theirs to sign, and the page signs them at once; the providers are told when each
share is recorded (``proposal_confirmed``). When it is the provider, each receiver is
told there is a share to confirm (``proposal_received``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.derived import exchange_share_id
from mutual.core.errors import IdempotencyKeyReused
from mutual.core.ids import PrincipalId
from mutual.core.timebank import (
    EXCHANGE_MINUTES_MAX,
    Proposal,
    check_duration,
    check_parties,
    check_plausible,
)
from mutual.core.transactions import MEMO_SALT_MIN_BYTES
from mutual.store import timebank as store
from mutual.usecases.errors import InvalidRequest, NotFound
from mutual.usecases.exchanges import exchange_category, expire_due
from mutual.usecases.members import active_member, oversees
from mutual.usecases.runtime import Runtime, chosen_id

Side = Literal["provider", "receiver"]

# A workshop's receivers, or the providers of one service: a handful, at most a room.
SHARES_MIN = 2
SHARES_MAX = 30


@dataclass(frozen=True, slots=True)
class ShareRequest:
    member: UUID
    minutes: int


@dataclass(frozen=True, slots=True)
class Group:
    id: UUID
    side: Side
    shares: tuple[Proposal, ...]


def side_of(shares: tuple[Proposal, ...]) -> Side:
    """Which side the recording member was on: the one every share has in common."""
    return "provider" if len({p.provider for p in shares}) == 1 else "receiver"


def _check_shares(rt: Runtime, caller: Principal, shares: list[ShareRequest]) -> None:
    if not SHARES_MIN <= len(shares) <= SHARES_MAX:
        raise InvalidRequest(
            f"a group exchange has {SHARES_MIN} to {SHARES_MAX} shares", field="shares"
        )
    seen: set[UUID] = set()
    for i, share in enumerate(shares):
        field = f"shares[{i}]"
        check_parties(caller.id, PrincipalId(share.member), field=f"{field}.member")
        if share.member in seen:
            raise InvalidRequest("each member has one share", field=f"{field}.member")
        seen.add(share.member)
        check_duration(
            share.minutes, step=rt.settings.duration_step_minutes, field=f"{field}.minutes"
        )
        check_plausible(share.minutes, EXCHANGE_MINUTES_MAX, field=f"{field}.minutes")


async def record_group(
    rt: Runtime,
    caller: Principal,
    *,
    group_id: UUID | None,
    side: Side,
    shares: list[ShareRequest],
    memo: str,
    offer_id: UUID | None,
    category: str | None,
) -> tuple[Group, bool]:
    """Record a group's shares (pending, each for its receiver to sign); returns the
    group and whether it is new. Resending the same group answers the recorded one."""
    gid = chosen_id(group_id)
    _check_shares(rt, caller, shares)
    parties = (caller.id, *(PrincipalId(share.member) for share in shares))
    category = await exchange_category(rt, offer_id, category, parties=parties)
    me = await active_member(rt, caller.id, field="id")
    assert me.account_id is not None
    now = rt.clock()
    proposals = []
    for i, share in enumerate(shares):
        other = await active_member(rt, share.member, field=f"shares[{i}].member")
        assert other.account_id is not None
        if side == "provider":
            provider, receiver = me, other
        else:
            provider, receiver = other, me
        assert provider.account_id is not None
        assert receiver.account_id is not None
        proposals.append(
            Proposal(
                exchange_share_id(gid, receiver.account_id, provider.account_id),
                provider.id,
                receiver.id,
                provider.account_id,
                receiver.account_id,
                share.minutes,
                now,
                now + timedelta(days=rt.settings.proposal_expiry_days),
                memo=memo,
                memo_salt=secrets.token_bytes(MEMO_SALT_MIN_BYTES) if memo else b"",
                offer_id=offer_id,
                category=category,
                group=gid,
            )
        )
    async with rt.db.writing() as conn:
        existing = await store.group_proposals(conn, gid)
        if existing:
            wanted = {(p.id, p.minutes, p.memo) for p in proposals}
            if {(p.id, p.minutes, p.memo) for p in existing} != wanted:
                raise IdempotencyKeyReused(
                    "a different group exchange was recorded with this id", field="id"
                )
            return Group(gid, side_of(tuple(existing)), tuple(existing)), False
        for proposal in proposals:
            await store.insert_proposal(conn, proposal)
            if proposal.receiver != caller.id:
                await store.notify(
                    conn,
                    proposal.receiver,
                    "proposal_received",
                    {
                        "proposal_id": str(proposal.id),
                        "provider": str(proposal.provider),
                        "minutes": proposal.minutes,
                        "group": str(gid),
                    },
                    source=str(proposal.id),
                    now=now,
                )
    ordered = tuple(sorted(proposals, key=lambda p: p.id))
    return Group(gid, side, ordered), True


async def read_group(rt: Runtime, reader: Principal, group_id: UUID) -> Group:
    """A group and its shares, for the members it involves and those who oversee."""
    await expire_due(rt)
    async with rt.db.reading() as conn:
        shares = tuple(await store.group_proposals(conn, group_id))
    involved = {p.provider for p in shares} | {p.receiver for p in shares}
    if not shares or not (reader.id in involved or oversees(reader)):
        raise NotFound("no such group exchange", field="id")
    return Group(group_id, side_of(shares), shares)
