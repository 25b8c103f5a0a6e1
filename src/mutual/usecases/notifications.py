"""The per-member notification feed: what each member should hear about, as data.

Proposal events are written with the proposal's change. Hours received and limit
warnings are derived from the log by ``catch_up``, which advances a stored position in
the same database transaction as the notifications it adds: after a crash it resumes
where it stopped, and a notification is never lost or doubled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.authority import Principal
from mutual.core.messages import render
from mutual.store import rounds as round_store
from mutual.store import timebank as store
from mutual.store.tables import members, transaction_memos
from mutual.usecases.exchanges import expire_due
from mutual.usecases.round_notices import still_telling, tell_rounds
from mutual.usecases.rounds import load
from mutual.usecases.runtime import Runtime

CATCH_UP_BATCH = 500

# Notices that carry a credential for the mailer to deliver, kept out of the feed.
CREDENTIAL_KINDS = frozenset({"invitation", "password_reset"})


@dataclass(frozen=True, slots=True)
class Notification:
    seq: int
    kind: str
    data: dict[str, Any]
    message: str
    created_at: str


async def catch_up(rt: Runtime) -> None:
    """Derive notifications from every transaction recorded since the last call, and
    what the rounds tell their voters now (a deadline's reminder comes with the clock)."""
    async with rt.db.reading() as conn:
        round_ids = await round_store.round_ids(conn)
    await tell_rounds(rt, [await load(rt, r) for r in still_telling(rt, round_ids)])
    margin = rt.settings.limit_warning_minutes
    # Every feed read calls this: stay off the write lock when nothing is new.
    async with rt.db.reading() as conn:
        if not await store.behind_the_log(conn):
            return
    while True:
        async with rt.db.writing() as conn:
            start = await store.claim_progress(conn)
            rows, next_index = await store.member_postings_from(conn, start, CATCH_UP_BATCH)
            now = rt.clock()
            # Gathered and inserted in one statement: a catch-up over thousands of
            # postings (a first start, the demo) is then one round trip, not thousands.
            found: list[tuple[UUID, str, dict[str, Any], str]] = []
            # Who paid in each transaction: a confirmation names its receiver. A batch
            # holds every posting of the transactions it reaches, so the payer is in it.
            payers = {row.transaction_id: row.member_id for row in rows if row.amount < 0}
            for row in rows:
                source = f"{row.transaction_id}"
                if row.amount > 0:
                    data = {"transaction_id": source, "minutes": row.amount, "kind": row.kind}
                    # A payment from the commons pot is told as what it is, with its
                    # description (read with the notice, so erasing the memo erases it).
                    told = "commons_paid" if row.kind == "commons_payment" else "hours_received"
                    found.append((row.member_id, told, data, source))
                    proposal = json.loads(row.references).get("proposal")
                    if proposal is not None:
                        confirmed: dict[str, Any] = {"proposal_id": proposal, "minutes": row.amount}
                        if row.transaction_id in payers:
                            confirmed["receiver"] = str(payers[row.transaction_id])
                        found.append((row.member_id, "proposal_confirmed", confirmed, proposal))
                near_low = (
                    row.balance_min is not None and row.balance_after - row.balance_min <= margin
                )
                near_high = (
                    row.balance_max is not None and row.balance_max - row.balance_after <= margin
                )
                if (near_low and row.amount < 0) or (near_high and row.amount > 0):
                    bound = row.balance_min if near_low else row.balance_max
                    warning = {"balance_minutes": row.balance_after, "bound_minutes": bound}
                    found.append((row.member_id, "limit_warning", warning, source))
            await store.notify_many(conn, found, now=now)
            if next_index != start:
                await store.set_progress(conn, next_index)
        if next_index == start:
            return


async def _names(conn: AsyncConnection, ids: set[str]) -> dict[str, str | None]:
    if not ids:
        return {}
    query = select(members.c.id, members.c.display_name).where(
        members.c.id.in_([UUID(i) for i in ids])
    )
    return {str(row.id): row.display_name for row in await conn.execute(query)}


async def _memos(conn: AsyncConnection, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    query = select(transaction_memos.c.transaction_id, transaction_memos.c.memo).where(
        transaction_memos.c.transaction_id.in_([UUID(i) for i in ids])
    )
    return {str(row.transaction_id): row.memo for row in await conn.execute(query)}


class Readable(Protocol):
    """A stored notification, whoever's feed it is read from."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def created_at(self) -> datetime: ...


R = TypeVar("R", bound=Readable)

# The data keys of a notification that name a member, each rendered as ``<key>_name``.
_PEOPLE = ("provider", "receiver", "sender")


async def rendered(
    conn: AsyncConnection, records: Sequence[R], language_of: Callable[[R], str]
) -> list[Notification]:
    """The records with their text, naming the people an exchange involves, each in the
    language ``language_of`` gives for it."""
    people = {str(r.data[k]) for r in records for k in _PEOPLE if k in r.data}
    names = await _names(conn, people)
    paid = {str(r.data["transaction_id"]) for r in records if r.kind == "commons_paid"}
    memos = await _memos(conn, paid)
    out = []
    for record in records:
        data = dict(record.data)
        if record.kind == "commons_paid":
            data["memo"] = memos.get(str(data["transaction_id"]), "")
        for key in _PEOPLE:
            if key in data:
                data[f"{key}_name"] = names.get(str(data[key])) or "?"
        out.append(
            Notification(
                record.seq,
                record.kind,
                record.data,
                render(record.kind, data, language_of(record)),
                record.created_at.isoformat(),
            )
        )
    return out


async def feed(
    rt: Runtime, member: Principal, *, after: int, limit: int, language: str
) -> list[Notification]:
    """The member's notifications after cursor ``after``, oldest first, in ``language``;
    not the invitations and password-reset codes, which are credentials sent to the
    member's address (news to nobody, and a live one is better kept out of sight)."""
    await catch_up(rt)
    await expire_due(rt)
    async with rt.db.reading() as conn:
        records = await store.read_notifications(
            conn, member.id, after=after, limit=limit, hidden=CREDENTIAL_KINDS
        )
        return await rendered(conn, records, lambda _: language)
