"""Transactions and postings, and the rules a transaction must meet on its own.

A posting's ``amount`` is signed: positive credits the account (its balance rises),
negative debits it. A transaction's postings sum to zero in each unit.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from mutual.core.errors import (
    DuplicateAccount,
    MemoSaltRequired,
    ReversalKindMismatch,
    TooFewPostings,
    TransactionNotBalanced,
)
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.units import Unit, check_amount, parse_unit


class TransactionKind(StrEnum):
    EXCHANGE = "exchange"
    COMMONS_GIFT = "commons_gift"
    COMMONS_PAYMENT = "commons_payment"
    PLEDGE = "pledge"
    DELIVERY = "delivery"
    PLEDGE_RELEASE = "pledge_release"
    CONTRIBUTION = "contribution"
    DEPOSIT = "deposit"
    REPAYMENT = "repayment"
    GRANT = "grant"
    DISBURSEMENT = "disbursement"
    ALLOCATION = "allocation"
    GOOD_DEPOSIT = "good_deposit"
    LOAN = "loan"
    RETURN = "return"
    GIVE = "give"
    GOOD_TRANSFER = "good_transfer"
    CORRECTION = "correction"


@dataclass(frozen=True, slots=True)
class Posting:
    account_id: AccountId
    unit: Unit
    amount: int


@dataclass(frozen=True, slots=True)
class Transaction:
    """A proposed transaction, as a client asks for it; ``initiator`` is who asked."""

    id: TransactionId
    kind: TransactionKind
    postings: tuple[Posting, ...]
    initiator: PrincipalId
    memo: str = ""
    references: Mapping[str, str] = field(default_factory=dict)
    reverses: TransactionId | None = None
    memo_salt: bytes = b""


def check_shape(tx: Transaction) -> None:
    """Raise the first rule the transaction breaks on its own, whatever the ledger holds.

    Order: each posting's unit and amount, then at least two postings, one per account,
    then the balance per unit, then reversal and kind agreeing.
    """
    for i, posting in enumerate(tx.postings):
        parse_unit(posting.unit, field=f"postings[{i}].unit")
        check_amount(posting.amount, field=f"postings[{i}].amount")
    if len(tx.postings) < 2:
        raise TooFewPostings("a transaction has at least two postings", field="postings")
    seen: set[AccountId] = set()
    for i, posting in enumerate(tx.postings):
        if posting.account_id in seen:
            raise DuplicateAccount(
                "each account appears at most once in a transaction",
                field=f"postings[{i}].account_id",
            )
        seen.add(posting.account_id)
    totals: dict[Unit, int] = defaultdict(int)
    for posting in tx.postings:
        totals[posting.unit] += posting.amount
    for unit, total in sorted(totals.items()):
        if total != 0:
            raise TransactionNotBalanced(
                f"postings in {unit} sum to {total}, not zero", field="postings"
            )
    if tx.memo and len(tx.memo_salt) < MEMO_SALT_MIN_BYTES:
        raise MemoSaltRequired(
            f"a memo comes with a random salt of at least {MEMO_SALT_MIN_BYTES} bytes",
            field="memo_salt",
        )
    if (tx.reverses is not None) != (tx.kind is TransactionKind.CORRECTION):
        raise ReversalKindMismatch(
            "a transaction reverses another exactly when its kind is correction", field="kind"
        )


def transfer_transaction(
    tx_id: UUID,
    kind: TransactionKind,
    unit: Unit,
    payer: AccountId,
    payee: AccountId,
    amount: int,
    initiator: PrincipalId,
    references: Mapping[str, str] | None = None,
) -> Transaction:
    """``amount`` from ``payer`` to ``payee``: the two postings most flows are made of."""
    return Transaction(
        TransactionId(tx_id),
        kind,
        (Posting(payer, unit, -amount), Posting(payee, unit, amount)),
        initiator,
        references=dict(references or {}),
    )


def inverse_postings(postings: tuple[Posting, ...]) -> tuple[Posting, ...]:
    """The postings that exactly undo ``postings``."""
    return tuple(Posting(p.account_id, p.unit, -p.amount) for p in postings)


MEMO_SALT_MIN_BYTES = 16


def memo_digest(memo: str, salt: bytes) -> bytes | None:
    """SHA-256(salt || memo): what the signature covers instead of the memo itself.

    The salt makes the digest useless for guessing the memo once memo and salt are
    erased, while the signed payload (and so the log) stays intact.
    """
    if not memo:
        return None
    return hashlib.sha256(salt + memo.encode()).digest()


def transaction_payload(origin: str, tx: Transaction) -> dict[str, Any]:
    """The signed document of a transaction: pseudonymous ids and amounts, no free text."""
    digest = memo_digest(tx.memo, tx.memo_salt)
    return {
        "log": origin,
        "id": str(tx.id),
        "kind": tx.kind.value,
        "postings": [
            {"account_id": str(p.account_id), "unit": p.unit, "amount": p.amount}
            for p in tx.postings
        ],
        "memo_sha256": None if digest is None else base64.b64encode(digest).decode("ascii"),
        "references": dict(tx.references),
        "reverses": None if tx.reverses is None else str(tx.reverses),
    }
