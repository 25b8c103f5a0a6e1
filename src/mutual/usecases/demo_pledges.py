"""The demo's volunteer time: pledges for last quarter, this quarter and the next; last
quarter's and this quarter's allocations to the three demo projects (by the coordination
group, signed with the operator's key) and the hours their leads have confirmed.

Quarters are those of the day of loading. A quarter that has ended takes no pledge nor
allocation, so last quarter's are written with the runtime's clock set to moments within
it (what the journal records as their time), and restored after; what last quarter's
volunteers pledged and were not allocated stays held, for a coordinator to release. Ids
derive from the quarter and fixed names, so a reload in the same quarter replays and
changes nothing.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
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
from mutual.usecases.demo_rounds import _at
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
    """Last quarter's pledges, allocation and deliveries, written as of then; this
    quarter's and the next's pledges, this quarter's allocation and deliveries (idempotent).
    """
    this = quarter_of(rt.clock().date())
    last = Quarter(this.year - 1, 4) if this.number == 1 else Quarter(this.year, this.number - 1)
    # Last quarter as it went: pledges on its first day, the coordination group's
    # allocation four days later (before last quarter's round froze its budgets, so its
    # snapshot counts the hours still held then), deliveries near its end. It is loaded first, and
    # what its volunteers pledged stays held past its end: the release is the
    # coordinator's to sign. The same volunteers as this quarter's, drawn alike, so a
    # reload a quarter later composes the former "this" quarter again identically.
    first = datetime.combine(last.starts_on, time(9), UTC)
    with _at(rt, first):
        pledged = await _pledge_all(rt, last, members[20:80], keys)
    with _at(rt, first + timedelta(days=4)):
        lines = await _allocate(rt, operator, operator_key, last, pledged)
    with _at(rt, datetime.combine(last.last_day - timedelta(days=7), time(17), UTC)):
        await _deliver_all(rt, members, keys, last, lines)
    pledged, _ = await asyncio.gather(
        _pledge_all(rt, this, members[20:80], keys),
        _pledge_all(rt, this.next, members[60:100], keys),
    )
    lines = await _allocate(rt, operator, operator_key, this, pledged)
    await _deliver_all(rt, members, keys, this, lines)


async def _pledge_all(
    rt: Runtime,
    quarter: Quarter,
    volunteers: Sequence[Principal],
    keys: Mapping[PrincipalId, Keypair],
) -> dict[PrincipalId, int]:
    """Each volunteer's pledge for the quarter; what each pledged."""
    pledged: dict[PrincipalId, int] = {}
    pledging = []
    for member in volunteers:
        # Drawn per (quarter, member), not from one stream: reloaded in a later
        # quarter, a pledge already recorded is composed again identically.
        rng = random.Random(f"{quarter}/{member.id}")  # noqa: S311 - demo data
        minutes = rng.choice((2, 3, 4, 5, 6, 8, 10)) * HOUR
        tx_id = _demo_id(f"pledge/{quarter}/{member.id}")
        call = partial(_pledge, rt, member, tx_id, quarter, minutes)
        pledging.append(sign_and_record_or_raise(call, keys[member.id]))
        pledged[member.id] = minutes
    # Each member's own promise: independent, so sent together for the journal to batch.
    await asyncio.gather(*pledging)
    return pledged


async def _allocate(
    rt: Runtime,
    operator: Principal,
    operator_key: Keypair,
    quarter: Quarter,
    pledged: Mapping[PrincipalId, int],
) -> list[pledges.LineRequest]:
    """The quarter's allocation to the demo projects, by a decision; its lines."""
    wanted = [(_project_id(n), hours * HOUR) for n, hours in enumerate(WANTED)]
    lines = [
        pledges.LineRequest(x.member_id, x.project_id, x.minutes)
        for x in core.distribute(pledged, wanted)
    ]
    await sign_and_record_or_raise(
        lambda s: pledges.allocate(
            rt,
            operator,
            tx_id=_demo_id(f"allocation/{quarter}"),
            quarter=str(quarter),
            decision=f"Groupe de coordination, décision {quarter} n°1",
            lines=lines,
            signatures=s,
        ),
        operator_key,
    )
    return lines


async def _deliver_all(
    rt: Runtime,
    members: Sequence[Principal],
    keys: Mapping[PrincipalId, Keypair],
    quarter: Quarter,
    lines: Sequence[pledges.LineRequest],
) -> None:
    """The leads have confirmed about two thirds of what each volunteer was allocated."""
    projects = [_project_id(n) for n in range(len(WANTED))]
    delivering = []
    for i, line in enumerate(lines):
        done = (line.minutes * 2 // 3) // 15 * 15
        if done == 0:
            continue
        lead = members[3 + projects.index(line.project_id)]
        delivery_id = _demo_id(f"delivery/{quarter}/{i}")
        call = partial(_deliver, rt, lead, delivery_id, quarter, line, done)
        delivering.append(
            sign_and_record_or_raise(call, keys[lead.id], on_behalf_of=line.project_id)
        )
    # Each line its own allocation: independent of one another.
    await asyncio.gather(*delivering)
