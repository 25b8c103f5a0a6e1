"""The fund's invariants under any sequence of flows: tracing conserves money exactly
(pure core), and, on SQLite and PostgreSQL at a fixed clock, the available balance is
never negative whatever gifts, deposits, repayments and grants are attempted, and a
refused grant or repayment writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from mutual.core import fund as core
from mutual.core import fund_trace
from mutual.core.authority import Role
from mutual.core.errors import LedgerError
from mutual.core.fund import ContributionKind, PartnerKind
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity
from mutual.core.signing import Signature
from mutual.settings import Settings
from mutual.store import ledger_reads
from mutual.store.outcomes import Outcome
from mutual.store.principals import ensure_principal
from mutual.usecases import fund, members, projects
from mutual.usecases.flows import sign_and_record
from tests.conftest import BACKENDS, OPERATOR
from tests.machines import LedgerMachine, run_machine
from tests.wallet import ensure_key

# --- Tracing, on the pure core ---------------------------------------------------------

PROJECTS = [uuid.UUID(int=p + 1) for p in range(3)]

operation = st.one_of(
    st.tuples(st.just("give"), st.integers(1, 10_000), st.booleans()),
    st.tuples(st.just("repay"), st.integers(0, 20), st.integers(1, 10_000)),
    st.tuples(st.just("grant"), st.integers(0, 2), st.integers(1, 10_000)),
    st.tuples(st.just("disburse"), st.integers(0, 2), st.integers(1, 10_000)),
)


def events_of(ops: Sequence[tuple[str, int, Any]]) -> list[fund_trace.FundEvent]:
    """A ledger-consistent history: amounts clipped to what the accounts hold."""
    events: list[fund_trace.FundEvent] = []
    balance = 0
    owed: dict[UUID, int] = {}
    project_balance = dict.fromkeys(PROJECTS, 0)
    for n, (name, a, b) in enumerate(ops):
        tx = uuid.UUID(int=1000 + n)
        if name == "give":
            events.append(fund_trace.FundIn(tx, a, tx))
            balance += a
            if b:
                owed[tx] = a
        elif name == "repay" and owed:
            deposit = sorted(owed)[a % len(owed)]
            amount = min(b, owed[deposit], balance)
            if amount:
                events.append(fund_trace.Repaid(tx, deposit, amount))
                owed[deposit] -= amount
                balance -= amount
        elif name == "grant":
            amount = min(b, balance)
            if amount:
                events.append(fund_trace.Granted(tx, PROJECTS[a], amount))
                balance -= amount
                project_balance[PROJECTS[a]] += amount
        elif name == "disburse":
            project = PROJECTS[a]
            amount = min(b, project_balance[project])
            if amount:
                events.append(fund_trace.Disbursed(tx, project, amount, project_balance[project]))
                project_balance[project] -= amount
    return events


@given(st.lists(operation, max_size=40))
@settings(max_examples=300, deadline=None)
def test_tracing_conserves_every_cent(ops: list[tuple[str, int, Any]]) -> None:
    """Per contribution, granted + repaid + still in the fund == amount; per grant, the
    traced shares sum to the grant; per payment, to the payment; nothing is negative."""
    events = events_of(ops)
    traced = fund_trace.trace(events)
    in_fund = sum(e.amount for e in events if isinstance(e, fund_trace.FundIn)) - sum(
        e.amount for e in events if isinstance(e, fund_trace.Repaid | fund_trace.Granted)
    )
    assert sum((c.in_fund for c in traced.contributions.values()), Fraction(0)) == in_fund
    for c in traced.contributions.values():
        parts = [*c.grants.values(), *c.disbursements.values(), c.repaid, c.in_fund]
        assert all(p >= 0 for p in parts)
        assert sum(c.grants.values(), Fraction(0)) + c.repaid + c.other_out + c.in_fund == c.amount
        for d, v in c.disbursements.items():
            project = traced.disbursement_projects[d]
            to_project = [g for gid, g in c.grants.items() if traced.grant_projects[gid] == project]
            assert v <= sum(to_project, Fraction(0))
    for e in events:
        if isinstance(e, fund_trace.Granted | fund_trace.Disbursed):
            slot = "grants" if isinstance(e, fund_trace.Granted) else "disbursements"
            total = sum(
                (getattr(c, slot).get(e.tx_id, Fraction(0)) for c in traced.contributions.values()),
                Fraction(0),
            )
            assert total == e.amount
    repaid = sum(e.amount for e in events if isinstance(e, fund_trace.Repaid))
    assert sum((c.repaid for c in traced.contributions.values()), Fraction(0)) == repaid


def test_end_of_next_quarter() -> None:
    """The quarter after today's ends on the last day of its third month."""
    assert core.end_of_next_quarter(date(2027, 2, 10)) == date(2027, 6, 30)
    assert core.end_of_next_quarter(date(2027, 6, 30)) == date(2027, 9, 30)
    assert core.end_of_next_quarter(date(2027, 9, 1)) == date(2027, 12, 31)
    assert core.end_of_next_quarter(date(2027, 11, 1)) == date(2028, 3, 31)


# --- Available never negative, through the use cases -----------------------------------

TODAY = datetime(2027, 2, 10, 9, tzinfo=UTC)  # end of the next quarter: 2027-06-30
DUES = [None, date(2027, 3, 31), date(2027, 6, 30), date(2027, 7, 1), date(2028, 1, 1)]


class FundMachine(LedgerMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rt.clock = lambda: TODAY
        self.operator_key = self.run(ensure_key(self.rt, OPERATOR.id, Capacity.OPERATOR))
        pid = PrincipalId(uuid.uuid4())
        self.run(ensure_principal(self.rt.db, pid, [Role.PARTNER], now=TODAY))
        self.partner_key = self.run(ensure_key(self.rt, pid))
        self.partner = self.run(
            fund.create_partner(
                self.rt, OPERATOR, None, fund.NewPartner("Fondation", PartnerKind.FOUNDATION, pid)
            )
        )
        applied = self.run(members.apply(self.rt, members.Profile("Léa", None, {}, [])))
        self.run(members.accept(self.rt, OPERATOR, applied.id))
        view = self.run(
            projects.create_project(
                self.rt,
                OPERATOR,
                None,
                projects.NewProject("Jardin", "land_buildings", "thematic", "G", applied.id, False),
            )
        )
        self.project = view.record.id
        self.deposits: list[UUID] = []
        self.gifts: list[UUID] = []

    def signed(
        self, call: Callable[[Sequence[Signature]], Coroutine[Any, Any, Outcome]], key: Keypair
    ) -> tuple[Outcome | None, str | None]:
        """Both steps of a flow; the outcome, or the code of a refusal before signing.
        A refusal must write nothing."""
        size = self.run(ledger_reads.tree_size(self.rt.db))
        try:
            outcome: Outcome = self.run(sign_and_record(call, key))
        except LedgerError as exc:
            assert self.run(ledger_reads.tree_size(self.rt.db)) == size
            return None, exc.code
        if not outcome.accepted:
            assert self.run(ledger_reads.tree_size(self.rt.db)) == size
        return outcome, None if outcome.accepted else outcome.body["code"]

    @rule(amount=st.integers(1, 50_000), deposit=st.booleans(), due=st.sampled_from(DUES))
    def contribute(self, amount: int, deposit: bool, due: date | None) -> None:
        tx_id = uuid.uuid4()
        kind = ContributionKind.DEPOSIT if deposit else ContributionKind.GIFT
        new = fund.NewContribution(self.partner.id, kind, amount, due if deposit else None)
        _, code = self.signed(
            lambda s: fund.record_contribution(self.rt, OPERATOR, tx_id, new, s), self.partner_key
        )
        assert code is None, code
        (self.deposits if deposit else self.gifts).append(tx_id)

    @precondition(lambda self: bool(self.deposits))
    @rule(n=st.integers(0, 50), amount=st.integers(1, 60_000))
    def repay(self, n: int, amount: int) -> None:
        deposit = self.deposits[n % len(self.deposits)]
        tx_id = uuid.uuid4()
        _, code = self.signed(
            lambda s: fund.record_repayment(self.rt, OPERATOR, deposit, tx_id, amount, s),
            self.operator_key,
        )
        assert code in (None, "exceeds_owed", "exceeds_available", "exceeds_balance_min"), code

    @precondition(lambda self: bool(self.gifts))
    @rule()
    def repay_a_gift(self) -> None:
        _, code = self.signed(
            lambda s: fund.record_repayment(self.rt, OPERATOR, self.gifts[0], None, 1, s),
            self.operator_key,
        )
        assert code == "not_a_deposit"

    @rule(amount=st.integers(1, 80_000))
    def grant(self, amount: int) -> None:
        before = self.run(fund.fund_summary(self.rt)).available
        tx_id = uuid.uuid4()
        _, code = self.signed(
            lambda s: fund.record_grant(self.rt, OPERATOR, tx_id, self.project, amount, "CA", s),
            self.operator_key,
        )
        assert (code is None) == (amount <= before), (code, amount, before)

    @invariant()
    def available_is_never_negative(self) -> None:
        summary = self.run(fund.fund_summary(self.rt))
        assert summary.available >= 0, summary
        assert summary.balance == summary.received - summary.granted - summary.repaid


@pytest.mark.parametrize("backend", BACKENDS)
def test_available_is_never_negative(
    backend: str, fresh_database: Callable[[str], Settings]
) -> None:
    """Whatever flows are attempted at a fixed date, the fund's available balance stays
    at or above zero, and a grant is refused exactly when it exceeds it."""
    run_machine(FundMachine, backend, fresh_database, examples=(12, 6), steps=15)
