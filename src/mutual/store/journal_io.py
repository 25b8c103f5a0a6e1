"""Reading what a batch touches and writing what it did, for the journal's one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.accounts import Account, OwnerKind
from mutual.core.bounds import BoundsChange, BoundsDefault
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.merkle import NodeKey
from mutual.core.registry import Capacity, KeyRecord, Registry
from mutual.core.signing import KeyId
from mutual.core.transactions import Posting
from mutual.core.units import Unit
from mutual.store.journal_state import (
    AccountWrite,
    BatchState,
    BoundsWrite,
    Command,
    KeyEventWrite,
    RoundWrite,
    TransactionWrite,
)
from mutual.store.outcomes import decode_outcome, encode_outcome
from mutual.store.tables import (
    accounts,
    bounds_changes,
    custodians,
    idempotency_records,
    ledger_head,
    log_entries,
    merkle_nodes,
    postings,
    round_entries,
    round_heads,
    signing_keys,
    transaction_memos,
    transactions,
)


def key_record(row: object) -> KeyRecord:
    m = row._mapping  # type: ignore[attr-defined]
    return KeyRecord(
        KeyId(m["key_id"]),
        PrincipalId(m["principal_id"]),
        bytes(m["public_key"]),
        Capacity(m["capacity"]),
        m["name"],
        m["registered_at"],
        m["revoked_at"],
    )


async def load_registry(
    conn: AsyncConnection, key_ids: Iterable[KeyId], principals: Iterable[PrincipalId]
) -> Registry:
    """The keys named and the custodians of the principals named, as stored now."""
    registry = Registry()
    wanted_keys = set(key_ids)
    if wanted_keys:
        for row in await conn.execute(
            select(signing_keys).where(signing_keys.c.key_id.in_(wanted_keys))
        ):
            record = key_record(row)
            registry.keys[record.key_id] = record
    wanted_principals = set(principals)
    if wanted_principals:
        for row in await conn.execute(
            select(custodians.c.principal_id, custodians.c.custodian_id).where(
                custodians.c.principal_id.in_(wanted_principals)
            )
        ):
            registry.custodians.setdefault(PrincipalId(row.principal_id), set()).add(
                PrincipalId(row.custodian_id)
            )
    return registry


async def load_nodes(conn: AsyncConnection, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """Stored Merkle nodes by (level, idx), in one query: a proof needs one node per
    level, and a query per level cost a round trip each (twenty at a million leaves)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    key = tuple_(merkle_nodes.c.level, merkle_nodes.c.idx)
    rows = await conn.execute(
        select(merkle_nodes.c.level, merkle_nodes.c.idx, merkle_nodes.c.hash).where(key.in_(wanted))
    )
    return {(row.level, row.idx): bytes(row.hash) for row in rows}


async def load_state(conn: AsyncConnection, batch: list[Command], *, lock_rows: bool) -> BatchState:
    requests = [r for c in batch for r in c.requests]
    head = select(ledger_head.c.tree_size).where(ledger_head.c.id == 1)
    if lock_rows:
        # The ledger-wide lock: every batch of every process appends to the log, so
        # locking the head first serialises the writers (and, under READ COMMITTED, a
        # locked row is read as its newest version, so the size read is current).
        head = head.with_for_update()
    tree_size = (await conn.execute(head)).scalar_one()
    keys = {r.key for r in requests if r.key is not None}
    idempotent = {
        UUID(str(row.key)): (bytes(row.request_hash), decode_outcome(row.outcome))
        for row in await conn.execute(
            select(idempotency_records).where(idempotency_records.c.key.in_(keys))
        )
    }
    txs = [r for r in requests if isinstance(r, TransactionWrite)]
    events = [r for r in requests if isinstance(r, KeyEventWrite)]
    reverses = {r.transaction.reverses for r in txs if r.transaction.reverses is not None}
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
    bounds = [r.change for r in requests if isinstance(r, BoundsWrite)]
    account_ids = (
        {p.account_id for r in txs for p in r.transaction.postings}
        | {r.account.id for r in requests if isinstance(r, AccountWrite)}
        | {c.account_id for c in bounds if c.account_id is not None}
    )
    query = select(accounts).where(accounts.c.id.in_(account_ids)).order_by(accounts.c.id)
    if lock_rows:
        # FOR NO KEY UPDATE, not FOR UPDATE: a row inserted elsewhere that refers to an
        # account (a pledge's account link, say) takes KEY SHARE on it, which FOR UPDATE
        # conflicts with; in opposite orders the two deadlocked under load.
        query = query.with_for_update(key_share=True)
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
    key_ids: set[KeyId] = {s.key_id for r in txs for s in r.signatures}
    for e in events:
        key_ids.update(s.key_id for s in e.signatures)
        key_ids.update(k for k in (e.event.key_id, e.event.new_key_id) if k is not None)
    steps = [r for r in requests if isinstance(r, RoundWrite)]
    key_ids.update(s.key_id for r in steps for s in r.signatures)
    signed = [s for r in txs for s in r.signatures] + [s for r in steps for s in r.signatures]
    behalf = {s.on_behalf_of for s in signed if s.on_behalf_of is not None}
    registry = await load_registry(conn, key_ids, behalf | {e.event.principal for e in events})
    return BatchState(
        loaded,
        {k: tuple(v) for k, v in originals.items()},
        reversed_ids,
        idempotent,
        registry,
        tree_size,
        await load_defaults(conn, {c.follows for c in bounds if c.follows is not None}),
        await load_round_heads(conn, {r.round_entry.round_id for r in steps}, lock_rows=lock_rows),
    )


async def load_round_heads(
    conn: AsyncConnection, round_ids: set[UUID], *, lock_rows: bool
) -> dict[UUID, tuple[UUID, int]]:
    if not round_ids:
        return {}
    query = select(round_heads).where(round_heads.c.round_id.in_(round_ids))
    if lock_rows:
        query = query.with_for_update(key_share=True)
    return {row.round_id: (row.head_id, row.acts) for row in await conn.execute(query)}


async def load_defaults(conn: AsyncConnection, ids: set[UUID]) -> dict[UUID, BoundsChange]:
    """The stored default bounds changes named."""
    if not ids:
        return {}
    rows = await conn.execute(
        select(bounds_changes).where(
            bounds_changes.c.id.in_(ids), bounds_changes.c.account_id.is_(None)
        )
    )
    return {
        row.id: BoundsChange(
            row.id,
            PrincipalId(row.decided_by),
            row.balance_min,
            row.balance_max,
            default_for=BoundsDefault(Unit(row.unit), OwnerKind(row.owner_kind)),
        )
        for row in rows
    }


async def write_state(
    conn: AsyncConnection, state: BatchState, new_nodes: list[tuple[NodeKey, bytes]]
) -> None:
    """Insert the batch's rows in the order the SQLite triggers need: accounts, leaves,
    postings, then their transaction (whose trigger checks the leaf and the balance),
    and the head last (whose trigger checks the log stayed dense)."""
    if state.new_accounts:
        await conn.execute(
            accounts.insert(),
            [
                {
                    "id": a.id,
                    "unit": a.unit,
                    "owner_kind": a.owner_kind.value,
                    "owner_id": a.owner_id,
                    "balance_min": a.balance_min,
                    "balance_max": a.balance_max,
                    "balance": 0,
                    "version": 0,
                    "created_at": at,
                }
                for a, at in state.new_accounts
            ],
        )
    if state.appended:
        await conn.execute(
            log_entries.insert(),
            [
                {
                    "log_index": a.log_index,
                    "entry_type": a.entry_type.value,
                    "entity_id": a.entity_id,
                    "leaf_input": a.entry.leaf_input,
                    "leaf_hash": a.entry.leaf_hash,
                    "recorded_at": a.recorded_at,
                }
                for a in state.appended
            ],
        )
    if state.bounds_changes:
        # Before the balances: a batch may widen a bound and then use the room.
        await _write_bounds(conn, state)
    if state.applied:
        await _write_transactions(conn, state)
    await _write_registry(conn, state)
    if state.round_entries:
        await _write_rounds(conn, state)
    if new_nodes:
        await conn.execute(
            merkle_nodes.insert(),
            [{"level": k[0], "idx": k[1], "hash": h} for k, h in new_nodes],
        )
    if state.appended:
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


async def _write_transactions(conn: AsyncConnection, state: BatchState) -> None:
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
            for applied, _, _ in state.applied
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
                "initiator": request.initiator,
                "references": json.dumps(dict(applied.transaction.references)),
                "reverses": applied.transaction.reverses,
                "recorded_at": recorded_at,
            }
            for applied, request, recorded_at in state.applied
        ],
    )
    memos = [
        {
            "transaction_id": a.transaction.id,
            "memo": a.transaction.memo,
            "salt": a.transaction.memo_salt,
        }
        for a, _, _ in state.applied
        if a.transaction.memo
    ]
    if memos:
        await conn.execute(transaction_memos.insert(), memos)
    final: dict[AccountId, Account] = {}
    for applied, _, _ in state.applied:
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


async def _write_bounds(conn: AsyncConnection, state: BatchState) -> None:
    await conn.execute(
        bounds_changes.insert(),
        [
            {
                "id": c.id,
                "log_index": index,
                "account_id": c.account_id,
                "unit": None if c.default_for is None else c.default_for.unit,
                "owner_kind": None if c.default_for is None else c.default_for.owner_kind.value,
                "follows": c.follows,
                "decided_by": c.by,
                "balance_min": c.balance_min,
                "balance_max": c.balance_max,
                "recorded_at": at,
            }
            for c, index, at in state.bounds_changes
        ],
    )
    changed = {c.account_id for c, _, _ in state.bounds_changes if c.account_id is not None}
    if changed:
        await conn.execute(
            update(accounts)
            .where(accounts.c.id == bindparam("account_id"))
            .values(balance_min=bindparam("new_min"), balance_max=bindparam("new_max")),
            [
                {
                    "account_id": a,
                    "new_min": state.accounts[a].balance_min,
                    "new_max": state.accounts[a].balance_max,
                }
                for a in sorted(changed)
            ],
        )


async def _write_registry(conn: AsyncConnection, state: BatchState) -> None:
    for effect, index in state.key_effects:
        if effect.revoked is not None:
            await conn.execute(
                update(signing_keys)
                .where(signing_keys.c.key_id == effect.revoked)
                .values(revoked_at=index)
            )
        if effect.registered is not None:
            r = effect.registered
            await conn.execute(
                signing_keys.insert().values(
                    key_id=r.key_id,
                    principal_id=r.principal,
                    public_key=r.public_key,
                    capacity=r.capacity.value,
                    name=r.name,
                    registered_at=r.registered_at,
                    revoked_at=None,
                )
            )
        if effect.custodian_added is not None:
            principal, custodian = effect.custodian_added
            await conn.execute(
                custodians.insert().values(
                    principal_id=principal, custodian_id=custodian, appointed_at=index
                )
            )
        if effect.custodian_removed is not None:
            principal, custodian = effect.custodian_removed
            await conn.execute(
                custodians.delete().where(
                    custodians.c.principal_id == principal, custodians.c.custodian_id == custodian
                )
            )


async def _write_rounds(conn: AsyncConnection, state: BatchState) -> None:
    await conn.execute(
        round_entries.insert(),
        [
            {
                "log_index": index,
                "entry_id": e.id,
                "round_id": e.round_id,
                "kind": e.kind.value,
                "by": e.by,
                "recorded_at": at,
            }
            for e, index, at in state.round_entries
        ],
    )
    touched = {e.round_id for e, _, _ in state.round_entries}
    existing = set(
        (
            await conn.execute(
                select(round_heads.c.round_id).where(round_heads.c.round_id.in_(touched))
            )
        ).scalars()
    )
    for round_id in sorted(touched):
        head_id, acts = state.round_heads[round_id]
        if round_id in existing:
            await conn.execute(
                update(round_heads)
                .where(round_heads.c.round_id == round_id)
                .values(head_id=head_id, acts=acts)
            )
        else:
            await conn.execute(
                round_heads.insert().values(round_id=round_id, head_id=head_id, acts=acts)
            )
