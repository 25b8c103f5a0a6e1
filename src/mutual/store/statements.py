"""What a statement line says to a person: the other party, the description (the memo)
and the category (the one the transaction's references carry, as the coordinators'
report counts it), read beside the postings.

When the other party is an association, the line names it and, where the log entry
holds a signature made on its behalf, the member who signed it ("Marie B. for
Association X"): read from the entry's own signatures, so the mark is what the ledger
checked, not what anyone claimed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.ids import AccountId, TransactionId
from mutual.store.database import Database
from mutual.store.ledger_reads import StatementLine
from mutual.store.tables import (
    accounts,
    associations,
    log_entries,
    members,
    postings,
    proposals,
    signing_keys,
    transaction_memos,
    transactions,
)


@dataclass(frozen=True, slots=True)
class OtherParty:
    """The account on the other side; the member's name and number only while they are
    an active member (an erased member's are never shown again)."""

    owner_kind: str
    member_id: UUID | None
    display_name: str | None
    number: int | None
    association: Association | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """The member who signed on an association's behalf; the name only while active."""

    member_id: UUID
    display_name: str | None


@dataclass(frozen=True, slots=True)
class Association:
    """An association on a line, and who acted for it there (``None`` when no signature
    was made for it, as when it only received hours)."""

    id: UUID
    name: str
    acting: Actor | None


@dataclass(frozen=True, slots=True)
class LineDetails:
    other_party: OtherParty | None
    description: str | None
    category: str | None
    # On an association's own statement: who acted for it on this line.
    acting: Actor | None = None


def _category(references: str | None) -> str | None:
    found = json.loads(references or "{}").get("category")
    return found if isinstance(found, str) else None


def _member_id(owner_kind: str, owner_id: str) -> UUID | None:
    if owner_kind not in ("member", "organisation"):
        return None
    try:
        return UUID(owner_id)
    except ValueError:
        return None


def _behalf(leaf_input: bytes) -> list[tuple[str, UUID]]:
    """(key id, principal) of each signature an entry holds made on someone's behalf."""
    found: list[tuple[str, UUID]] = []
    for sig in json.loads(leaf_input).get("signatures", []):
        behalf = sig.get("on_behalf_of")
        if isinstance(behalf, str) and isinstance(sig.get("key_id"), str):
            found.append((sig["key_id"], UUID(behalf)))
    return found


async def _acting(
    conn: AsyncConnection, tx_ids: set[UUID], named: dict[UUID, UUID]
) -> dict[tuple[UUID, UUID], Actor]:
    """Who acted for one of the ``named`` associations (by its account) in each of
    ``tx_ids``, by (transaction, association): the member whose signature on its behalf
    the entry holds (it paid); else, for hours it was given through a proposal, the
    member who recorded it for it (the transaction's initiator, which the receiver signed)."""
    if not tx_ids or not named:
        return {}
    entries = await conn.execute(
        select(log_entries.c.entity_id, log_entries.c.leaf_input).where(
            log_entries.c.entity_id.in_(tx_ids)
        )
    )
    behalf = {
        (row.entity_id, principal): key_id
        for row in entries
        for key_id, principal in _behalf(row.leaf_input)
        if principal in named
    }
    signers = dict(
        (
            await conn.execute(
                select(signing_keys.c.key_id, signing_keys.c.principal_id).where(
                    signing_keys.c.key_id.in_(set(behalf.values()))
                )
            )
        ).all()
    )
    by_account = {account: association for association, account in named.items()}
    recorded = {
        (row.id, by_account[row.provider_account]): row.provider_id
        for row in await conn.execute(
            select(proposals.c.id, proposals.c.provider_id, proposals.c.provider_account).where(
                proposals.c.id.in_(tx_ids), proposals.c.provider_account.in_(set(by_account))
            )
        )
    }
    who = {pair: signers[key_id] for pair, key_id in behalf.items() if key_id in signers}
    who = {**recorded, **who}
    if not who:
        return {}
    people = {
        r.id: r.display_name if r.status == "active" else None
        for r in await conn.execute(
            select(members.c.id, members.c.status, members.c.display_name).where(
                members.c.id.in_(set(who.values()))
            )
        )
    }
    return {pair: Actor(member, people.get(member)) for pair, member in who.items()}


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
        # From the signed references, not the proposal: an exchange signed directly, or
        # "I received", has no proposal, and the report reads the references too.
        categories = {
            tx_id: _category(references)
            for tx_id, references in await conn.execute(
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
        own = (
            await conn.execute(
                select(accounts.c.owner_kind, accounts.c.owner_id).where(
                    accounts.c.id == account_id
                )
            )
        ).first()
        own_id = None if own is None else _member_id(own.owner_kind, own.owner_id)
        organisations = {
            m
            for r in [*others, *([own] if own is not None else [])]
            if r.owner_kind == "organisation" and (m := _member_id(r.owner_kind, r.owner_id))
        }
        found = (
            await conn.execute(
                select(associations.c.id, associations.c.name, associations.c.time_account).where(
                    associations.c.id.in_(organisations)
                )
            )
        ).all()
        names = {row.id: row.name for row in found}
        acting = await _acting(conn, set(ids), {row.id: row.time_account for row in found})
        member_ids = {
            m
            for r in others
            if r.owner_kind == "member" and (m := _member_id(r.owner_kind, r.owner_id))
        }
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
        if kind == "organisation" and member_id in names:
            assert member_id is not None
            association = Association(member_id, names[member_id], acting.get((tx_id, member_id)))
            return OtherParty(kind, None, None, None, association)
        if kind != "member":
            member_id = None
        person = people.get(member_id) if member_id is not None else None
        if person is None or person.status != "active":
            return OtherParty(kind, member_id, None, None)
        return OtherParty(kind, member_id, person.display_name, person.number)

    return {
        tx_id: LineDetails(
            other_party(tx_id),
            memos.get(tx_id) or None,
            categories.get(tx_id),
            None if own_id is None else acting.get((tx_id, own_id)),
        )
        for tx_id in ids
    }
