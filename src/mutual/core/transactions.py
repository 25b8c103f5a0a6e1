"""Transactions and postings, and the rules a transaction must meet on its own.

A posting's ``amount`` is signed: positive credits the account (its balance rises),
negative debits it. A transaction's postings sum to zero in each unit.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mutual.core.errors import (
    DuplicateAccount,
    ReversalKindMismatch,
    TooFewPostings,
    TransactionNotBalanced,
)
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.units import Unit, check_amount, parse_unit


class TransactionKind(StrEnum):
    EXCHANGE = "exchange"
    COMMONS_GIFT = "commons_gift"
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
    if (tx.reverses is not None) != (tx.kind is TransactionKind.CORRECTION):
        raise ReversalKindMismatch(
            "a transaction reverses another exactly when its kind is correction", field="kind"
        )


def inverse_postings(postings: tuple[Posting, ...]) -> tuple[Posting, ...]:
    """The postings that exactly undo ``postings``."""
    return tuple(Posting(p.account_id, p.unit, -p.amount) for p in postings)


def transaction_document(tx: Transaction) -> dict[str, Any]:
    """The transaction as a JSON-ready document, in the field names clients use."""
    return {
        "id": str(tx.id),
        "kind": tx.kind.value,
        "initiator": str(tx.initiator),
        "memo": tx.memo,
        "references": dict(tx.references),
        "reverses": None if tx.reverses is None else str(tx.reverses),
        "postings": [
            {"account_id": str(p.account_id), "unit": p.unit, "amount": p.amount}
            for p in tx.postings
        ],
    }


def request_digest(tx: Transaction) -> bytes:
    """SHA-256 of the request's document: equal exactly when two requests are the same.

    The document holds only strings, integers, None, lists and sorted-key objects built
    from parsed values, so the standard library's JSON encoder is deterministic here and
    ten times faster than a full RFC 8785 canonicaliser; signed bytes will need the latter.
    """
    text = json.dumps(
        transaction_document(tx), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).digest()
