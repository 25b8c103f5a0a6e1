"""Associations as members of the time bank: an organisation's TIME account, spent only
by the members it has appointed to act for it.

An association is a principal without keys, like the commons or a project: its TIME
account (``organisation``-owned, opened with the territory's default bounds) takes part
in exchanges like a resident's, and the ledger lets it be spent only with the signature
of a member the log appointed as its custodian, signing on its behalf
(``core.authority``). A coordinator registers the association and appoints or removes
who acts for it; each appointment is a custodian key event signed by the log key (the
association holds no key that could consent). The entry keeps ``on_behalf_of``, so
statements can say who acted for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from mutual.core.accounts import Account, OwnerKind, open_account
from mutual.core.authority import Principal
from mutual.core.errors import NotCustodian
from mutual.core.ids import AccountId, PrincipalId
from mutual.core.registry import KeyAction, KeyEvent
from mutual.core.territory_lists import ListKind
from mutual.core.units import TIME
from mutual.store import accounts as account_store
from mutual.store import associations as store
from mutual.store.associations import AssociationRecord
from mutual.store.commons import custodians_of
from mutual.store.outcomes import raise_refusal
from mutual.store.principals import ensure_principal, principal_exists
from mutual.usecases import territory_lists as lists
from mutual.usecases.accounts import account_write
from mutual.usecases.errors import InvalidRequest, NotFound
from mutual.usecases.keys import vouched_write
from mutual.usecases.members import active_member, require_coordinator, territory_limits
from mutual.usecases.runtime import Runtime, chosen_id, new_id

NAME_MAX = 200
NEIGHBOURHOOD_MAX = 120


@dataclass(frozen=True, slots=True)
class Actor:
    """A member the log appointed to act for the association."""

    member_id: UUID
    display_name: str | None


@dataclass(frozen=True, slots=True)
class AssociationView:
    record: AssociationRecord
    account: Account
    actors: list[Actor]


def association_account_id(association_id: UUID) -> AccountId:
    # Derived from the association, as a member's is from the member, so a retried
    # registration opens the same account.
    return AccountId(UUID(int=association_id.int ^ 1))


def _text(value: str, *, field: str, most: int, what: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidRequest(f"an association has a {what}", field=field)
    if len(text) > most:
        raise InvalidRequest(f"the {what} is at most {most} characters", field=field)
    return text


async def register(
    rt: Runtime, caller: Principal, association_id: UUID | None, *, name: str, neighbourhood: str
) -> AssociationView:
    """A coordinator registers an association: its principal, its TIME account (a log
    entry, with the territory's default bounds), and its name. Resending the same
    registration with its id answers the registered one."""
    require_coordinator(caller)
    clean_name = _text(name, field="name", most=NAME_MAX, what="name")
    place = _text(
        neighbourhood, field="neighbourhood", most=NEIGHBOURHOOD_MAX, what="neighbourhood"
    )
    aid = chosen_id(association_id)
    async with rt.db.reading() as conn:
        existing = await store.get_association(conn, aid)
    if existing is not None:
        if (existing.name, existing.neighbourhood) != (clean_name, place):
            raise InvalidRequest("a different association has this id", field="id")
        return await read_association(rt, aid)
    await lists.require_now(rt, ListKind.NEIGHBOURHOOD, place, "neighbourhood")
    if await principal_exists(rt.db, aid):
        # Someone's principal already: their own key would spend the new account.
        raise InvalidRequest("this id is already someone else's", field="id")
    limits = await territory_limits(rt)
    account = open_account(
        association_account_id(aid),
        TIME,
        OwnerKind.ORGANISATION,
        str(aid),
        limits.balance_min,
        limits.balance_max,
    )
    outcomes = await rt.journal.submit(
        [account_write(rt, account)], atomic=True, recorded_at=rt.clock()
    )
    raise_refusal(outcomes)
    now = rt.clock()
    await ensure_principal(rt.db, PrincipalId(aid), [], now=now)
    async with rt.db.writing() as conn:
        if await store.get_association(conn, aid) is None:
            await store.insert_association(
                conn, AssociationRecord(aid, clean_name, place, account.id, now)
            )
    return await read_association(rt, aid)


async def _view(rt: Runtime, record: AssociationRecord) -> AssociationView:
    account = await account_store.get_account(rt.db, AccountId(record.time_account))
    assert account is not None  # opened before the row was written
    async with rt.db.reading() as conn:
        found = await custodians_of(conn, record.id)
    return AssociationView(record, account, [Actor(m, n) for m, n in found])


async def read_association(rt: Runtime, association_id: UUID) -> AssociationView:
    async with rt.db.reading() as conn:
        record = await store.get_association(conn, association_id)
    if record is None:
        raise NotFound("no such association", field="id")
    return await _view(rt, record)


async def list_associations(rt: Runtime, *, member_id: UUID | None) -> list[AssociationView]:
    """Every association with who acts for it, by name; with ``member_id``, only those
    that member acts for (what a member's page offers to act for)."""
    async with rt.db.reading() as conn:
        records = await store.list_associations(conn)
    views = [await _view(rt, r) for r in records]
    if member_id is None:
        return views
    return [v for v in views if any(a.member_id == member_id for a in v.actors)]


async def appoint(
    rt: Runtime, caller: Principal, association_id: UUID, member_id: UUID
) -> AssociationView:
    """A coordinator appoints a member to act for the association: from then on their
    own key, signing on its behalf, spends from its account. Appointing someone who
    already acts for it changes nothing."""
    require_coordinator(caller)
    view = await read_association(rt, association_id)
    await active_member(rt, member_id, field="member_id")
    if any(a.member_id == member_id for a in view.actors):
        return view
    await _custody(rt, caller, KeyAction.APPOINT_CUSTODIAN, association_id, member_id)
    return await read_association(rt, association_id)


async def remove(
    rt: Runtime, caller: Principal, association_id: UUID, member_id: UUID
) -> AssociationView:
    """A coordinator removes a member from those who act for the association: from that
    log index on their signature on its behalf is refused."""
    require_coordinator(caller)
    view = await read_association(rt, association_id)
    if not any(a.member_id == member_id for a in view.actors):
        raise NotFound("this member does not act for the association", field="member_id")
    await _custody(rt, caller, KeyAction.REMOVE_CUSTODIAN, association_id, member_id)
    return await read_association(rt, association_id)


async def acting_account(rt: Runtime, caller: Principal, association_id: UUID) -> AccountId:
    """The association's TIME account, for a member who acts for it now: said before
    anything is recorded or signed (the ledger's own rule, ``core.authority``, decides a
    debit under its lock; a credit needs no one's authority, so this is its only check)."""
    async with rt.db.reading() as conn:
        record = await store.get_association(conn, association_id)
        actors = [] if record is None else await custodians_of(conn, association_id)
    if record is None:
        raise NotFound("no such association", field="on_behalf_of")
    if not any(member == caller.id for member, _ in actors):
        raise NotCustodian(
            "only a member appointed to act for the association records for it",
            field="on_behalf_of",
        )
    return AccountId(record.time_account)


async def _custody(
    rt: Runtime, caller: Principal, action: KeyAction, association_id: UUID, member_id: UUID
) -> None:
    event = KeyEvent(
        new_id(),
        action,
        PrincipalId(association_id),
        by=caller.id,
        custodian=PrincipalId(member_id),
    )
    outcomes = await rt.journal.submit(
        [vouched_write(rt, event)], atomic=True, recorded_at=rt.clock()
    )
    raise_refusal(outcomes)
