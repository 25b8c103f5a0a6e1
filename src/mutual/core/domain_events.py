"""Domain events: what a log entry means for the territory, named in its words.

A ledger event says which entry was logged (``account.opened``, ``key_event.appoint_custodian``);
a domain event says what happened (``member.accepted``, ``project.created``). Each is
derived from one entry alone (and, for a project's change of lead, whether the principal
is a project), so that reading the log again always yields the same domain events, at
the same index, right after the entry's own event. Their data is pseudonymous like the
entry: ids, amounts, phases, never a name or a text.

A domain event's id is derived from the entry's id and the event's type
(``derived.domain_event_id``, in the table of every derivation), so it is as stable as
the entry's and a consumer deduplicates by it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from mutual.core.accounts import OwnerKind
from mutual.core.derived import domain_event_id, lead_appointment_id
from mutual.core.entries import EntryType, MemberChange
from mutual.core.registry import KeyAction
from mutual.core.round_entries import Kind
from mutual.core.round_state import Phase
from mutual.core.transactions import TransactionKind
from mutual.core.units import TIME


class DomainEventType(StrEnum):
    MEMBER_ACCEPTED = "member.accepted"
    MEMBER_PROFILE_CHANGED = "member.profile_changed"
    MEMBER_ERASED = "member.erased"
    PROJECT_CREATED = "project.created"
    PROJECT_CHANGED = "project.changed"
    ROUND_PHASE_CHANGED = "round.phase_changed"
    ROUND_DECIDED = "round.decided"
    PLEDGE_MADE = "pledge.made"
    CONTRIBUTION_RECORDED = "contribution.recorded"
    LOAN_OPENED = "loan.opened"
    LOAN_RETURNED = "loan.returned"


# The entry type each domain event is derived from: what a filter on it reads.
SOURCES: Mapping[DomainEventType, EntryType] = {
    DomainEventType.MEMBER_ACCEPTED: EntryType.ACCOUNT,
    DomainEventType.MEMBER_PROFILE_CHANGED: EntryType.MEMBER_NOTICE,
    DomainEventType.MEMBER_ERASED: EntryType.MEMBER_NOTICE,
    DomainEventType.PROJECT_CREATED: EntryType.KEY_EVENT,
    DomainEventType.PROJECT_CHANGED: EntryType.KEY_EVENT,
    DomainEventType.ROUND_PHASE_CHANGED: EntryType.ROUND,
    DomainEventType.ROUND_DECIDED: EntryType.ROUND,
    DomainEventType.PLEDGE_MADE: EntryType.TRANSACTION,
    DomainEventType.CONTRIBUTION_RECORDED: EntryType.TRANSACTION,
    DomainEventType.LOAN_OPENED: EntryType.TRANSACTION,
    DomainEventType.LOAN_RETURNED: EntryType.TRANSACTION,
}

# Domain families: the part before the dot (``round`` is also a ledger family: its
# domain events join it).
DOMAIN_FAMILIES: dict[str, tuple[str, ...]] = {}
for _type in DomainEventType:
    DOMAIN_FAMILIES.setdefault(_type.value.partition(".")[0], ())
    DOMAIN_FAMILIES[_type.value.partition(".")[0]] += (_type.value,)


@dataclass(frozen=True, slots=True)
class DomainEvent:
    id: UUID
    type: DomainEventType
    data: dict[str, Any]


def _event(entity_id: UUID, event_type: DomainEventType, data: dict[str, Any]) -> DomainEvent:
    return DomainEvent(domain_event_id(entity_id, event_type.value), event_type, data)


# A project's principal is its id; whether an id is a project's is the caller's to say
# (the service's table of projects), since a custodian is appointed to other principals too.
IsProject = Callable[[UUID], bool]


def _account(payload: Mapping[str, Any], _: IsProject) -> list[DomainEventType]:
    # Accepting a member opens their TIME account; their other accounts open later.
    if payload["owner_kind"] == OwnerKind.MEMBER.value and payload["unit"] == TIME:
        return [DomainEventType.MEMBER_ACCEPTED]
    return []


def _key_event(payload: Mapping[str, Any], is_project: IsProject) -> list[DomainEventType]:
    if payload["action"] != KeyAction.APPOINT_CUSTODIAN.value:
        return []
    principal, custodian = UUID(payload["principal"]), UUID(payload["custodian"])
    # A project's first lead is appointed under an id derived from both (with its
    # accounts, in the same atomic write); a change of lead appoints under a fresh id.
    if UUID(payload["id"]) == lead_appointment_id(principal, custodian):
        return [DomainEventType.PROJECT_CREATED]
    return [DomainEventType.PROJECT_CHANGED] if is_project(principal) else []


# The phase a round enters with each step (a consent poll's or a ballot's close: the
# phase its outcome says).
_ENTERS: Mapping[str, Phase] = {
    Kind.DRAFT.value: Phase.PROPOSALS,
    Kind.SNAPSHOT.value: Phase.SNAPSHOT,
    Kind.PROPOSAL.value: Phase.CONSENT,
    Kind.EXECUTED.value: Phase.EXECUTED,
    Kind.CANCELLED.value: Phase.CANCELLED,
}
_CONSENT_RESULT = {"undecided": Phase.UNDECIDED, "adopted": Phase.DECIDED, "ballot": Phase.BALLOT}


def round_phase(payload: Mapping[str, Any]) -> Phase | None:
    """The phase this round entry moves its round into; None when it stays (an act, an
    amended proposal)."""
    kind, body = payload["kind"], payload["body"]
    if kind == Kind.PROPOSAL.value and body["version"] != 1:
        return None
    if kind == Kind.CONSENT_CLOSED.value:
        return _CONSENT_RESULT[body["result"]]
    if kind == Kind.BALLOT_CLOSED.value:
        return Phase.UNDECIDED if body["decision"] is None else Phase.DECIDED
    return _ENTERS.get(kind)


def _round(payload: Mapping[str, Any], _: IsProject) -> list[DomainEventType]:
    phase = round_phase(payload)
    if phase is None:
        return []
    if phase is Phase.DECIDED:
        return [DomainEventType.ROUND_PHASE_CHANGED, DomainEventType.ROUND_DECIDED]
    return [DomainEventType.ROUND_PHASE_CHANGED]


_TRANSFERS: Mapping[str, DomainEventType] = {
    TransactionKind.PLEDGE.value: DomainEventType.PLEDGE_MADE,
    TransactionKind.CONTRIBUTION.value: DomainEventType.CONTRIBUTION_RECORDED,
    TransactionKind.LOAN.value: DomainEventType.LOAN_OPENED,
    TransactionKind.RETURN.value: DomainEventType.LOAN_RETURNED,
}


def _transaction(payload: Mapping[str, Any], _: IsProject) -> list[DomainEventType]:
    found = _TRANSFERS.get(payload["kind"])
    return [] if found is None else [found]


_NOTICES: Mapping[str, DomainEventType] = {
    MemberChange.PROFILE_CHANGED.value: DomainEventType.MEMBER_PROFILE_CHANGED,
    MemberChange.ERASED.value: DomainEventType.MEMBER_ERASED,
}


def _member_notice(payload: Mapping[str, Any], _: IsProject) -> list[DomainEventType]:
    return [_NOTICES[payload["change"]]]


_TYPES: Mapping[EntryType, Callable[[Mapping[str, Any], IsProject], list[DomainEventType]]] = {
    EntryType.ACCOUNT: _account,
    EntryType.KEY_EVENT: _key_event,
    EntryType.ROUND: _round,
    EntryType.TRANSACTION: _transaction,
    EntryType.MEMBER_NOTICE: _member_notice,
}


def domain_types(
    entry_type: EntryType, payload: Mapping[str, Any], is_project: IsProject
) -> list[DomainEventType]:
    """The types of the domain events an entry yields, in the order they follow it."""
    derive = _TYPES.get(entry_type)
    return [] if derive is None else derive(payload, is_project)


def _transfer_data(payload: Mapping[str, Any]) -> dict[str, Any]:
    postings = payload["postings"]
    return {
        "transaction_id": payload["id"],
        "unit": postings[0]["unit"],
        "amount": sum(p["amount"] for p in postings if p["amount"] > 0),
        "debited": [p["account_id"] for p in postings if p["amount"] < 0],
        "credited": [p["account_id"] for p in postings if p["amount"] > 0],
        "references": dict(payload["references"]),
    }


def _data(event_type: DomainEventType, payload: Mapping[str, Any]) -> dict[str, Any]:
    match event_type:
        case DomainEventType.MEMBER_ACCEPTED:
            return {"member_id": payload["owner_id"], "account_id": payload["id"]}
        case DomainEventType.MEMBER_PROFILE_CHANGED | DomainEventType.MEMBER_ERASED:
            # Who, never what: a consumer reads the profile as its scopes allow (an
            # erased member's has nothing left to read).
            return {"member_id": payload["member"]}
        case DomainEventType.PROJECT_CREATED | DomainEventType.PROJECT_CHANGED:
            return {"project_id": payload["principal"], "lead_id": payload["custodian"]}
        case DomainEventType.ROUND_PHASE_CHANGED:
            phase = round_phase(payload)
            assert phase is not None  # only derived for an entry that changes the phase
            return {"round_id": payload["round"], "phase": phase.value, "step": payload["kind"]}
        case DomainEventType.ROUND_DECIDED:
            body = payload["body"]
            by_consent = payload["kind"] == Kind.CONSENT_CLOSED.value
            return {
                "round_id": payload["round"],
                "by": "consent" if by_consent else "ballot",
                "lines": body["kept"] if by_consent else body["decision"],
            }
    return _transfer_data(payload)


def domain_events(
    entry_type: EntryType, payload: Mapping[str, Any], entity_id: UUID, is_project: IsProject
) -> list[DomainEvent]:
    """The domain events an entry yields, each with its data."""
    return [
        _event(entity_id, t, {"event_type": t.value, **_data(t, payload)})
        for t in domain_types(entry_type, payload, is_project)
    ]
