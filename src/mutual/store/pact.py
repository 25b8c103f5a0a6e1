"""Reading the pact's entries back from the log (``pact_entries`` says where they are) and
folding them into the pact as it stands (``core.pact``)."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.entries import parse_entry
from mutual.core.pact import Pact, apply_pact_entry, parse_pact_payload
from mutual.store.tables import log_entries, members, pact_entries


async def load_pact(conn: AsyncConnection, origin: str) -> Pact:
    """The pact as its entries leave it, folded whole as the verifier does: a territory's
    signatures and invitations number in the thousands, read in one query."""
    rows = await conn.execute(
        select(log_entries.c.log_index, log_entries.c.leaf_input)
        .join(pact_entries, pact_entries.c.log_index == log_entries.c.log_index)
        .order_by(pact_entries.c.log_index)
    )
    pact = Pact()
    for row in rows:
        _, payload, _ = parse_entry(json.loads(bytes(row.leaf_input)))
        apply_pact_entry(pact, parse_pact_payload(origin, payload), log_index=int(row.log_index))
    return pact


async def note_signed_on(conn: AsyncConnection, member_id: UUID, day: date) -> None:
    """The profile's pact date, a copy of the day of the member's first signature in the
    log (a date given before the pact was in the log is kept, never overwritten)."""
    await conn.execute(
        update(members)
        .where(members.c.id == member_id, members.c.pact_signed_on.is_(None))
        .values(pact_signed_on=day)
    )
