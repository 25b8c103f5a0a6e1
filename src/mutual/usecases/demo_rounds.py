"""The demo's allocation rounds: last quarter's, sent to a ballot by an objection,
decided and executed from the fund; and this quarter's, open for voting.

Both go through the round use cases step by step, as the facilitator (the operator, a
coordinator), the members and the operator's key would. A step must fall within the
round's deadlines, so the runtime's clock is set to each step's moment and restored
after. Every moment derives from the deadlines the round's draft stored, and every id
from the quarter and fixed names: a reload in the same quarter replays each step and
changes nothing, even though this quarter's deadlines were set from the day of the
first load.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.derived import named_client_id
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.quarters import Quarter, quarter_of
from mutual.core.round_documents import Line, RoundConfig, Stance
from mutual.core.round_state import RoundState
from mutual.core.signing import Domain
from mutual.core.tally import Rule
from mutual.usecases import rounds
from mutual.usecases.demo_fund import _project_id
from mutual.usecases.errors import Unsigned
from mutual.usecases.fund import available_now
from mutual.usecases.rounds import ProjectAsk
from mutual.usecases.runtime import Runtime

EURO = 100
HOUR = 60
QUORUM = 30  # for the consent poll and the ballot alike


def _demo_id(name: str) -> UUID:
    return named_client_id(f"https://mutual.invalid/demo/rounds/{name}")


@contextmanager
def _at(rt: Runtime, moment: datetime) -> Iterator[None]:
    clock = rt.clock
    rt.clock = lambda: moment
    try:
        yield
    finally:
        rt.clock = clock


@dataclass(frozen=True, slots=True)
class _Objection:
    member: int
    project: int  # the demo project objected to: its line, or its omission if left out
    reason: str


@dataclass(frozen=True, slots=True)
class _Plan:
    """One demo round: what the projects ask, the facilitator's proposal, who objects
    and who consents (members by index), who votes and what they tend to approve."""

    name: str  # part of every id: the round's quarter and its role in the demo
    asks: tuple[ProjectAsk, ...]
    proposal: tuple[Line, ...]  # in order of priority, should the budgets not hold them all
    objections: tuple[_Objection, ...]
    consenting: range
    voting: range
    # Approval ballots over the projects left open, with how often each is chosen.
    ballots: tuple[tuple[tuple[int, ...], int], ...]


def _config(
    label: str,
    quarter: Quarter,
    proposals_close: datetime,
    consent_close: datetime,
    ballot_close: datetime,
) -> RoundConfig:
    return RoundConfig(
        label=label,
        quarter=quarter,
        rule=Rule.MES_ADD1_GREEDY,
        # Published with the draft, as the service would draw it; fixed so a reload replays.
        seed=hashlib.sha256(f"mutual demo round seed/{label}".encode()).hexdigest(),
        share_step=Fraction(1, 1000),
        quorum=QUORUM,
        proposals_close=proposals_close,
        consent_close=consent_close,
        ballot_close=ballot_close,
        max_amendments=2,
        approvals_min=1,
        approvals_max=None,
    )


async def _until_ballot(
    rt: Runtime,
    operator: Principal,
    members: Sequence[Principal],
    config: RoundConfig,
    plan: _Plan,
) -> RoundState:
    """Draft, submissions, snapshot, proposal, stances and the consent poll's close: the
    objections leave part of the proposal to a ballot."""
    rid = _demo_id(f"{plan.name}/round")
    with _at(rt, config.proposals_close - timedelta(days=7)):
        state = await rounds.create_round(rt, operator, rid, config.document())
    if state.consent is not None:
        return state  # a reload: every step up to the poll's close is in the log already
    # From here on the stored deadlines rule: they are the first load's.
    config = state.config
    with _at(rt, config.proposals_close - timedelta(days=3)):
        for n, ask in enumerate(plan.asks):
            await rounds.submit_project(
                rt, operator, rid, ask, entry_id=_demo_id(f"{plan.name}/submission/{n}")
            )
    with _at(rt, config.proposals_close + timedelta(hours=1)):
        state = await rounds.snapshot(rt, operator, rid, entry_id=_demo_id(f"{plan.name}/snapshot"))
    with _at(rt, config.proposals_close + timedelta(hours=2)):
        state = await rounds.propose(
            rt,
            operator,
            rid,
            _within_budgets(plan.proposal, state),
            entry_id=_demo_id(f"{plan.name}/proposal"),
        )
    proposed = {line.project_id for line in state.proposal}
    opened = config.consent_close - timedelta(days=2)
    for objection in plan.objections:
        project = _project_id(objection.project)
        with _at(rt, opened + timedelta(minutes=objection.member)):
            await rounds.take_stance(
                rt,
                members[objection.member],
                rid,
                Stance.OBJECT,
                ("line" if project in proposed else "omission", project),
                objection.reason,
                entry_id=_demo_id(f"{plan.name}/stance/{objection.member}"),
            )
    for i in plan.consenting:
        with _at(rt, opened + timedelta(minutes=i)):
            await rounds.take_stance(
                rt,
                members[i],
                rid,
                Stance.CONSENT,
                None,
                None,
                entry_id=_demo_id(f"{plan.name}/stance/{i}"),
            )
    # Fewer than the whole roll took a stance: the poll closes at its deadline.
    with _at(rt, config.consent_close + timedelta(hours=1)):
        return await rounds.close_consent(
            rt, operator, rid, entry_id=_demo_id(f"{plan.name}/consent_closed")
        )


def _within_budgets(planned: Sequence[Line], state: RoundState) -> list[Line]:
    """The planned lines the snapshot's budgets hold, in order. A reload in a later
    quarter meets a fund the earlier loads' rounds drew on, and other pledges."""
    manifest = state.require_manifest()
    eur, hours = manifest.budget_eur, manifest.budget_hours
    kept = []
    for line in planned:
        if line.eur <= eur and line.hours <= hours:
            kept.append(line)
            eur, hours = eur - line.eur, hours - line.hours
    return sorted(kept)


async def _vote(
    rt: Runtime,
    members: Sequence[Principal],
    keys: Mapping[PrincipalId, Keypair],
    state: RoundState,
    plan: _Plan,
) -> None:
    """Signed ballots, one every few minutes from the poll's close (a resend of a ballot
    already logged answers its receipt: nothing to sign)."""
    rng = random.Random(plan.name)  # noqa: S311 - demo data, not secrets
    choices = [[_project_id(n) for n in approved] for approved, _ in plan.ballots]
    weights = [weight for _, weight in plan.ballots]
    start = state.config.consent_close + timedelta(hours=2)
    for k, i in enumerate(plan.voting):
        member = members[i]
        [approvals] = rng.choices(choices, weights)
        ballot_id = _demo_id(f"{plan.name}/ballot/{i}")
        with _at(rt, start + timedelta(minutes=5 * k)):
            try:
                await rounds.cast_ballot(
                    rt,
                    member,
                    state.round_id,
                    approvals,
                    ballot_id=ballot_id,
                    voter=None,
                    signatures=(),
                )
            except Unsigned as asked:
                signature = keys[member.id].sign_payload(Domain.BALLOT, asked.signing_payload)
                await rounds.cast_ballot(
                    rt,
                    member,
                    state.round_id,
                    approvals,
                    ballot_id=ballot_id,
                    voter=None,
                    signatures=(signature,),
                )


async def _close_and_execute(
    rt: Runtime, operator: Principal, operator_key: Keypair, state: RoundState, plan: _Plan
) -> RoundState:
    ballot_close = state.config.ballot_close
    with _at(rt, ballot_close + timedelta(hours=1)):
        await rounds.close_ballot(
            rt, operator, state.round_id, entry_id=_demo_id(f"{plan.name}/ballot_closed")
        )
    entry_id = _demo_id(f"{plan.name}/executed")
    with _at(rt, ballot_close + timedelta(days=1)):
        try:
            return await rounds.execute(rt, operator, state.round_id, {}, entry_id=entry_id)
        except Unsigned as asked:
            # One transaction per resource the decision gives; each is signed.
            payloads = asked.signing_payloads or (asked.signing_payload,)
            signatures = {
                UUID(p["id"]): (operator_key.sign_payload(Domain.TRANSACTION, p),) for p in payloads
            }
            return await rounds.execute(rt, operator, state.round_id, signatures, entry_id=entry_id)


# Below this the fund is too small for two rounds to mean anything (reloads in later
# quarters draw on it each time): no new rounds are loaded then.
SMALLEST_FUND = 5_000 * EURO


async def load_rounds_demo(
    rt: Runtime,
    operator: Principal,
    operator_key: Keypair,
    members: Sequence[Principal],
    keys: Mapping[PrincipalId, Keypair],
) -> None:
    """Last quarter's round, executed, and this quarter's, open for voting (idempotent)."""
    fund = await available_now(rt)
    if fund < SMALLEST_FUND:
        return

    def part(per_mille: int) -> int:
        """A share of the fund in whole hundreds of euros: the plans hold whatever it is."""
        return fund * per_mille // 1000 // (100 * EURO) * (100 * EURO)

    garden, repair, tutoring = (_project_id(n) for n in range(3))
    now = rt.clock()
    this = quarter_of(now.date())
    last = Quarter(this.year - 1, 4) if this.number == 1 else Quarter(this.year, this.number - 1)
    # Last quarter's round shares out euros only, two fifths of the fund at most (its
    # pool's hours went by the coordination group's own allocation, ``demo_pledges``).
    # One objection, to the garden's line, sends it to a ballot with the tutoring the
    # proposal left out; most of those who took part vote.
    past = _Plan(
        f"{last}/past",
        (
            ProjectAsk(garden, part(200), 0, part(100), None, ()),
            ProjectAsk(repair, part(80), 0, None, None, ()),
            ProjectAsk(tutoring, part(120), 0, None, None, ()),
        ),
        (Line(garden, part(120), 0), Line(repair, part(80), 0)),
        (_Objection(100, 0, "Le jardin a chiffré sa clôture : la somme proposée ne suffit pas."),),
        range(101, 140),
        range(100, 136),
        (((0,), 35), ((2,), 25), ((0, 2), 40)),
    )
    # Within last quarter, and over well before this one began.
    first_day = datetime.combine(last.starts_on, time(18), UTC)
    config = _config(
        f"{last} (démo, exécuté)",
        last,
        first_day + timedelta(days=9),
        first_day + timedelta(days=16),
        first_day + timedelta(days=26),
    )
    state = await _until_ballot(rt, operator, members, config, past)
    await _vote(rt, members, keys, state, past)
    await _close_and_execute(rt, operator, operator_key, state, past)

    # This quarter's projects ask for more than what is left of the fund: the ballot,
    # over the repair café's line and the garden left out, will have to choose.
    current = _Plan(
        f"{this}/open",
        (
            ProjectAsk(garden, part(300), 60 * HOUR, part(160), 30 * HOUR, ()),
            ProjectAsk(repair, part(250), 40 * HOUR, None, None, ()),
            ProjectAsk(tutoring, part(180), 80 * HOUR, None, None, ()),
        ),
        (Line(repair, part(250), 40 * HOUR), Line(tutoring, part(180), 80 * HOUR)),
        (
            _Objection(150, 0, "Le jardin partagé a besoin d'une clôture avant l'été."),
            _Objection(151, 1, "Le repair café a déjà reçu une subvention de la Ville."),
        ),
        range(152, 185),
        range(200, 215),  # the first ballots: the roll has two more weeks
        (((0,), 45), ((1,), 25), ((0, 1), 30)),
    )
    today = datetime.combine(now.date(), time(18), UTC)
    config = _config(
        f"{this} (démo, vote ouvert)",
        this,
        today - timedelta(days=7),
        today - timedelta(days=2),
        today + timedelta(days=14),
    )
    state = await _until_ballot(rt, operator, members, config, current)
    await _vote(rt, members, keys, state, current)
