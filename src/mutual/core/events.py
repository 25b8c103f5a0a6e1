"""Events: the log's entries named for the people and tools that follow them.

Event i is log entry i; its type is the entry's type followed by what the payload says
happened (a transaction's kind, a key event's action, a round step's kind, a
coordination group's or the pact's action: ``group.member_joined``,
``pact.signed``), so that a
consumer can pick the events it cares for without parsing payloads. After an entry's own
event come the domain events it yields (``core.domain_events``: ``member.accepted``,
``pledge.made``...), at the same index. A filter names exact types (``transaction.grant``)
or whole families (``transaction``: every kind of it; ``round``: its steps and its
domain events).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mutual.core.domain_events import DOMAIN_FAMILIES, SOURCES, DomainEventType
from mutual.core.entries import EntryType, MemberChange
from mutual.core.groups import GroupAction
from mutual.core.pact import PactAction
from mutual.core.registry import KeyAction
from mutual.core.round_entries import Kind
from mutual.core.transactions import TransactionKind

# Entries whose payload does not say more than their type: one event type each.
_FIXED = {
    EntryType.ACCOUNT: "opened",
    EntryType.BOUNDS: "changed",
    EntryType.BALLOT: "cast",
}
# Where the payload says what happened, for the other entry types.
_FIELD = {
    EntryType.TRANSACTION: "kind",
    EntryType.KEY_EVENT: "action",
    EntryType.ROUND: "kind",
    EntryType.MEMBER_NOTICE: "change",
    EntryType.GROUP: "action",
    EntryType.PACT: "action",
}

LEDGER_FAMILIES: dict[str, tuple[str, ...]] = {
    EntryType.TRANSACTION.value: tuple(f"transaction.{k.value}" for k in TransactionKind),
    EntryType.ACCOUNT.value: ("account.opened",),
    EntryType.KEY_EVENT.value: tuple(f"key_event.{a.value}" for a in KeyAction),
    EntryType.BOUNDS.value: ("bounds.changed",),
    # A ballot is an entry of its own type (signed by its voter), not a round step.
    EntryType.ROUND.value: tuple(f"round.{k.value}" for k in Kind if k is not Kind.BALLOT),
    EntryType.BALLOT.value: ("ballot.cast",),
    EntryType.MEMBER_NOTICE.value: tuple(f"member_notice.{c.value}" for c in MemberChange),
    EntryType.GROUP.value: tuple(f"group.{a.value}" for a in GroupAction),
    EntryType.PACT.value: tuple(f"pact.{a.value}" for a in PactAction),
}
LEDGER_EVENT_TYPES: tuple[str, ...] = tuple(t for ts in LEDGER_FAMILIES.values() for t in ts)
FAMILIES: dict[str, tuple[str, ...]] = {
    name: LEDGER_FAMILIES.get(name, ()) + DOMAIN_FAMILIES.get(name, ())
    for name in (*LEDGER_FAMILIES, *DOMAIN_FAMILIES)
}
EVENT_TYPES: tuple[str, ...] = LEDGER_EVENT_TYPES + tuple(t.value for t in DomainEventType)


def event_type(entry_type: EntryType, payload: Mapping[str, Any]) -> str:
    fixed = _FIXED.get(entry_type)
    if fixed is not None:
        return f"{entry_type.value}.{fixed}"
    return f"{entry_type.value}.{payload[_FIELD[entry_type]]}"


class UnknownEventType(ValueError):
    """A filter naming neither an event type nor a family of them."""


def type_filter(names: Iterable[str]) -> frozenset[str]:
    """The exact event types a filter admits; families stand for all their types."""
    admitted: set[str] = set()
    for name in names:
        if name in FAMILIES:
            admitted.update(FAMILIES[name])
        elif name in EVENT_TYPES:
            admitted.add(name)
        else:
            raise UnknownEventType(name)
    return frozenset(admitted)


def entry_types_of(types: frozenset[str]) -> frozenset[str]:
    """The entry types (log_entries.entry_type) that can hold or yield events of ``types``."""
    domain = {t.value for t in DomainEventType}
    return frozenset(
        SOURCES[DomainEventType(t)].value if t in domain else t.partition(".")[0] for t in types
    )
