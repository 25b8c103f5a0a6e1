"""The wire form of a round's steps: the entry every step is logged as, and its parsing.

Every step of a round is a log entry: the *phase* entries move it on (draft, snapshot,
the facilitator's proposal and its amendments, closing the consent poll, closing the
ballot, execution, cancellation) and the *acts* happen within a phase (a project's
submission, a stance, a ballot). Each entry names the phase entry it follows
(``after``); a phase entry also states how many acts it has seen under that phase
(``acts``). This module owns that envelope (``RoundEntry``, its signed document and
its parsing, refused unless in the exact form this log signs), the timestamps and
hashes the entries carry, and the field parsers the bodies share
(``core.round_documents``). What a sequence of entries means is ``core.rounds``'s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from mutual.core.canonical import canonical_json
from mutual.core.errors import LedgerError


class RoundError(LedgerError):
    """An entry not in its form; the base of every round rule's error (``round_state``)."""

    code = "invalid_round"


class Kind(StrEnum):
    DRAFT = "draft"
    SUBMISSION = "submission"
    SNAPSHOT = "snapshot"
    PROPOSAL = "proposal"
    STANCE = "stance"
    CONSENT_CLOSED = "consent_closed"
    BALLOT = "ballot"
    BALLOT_CLOSED = "ballot_closed"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


ACTS = frozenset({Kind.SUBMISSION, Kind.STANCE, Kind.BALLOT})

# --- Entries -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundEntry:
    """One step of a round as the log holds it (the payload's fields)."""

    id: UUID
    round_id: UUID
    kind: Kind
    by: UUID
    after: UUID | None
    acts: int | None
    at: datetime
    body: Mapping[str, Any]


def entry_payload(origin: str, entry: RoundEntry) -> dict[str, Any]:
    """The signed document of a round entry (a ballot's is signed by its voter)."""
    return {
        "log": origin,
        "id": str(entry.id),
        "round": str(entry.round_id),
        "kind": entry.kind.value,
        "by": str(entry.by),
        "after": None if entry.after is None else str(entry.after),
        "acts": entry.acts,
        "at": timestamp(entry.at),
        "body": dict(entry.body),
    }


def timestamp(at: datetime) -> str:
    """UTC, to the microsecond, always the same length: comparable as text too."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: object, field: str) -> datetime:
    if not isinstance(text, str) or not text.endswith("Z"):
        raise RoundError("a time is an RFC 3339 UTC timestamp ending in Z", field=field)
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError as exc:
        raise RoundError(f"not a timestamp: {text!r}", field=field) from exc


def sha256_hex(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(dict(document))).hexdigest()


def is_sha256_hex(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in HEX for c in value)


HEX = frozenset("0123456789abcdef")


def same_json(given: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """Equal as the log's bytes, not as Python values (where ``1 == True``)."""
    return canonical_json(dict(given)) == canonical_json(dict(expected))


def ballot_commitment(approvals: Sequence[str], salt: str) -> str:
    """What a ballot entry shows of its choice until the ballot closes."""
    return sha256_hex({"approvals": sorted(approvals), "salt": salt})


# --- Fields, as every round document parses them -------------------------------------


def parse_int(value: object, field: str, *, minimum: int = 0) -> int:
    if type(value) is not int or value < minimum:
        raise RoundError(f"an integer of at least {minimum}", field=field)
    return value


def parse_uuid(value: object, field: str) -> UUID:
    try:
        parsed = UUID(str(value))
    except ValueError as exc:
        raise RoundError("not a UUID", field=field) from exc
    if not isinstance(value, str) or str(parsed) != value:
        raise RoundError("a canonical UUID string", field=field)
    return parsed


def expect_fields(doc: object, keys: set[str], field: str) -> dict[str, Any]:
    if not isinstance(doc, dict) or set(doc) != keys:
        raise RoundError(f"expected the fields {sorted(keys)}", field=field)
    return doc


def parse_entry_payload(origin: str, payload: Mapping[str, Any]) -> RoundEntry:
    """A round entry from its signed document, refused unless in the form this log signs."""
    doc = expect_fields(
        dict(payload),
        {"log", "id", "round", "kind", "by", "after", "acts", "at", "body"},
        "payload",
    )
    try:
        kind = Kind(doc["kind"])
    except ValueError as exc:
        raise RoundError("unknown kind of round entry", field="kind") from exc
    if not isinstance(doc["body"], dict):
        raise RoundError("the body is an object", field="body")
    acts = doc["acts"]
    entry = RoundEntry(
        parse_uuid(doc["id"], "id"),
        parse_uuid(doc["round"], "round"),
        kind,
        parse_uuid(doc["by"], "by"),
        None if doc["after"] is None else parse_uuid(doc["after"], "after"),
        None if acts is None else parse_int(acts, "acts"),
        parse_timestamp(doc["at"], "at"),
        doc["body"],
    )
    if (kind in ACTS) != (entry.acts is None):
        raise RoundError("a phase entry counts the acts it follows; an act does not", field="acts")
    if entry_payload(origin, entry) != doc:
        raise RoundError("the payload is not in the form this log signs", field="payload")
    return entry
