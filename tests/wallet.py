"""Test-side signing: each principal's key, registered on first use, and helpers that
sign transactions the way a resident's device would.

Keys are derived from the principal id (test data, protecting nothing), so any test can
find the key of any principal, and registering one twice is an idempotent replay.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from mutual.core.accounts import OwnerKind
from mutual.core.authority import Principal, Role
from mutual.core.derived import named_client_id
from mutual.core.errors import LedgerError
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import Unit
from mutual.store.accounts import get_account
from mutual.store.outcomes import Outcome
from mutual.usecases.keys import submit_key_event
from mutual.usecases.runtime import Runtime
from mutual.usecases.transactions import SignedTransaction, record_transactions, reversal_of

KEY_EVENTS = uuid.UUID("6d757475-616c-4000-8000-000000000000")
OPERATOR_ID = PrincipalId(uuid.UUID(int=1))


def keypair_for(principal_id: uuid.UUID, capacity: Capacity = Capacity.MEMBER) -> Keypair:
    return Keypair(hashlib.sha256(f"test key/{principal_id}/{capacity}".encode()).digest())


def register_event(
    principal_id: PrincipalId, capacity: Capacity, *, by: PrincipalId | None = None
) -> KeyEvent:
    """A registration as the custody rules ask: a member's key by the member, another
    capacity's by the operator."""
    if by is None:
        by = principal_id if capacity is Capacity.MEMBER else OPERATOR_ID
    key = keypair_for(principal_id, capacity)
    name = f"witness-{str(principal_id)[:8]}" if capacity is Capacity.WITNESS else None
    return KeyEvent(
        named_client_id(f"{KEY_EVENTS}/{principal_id}/{capacity}"),
        KeyAction.REGISTER,
        principal_id,
        by=by,
        public_key=key.public_key,
        capacity=capacity,
        name=name,
    )


_registered: dict[tuple[tuple[str, str | None], PrincipalId, Capacity], Keypair] = {}


async def ensure_key(
    rt: Runtime, principal_id: PrincipalId, capacity: Capacity = Capacity.MEMBER
) -> Keypair:
    """Register the principal's test key (once per runtime) and return it."""
    from tests.conftest import OPERATOR

    # Keyed by database (and territory's schema): each test's is new, and object ids get
    # reused.
    database = (rt.settings.resolved_database_url(), rt.settings.database_schema)
    cache_key = (database, principal_id, capacity)
    if cache_key not in _registered:
        event = register_event(principal_id, capacity)
        key = keypair_for(principal_id, capacity)
        member = capacity is Capacity.MEMBER
        asking = Principal(principal_id, frozenset({Role.MEMBER})) if member else OPERATOR
        outcome = await submit_key_event(
            rt, asking, event, [key.sign_key_event(rt.log.origin, event)]
        )
        assert outcome.accepted, outcome.body
        _registered[cache_key] = key
    return _registered[cache_key]


async def signers_for(rt: Runtime, tx: Transaction) -> list[Keypair]:
    """The keys the authority rule asks for: each debited account's owner, or the
    operator for the service's accounts (and for corrections)."""
    keys: dict[str, Keypair] = {}
    for posting in tx.postings:
        if posting.amount >= 0:
            continue
        account = await get_account(rt.db, posting.account_id)
        if account is None:
            continue
        if account.owner_kind in (OwnerKind.MEMBER, OwnerKind.ORGANISATION) and (
            tx.kind is not TransactionKind.CORRECTION
        ):
            owner = PrincipalId(uuid.UUID(account.owner_id))
            keys[str(owner)] = await ensure_key(rt, owner)
        else:
            keys["operator"] = await ensure_key(rt, OPERATOR_ID, Capacity.OPERATOR)
    return list(keys.values())


async def sign(rt: Runtime, tx: Transaction, *keys: Keypair) -> SignedTransaction:
    """``tx`` signed by ``keys``, or by whoever the authority rule asks for."""
    chosen = list(keys) or await signers_for(rt, tx)
    return SignedTransaction(tx, tuple(k.sign_transaction(rt.log.origin, tx) for k in chosen))


async def record(
    rt: Runtime, principal: Principal, txs: Sequence[Transaction], *, atomic: bool
) -> list[Outcome]:
    """Record transactions signed as the authority rule asks (the tests of ledger rules)."""
    items: list[SignedTransaction | LedgerError] = [await sign(rt, salted(tx)) for tx in txs]
    return await record_transactions(rt, principal, items, atomic=atomic)


async def reverse(
    rt: Runtime,
    principal: Principal,
    original_id: TransactionId,
    *,
    reversal_id: TransactionId,
    memo: str,
) -> Outcome:
    """Record the exact inverse of ``original_id``, signed by the operator's key."""
    tx = await reversal_of(
        rt, original_id, reversal_id=reversal_id, memo=memo, memo_salt=b"", initiator=principal
    )
    [outcome] = await record(rt, principal, [tx], atomic=False)
    return outcome


def salted(tx: Transaction) -> Transaction:
    """``tx`` with a memo salt derived from its id when it has a memo."""
    if not tx.memo or tx.memo_salt:
        return tx
    salt = hashlib.sha256(f"salt/{tx.id}".encode()).digest()[:16]
    return Transaction(
        tx.id, tx.kind, tx.postings, tx.initiator, tx.memo, tx.references, tx.reverses, salt
    )


def body_transaction(body: dict[str, Any]) -> Transaction:
    """The core transaction an HTTP body describes (what its signers sign)."""
    return Transaction(
        TransactionId(uuid.UUID(body["id"])),
        TransactionKind(body["kind"]),
        tuple(
            Posting(AccountId(uuid.UUID(p["account_id"])), Unit(p["unit"]), p["amount"])
            for p in body["postings"]
        ),
        PrincipalId(uuid.UUID(int=0)),
        body.get("memo", ""),
        body.get("references", {}),
        None if body.get("reverses") is None else TransactionId(uuid.UUID(body["reverses"])),
        base64.b64decode(body["memo_salt"]) if body.get("memo_salt") else b"",
    )


def sign_body(
    body: dict[str, Any], origin: str, *keys: Keypair, on_behalf_of: str | None = None
) -> dict[str, Any]:
    """The body with a memo salt (when it has a memo) and the keys' signatures added."""
    out = dict(body)
    if out.get("memo") and "memo_salt" not in out:
        out["memo_salt"] = base64.b64encode(
            hashlib.sha256(f"salt/{out['id']}".encode()).digest()[:16]
        ).decode()
    tx = body_transaction(out)
    behalf = None if on_behalf_of is None else PrincipalId(uuid.UUID(on_behalf_of))
    try:
        out["signatures"] = [
            k.sign_transaction(origin, tx, on_behalf_of=behalf).document() for k in keys
        ]
    except ValueError:  # a body no client could sign (an amount beyond I-JSON): unsigned
        out["signatures"] = []
    return out
