"""Log entries: what each Merkle leaf holds, and how entries are read back from JSON.

A leaf's input is the RFC 8785 canonical JSON of an entry document
``{"type", "payload", "signatures"}``. The payload is exactly what the signers signed
(behind its domain prefix); the signatures are part of the leaf, so the log commits to
who authorised each entry, not only to what it says. Nothing unsigned is in a leaf (who
sent the request is kept beside it), so every byte of an entry is checked by a verifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any
from uuid import UUID

from mutual.core.accounts import Account, OwnerKind, open_account
from mutual.core.bounds import BoundsChange, BoundsDefault, check_change
from mutual.core.canonical import canonical_json
from mutual.core.errors import LedgerError
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.merkle import leaf_hash
from mutual.core.registry import (
    EVENT_FIELDS,
    LEGACY_VERSION,
    Capacity,
    KeyAction,
    KeyEvent,
    key_event_payload,
    parse_timestamp,
)
from mutual.core.roles import parse_role
from mutual.core.signing import (
    Signature,
    b64decode,
    canonical,
    parse_key_id,
    parse_signature,
)
from mutual.core.transactions import Posting, Transaction, TransactionKind, transaction_payload
from mutual.core.units import Unit, parse_unit


class EntryType(StrEnum):
    TRANSACTION = "transaction"
    KEY_EVENT = "key_event"
    ACCOUNT = "account"
    BOUNDS = "bounds"
    ROUND = "round"
    BALLOT = "ballot"
    MEMBER_NOTICE = "member_notice"
    GROUP = "group"
    PACT = "pact"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A leaf as the writer appends it."""

    leaf_input: bytes
    leaf_hash: bytes


def entry_document(
    entry_type: EntryType,
    payload: Mapping[str, Any],
    signatures: tuple[Signature, ...],
) -> dict[str, Any]:
    return {
        "type": entry_type.value,
        "payload": dict(payload),
        "signatures": [s.document() for s in signatures],
    }


def log_entry(document: Mapping[str, Any]) -> LogEntry:
    data = canonical(document)
    return LogEntry(data, leaf_hash(data))


def signed_log_entry(
    entry_type: EntryType, canonical_payload: bytes, signatures: tuple[Signature, ...]
) -> LogEntry:
    """The same bytes as ``log_entry(entry_document(...))``, reusing the payload's
    canonical bytes already computed for the signature check.

    RFC 8785 output composes: an object's canonical form is its members sorted by key
    (here ``payload`` < ``signatures`` < ``type``), each value in its own canonical form.
    A test checks the equality on every kind of entry.
    """
    data = compose_entry(
        canonical_payload, canonical_json([s.document() for s in signatures]), entry_type.value
    )
    return LogEntry(data, leaf_hash(data))


def compose_entry(canonical_payload: bytes, canonical_signatures: bytes, entry_type: Any) -> bytes:
    """RFC 8785 bytes of ``{"payload", "signatures", "type"}`` from its members' bytes."""
    return b"".join(
        (
            b'{"payload":',
            canonical_payload,
            b',"signatures":',
            canonical_signatures,
            b',"type":',
            canonical_json(entry_type),
            b"}",
        )
    )


def account_payload(origin: str, account: Account) -> dict[str, Any]:
    """The signed document of an account opening: unit, owner, bounds and, for the
    pooling tools' accounts, its role (absent for a plain account, so openings made
    before roles existed keep their bytes)."""
    doc: dict[str, Any] = {
        "log": origin,
        "id": str(account.id),
        "unit": account.unit,
        "owner_kind": account.owner_kind.value,
        "owner_id": account.owner_id,
        "balance_min": account.balance_min,
        "balance_max": account.balance_max,
    }
    if account.role is not None:
        doc["role"] = account.role.document()
    return doc


def bounds_payload(origin: str, change: BoundsChange) -> dict[str, Any]:
    """The signed document of a bounds change: for one account or a default, by whom."""
    default = change.default_for
    return {
        "log": origin,
        "id": str(change.id),
        "by": str(change.by),
        "account_id": None if change.account_id is None else str(change.account_id),
        "default_for": None
        if default is None
        else {"unit": default.unit, "owner_kind": default.owner_kind.value},
        "follows": None if change.follows is None else str(change.follows),
        "balance_min": change.balance_min,
        "balance_max": change.balance_max,
    }


class MemberChange(StrEnum):
    """What a member notice says happened beside the ledger."""

    PROFILE_CHANGED = "profile_changed"
    ERASED = "erased"


@dataclass(frozen=True, slots=True)
class MemberNotice:
    """That a member's profile changed, or that they were erased: a fact kept beside the
    ledger (the profile is not in the log), told in the log so that it has a place in the
    one sequence every event cursor follows. It holds the member's pseudonymous id and
    the kind of change, never what changed: an erased member's data is not repeated."""

    id: UUID
    member: PrincipalId
    change: MemberChange


def member_notice_payload(origin: str, notice: MemberNotice) -> dict[str, Any]:
    return {
        "log": origin,
        "id": str(notice.id),
        "member": str(notice.member),
        "change": notice.change.value,
    }


class EntryFormatError(ValueError):
    """An entry document that is not one this log writes."""


def _uuid(value: object, field: str) -> UUID:
    if not isinstance(value, str):
        raise EntryFormatError(f"{field} is not a string")
    try:
        parsed = UUID(value)
    except ValueError as exc:
        raise EntryFormatError(f"{field} is not a UUID") from exc
    if str(parsed) != value:
        raise EntryFormatError(f"{field} is not a canonical UUID")
    return parsed


def _account_uuid(value: object) -> UUID:
    """``_uuid`` for a posting's account id, which a log names again and again."""
    return _known_account_uuid(value) if type(value) is str else _uuid(value, "account_id")


@lru_cache(maxsize=16384)
def _known_account_uuid(value: str) -> UUID:
    return _uuid(value, "account_id")


def _keys(doc: object, required: Set[str], optional: Set[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise EntryFormatError("not an object")
    keys = set(doc)
    if not required <= keys or not keys <= required | optional:
        raise EntryFormatError(f"fields {sorted(keys)} are not {sorted(required)}")
    return doc


def parse_entry(document: object) -> tuple[EntryType, dict[str, Any], tuple[Signature, ...]]:
    """Split an entry document into its type, payload and signatures (checked for form)."""
    doc = _keys(document, {"type", "payload", "signatures"})
    try:
        entry_type = EntryType(doc["type"])
    except ValueError as exc:
        raise EntryFormatError("unknown entry type") from exc
    payload = doc["payload"]
    if not isinstance(payload, dict) or not isinstance(doc["signatures"], list):
        raise EntryFormatError("payload is an object and signatures a list")
    try:
        sigs = tuple(
            parse_signature(s, field=f"signatures[{i}]") for i, s in enumerate(doc["signatures"])
        )
    except LedgerError as exc:
        raise EntryFormatError(exc.detail) from exc
    return entry_type, payload, sigs


def parse_transaction_payload(origin: str, payload: dict[str, Any]) -> Transaction:
    """The transaction a payload records; the memo itself is not in it (only its hash)."""
    doc = _keys(payload, {"log", "id", "kind", "postings", "memo_sha256", "references", "reverses"})
    try:
        postings = tuple(
            Posting(
                AccountId(_account_uuid(p["account_id"])),
                Unit(p["unit"]),
                _integer(p["amount"]),
            )
            for p in doc["postings"]
        )
        tx = Transaction(
            TransactionId(_uuid(doc["id"], "id")),
            TransactionKind(doc["kind"]),
            postings,
            PrincipalId(UUID(int=0)),
            references=dict(doc["references"]),
            reverses=None
            if doc["reverses"] is None
            else TransactionId(_uuid(doc["reverses"], "reverses")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EntryFormatError(f"malformed transaction payload: {exc}") from exc
    expected = transaction_payload(origin, tx)
    expected["memo_sha256"] = doc["memo_sha256"]
    if expected != doc or not _memo_hash_ok(doc["memo_sha256"]):
        raise EntryFormatError("the payload is not in the form this log signs")
    return tx


def _integer(value: object) -> int:
    if type(value) is not int:
        raise EntryFormatError("an amount is an integer")
    return value


def _bound(value: object) -> int | None:
    return None if value is None else _integer(value)


def _memo_hash_ok(value: object) -> bool:
    if value is None:
        return True
    try:
        return isinstance(value, str) and len(b64decode(value, field="memo_sha256")) == 32
    except LedgerError:
        return False


def parse_account_payload(origin: str, payload: dict[str, Any]) -> Account:
    doc = _keys(
        payload,
        {"log", "id", "unit", "owner_kind", "owner_id", "balance_min", "balance_max"},
        {"role"},
    )
    try:
        account = open_account(
            AccountId(_uuid(doc["id"], "id")),
            parse_unit(doc["unit"]),
            OwnerKind(doc["owner_kind"]),
            doc["owner_id"],
            _bound(doc["balance_min"]),
            _bound(doc["balance_max"]),
            None if "role" not in doc else parse_role(doc["role"]),
        )
    except (TypeError, ValueError, LedgerError) as exc:
        raise EntryFormatError(f"malformed account payload: {exc}") from exc
    if account_payload(origin, account) != doc:
        raise EntryFormatError("the payload is not in the form this log signs")
    return account


def parse_bounds_payload(origin: str, payload: dict[str, Any]) -> BoundsChange:
    doc = _keys(
        payload,
        {"log", "id", "by", "account_id", "default_for", "follows", "balance_min", "balance_max"},
    )

    def optional_uuid(field: str) -> UUID | None:
        return None if doc[field] is None else _uuid(doc[field], field)

    account_id = optional_uuid("account_id")

    try:
        default = doc["default_for"]
        change = BoundsChange(
            _uuid(doc["id"], "id"),
            PrincipalId(_uuid(doc["by"], "by")),
            _bound(doc["balance_min"]),
            _bound(doc["balance_max"]),
            account_id=None if account_id is None else AccountId(account_id),
            default_for=None
            if default is None
            else BoundsDefault(
                parse_unit(_keys(default, {"unit", "owner_kind"})["unit"]),
                OwnerKind(default["owner_kind"]),
            ),
            follows=optional_uuid("follows"),
        )
        check_change(change)
    except (TypeError, ValueError, LedgerError) as exc:
        raise EntryFormatError(f"malformed bounds payload: {exc}") from exc
    if bounds_payload(origin, change) != doc:
        raise EntryFormatError("the payload is not in the form this log signs")
    return change


def parse_member_notice_payload(origin: str, payload: dict[str, Any]) -> MemberNotice:
    doc = _keys(payload, {"log", "id", "member", "change"})
    try:
        notice = MemberNotice(
            _uuid(doc["id"], "id"),
            PrincipalId(_uuid(doc["member"], "member")),
            MemberChange(doc["change"]),
        )
    except ValueError as exc:
        raise EntryFormatError(f"malformed member notice: {exc}") from exc
    if member_notice_payload(origin, notice) != doc:
        raise EntryFormatError("the payload is not in the form this log signs")
    return notice


def parse_key_event_payload(origin: str, payload: dict[str, Any]) -> KeyEvent:
    doc = _keys(
        payload,
        {"log", "id", "action", "principal"},
        {*EVENT_FIELDS, "version"},
    )

    def principal(field: str) -> PrincipalId | None:
        return None if field not in doc else PrincipalId(_uuid(doc[field], field))

    try:
        event = KeyEvent(
            _uuid(doc["id"], "id"),
            KeyAction(doc["action"]),
            PrincipalId(_uuid(doc["principal"], "principal")),
            principal("by"),
            None
            if "public_key" not in doc
            else b64decode(doc["public_key"], field="public_key", length=32),
            None if "capacity" not in doc else Capacity(doc["capacity"]),
            doc.get("name"),
            None if "key_id" not in doc else parse_key_id(doc["key_id"], field="key_id"),
            principal("custodian"),
            doc.get("reason"),
            None if "request" not in doc else _uuid(doc["request"], "request"),
            None if "at" not in doc else parse_timestamp(doc["at"]),
            doc.get("wait"),
            # Absent on a version-1 event; "version": 1 written out is not this log's form.
            doc.get("version", LEGACY_VERSION),
        )
    except (TypeError, ValueError, LedgerError) as exc:
        raise EntryFormatError(f"malformed key event payload: {exc}") from exc
    if key_event_payload(origin, event) != doc:
        raise EntryFormatError("the payload is not in the form this log signs")
    return event
