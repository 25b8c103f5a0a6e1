"""Whatever sequence of pledges, allocations, deliveries and quarter-end releases, on
SQLite and PostgreSQL: for every member and quarter, pledged = allocated + released +
still held, and for every (member, project, quarter) delivered <= allocated; each
figure equals an independent model's, refusals write nothing, and the ledger's own
invariants hold. Plus the pure share-out of a project's hours over the pool."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from mutual.core.authority import Principal, Role
from mutual.core.errors import LedgerError
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.pledges import ExceedsHeld, distribute
from mutual.core.quarters import Quarter, parse_quarter, quarter_of
from mutual.core.registry import Capacity
from mutual.settings import Settings
from mutual.store import ledger_reads
from mutual.usecases import members, pledges, projects
from mutual.usecases.flows import sign_and_record
from tests.conftest import BACKENDS, OPERATOR
from tests.machines import LedgerMachine, run_machine
from tests.wallet import ensure_key

STEP = 15
QUARTERS = [Quarter(2027, 1), Quarter(2027, 2)]


class PledgeMachine(LedgerMachine):
    def __init__(self) -> None:
        super().__init__()
        self.today = date(2027, 1, 10)
        self.rt.clock = lambda: datetime(
            self.today.year, self.today.month, self.today.day, tzinfo=UTC
        )
        self.operator_key = self.run(ensure_key(self.rt, OPERATOR.id, Capacity.OPERATOR))
        self.people: list[Principal] = []
        self.keys: dict[PrincipalId, Keypair] = {}
        for i in range(3):
            record = self.run(members.apply(self.rt, members.Profile(f"M{i}", None, {}, [])))
            self.run(members.accept(self.rt, OPERATOR, record.id))
            who = Principal(record.id, frozenset({Role.MEMBER}))
            self.keys[who.id] = self.run(ensure_key(self.rt, who.id))
            self.people.append(who)
        self.projects: list[uuid.UUID] = []
        for n in range(2):
            view = self.run(
                projects.create_project(
                    self.rt,
                    OPERATOR,
                    None,
                    projects.NewProject(
                        f"P{n}", "youth", "thematic", "G", self.people[n].id, False
                    ),
                )
            )
            self.projects.append(view.record.id)
        # The model: minutes per (member, quarter) and per (member, project, quarter).
        self.pledged: dict[tuple[PrincipalId, Quarter], int] = defaultdict(int)
        self.released: dict[tuple[PrincipalId, Quarter], int] = defaultdict(int)
        self.allocated: dict[tuple[PrincipalId, uuid.UUID, Quarter], int] = defaultdict(int)
        self.delivered: dict[tuple[PrincipalId, uuid.UUID, Quarter], int] = defaultdict(int)
        self.done: set[Quarter] = set()

    def attempt(self, coroutine: Coroutine[Any, Any, Any]) -> tuple[Any, str | None]:
        """The accepted outcome, or the code of the refusal; a refusal writes nothing."""
        size = self.run(ledger_reads.tree_size(self.rt.db))
        try:
            outcome = self.run(coroutine)
        except LedgerError as exc:
            assert self.run(ledger_reads.tree_size(self.rt.db)) == size
            return None, exc.code
        if not outcome.accepted:
            assert self.run(ledger_reads.tree_size(self.rt.db)) == size
            return None, outcome.body["code"]
        return outcome, None

    def held(self, member: PrincipalId, q: Quarter) -> int:
        allocated = sum(n for (m, _, qq), n in self.allocated.items() if (m, qq) == (member, q))
        return self.pledged[member, q] - allocated - self.released[member, q]

    @rule(who=st.integers(0, 2), q=st.integers(0, 1), steps=st.integers(1, 12))
    def pledge(self, who: int, q: int, steps: int) -> None:
        member, quarter = self.people[who], QUARTERS[q]
        tx_id = uuid.uuid4()
        _, refused = self.attempt(
            sign_and_record(
                lambda sigs: pledges.pledge_hours(
                    self.rt,
                    member,
                    tx_id=tx_id,
                    quarter=str(quarter),
                    minutes=steps * STEP,
                    member_id=None,
                    signatures=sigs,
                ),
                self.keys[member.id],
            )
        )
        expected = "quarter_ended" if quarter.ended(self.today) else None
        assert refused == expected
        if refused is None:
            self.pledged[member.id, quarter] += steps * STEP

    @rule(who=st.integers(0, 2), p=st.integers(0, 1), q=st.integers(0, 1), steps=st.integers(1, 8))
    def allocate(self, who: int, p: int, q: int, steps: int) -> None:
        member, project, quarter = self.people[who].id, self.projects[p], QUARTERS[q]
        line = pledges.LineRequest(member, project, steps * STEP)
        tx_id = uuid.uuid4()
        _, refused = self.attempt(
            sign_and_record(
                lambda sigs: pledges.allocate(
                    self.rt,
                    OPERATOR,
                    tx_id=tx_id,
                    quarter=str(quarter),
                    decision="CCG n°1",
                    lines=[line],
                    signatures=sigs,
                ),
                self.operator_key,
            )
        )
        if quarter.ended(self.today):
            assert refused in ("quarter_ended", "exceeds_held")
        elif steps * STEP > self.held(member, quarter):
            assert refused == "exceeds_held"
        else:
            assert refused is None
            self.allocated[member, project, quarter] += steps * STEP

    @rule(who=st.integers(0, 2), p=st.integers(0, 1), q=st.integers(0, 1), steps=st.integers(1, 8))
    def deliver(self, who: int, p: int, q: int, steps: int) -> None:
        member, project, quarter = self.people[who].id, self.projects[p], QUARTERS[q]
        lead, tx_id = self.people[p], uuid.uuid4()
        _, refused = self.attempt(
            sign_and_record(
                lambda sigs: pledges.deliver(
                    self.rt,
                    lead,
                    project,
                    tx_id=tx_id,
                    quarter=str(quarter),
                    member_id=member,
                    minutes=steps * STEP,
                    signatures=sigs,
                ),
                self.keys[lead.id],
                on_behalf_of=PrincipalId(project),
            )
        )
        key = (member, project, quarter)
        if steps * STEP > self.allocated[key] - self.delivered[key]:
            assert refused == "exceeds_allocation"
        else:
            assert refused is None
            self.delivered[key] += steps * STEP

    @rule()
    def next_quarter(self) -> None:
        """Time passes: into the next quarter (at most twice)."""
        if self.today < date(2027, 7, 1):
            self.today = date(2027, self.today.month + 3, 1)

    @rule(q=st.integers(0, 1))
    def release(self, q: int) -> None:
        quarter = QUARTERS[q]
        _, refused = self.attempt(
            sign_and_record(
                lambda sigs: pledges.release(self.rt, OPERATOR, str(quarter), None, sigs),
                self.operator_key,
            )
        )
        held = {m.id: self.held(m.id, quarter) for m in self.people}
        if not quarter.ended(self.today):
            assert refused == "quarter_not_ended"
        elif quarter in self.done:
            assert refused is None  # a replay of the one release
        elif not any(held.values()):
            assert refused == "nothing_to_release"
        else:
            assert refused is None
            self.done.add(quarter)
            for member, minutes in held.items():
                self.released[member, quarter] += minutes

    @invariant()
    def figures_match_the_model(self) -> None:
        for who in self.people:
            views = self.run(pledges.member_pledges(self.rt, OPERATOR, who.id, None))
            seen = {v.quarter: v for v in views}
            for quarter in QUARTERS:
                view = seen.get(str(quarter))
                pledged = self.pledged[who.id, quarter]
                if view is None:
                    assert pledged == 0
                    continue
                t = view.totals
                assert t.pledged == t.allocated + t.released + t.held
                assert (t.pledged, t.held, t.released) == (
                    pledged,
                    self.held(who.id, quarter),
                    self.released[who.id, quarter],
                )
                for share in view.projects:
                    key = (who.id, share.project_id, quarter)
                    assert share.delivered <= share.allocated
                    assert (share.allocated, share.delivered) == (
                        self.allocated[key],
                        self.delivered[key],
                    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_pledges_against_their_model(
    backend: str, fresh_database: Callable[[str], Settings]
) -> None:
    run_machine(PledgeMachine, backend, fresh_database, examples=(15, 8), steps=25)


@given(
    held=st.dictionaries(
        st.integers(0, 20).map(lambda n: PrincipalId(uuid.UUID(int=n + 1))),
        st.integers(0, 600),
        max_size=8,
    ),
    wanted=st.lists(
        st.tuples(st.integers(0, 5).map(lambda n: uuid.UUID(int=n + 100)), st.integers(1, 900)),
        max_size=5,
    ),
)
def test_distribute_shares_exactly_within_the_pool(
    held: dict[PrincipalId, int], wanted: list[tuple[uuid.UUID, int]]
) -> None:
    """Each project gets exactly what it asked and no member gives more than they hold,
    or the share-out is refused because the pool cannot cover it."""
    try:
        lines = distribute(held, wanted)
    except ExceedsHeld:
        assert sum(n for _, n in wanted) > sum(held.values())
        return
    for project in {p for p, _ in wanted}:
        asked = sum(n for p, n in wanted if p == project)
        assert sum(x.minutes for x in lines if x.project_id == project) == asked
    for member, minutes in held.items():
        assert sum(x.minutes for x in lines if x.member_id == member) <= minutes
    assert all(x.minutes > 0 for x in lines)
    assert distribute(held, wanted) == lines


@given(st.integers(1970, 9998), st.integers(1, 4))
def test_quarters_round_trip_and_tile_the_year(year: int, number: int) -> None:
    """A quarter reads back from its name, holds its first and last day, and the next
    one starts the day after it ends."""
    quarter = Quarter(year, number)
    assert parse_quarter(str(quarter)) == quarter
    assert quarter_of(quarter.starts_on) == quarter == quarter_of(quarter.last_day)
    assert quarter.next.starts_on == quarter.ends_on
    assert quarter.ended(quarter.ends_on)
    assert not quarter.ended(quarter.last_day)
