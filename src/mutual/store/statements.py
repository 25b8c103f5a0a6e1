"""What a statement line says to a person: the other party, the description (the memo)
and the category (an exchange's, from its signed references, where a confirmed proposal,
an "I received" and a group's share all carry it), read beside the postings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select

from mutual.core.ids import AccountId, TransactionId
from mutual.store.database import Database
from mutual.store.ledger_reads import StatementLine
from mutual.store.tables import accounts, members, postings, transaction_memos, transactions


@dataclass(frozen=True, slots=True)
class OtherParty:
    """The account on the other side; the member's name and number only while they are
    an active member (an erased member's are never shown again)."""

    owner_kind: str
    member_id: UUID | None
    display_name: str | None
    number: int | None


@dataclass(frozen=True, slots=True)
class LineDetails:
    other_party: OtherParty | None
    description: str | None
    category: str | None


def _member_id(owner_kind: str, owner_id: str) -> UUID | None:
    if owner_kind != "member":
        return None
    try:
        return UUID(owner_id)
    except ValueError:
        return None


async def line_details(
    db: Database, account_id: AccountId, lines: Sequence[StatementLine]
) -> dict[TransactionId, LineDetails]:
    """The details of each line's transaction, as seen from ``account_id``."""
    ids = [line.transaction_id for line in lines]
    if not ids:
        return {}
    async with db.reading() as conn:
        memos = dict(
            (
                await conn.execute(
                    select(transaction_memos.c.transaction_id, transaction_memos.c.memo).where(
                        transaction_memos.c.transaction_id.in_(ids)
                    )
                )
            ).all()
        )
        categories = {
            row.id: json.loads(row.references).get("category")
            for row in await conn.execute(
                select(transactions.c.id, transactions.c.references).where(
                    transactions.c.id.in_(ids)
                )
            )
        }
        others = (
            await conn.execute(
                select(
                    postings.c.transaction_id,
                    postings.c.amount,
                    accounts.c.owner_kind,
                    accounts.c.owner_id,
                )
                .join(accounts, accounts.c.id == postings.c.account_id)
                .where(postings.c.transaction_id.in_(ids), postings.c.account_id != account_id)
                .order_by(postings.c.transaction_id, postings.c.seq)
            )
        ).all()
        member_ids = {m for r in others if (m := _member_id(r.owner_kind, r.owner_id)) is not None}
        people = {
            r.id: r
            for r in await conn.execute(
                select(
                    members.c.id, members.c.status, members.c.display_name, members.c.number
                ).where(members.c.id.in_(member_ids))
            )
        }
    own_amount = {line.transaction_id: line.amount for line in lines}
    sides: dict[UUID, list[tuple[int, str, str]]] = {}
    for r in others:
        sides.setdefault(r.transaction_id, []).append((r.amount, r.owner_kind, r.owner_id))

    def other_party(tx_id: TransactionId) -> OtherParty | None:
        candidates = sides.get(tx_id, [])
        # The counterpart is the first posting moving the other way; a transaction with
        # several (a gift split with the commons) names the first, as recorded.
        opposite = [c for c in candidates if (c[0] > 0) != (own_amount[tx_id] > 0)]
        if not (opposite or candidates):
            return None
        _, kind, owner = (opposite or candidates)[0]
        member_id = _member_id(kind, owner)
        person = people.get(member_id) if member_id is not None else None
        if person is None or person.status != "active":
            return OtherParty(kind, member_id, None, None)
        return OtherParty(kind, member_id, person.display_name, person.number)

    return {
        tx_id: LineDetails(other_party(tx_id), memos.get(tx_id) or None, categories.get(tx_id))
        for tx_id in ids
    }
