"""Offers ("I can…") and requests ("I need…"): publish, edit, search, renew, close.

UseCaseError
 ├── OfferClosed      offer_closed: the offer was closed (or, to answer it, has expired)
 └── OwnOffer         own_offer: a member answers someone else's offer, not their own
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.authority import Principal
from mutual.core.territory_lists import ListKind
from mutual.core.timebank import check_duration
from mutual.store import timebank as store
from mutual.store.timebank import OfferFilter, OfferRecord
from mutual.usecases import territory_lists as lists
from mutual.usecases.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    UseCaseError,
)
from mutual.usecases.members import active_member, is_coordinator
from mutual.usecases.pagination import Page, cut_page, parse_time_key, time_key
from mutual.usecases.runtime import Runtime, new_id

DIRECTIONS = ("offer", "request")
Within = Callable[[AsyncConnection, UUID], Awaitable[None]]
# What an edit may change; the direction stays (an offer does not become a request).
EDITABLE = ("title", "description", "category", "neighbourhood", "estimated_minutes")


class OfferClosed(UseCaseError):
    code = "offer_closed"


class OwnOffer(UseCaseError):
    code = "own_offer"


async def publish(
    rt: Runtime,
    member: Principal,
    *,
    direction: str,
    title: str,
    description: str,
    category: str,
    neighbourhood: str | None,
    estimated_minutes: int | None,
    within: Within | None = None,
) -> OfferRecord:
    """A member's offer or request. ``within`` runs in the same transaction once it is
    inserted (a tool's intake checks the member's consent and records itself there, so
    that without consent nothing is written)."""
    author = await active_member(rt, member.id, field="member")
    if direction not in DIRECTIONS:
        raise InvalidRequest("direction is offer or request", field="direction")
    if estimated_minutes is not None:
        check_duration(
            estimated_minutes, step=rt.settings.duration_step_minutes, field="estimated_minutes"
        )
    offer_id = new_id()
    now = rt.clock()
    async with rt.db.writing() as conn:
        await lists.require(conn, ListKind.CATEGORY, category, "category")
        # One's own neighbourhood is always one's to name, even retired from the list since.
        await lists.require(
            conn, ListKind.NEIGHBOURHOOD, neighbourhood, "neighbourhood", kept=author.neighbourhood
        )
        await store.insert_offer(
            conn,
            {
                "id": offer_id,
                "member_id": member.id,
                "direction": direction,
                "title": title,
                "description": description,
                "category": category,
                "neighbourhood": neighbourhood,
                "estimated_minutes": estimated_minutes,
                "created_at": now,
                "expires_at": now + timedelta(days=rt.settings.offer_expiry_days),
            },
        )
        if within is not None:
            await within(conn, offer_id)
        record = await store.get_offer(conn, offer_id)
    assert record is not None
    return record


async def read_offer(rt: Runtime, offer_id: UUID) -> OfferRecord:
    async with rt.db.reading() as conn:
        record = await store.get_offer(conn, offer_id)
    if record is None:
        raise NotFound("no such offer or request", field="id")
    return record


async def _own(rt: Runtime, caller: Principal, offer_id: UUID) -> OfferRecord:
    record = await read_offer(rt, offer_id)
    if record.member_id != caller.id and not is_coordinator(caller):
        raise Forbidden("only its author (or a coordinator) changes an offer", field="id")
    return record


async def edit(
    rt: Runtime, caller: Principal, offer_id: UUID, changes: Mapping[str, Any]
) -> OfferRecord:
    """Change what an open (or expired) offer says; the fields not given stay. A closed
    one is refused: its answers and exchanges were about what it said then."""
    if not changes:
        raise InvalidRequest("nothing to change", field="title")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidRequest("not a part of an offer one edits", field=sorted(unknown)[0])
    for required in ("title", "category"):
        if required in changes and changes[required] is None:
            raise InvalidRequest(f"{required} cannot be emptied", field=required)
    if "description" in changes and changes["description"] is None:
        changes = {**changes, "description": ""}
    if changes.get("estimated_minutes") is not None:
        check_duration(
            changes["estimated_minutes"],
            step=rt.settings.duration_step_minutes,
            field="estimated_minutes",
        )
    record = await _own(rt, caller, offer_id)
    if record.closed_at is not None:
        raise OfferClosed("a closed offer is not edited", field="id")
    async with rt.db.writing() as conn:
        for kind in (ListKind.CATEGORY, ListKind.NEIGHBOURHOOD):
            if kind.value in changes:
                kept = getattr(record, kind.value)
                await lists.require(conn, kind, changes[kind.value], kind.value, kept=kept)
        await store.update_offer(conn, offer_id, dict(changes))
    return await read_offer(rt, offer_id)


async def renew(rt: Runtime, caller: Principal, offer_id: UUID) -> OfferRecord:
    record = await _own(rt, caller, offer_id)
    if record.closed_at is not None:
        raise OfferClosed("a closed offer cannot be renewed", field="id")
    async with rt.db.writing() as conn:
        expires = rt.clock() + timedelta(days=rt.settings.offer_expiry_days)
        await store.update_offer(conn, offer_id, {"expires_at": expires})
    return await read_offer(rt, offer_id)


async def close(rt: Runtime, caller: Principal, offer_id: UUID) -> OfferRecord:
    record = await _own(rt, caller, offer_id)
    if record.closed_at is None:
        async with rt.db.writing() as conn:
            await store.update_offer(conn, offer_id, {"closed_at": rt.clock()})
    return await read_offer(rt, offer_id)


async def search(
    rt: Runtime, where: OfferFilter, *, cursor: str | None, limit: int
) -> Page[OfferRecord]:
    """Newest first: the cursor holds the last offer's creation time and id."""
    await lists.require_now(rt, ListKind.CATEGORY, where.category, "category", retired_ok=True)
    after = None if cursor is None else parse_time_key("offers", cursor)
    async with rt.db.reading() as conn:
        found = await store.search_offers(conn, where, now=rt.clock(), after=after, limit=limit + 1)
    return cut_page("offers", found, limit, lambda o: time_key(o.created_at, o.id))
