"""Coordination groups: who sits in which group, and who represents it in the city group,
each change a log entry signed by the log key, so an auditor can tell who sat where when.

A group is created (its kind, its name, its neighbourhood) by the entry whose id is the
group's id; later entries name the group and say what changed: a member joined or left,
a representative to the city group was appointed or their mandate ended, the facilitator
was set. Each entry names the coordinator who acted (``by``) and is dated by the log
(``at``); it holds principal ids and nothing else about a person.

A representative is appointed from a group (the entry names that group) to the city
group (``city`` in its body): they must be a member of the group they represent, and a
mandate ends only while open. The city group's roll at a log index is the
representatives whose mandate is open there: ``roll`` is what a round's snapshot is held
to (``core.fold``), and since the fold goes through the log in order, the groups' state
when it reaches a snapshot is the state at that snapshot's index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from mutual.core.errors import LedgerError
from mutual.core.round_entries import RoundError, expect_fields, parse_timestamp, timestamp
from mutual.core.round_entries import parse_uuid as parse_round_uuid


class GroupError(LedgerError):
    """A group entry not in its form."""

    code = "invalid_group"


class GroupRule(GroupError):
    """A group entry the groups' state does not allow (a member leaving a group they are
    not in, a mandate ending that is not open...)."""

    code = "group_rule"


def _fields(doc: object, keys: set[str], field: str) -> dict[str, Any]:
    try:
        return expect_fields(doc, keys, field)
    except RoundError as exc:
        raise GroupError(exc.detail, field=field) from exc


def parse_uuid(value: object, field: str) -> UUID:
    try:
        return parse_round_uuid(value, field)
    except RoundError as exc:
        raise GroupError(exc.detail, field=field) from exc


def _at(value: object) -> datetime:
    try:
        return parse_timestamp(value, "at")
    except RoundError as exc:
        raise GroupError(exc.detail, field="at") from exc


class GroupKind(StrEnum):
    """A coordination group: a life slice, a resource, a neighbourhood, or the city group
    (one, which the other groups' representatives form)."""

    LIFE_SLICE = "life_slice"
    RESOURCE = "resource"
    NEIGHBOURHOOD = "neighbourhood"
    CITY = "city"


class GroupAction(StrEnum):
    CREATED = "created"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"
    REPRESENTATIVE_APPOINTED = "representative_appointed"
    MANDATE_ENDED = "mandate_ended"
    FACILITATOR_SET = "facilitator_set"


# Each action's body fields.
BODY_FIELDS: Mapping[GroupAction, frozenset[str]] = {
    GroupAction.CREATED: frozenset({"kind", "name", "neighbourhood"}),
    GroupAction.MEMBER_JOINED: frozenset({"member"}),
    GroupAction.MEMBER_LEFT: frozenset({"member"}),
    GroupAction.REPRESENTATIVE_APPOINTED: frozenset({"member", "city"}),
    GroupAction.MANDATE_ENDED: frozenset({"member", "city"}),
    GroupAction.FACILITATOR_SET: frozenset({"member"}),
}


@dataclass(frozen=True, slots=True)
class GroupEntry:
    """One change of a group as the log holds it (the payload's fields)."""

    id: UUID
    group_id: UUID
    action: GroupAction
    by: UUID
    at: datetime
    body: Mapping[str, Any]


def group_payload(origin: str, entry: GroupEntry) -> dict[str, Any]:
    """The document the log key signs for a group entry."""
    return {
        "log": origin,
        "id": str(entry.id),
        "group": str(entry.group_id),
        "action": entry.action.value,
        "by": str(entry.by),
        "at": timestamp(entry.at),
        "body": dict(entry.body),
    }


def parse_group_payload(origin: str, payload: Mapping[str, Any]) -> GroupEntry:
    """A group entry from its signed document, refused unless in the form this log signs."""
    doc = _fields(dict(payload), {"log", "id", "group", "action", "by", "at", "body"}, "payload")
    try:
        action = GroupAction(doc["action"])
    except ValueError as exc:
        raise GroupError("unknown group action", field="action") from exc
    body = _fields(doc["body"], set(BODY_FIELDS[action]), "body")
    entry = GroupEntry(
        parse_uuid(doc["id"], "id"),
        parse_uuid(doc["group"], "group"),
        action,
        parse_uuid(doc["by"], "by"),
        _at(doc["at"]),
        body,
    )
    _check_body(entry)
    if group_payload(origin, entry) != doc:
        raise GroupError("the payload is not in the form this log signs", field="payload")
    return entry


def _check_body(entry: GroupEntry) -> None:
    body = entry.body
    if entry.action is GroupAction.CREATED:
        try:
            GroupKind(body["kind"])
        except ValueError as exc:
            raise GroupError(
                f"kind is one of {[k.value for k in GroupKind]}", field="kind"
            ) from exc
        _text(body["name"], "name", required=True)
        _text(body["neighbourhood"], "neighbourhood", required=False)
        if entry.id != entry.group_id:
            raise GroupError("a group's id is the id of the entry that creates it", field="group")
        return
    if entry.action is GroupAction.FACILITATOR_SET and body["member"] is None:
        return
    parse_uuid(body["member"], "member")
    if "city" in body:
        parse_uuid(body["city"], "city")


def _text(value: object, field: str, *, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not 1 <= len(value) <= 120 or value != value.strip():
        raise GroupError("1 to 120 characters, without surrounding spaces", field=field)


# --- The groups' state ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mandate:
    """A representative's seat in the city group, from a group, dated by the log."""

    member: UUID
    represents: UUID
    since: datetime
    since_index: int
    until: datetime | None = None
    until_index: int | None = None

    @property
    def open(self) -> bool:
        return self.until is None


@dataclass(frozen=True, slots=True)
class Membership:
    member: UUID
    joined: datetime
    left: datetime | None = None


@dataclass(frozen=True, slots=True)
class Group:
    id: UUID
    kind: GroupKind
    name: str
    neighbourhood: str | None
    created_at: datetime
    created_by: UUID
    # Every membership and mandate, past ones included: the history an auditor reads.
    memberships: tuple[Membership, ...] = ()
    mandates: tuple[Mandate, ...] = ()
    facilitator: UUID | None = None

    def is_member(self, member: UUID) -> bool:
        return any(m.member == member and m.left is None for m in self.memberships)

    def members(self) -> tuple[UUID, ...]:
        return tuple(sorted({m.member for m in self.memberships if m.left is None}))

    def open_mandate(self, member: UUID, represents: UUID) -> Mandate | None:
        return next(
            (
                m
                for m in self.mandates
                if m.open and m.member == member and m.represents == represents
            ),
            None,
        )

    def representatives(self) -> tuple[UUID, ...]:
        """Who holds an open mandate in this (city) group."""
        return tuple(sorted({m.member for m in self.mandates if m.open}))


@dataclass(slots=True)
class Groups:
    """Every group folded so far (the fold's ``groups`` part)."""

    groups: dict[UUID, Group] = field(default_factory=dict)

    def copy(self) -> Groups:
        return Groups(dict(self.groups))

    def get(self, group_id: UUID, field_name: str = "group") -> Group:
        group = self.groups.get(group_id)
        if group is None:
            raise GroupRule("no such group", field=field_name)
        return group

    def city(self) -> Group | None:
        return next((g for g in self.groups.values() if g.kind is GroupKind.CITY), None)


def apply_group_entry(groups: Groups, entry: GroupEntry, *, log_index: int) -> Group:
    """The group after ``entry`` (set in ``groups``), or the rule it breaks (``groups``
    unchanged)."""
    _check_body(entry)
    body = entry.body
    if entry.action is GroupAction.CREATED:
        if entry.group_id in groups.groups:
            raise GroupRule("this group exists", field="group")
        kind = GroupKind(body["kind"])
        if kind is GroupKind.CITY and groups.city() is not None:
            raise GroupRule("the territory has one city group", field="kind")
        group = Group(entry.group_id, kind, body["name"], body["neighbourhood"], entry.at, entry.by)
        groups.groups[group.id] = group
        return group
    group = groups.get(entry.group_id)
    member = None if body["member"] is None else UUID(body["member"])
    match entry.action:
        case GroupAction.MEMBER_JOINED:
            assert member is not None
            if group.is_member(member):
                raise GroupRule("already a member of this group", field="member")
            group = replace(group, memberships=(*group.memberships, Membership(member, entry.at)))
        case GroupAction.MEMBER_LEFT:
            assert member is not None
            if not group.is_member(member):
                raise GroupRule("a member leaves only a group they are in", field="member")
            city = groups.city()
            if city is not None and city.open_mandate(member, group.id) is not None:
                raise GroupRule("end their mandate for this group first", field="member")
            group = replace(
                group,
                memberships=tuple(
                    replace(m, left=entry.at) if m.member == member and m.left is None else m
                    for m in group.memberships
                ),
            )
        case GroupAction.FACILITATOR_SET:
            if member is not None and not group.is_member(member):
                raise GroupRule("the facilitator is a member of the group", field="member")
            group = replace(group, facilitator=member)
        case GroupAction.REPRESENTATIVE_APPOINTED | GroupAction.MANDATE_ENDED:
            assert member is not None
            city = groups.get(UUID(body["city"]), "city")
            if city.kind is not GroupKind.CITY:
                raise GroupRule("representatives sit in the city group", field="city")
            if group.kind is GroupKind.CITY:
                raise GroupRule(
                    "a representative represents a group other than the city's", field="group"
                )
            mandate = city.open_mandate(member, group.id)
            if entry.action is GroupAction.REPRESENTATIVE_APPOINTED:
                if not group.is_member(member):
                    raise GroupRule(
                        "a representative is a member of the group they represent", field="member"
                    )
                if mandate is not None:
                    raise GroupRule("this member already represents this group", field="member")
                seat = Mandate(member, group.id, entry.at, log_index)
                city = replace(city, mandates=(*city.mandates, seat))
            else:
                if mandate is None:
                    raise GroupRule("a mandate ends only while open", field="member")
                city = replace(
                    city,
                    mandates=tuple(
                        replace(m, until=entry.at, until_index=log_index) if m is mandate else m
                        for m in city.mandates
                    ),
                )
            groups.groups[city.id] = city
            return city
    groups.groups[group.id] = group
    return group


# --- A round's roll -------------------------------------------------------------------


class RollSource(StrEnum):
    """Who votes in a round: every active member, a group's members, or the city group's
    representatives, frozen at the snapshot."""

    ALL_MEMBERS = "all_members"
    MEMBERS = "members"
    REPRESENTATIVES = "representatives"


@dataclass(frozen=True, slots=True)
class Roll:
    source: RollSource
    group: UUID | None

    def document(self) -> dict[str, Any]:
        return {
            "source": self.source.value,
            "group": None if self.group is None else str(self.group),
        }


def parse_roll(doc: object) -> Roll:
    """A round's roll source, as its parameters name it (a round's rule: ``RoundError``)."""
    d = expect_fields(doc, {"source", "group"}, "roll")
    try:
        source = RollSource(d["source"])
    except ValueError as exc:
        raise RoundError(
            f"a roll's source is one of {[s.value for s in RollSource]}", field="roll.source"
        ) from exc
    group = None if d["group"] is None else parse_round_uuid(d["group"], "roll.group")
    if (source is RollSource.ALL_MEMBERS) != (group is None):
        raise RoundError(
            "a group's roll names its group; every active member names none", field="roll.group"
        )
    return Roll(source, group)


def roll_of(groups: Groups, roll: Roll) -> tuple[UUID, ...] | None:
    """The voters ``roll`` names in the groups as they are now (None: every active
    member, which the ledger does not hold)."""
    if roll.source is RollSource.ALL_MEMBERS or roll.group is None:
        return None
    group = groups.get(roll.group, "roll.group")
    if roll.source is RollSource.MEMBERS:
        return group.members()
    if group.kind is not GroupKind.CITY:
        raise GroupRule("representatives sit in the city group", field="roll.group")
    return group.representatives()


@dataclass(frozen=True, slots=True)
class Envelope:
    """A round that belongs to a neighbourhood group, with its own budget: at most
    ``budget_eur`` cents of the fund (named in the round's parameters)."""

    group: UUID
    budget_eur: int

    def document(self) -> dict[str, Any]:
        return {"group": str(self.group), "budget_eur": self.budget_eur}


def parse_envelope(doc: object) -> Envelope:
    """A round's neighbourhood and budget, as its parameters name them (``RoundError``)."""
    d = expect_fields(doc, {"group", "budget_eur"}, "neighbourhood")
    budget = d["budget_eur"]
    if type(budget) is not int or not 1 <= budget <= 10**12:
        raise RoundError("a budget of 1 cent or more", field="neighbourhood.budget_eur")
    return Envelope(parse_round_uuid(d["group"], "neighbourhood.group"), budget)


def check_envelope(groups: Groups, envelope: Envelope) -> None:
    """The group a neighbourhood round belongs to is a neighbourhood group."""
    group = groups.get(envelope.group, "neighbourhood.group")
    if group.kind is not GroupKind.NEIGHBOURHOOD:
        raise GroupRule(
            "a neighbourhood round belongs to a neighbourhood group", field="neighbourhood.group"
        )
