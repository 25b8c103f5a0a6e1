"""The demo's volunteer time: pledges for this quarter and the next, this quarter's
allocation to the three demo projects (by the coordination group, signed with the
operator's key) and the hours their leads have confirmed so far.

Quarters are those of the day of loading, so the demo stays possible to load (a
quarter that has ended takes no pledge); ids derive from the quarter and fixed names,
so a reload in the same quarter replays and changes nothing.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from functools import partial
from uuid import UUID

from mutual.core import pledges as core
from mutual.core.authority import Principal
from mutual.core.derived import named_client_id
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.quarters import Quarter, quarter_of
from mutual.core.signing import Signature
from mutual.store.outcomes import Outcome
from mutual.usecases import pledges
from mutual.usecases.flows import sign_and_record_or_raise
from mutual.usecases.runtime import Runtime

HOUR = 60
# Hours each demo project asks of the pool this quarter (projects 0, 1, 2).
WANTED = (40, 25, 30)


def _demo_id(name: str) -> UUID:
    return named_client_id(f"https://mutual.invalid/demo/pledges/{name}")


def _project_id(n: int) -> UUID:
    return named_client_id(f"https://mutual.invalid/demo/project/{n}")


async def _pledge(
    rt: Runtime,
    member: Principal,
    tx_id: UUID,
    quarter: Quarter,
    minutes: int,
    signatures: Sequence[Signature],
) -> Outcome:
    return await pledges.pledge_hours(
        rt,
        member,
        tx_id=tx_id,
        quarter=str(quarter),
        minutes=minutes,
        member_id=None,
        signatures=signatures,
    )


async def _deliver(
    rt: Runtime,
    lead: Principal,
    tx_id: UUID,
    quarter: Quarter,
    line: pledges.LineRequest,
    minutes: int,
    signatures: Sequence[Signature],
) -> Outcome:
    return await pledges.deliver(
        rt,
        lead,
        line.project_id,
        tx_id=tx_id,
        quarter=str(quarter),
        member_id=line.member_id,
        minutes=minutes,
        signatures=signatures,
    )


async def load_pledges_demo(
    rt: Runtime,
    operator: Principal,
    operator_key: Keypair,
    members: Sequence[Principal],
    keys: Mapping[PrincipalId, Keypair],
) -> None:
    """Pledges over two quarters, one allocation, partial deliveries (idempotent)."""
    this = quarter_of(rt.clock().date())
    pledged: dict[PrincipalId, int] = {}
    pledging = []
    for quarter, volunteers in ((this, members[20:80]), (this.next, members[60:100])):
        for member in volunteers:
            # Drawn per (quarter, member), not from one stream: reloaded in a later
            # quarter, a pledge already recorded is composed again identically.
            rng = random.Random(f"{quarter}/{member.id}")  # noqa: S311 - demo data
            minutes = rng.choice((2, 3, 4, 5, 6, 8, 10)) * HOUR
            tx_id = _demo_id(f"pledge/{quarter}/{member.id}")
            call = partial(_pledge, rt, member, tx_id, quarter, minutes)
            pledging.append(sign_and_record_or_raise(call, keys[member.id]))
            if quarter == this:
                pledged[member.id] = minutes
    # Each member's own promise: independent, so sent together for the journal to batch.
    await asyncio.gather(*pledging)
    wanted = [(_project_id(n), hours * HOUR) for n, hours in enumerate(WANTED)]
    lines = [
        pledges.LineRequest(x.member_id, x.project_id, x.minutes)
        for x in core.distribute(pledged, wanted)
    ]
    allocation_id = _demo_id(f"allocation/{this}")
    await sign_and_record_or_raise(
        lambda s: pledges.allocate(
            rt,
            operator,
            tx_id=allocation_id,
            quarter=str(this),
            decision=f"Groupe de coordination, décision {this} n°1",
            lines=lines,
            signatures=s,
        ),
        operator_key,
    )
    # The leads have confirmed about two thirds of what each volunteer was allocated.
    delivering = []
    for i, line in enumerate(lines):
        done = (line.minutes * 2 // 3) // 15 * 15
        if done == 0:
            continue
        project = line.project_id
        lead = members[3 + [p for p, _ in wanted].index(project)]
        delivery_id = _demo_id(f"delivery/{this}/{i}")
        call = partial(_deliver, rt, lead, delivery_id, this, line, done)
        delivering.append(sign_and_record_or_raise(call, keys[lead.id], on_behalf_of=project))
    # Each line its own allocation: independent of one another.
    await asyncio.gather(*delivering)
