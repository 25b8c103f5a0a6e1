"""Telling voters about rounds: the notices ``core.round_notices`` calls for, written to
each member's feed (and so e-mailed, in the member's language, by the mailer as any
other notice).

``tell_rounds`` is called wherever notices are derived (a feed read, the gateway's
outbox, the mailer's every turn) and right after each step of a round; the feed's key
(member, kind, source) keeps each notice once per voter, so deriving again, in this
process or another, doubles nothing. A process remembers which events it has written
already, and which rounds have ended, so its turns neither rewrite hundreds of rows nor
read every past round each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from mutual.core.round_notices import RoundNotice, round_notices
from mutual.core.round_state import RoundState
from mutual.store import timebank as member_store
from mutual.usecases.runtime import Runtime


async def _active(rt: Runtime) -> frozenset[UUID]:
    async with rt.db.reading() as conn:
        found = await member_store.list_members(conn, status="active", after=None, limit=10**6)
    return frozenset(m.id for m in found)


async def _write(rt: Runtime, notices: list[RoundNotice]) -> None:
    fresh = [n for n in notices if (n.kind, n.source) not in rt.round_notices_told]
    if not fresh:
        return
    rows = [(m, n.kind, n.data, n.source) for n in fresh for m in sorted(n.members)]
    if rows:
        async with rt.db.writing() as conn:
            await member_store.notify_many(conn, rows, now=rt.clock())
    rt.round_notices_told.update((n.kind, n.source) for n in fresh)


async def tell_round(rt: Runtime, state: RoundState) -> None:
    """Write what this round's state calls for now."""
    if all(
        (n.kind, n.source) in rt.round_notices_told
        for n in round_notices(state, frozenset(), rt.clock())
    ):
        return
    await _write(rt, round_notices(state, await _active(rt), rt.clock()))


def still_telling(rt: Runtime, round_ids: Sequence[UUID]) -> list[UUID]:
    """The rounds that may still have something to say: not those ended (executed,
    undecided, cancelled) whose result this process has written, which never will."""
    return [r for r in round_ids if ("ended", str(r)) not in rt.round_notices_told]


async def tell_rounds(rt: Runtime, states: Sequence[RoundState]) -> None:
    """Write what every round calls for now (a reminder falls due with the clock)."""
    await _tell_all(rt, states)
    for state in states:
        if not state.is_open:
            rt.round_notices_told.add(("ended", str(state.round_id)))


async def _tell_all(rt: Runtime, states: Sequence[RoundState]) -> None:
    now = rt.clock()
    active: frozenset[UUID] | None = None
    due: list[RoundNotice] = []
    for state in states:
        # The members are read only when some round has something new to say.
        if active is None and any(
            (n.kind, n.source) not in rt.round_notices_told
            for n in round_notices(state, frozenset(), now)
        ):
            active = await _active(rt)
        if active is not None:
            due.extend(round_notices(state, active, now))
    await _write(rt, due)
