"""What the write path answers for one request (transaction, account, key event), and
how that answer is stored.

The stored form is what an idempotent replay returns, so it must hold everything
the first answer held: the log index and the balances right after the transaction,
or the rule that refused it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mutual.core.accounts import Account
from mutual.core.bounds import BoundsChange
from mutual.core.entries import MemberNotice
from mutual.core.errors import LedgerError, error_from_code
from mutual.core.groups import GroupEntry
from mutual.core.ledger import Applied
from mutual.core.pact import PactEntry
from mutual.core.registry import KeyEffect, KeyEvent
from mutual.core.round_entries import RoundEntry
from mutual.core.signing import b64encode


@dataclass(frozen=True, slots=True)
class Outcome:
    """``body`` is the accepted transaction's result, or ``{code, detail, field}``."""

    accepted: bool
    body: dict[str, Any]
    replayed: bool = False
    # Who sent the request first (kept, never answered): a replay's answer is theirs.
    requester: str | None = None

    def as_replay(self) -> Outcome:
        return Outcome(self.accepted, self.body, replayed=True, requester=self.requester)

    def sent_by(self, requester: str) -> Outcome:
        return Outcome(self.accepted, self.body, self.replayed, requester)


def accepted_outcome(applied: Applied, leaf_hash: bytes) -> Outcome:
    tx = applied.transaction
    return Outcome(
        True,
        {
            "id": str(tx.id),
            "log_index": applied.log_index,
            "leaf_hash": b64encode(leaf_hash),
            "kind": tx.kind.value,
            "reverses": None if tx.reverses is None else str(tx.reverses),
            "postings": [
                {
                    "account_id": str(p.account_id),
                    "unit": p.unit,
                    "amount": p.amount,
                    "account_version": p.account_version,
                    "balance_after": p.balance_after,
                }
                for p in applied.postings
            ],
            "balances": [
                {
                    "account_id": str(a.id),
                    "unit": a.unit,
                    "balance": a.balance,
                    "version": a.version,
                }
                for a in applied.accounts
            ],
        },
    )


def accepted_account_outcome(account: Account, log_index: int, leaf_hash: bytes) -> Outcome:
    return Outcome(
        True,
        {
            "id": str(account.id),
            "unit": account.unit,
            "owner_kind": account.owner_kind.value,
            "owner_id": account.owner_id,
            "balance_min": account.balance_min,
            "balance_max": account.balance_max,
            "log_index": log_index,
            "leaf_hash": b64encode(leaf_hash),
        },
    )


def accepted_bounds_outcome(change: BoundsChange, log_index: int, leaf_hash: bytes) -> Outcome:
    default = change.default_for
    return Outcome(
        True,
        {
            "id": str(change.id),
            "account_id": None if change.account_id is None else str(change.account_id),
            "default_for": None
            if default is None
            else {"unit": default.unit, "owner_kind": default.owner_kind.value},
            "balance_min": change.balance_min,
            "balance_max": change.balance_max,
            "log_index": log_index,
            "leaf_hash": b64encode(leaf_hash),
        },
    )


def accepted_key_event_outcome(
    event: KeyEvent, effect: KeyEffect, log_index: int, leaf_hash: bytes
) -> Outcome:
    return Outcome(
        True,
        {
            "id": str(event.id),
            "action": event.action.value,
            "principal": str(event.principal),
            "key_id": None if effect.registered is None else effect.registered.key_id,
            # A completed recovery may end several keys: the first here, all in the list.
            "revoked_key_id": effect.revoked[0] if effect.revoked else None,
            "revoked_key_ids": list(effect.revoked),
            "custodian": None if event.custodian is None else str(event.custodian),
            "log_index": log_index,
            "leaf_hash": b64encode(leaf_hash),
        },
    )


def accepted_round_outcome(entry: RoundEntry, log_index: int, leaf_hash: bytes) -> Outcome:
    return Outcome(
        True,
        {
            "id": str(entry.id),
            "round": str(entry.round_id),
            "kind": entry.kind.value,
            "log_index": log_index,
            "leaf_hash": b64encode(leaf_hash),
        },
    )


def accepted_notice_outcome(notice: MemberNotice, log_index: int, leaf_hash: bytes) -> Outcome:
    return Outcome(
        True,
        {
            "id": str(notice.id),
            "member": str(notice.member),
            "change": notice.change.value,
            "log_index": log_index,
            "leaf_hash": b64encode(leaf_hash),
        },
    )


def accepted_group_outcome(entry: GroupEntry, log_index: int, leaf_hash: bytes) -> Outcome:
    return Outcome(
        True,
        {
            "id": str(entry.id),
            "group": str(entry.group_id),
            "action": entry.action.value,
            "log_index": log_index,
            "leaf_hash": b64encode(leaf_hash),
        },
    )


def accepted_pact_outcome(entry: PactEntry, log_index: int, leaf_hash: bytes) -> Outcome:
    return Outcome(
        True,
        {
            "id": str(entry.id),
            "action": entry.action.value,
            "log_index": log_index,
            "leaf_hash": b64encode(leaf_hash),
        },
    )


def rejected_outcome(error: LedgerError) -> Outcome:
    body: dict[str, Any] = {"code": error.code, "detail": error.detail, "field": error.field}
    if error.facts:
        body["facts"] = error.facts
    return Outcome(False, body)


BATCH_ABORTED = Outcome(
    False,
    {
        "code": "batch_aborted",
        "detail": "another transaction of this atomic batch was refused; nothing was written",
        "field": None,
    },
)


def raise_refusal(outcomes: Sequence[Outcome]) -> None:
    """Raise the rule that refused a write, for callers that answer with an error rather
    than with the outcomes (an atomic command's other items only say ``batch_aborted``)."""
    for outcome in outcomes:
        if not outcome.accepted and outcome.body["code"] != BATCH_ABORTED.body["code"]:
            body = outcome.body
            raise error_from_code(body["code"], body["detail"], body["field"], body.get("facts"))


def encode_outcome(outcome: Outcome) -> str:
    data: dict[str, Any] = {"accepted": outcome.accepted, "body": outcome.body}
    if outcome.requester is not None:
        data["requester"] = outcome.requester
    return json.dumps(data, separators=(",", ":"))


def decode_outcome(text: str) -> Outcome:
    data = json.loads(text)
    return Outcome(bool(data["accepted"]), data["body"], requester=data.get("requester"))
