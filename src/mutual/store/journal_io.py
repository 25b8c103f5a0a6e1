"""Reading what a batch touches and writing what it did, for the journal's one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import Column, Table, bindparam, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.accounts import Account, OwnerKind
from mutual.core.bounds import BoundsChange, BoundsDefault
from mutual.core.canonical import canonical_json
from mutual.core.fold import LedgerState
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.merkle import NodeKey
from mutual.core.registry import Capacity, KeyRecord, Registry
from mutual.core.roles import DEPOSITS_SCOPE, parse_role
from mutual.core.roles import loans_scope as loans_scope_of
from mutual.core.round_entries import Kind
from mutual.core.round_state import RoundState
from mutual.core.rounds import fold as fold_round
from mutual.core.signing import KeyId
from mutual.core.transactions import Posting, TransactionKind
from mutual.core.units import Unit
from mutual.store import rounds as rounds_store
from mutual.store.groups import load_groups
from mutual.store.journal_state import (
    AccountWrite,
    BatchState,
    BoundsWrite,
    Command,
    GroupWrite,
    KeyEventWrite,
    PactWrite,
    RoundWrite,
    TransactionWrite,
)
from mutual.store.key_registry import load_member_custody, write_recovery
from mutual.store.outcomes import decode_outcome, encode_outcome
from mutual.store.pact import load_pact
from mutual.store.tables import (
    accounts,
    bounds_changes,
    custodians,
    group_entries,
    idempotency_records,
    ledger_head,
    log_entries,
    merkle_nodes,
    pact_entries,
    postings,
    round_entries,
    round_heads,
    signing_keys,
    transaction_memos,
    transactions,
)

# Off in the service: see ``load_state``.
WRITES_LEGACY_KEY_EVENTS = False


def key_record(row: Any) -> KeyRecord:
    """A stored signing key, from a ``signing_keys`` row or ``mutual_lock_batch``'s answer."""
    return KeyRecord(
        KeyId(row.key_id),
        PrincipalId(row.principal_id),
        bytes(row.public_key),
        Capacity(row.capacity),
        row.name,
        row.registered_at,
        row.revoked_at,
    )


async def _load_custodians(
    conn: AsyncConnection, principals: set[PrincipalId]
) -> dict[PrincipalId, set[PrincipalId]]:
    """The custodians of the principals named, as stored now."""
    found: dict[PrincipalId, set[PrincipalId]] = {}
    if principals:
        for row in await conn.execute(
            select(custodians.c.principal_id, custodians.c.custodian_id).where(
                custodians.c.principal_id.in_(principals)
            )
        ):
            found.setdefault(PrincipalId(row.principal_id), set()).add(
                PrincipalId(row.custodian_id)
            )
    return found


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


class _IdempotencyRow(msgspec.Struct):
    key: UUID
    request_hash: bytes
    outcome: str


class _AccountRow(msgspec.Struct):
    id: UUID
    unit: str
    owner_kind: str
    owner_id: str
    balance_min: int | None
    balance_max: int | None
    balance: int
    version: int
    role: str | None


class _KeyRow(msgspec.Struct):
    key_id: str
    principal_id: UUID
    public_key: bytes
    capacity: str
    name: str | None
    registered_at: int
    revoked_at: int | None


class _Locked(msgspec.Struct):
    """What ``mutual_lock_batch`` (PostgreSQL, migration 0012) answers, in one round trip."""

    tree_size: int
    idempotency: list[_IdempotencyRow]
    accounts: list[_AccountRow]
    keys: list[_KeyRow]


# As text: msgspec reads it straight into typed rows (the driver would parse JSON to dicts).
LOCK_BATCH = text(
    "SELECT CAST(mutual_lock_batch(CAST(:keys AS uuid[]), CAST(:accounts AS uuid[]),"
    " CAST(:key_ids AS text[])) AS text)"
)


def _on_postgres(conn: AsyncConnection) -> bool:
    """Whether the batch functions of migration 0012 are there: PostgreSQL locks, reads
    and appends a batch in one call each; SQLite's writer is alone and uses statements."""
    return conn.dialect.name == "postgresql"


async def _lock_in_one_call(
    conn: AsyncConnection, keys: set[UUID], account_ids: set[AccountId], key_ids: set[KeyId]
) -> _Locked:
    """The log head locked first (the ledger-wide lock), the idempotency records, the
    accounts locked in id order and the signing keys the batch names."""
    answer = await conn.execute(
        LOCK_BATCH, {"keys": list(keys), "accounts": list(account_ids), "key_ids": list(key_ids)}
    )
    return msgspec.json.decode(answer.scalar_one(), type=_Locked)


async def _read_by_statements(
    conn: AsyncConnection, keys: set[UUID], account_ids: set[AccountId], key_ids: set[KeyId]
) -> _Locked:
    """The same rows as ``mutual_lock_batch``, one statement each, locking nothing."""
    head = await conn.execute(select(ledger_head.c.tree_size).where(ledger_head.c.id == 1))
    records = await conn.execute(
        select(*_columns(idempotency_records, _IdempotencyRow)).where(
            idempotency_records.c.key.in_(keys)
        )
    )
    found = await conn.execute(
        select(*_columns(accounts, _AccountRow))
        .where(accounts.c.id.in_(account_ids))
        .order_by(accounts.c.id)
    )
    registered = await conn.execute(
        select(*_columns(signing_keys, _KeyRow)).where(signing_keys.c.key_id.in_(key_ids))
    )
    return _Locked(
        head.scalar_one(),
        [_IdempotencyRow(*r) for r in records],
        [_AccountRow(*r) for r in found],
        [_KeyRow(*r) for r in registered],
    )


def _columns(table: Table, row: type[msgspec.Struct]) -> list[Column[Any]]:
    return [table.c[name] for name in row.__struct_fields__]


async def load_state(conn: AsyncConnection, batch: list[Command], origin: str) -> BatchState:
    """What the batch's commands touch, as stored; on PostgreSQL the log head (the
    ledger-wide lock), the accounts and the rounds' heads stay locked until the commit.
    Plus what the kinds' rules read beyond the accounts touched (``core.kinds.Facts``):
    every deposit for a grant or a repayment, the member's loans for a loan, the round's
    state for its execution; read under the same lock, so a rule that holds across
    requests holds across processes."""
    requests = [r for c in batch for r in c.requests]
    txs = [r for r in requests if isinstance(r, TransactionWrite)]
    events = [r for r in requests if isinstance(r, KeyEventWrite)]
    steps = [r for r in requests if isinstance(r, RoundWrite)]
    bounds = [r.change for r in requests if isinstance(r, BoundsWrite)]
    account_ids = (
        {p.account_id for r in txs for p in r.transaction.postings}
        | {r.account.id for r in requests if isinstance(r, AccountWrite)}
        | {c.account_id for c in bounds if c.account_id is not None}
    )
    key_ids: set[KeyId] = {s.key_id for r in txs for s in r.signatures}
    for e in events:
        key_ids.update(s.key_id for s in e.signatures)
        key_ids.update(k for k in (e.event.key_id, e.event.new_key_id) if k is not None)
    key_ids.update(s.key_id for r in steps for s in r.signatures)
    read = _lock_in_one_call if _on_postgres(conn) else _read_by_statements
    locked = await read(conn, {r.key for r in requests if r.key is not None}, account_ids, key_ids)
    reverses = {r.transaction.reverses for r in txs if r.transaction.reverses is not None}
    originals, reversed_ids = await _load_reversed(conn, reverses)
    signed = [s for r in txs for s in r.signatures] + [s for r in steps for s in r.signatures]
    behalf = {s.on_behalf_of for s in signed if s.on_behalf_of is not None}
    named = {e.event.principal for e in events}
    custody_keys, recoveries, latest_time = await load_member_custody(conn, named)
    registry = Registry(
        {KeyId(k.key_id): key_record(k) for k in [*locked.keys, *custody_keys]},
        await _load_custodians(conn, behalf | named),
        recoveries,
        # This writer writes under the custody rules only: a version-1 key event is
        # refused by the fold as if the log's custody had begun (tests that rebuild an
        # older server's log turn WRITES_LEGACY_KEY_EVENTS on).
        custody_from=None if WRITES_LEGACY_KEY_EVENTS else locked.tree_size,
        latest_time=latest_time,
    )
    rows = [*locked.accounts, *await _rule_accounts(conn, txs, account_ids)]
    ledger = LedgerState(
        {AccountId(a.id): _account(a) for a in rows},
        originals,
        reversed_ids,
        registry,
        await load_defaults(conn, {c.follows for c in bounds if c.follows is not None}),
        await load_round_heads(conn, {r.round_entry.round_id for r in steps}),
        await _executed_rounds(conn, origin, txs, steps),
    )
    if any(isinstance(r, GroupWrite) for r in requests) or any(
        s.round_entry.kind is Kind.SNAPSHOT for s in steps
    ):
        # A group's change, or a snapshot whose roll is held to the groups: read under the
        # ledger-wide lock, so no other writer changes them meanwhile.
        ledger.groups = await load_groups(conn, origin)
    if any(isinstance(r, PactWrite) for r in requests):
        # The pact's rules (once per signatory and version, an invitation by a signatory)
        # hold across requests: its entries are read under the ledger-wide lock.
        ledger.pact = await load_pact(conn, origin)
    for account in ledger.accounts.values():
        ledger.facts.opened(account)
    return BatchState(
        ledger,
        {r.key: (r.request_hash, decode_outcome(r.outcome)) for r in locked.idempotency},
        locked.tree_size,
    )


def _account(row: _AccountRow) -> Account:
    return Account(
        AccountId(row.id),
        Unit(row.unit),
        OwnerKind(row.owner_kind),
        row.owner_id,
        row.balance_min,
        row.balance_max,
        row.balance,
        row.version,
        None if row.role is None else parse_role(json.loads(row.role)),
    )


_FUND_KINDS = frozenset({TransactionKind.GRANT, TransactionKind.REPAYMENT})


async def _rule_accounts(
    conn: AsyncConnection, txs: list[TransactionWrite], touched: set[AccountId]
) -> list[_AccountRow]:
    """The accounts the kinds' rules read beyond those the batch touches (read, not
    locked: the ledger-wide lock is held, so no other writer changes them meanwhile)."""
    scopes: set[str] = set()
    for r in txs:
        tx = r.transaction
        if tx.kind in _FUND_KINDS:
            scopes.add(DEPOSITS_SCOPE)
        if tx.kind is TransactionKind.LOAN and "member" in tx.references:
            scopes.add(loans_scope_of(tx.references["member"]))
    if not scopes:
        return []
    found = await conn.execute(
        select(*_columns(accounts, _AccountRow)).where(
            accounts.c.role_scope.in_(scopes), accounts.c.id.not_in(touched)
        )
    )
    return [_AccountRow(*r) for r in found]


async def _executed_rounds(
    conn: AsyncConnection, origin: str, txs: list[TransactionWrite], steps: list[RoundWrite]
) -> dict[UUID, RoundState]:
    """The state of every round the batch snapshots (its roll is checked against the
    groups) or executes, folded from its stored entries."""
    round_ids: set[UUID] = set()
    for r in txs:
        try:
            round_ids.add(UUID(r.transaction.references["round"]))
        except (KeyError, ValueError):
            continue
    round_ids.update(
        s.round_entry.round_id
        for s in steps
        if s.round_entry.kind in (Kind.EXECUTED, Kind.SNAPSHOT)
    )
    states: dict[UUID, RoundState] = {}
    for round_id in round_ids:
        entries = await rounds_store.entries_of(conn, origin, round_id, after=-1)
        if entries:
            states[round_id] = fold_round([e for _, e in entries])
    return states


async def _load_reversed(
    conn: AsyncConnection, reverses: set[TransactionId]
) -> tuple[dict[TransactionId, tuple[Posting, ...]], set[TransactionId]]:
    """The postings of the transactions the batch's corrections undo, and which of them
    a stored correction undoes already."""
    if not reverses:
        return {}, set()
    rows = await conn.execute(
        select(postings.c.transaction_id, postings.c.account_id, postings.c.unit, postings.c.amount)
        .where(postings.c.transaction_id.in_(reverses))
        .order_by(postings.c.transaction_id, postings.c.seq)
    )
    originals: dict[TransactionId, list[Posting]] = {}
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
    return {k: tuple(v) for k, v in originals.items()}, reversed_ids


async def load_round_heads(
    conn: AsyncConnection, round_ids: set[UUID]
) -> dict[UUID, tuple[UUID, int]]:
    if not round_ids:
        return {}
    query = select(round_heads).where(round_heads.c.round_id.in_(round_ids))
    if _on_postgres(conn):
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
    """Insert the batch's rows in the order the triggers need: accounts and bounds before
    the balances they allow, leaves, postings, then their transaction (whose trigger
    checks the leaf and the balance), the head last of the log (whose trigger checks the
    log stayed dense), then the key registry's and rounds' rows."""
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
                    "role": None if a.role is None else canonical_json(a.role.document()).decode(),
                    "role_scope": None if a.role is None else a.role.scope,
                }
                for a, at in state.new_accounts
            ],
        )
    if state.bounds_changes:
        await _write_bounds(conn, state)
    append = _append_in_one_call if _on_postgres(conn) else _append_by_statements
    await append(conn, _appended_rows(state, new_nodes))
    await _write_registry(conn, state)
    if state.round_entries:
        await _write_rounds(conn, state)
    if state.group_entries:
        await conn.execute(
            group_entries.insert(),
            [
                {
                    "log_index": index,
                    "entry_id": e.id,
                    "group_id": e.group_id,
                    "action": e.action.value,
                    "recorded_at": at,
                }
                for e, index, at in state.group_entries
            ],
        )
    if state.pact_entries:
        await conn.execute(
            pact_entries.insert(),
            [
                {
                    "log_index": index,
                    "entry_id": e.id,
                    "action": e.action.value,
                    "recorded_at": at,
                }
                for e, index, at in state.pact_entries
            ],
        )


# PostgreSQL writes the appended rows in one round trip (migration 0012): the writer holds
# the ledger-wide lock meanwhile, and each statement's round trip waits for the event loop.
APPEND_BATCH = text("SELECT mutual_append_batch(CAST(:batch AS jsonb))")

_STATEMENTS = {
    "log_entries": log_entries.insert(),
    "postings": postings.insert(),
    "transactions": transactions.insert(),
    "memos": transaction_memos.insert(),
    "balances": update(accounts)
    .where(accounts.c.id == bindparam("account_id"))
    .values(balance=bindparam("new_balance"), version=bindparam("new_version")),
    "merkle_nodes": merkle_nodes.insert(),
    "head": update(ledger_head).where(ledger_head.c.id == 1),
    "idempotency_records": idempotency_records.insert(),
}


async def _append_in_one_call(conn: AsyncConnection, rows: dict[str, Any]) -> None:
    if any(rows.values()):
        await conn.execute(APPEND_BATCH, {"batch": msgspec.json.encode(rows).decode()})


async def _append_by_statements(conn: AsyncConnection, rows: dict[str, Any]) -> None:
    """The same rows as ``mutual_append_batch``, in its order, one statement per table."""
    for name, statement in _STATEMENTS.items():
        if rows[name]:
            await conn.execute(statement, rows[name])


def _appended_rows(state: BatchState, new_nodes: list[tuple[NodeKey, bytes]]) -> dict[str, Any]:
    """Every row the batch appends to the log and the ledger, by table, in write order."""
    final: dict[AccountId, Account] = {}
    for applied, _, _ in state.applied:
        for account in applied.accounts:
            final[account.id] = state.accounts[account.id]
    return {
        "log_entries": [
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
        "postings": [
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
        "transactions": [
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
        "memos": [
            {
                "transaction_id": a.transaction.id,
                "memo": a.transaction.memo,
                "salt": a.transaction.memo_salt,
            }
            for a, _, _ in state.applied
            if a.transaction.memo
        ],
        # In id order: the same lock order in every batch (they are locked already, but
        # SQLite's statements and any future unlocked path stay deadlock-free).
        "balances": [
            {"account_id": a.id, "new_balance": a.balance, "new_version": a.version}
            for a in sorted(final.values(), key=lambda a: a.id)
        ],
        "merkle_nodes": [{"level": k[0], "idx": k[1], "hash": h} for k, h in new_nodes],
        "head": [{"tree_size": state.tree_size}] if state.appended else [],
        "idempotency_records": [
            {
                "key": key,
                "request_hash": digest,
                "outcome": encode_outcome(outcome),
                "created_at": recorded_at,
            }
            for key, digest, outcome, recorded_at in state.records
        ],
    }


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
        for key_id in effect.revoked:
            await conn.execute(
                update(signing_keys).where(signing_keys.c.key_id == key_id).values(revoked_at=index)
            )
        if effect.recovery is not None:
            await write_recovery(conn, effect.recovery)
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
