"""Intake from self-surveys and other tools (issue 25, item 6): a resident consents, from
their own session, to a tool (a service client with the ``intake:write`` scope) recording
needs and offers in their name; the tool records them as the resident's requests and
offers, each kept with the tool that recorded it and the resident's neighbourhood then;
coordinators read what came in, and each need or offer goes to the groups it concerns
(``core.territory_lists.concerns``: its neighbourhood's group, its category's life-slice
or resource group, the city group), whose members and facilitator read it. Without the
resident's consent in force, nothing is written (``no_consent``)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.authority import Principal, Role
from mutual.core.ids import PrincipalId
from mutual.core.permissions import Scope
from mutual.core.territory_lists import ListKind, concerns
from mutual.store import intake as store
from mutual.store import territory_lists as lists_store
from mutual.store.intake import Consent, Recorded
from mutual.store.principals import service_tokens
from mutual.store.timebank import OfferRecord
from mutual.usecases import groups, offers
from mutual.usecases.errors import Forbidden, NotFound, UseCaseError
from mutual.usecases.members import active_member, oversees
from mutual.usecases.pagination import Page, cut_page, parse_time_key, time_key
from mutual.usecases.runtime import Runtime


class NoConsent(UseCaseError):
    code = "no_consent"


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool a resident may consent to: a service client that may record intake."""

    id: UUID
    name: str | None


async def tools(rt: Runtime) -> list[Tool]:
    """The service clients whose live token admits intake, by name."""
    found = {
        t.principal_id: t.name
        for t in await service_tokens(rt.db)
        if Scope.INTAKE_WRITE.value in t.scopes and t.revoked_at is None
    }
    return sorted((Tool(i, n) for i, n in found.items()), key=lambda t: (t.name or "", t.id))


async def grant(rt: Runtime, member: Principal, client_id: UUID) -> list[Consent]:
    if client_id not in {t.id for t in await tools(rt)}:
        raise NotFound("no tool that records intake has this id", field="client_id")
    async with rt.db.writing() as conn:
        await store.grant(conn, member.id, client_id, rt.clock())
        return await store.consents_of(conn, member.id)


async def withdraw(rt: Runtime, member: Principal, client_id: UUID) -> None:
    async with rt.db.writing() as conn:
        if not await store.withdraw(conn, member.id, client_id, rt.clock()):
            raise NotFound("no consent in force to this tool", field="client_id")


async def consents(rt: Runtime, member: Principal) -> list[Consent]:
    async with rt.db.reading() as conn:
        return await store.consents_of(conn, member.id)


async def record(
    rt: Runtime,
    tool: Principal,
    member_id: UUID,
    *,
    direction: str,
    title: str,
    description: str,
    category: str,
    estimated_minutes: int | None,
) -> OfferRecord:
    """A need (a request) or an offer, in the resident's name, if they consent now."""
    if not tool.has(Role.SERVICE):
        raise Forbidden("a tool records intake with its own token")
    resident = await active_member(rt, member_id, field="member_id")

    async def with_consent(conn: AsyncConnection, offer_id: UUID) -> None:
        if not await store.consents(conn, member_id, tool.id):
            raise NoConsent(
                "the resident has not consented to this tool recording in their name",
                field="member_id",
            )
        await store.record(
            conn,
            offer_id=offer_id,
            member_id=member_id,
            client_id=tool.id,
            neighbourhood=resident.neighbourhood,
            now=rt.clock(),
        )

    return await offers.publish(
        rt,
        Principal(PrincipalId(member_id), frozenset({Role.MEMBER})),
        direction=direction,
        title=title,
        description=description,
        category=category,
        neighbourhood=resident.neighbourhood,
        estimated_minutes=estimated_minutes,
        within=with_consent,
    )


async def received(
    rt: Runtime, caller: Principal, *, neighbourhood: str | None, cursor: str | None, limit: int
) -> Page[Recorded]:
    """What tools recorded (coordinators), for one neighbourhood or all, oldest first."""
    if not oversees(caller):
        raise Forbidden("coordinators read what tools recorded")
    after = None if cursor is None else parse_time_key("intake", cursor)
    async with rt.db.reading() as conn:
        rows = await store.recorded(conn, neighbourhood=neighbourhood, after=after, limit=limit + 1)
    return cut_page("intake", rows, limit, lambda r: time_key(r.recorded_at, r.offer_id))


async def for_group(
    rt: Runtime, caller: Principal, group_id: UUID, *, cursor: str | None, limit: int
) -> Page[Recorded]:
    """What tools recorded that goes to one group, oldest first: its members and its
    facilitator read it, as coordinators do; a member of another group does not."""
    group = await groups.get_group(rt, group_id)
    if not (oversees(caller) or group.is_member(caller.id) or group.facilitator == caller.id):
        raise Forbidden("a group's members and facilitator read what goes to it", field="group_id")
    after = None if cursor is None else parse_time_key("group-intake", cursor)
    async with rt.db.reading() as conn:
        categories = await lists_store.list_entries(conn, ListKind.CATEGORY)
        # A group of one neighbourhood reads that neighbourhood's rows only.
        rows = await store.recorded(
            conn, neighbourhood=group.neighbourhood, after=after, limit=None
        )
    routed = [
        r
        for r in rows
        if concerns(
            group, neighbourhood=r.neighbourhood, category=categories.get(r.category, r.category)
        )
    ]
    return cut_page(
        "group-intake", routed[: limit + 1], limit, lambda r: time_key(r.recorded_at, r.offer_id)
    )
