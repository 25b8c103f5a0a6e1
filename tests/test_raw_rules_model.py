"""Raw signed transactions of every kind, interleaved with the flows, on SQLite and
PostgreSQL: whatever a signer sends to ``POST /transactions`` (the same
``record_transactions`` call, signed by the keys that may debit the accounts), each
flow's invariants hold after every step, and a refused write leaves no trace.

The flows' own model tests (tests/test_pledges_model.py, test_fund_model.py,
test_goods_model.py) check the flows against exact models; here the model is only the
flows' invariants, read back through the service, because a raw transaction the ledger
accepts may legitimately move any figure a flow would. What it may not do is break a
rule a flow keeps: that is the promise of issue 20 ("there is no way around a flow's
rule"), so on a HEAD where the ledger accepts any signed, balanced transaction between
accounts the signer may debit, this machine finds the way around.
"""

from __future__ import annotations

import operator
import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule
from sqlalchemy import select

from mutual.core import fund as fund_core
from mutual.core import goods as goods_core
from mutual.core import pledges as pledge_core
from mutual.core.accounts import OwnerKind
from mutual.core.authority import Principal, Role
from mutual.core.errors import LedgerError
from mutual.core.fund import ContributionKind, PartnerKind
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.quarters import Quarter, parse_quarter
from mutual.core.registry import Capacity
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import EUR, PLEDGE, TIME, Unit
from mutual.settings import Settings
from mutual.store import fund as fund_store
from mutual.store import ledger_reads
from mutual.store import pledges as pledge_store
from mutual.store.outcomes import Outcome
from mutual.store.principals import ensure_principal
from mutual.store.tables import accounts, transactions
from mutual.usecases import collection_points, fund, goods, members, pledges, projects
from mutual.usecases.accounts import create_account
from mutual.usecases.flows import FlowCall, sign_and_record
from mutual.usecases.transactions import SignedTransaction, record_transactions, reversal_of
from tests.conftest import BACKENDS, OPERATOR, open_pool
from tests.ledger_checks import check_ledger
from tests.machines import LedgerMachine, run_machine
from tests.wallet import ensure_key

K = TransactionKind
LIMIT = 3
STEP = 15
QUARTERS = [Quarter(2027, 1), Quarter(2027, 2)]
GOODS = ("perceuse", "tente")
FIRST_DAY = date(2027, 1, 10)
# Due by the end of the quarter after FIRST_DAY's (or never): such a deposit is "due
# soon" from the start, so time passing never makes the available balance drop on its
# own (that drop would be the calendar's doing, not a write's; see core.fund.available).
DUES = [None, date(2027, 3, 31), date(2027, 6, 30)]
# The kinds that move each unit (a raw transaction draws one of these, or any kind).
FITTING = {
    TIME: [K.EXCHANGE, K.COMMONS_GIFT],
    PLEDGE: [K.PLEDGE, K.ALLOCATION, K.DELIVERY, K.PLEDGE_RELEASE],
    EUR: [K.CONTRIBUTION, K.DEPOSIT, K.REPAYMENT, K.GRANT, K.DISBURSEMENT],
}
GOOD_KINDS = [K.GOOD_DEPOSIT, K.LOAN, K.RETURN, K.GIVE, K.GOOD_TRANSFER]
# Every kind docs/spec-rules.md gives a rule (a correction is the operator's undo).
SPEC_KINDS = [k for k in K if k is not K.CORRECTION]
# The references each kind's flow writes, so a raw one looks like the real thing and the
# ledger has to check that they match the accounts.
REFERENCES: dict[K, tuple[str, ...]] = {
    K.PLEDGE: ("quarter",),
    K.ALLOCATION: ("quarter", "decision"),
    K.DELIVERY: ("quarter", "member"),
    K.PLEDGE_RELEASE: ("quarter",),
    K.CONTRIBUTION: ("partner",),
    K.DEPOSIT: ("partner", "repayment_due"),
    K.REPAYMENT: ("contribution",),
    K.GRANT: ("project",),
    K.DISBURSEMENT: ("project",),
    K.GOOD_DEPOSIT: ("point",),
    K.LOAN: ("point", "member", "due_on"),
    K.RETURN: ("point", "loan"),
    K.GIVE: ("point",),
    K.GOOD_TRANSFER: ("point", "to_point"),
}
# Amounts near what each unit's accounts hold (minutes, cents, items), so that many raw
# transactions pass the bounds and reach the kinds' rules.
SCALES = {TIME: [1, 15, 60], PLEDGE: [1, 15, 60], EUR: [1, 100, 1_000, 10_000, 20_000]}


def amounts(unit: Unit) -> st.SearchStrategy[int]:
    return st.builds(operator.mul, st.integers(1, 4), st.sampled_from(SCALES.get(unit, [1])))


@dataclass(frozen=True, slots=True)
class Signer:
    """Who signs for an account's owner: their own key, or a custodian's on its behalf."""

    name: str
    principal: Principal
    key: Keypair
    behalf: PrincipalId | None = None


@dataclass(frozen=True, slots=True)
class Known:
    """An open account, named for the notes of a falsifying example."""

    label: str
    id: AccountId
    unit: Unit
    owner_kind: OwnerKind
    owner_id: str


class RawRulesMachine(LedgerMachine):
    def configure(self, settings_: Settings) -> Settings:
        return settings_.model_copy(update={"open_loans_max": LIMIT})

    def __init__(self) -> None:
        super().__init__()
        self.today = FIRST_DAY
        self.rt.clock = lambda: datetime(
            self.today.year, self.today.month, self.today.day, 9, tzinfo=UTC
        )
        self.counter = 0
        self.names: dict[uuid.UUID, str] = {}
        self.operator = Signer(
            "operator", OPERATOR, self.run(ensure_key(self.rt, OPERATOR.id, Capacity.OPERATOR))
        )
        # Signers by the owner id of the accounts they may debit.
        self.signers: dict[str, Signer] = {}
        self.people: list[Principal] = []
        for i in range(3):
            record = self.run(members.apply(self.rt, members.Profile(f"M{i}", None, {}, [])))
            self.run(members.accept(self.rt, OPERATOR, record.id))
            who = Principal(record.id, frozenset({Role.MEMBER}))
            self.people.append(who)
            key = self.run(ensure_key(self.rt, who.id))
            self.signers[str(who.id)] = Signer(f"M{i}", who, key)
            self.names[uuid.UUID(int=who.id.int ^ 1)] = f"time(M{i})"
        # Project n is led by member n; point n is kept by member n.
        self.projects: list[uuid.UUID] = []
        for n in range(2):
            pid = self.new_id()
            lead = self.people[n]
            new = projects.NewProject(f"P{n}", "youth", "thematic", "G", lead.id, n == 1)
            self.run(projects.create_project(self.rt, OPERATOR, pid, new))
            self.projects.append(pid)
            self.signers[str(pid)] = Signer(
                f"M{n} for P{n}", lead, self.signers[str(lead.id)].key, PrincipalId(pid)
            )
            for unit in (EUR, PLEDGE, TIME):
                self.names[projects.project_account_id(pid, unit)] = f"P{n}.{unit}"
        for slug in GOODS:
            self.run(collection_points.create_kind(self.rt, OPERATOR, slug, slug.capitalize(), ""))
        self.points: list[uuid.UUID] = []
        for n in range(2):
            keeper = self.people[n]
            view = self.run(
                collection_points.create_point(
                    self.rt, OPERATOR, self.new_id(), f"C{n}", "Bourtzwiller", [keeper.id]
                )
            )
            point = view.record.id
            self.points.append(point)
            self.signers[str(point)] = Signer(
                f"M{n} for C{n}", keeper, self.signers[str(keeper.id)].key, PrincipalId(point)
            )
        partner_principal = PrincipalId(self.new_id())
        self.run(
            ensure_principal(self.rt.db, partner_principal, [Role.PARTNER], now=self.rt.clock())
        )
        partner_key = self.run(ensure_key(self.rt, partner_principal))
        self.partner = Signer(
            "partner", Principal(partner_principal, frozenset({Role.PARTNER})), partner_key
        )
        self.signers[str(partner_principal)] = self.partner
        self.partner_id = self.run(
            fund.create_partner(
                self.rt,
                OPERATOR,
                self.new_id(),
                fund.NewPartner("Fondation", PartnerKind.FOUNDATION, partner_principal),
            )
        ).id
        # TIME accounts beyond the members': the commons pool and an organisation's.
        self.names[self.run(open_pool(self.rt))] = "commons.TIME"
        org_time, _ = self.run(
            create_account(
                self.rt,
                OPERATOR,
                account_id=None,
                unit=TIME,
                owner_kind=OwnerKind.ORGANISATION,
                owner_id=str(partner_principal),
                balance_min=-1200,
                balance_max=2400,
            )
        )
        self.names[org_time.id] = "partner.TIME"
        self.contributions: list[uuid.UUID] = []
        self.deposits: list[uuid.UUID] = []
        self.loans: list[tuple[uuid.UUID, int]] = []  # (loan id, point index)
        self.name_derived_accounts()
        self.prime()

    # --- Helpers ------------------------------------------------------------------------

    def new_id(self) -> uuid.UUID:
        """A fresh client-chosen id (version 4), the same in every run of an example."""
        self.counter += 1
        return uuid.UUID(int=self.counter, version=4)

    def name_derived_accounts(self) -> None:
        names = self.names
        names[fund_core.fund_account_id()] = "fund"
        names[fund_core.payees_account_id()] = "payees"
        names[fund_core.partner_account_id(self.partner_id)] = "partner.gifts"
        for i, who in enumerate(self.people):
            for q in QUARTERS:
                names[pledge_core.promise_account(who.id, q).account.id] = f"promise(M{i},{q})"
                names[pledge_core.held_account(who.id, q).account.id] = f"held(M{i},{q})"
                for n, p in enumerate(self.projects):
                    account = pledge_core.allocated_account(who.id, p, q).account.id
                    names[account] = f"allocated(M{i},P{n},{q})"
            for n, point in enumerate(self.points):
                for slug in GOODS:
                    names[goods_core.loan_account_id(who.id, point, slug)] = (
                        f"loan(M{i},C{n},{slug})"
                    )
        for n, point in enumerate(self.points):
            for slug in GOODS:
                names[goods_core.stock_id(point, slug)] = f"stock(C{n},{slug})"
                names[goods_core.intake_id(point, slug)] = f"intake(C{n},{slug})"
                names[goods_core.given_id(point, slug)] = f"given(C{n},{slug})"

    def state(self) -> tuple[int, dict[uuid.UUID, tuple[int, int]]]:
        """The log's size and every account's balance and version."""
        size, balances = self.run(self._state())
        return size, balances

    async def _state(self) -> tuple[int, dict[uuid.UUID, tuple[int, int]]]:
        size = await ledger_reads.tree_size(self.rt.db)
        async with self.rt.db.reading() as conn:
            rows = await conn.execute(select(accounts.c.id, accounts.c.balance, accounts.c.version))
            return size, {r.id: (r.balance, r.version) for r in rows}

    def expect(self, holds: bool, *detail: object) -> None:
        """One place where a flow's invariant fails, so hypothesis shrinks every way of
        breaking one as a single bug (each is shrunk separately otherwise, for minutes)."""
        assert holds, detail

    def attempt(self, coroutine: Coroutine[Any, Any, Outcome]) -> str | None:
        """Run a write: None when accepted, else the refusal's code, once it is checked
        that the refusal left the log and every balance as they were."""
        before = self.state()
        try:
            outcome = self.run(coroutine)
        except LedgerError as exc:
            code = exc.code
        else:
            if outcome.accepted:
                return None
            code = str(outcome.body["code"])
        assert self.state() == before, f"refused ({code}) yet the ledger changed"
        return code

    def flow(self, call: FlowCall, signer: Signer) -> str | None:
        """A flow's two steps (composed, then signed by ``signer``) as ``attempt``."""
        return self.attempt(sign_and_record(call, signer.key, on_behalf_of=signer.behalf))

    def signer_for(self, account: Known) -> Signer:
        """Whom the authority rule asks for: the owner (or its custodian), or an
        operator for the service's own accounts."""
        if account.owner_kind in (OwnerKind.COMMONS_POOL, OwnerKind.OUTSIDE_WORLD):
            return self.operator
        return self.signers[account.owner_id]

    async def _open_accounts(self) -> list[Known]:
        async with self.rt.db.reading() as conn:
            rows = await conn.execute(
                select(accounts.c.id, accounts.c.unit, accounts.c.owner_kind, accounts.c.owner_id)
            )
            found = [
                Known(
                    self.names.get(r.id, str(r.id)),
                    AccountId(r.id),
                    Unit(r.unit),
                    OwnerKind(r.owner_kind),
                    r.owner_id,
                )
                for r in rows
            ]
        return sorted(found, key=lambda a: a.label)

    async def _balances(self) -> dict[uuid.UUID, int]:
        async with self.rt.db.reading() as conn:
            rows = await conn.execute(select(accounts.c.id, accounts.c.balance))
            return {r.id: r.balance for r in rows}

    def balances(self) -> dict[uuid.UUID, int]:
        return dict(self.run(self._balances()))

    def reference_values(self, key: str) -> list[str]:
        values = {
            "quarter": [str(q) for q in QUARTERS],
            "member": [str(p.id) for p in self.people],
            "project": [str(p) for p in self.projects],
            "partner": [str(self.partner_id)],
            "contribution": [str(c) for c in self.contributions],
            "decision": ["coordination/2027-01"],
            "repayment_due": ["2027-06-30"],
            "point": [str(p) for p in self.points],
            "to_point": [str(p) for p in self.points],
            "due_on": ["2027-02-01"],
            "loan": [str(loan) for loan, _ in self.loans],
        }[key]
        return values or [str(self.new_id())]

    # --- Flows --------------------------------------------------------------------------

    def pledge(self, who: int, q: int, steps: int) -> str | None:
        member, tx_id = self.people[who], self.new_id()
        return self.flow(
            lambda sigs: pledges.pledge_hours(
                self.rt,
                member,
                tx_id=tx_id,
                quarter=str(QUARTERS[q]),
                minutes=steps * STEP,
                member_id=None,
                signatures=sigs,
            ),
            self.signers[str(member.id)],
        )

    def allocate(self, who: int, p: int, q: int, steps: int) -> str | None:
        line = pledges.LineRequest(self.people[who].id, self.projects[p], steps * STEP)
        tx_id = self.new_id()
        return self.flow(
            lambda sigs: pledges.allocate(
                self.rt,
                OPERATOR,
                tx_id=tx_id,
                quarter=str(QUARTERS[q]),
                decision="coordination/2027-01",
                lines=[line],
                signatures=sigs,
            ),
            self.operator,
        )

    def deliver(self, who: int, p: int, q: int, steps: int) -> str | None:
        project, tx_id = self.projects[p], self.new_id()
        lead = self.signers[str(project)]
        return self.flow(
            lambda sigs: pledges.deliver(
                self.rt,
                lead.principal,
                project,
                tx_id=tx_id,
                quarter=str(QUARTERS[q]),
                member_id=self.people[who].id,
                minutes=steps * STEP,
                signatures=sigs,
            ),
            lead,
        )

    def contribute(self, amount: int, deposit: bool, due: date | None) -> str | None:
        tx_id = self.new_id()
        kind = ContributionKind.DEPOSIT if deposit else ContributionKind.GIFT
        new = fund.NewContribution(self.partner_id, kind, amount, due if deposit else None)
        code = self.flow(
            lambda sigs: fund.record_contribution(self.rt, OPERATOR, tx_id, new, sigs),
            self.partner,
        )
        if code is None:
            self.contributions.append(tx_id)
            if deposit:
                self.deposits.append(tx_id)
                label = f"deposit{len(self.deposits)}"
                self.names[fund_core.deposit_account_id(tx_id)] = label
        return code

    def grant(self, p: int, amount: int) -> str | None:
        tx_id, project = self.new_id(), self.projects[p]
        return self.flow(
            lambda sigs: fund.record_grant(
                self.rt, OPERATOR, tx_id, project, amount, "coordination/2027-01", sigs
            ),
            self.operator,
        )

    def disburse(self, p: int, amount: int) -> str | None:
        tx_id, project = self.new_id(), self.projects[p]
        new = fund.NewDisbursement(amount, "Quincaillerie", "facture-1")
        return self.flow(
            lambda sigs: fund.record_disbursement(self.rt, OPERATOR, project, tx_id, new, sigs),
            self.signers[str(project)],
        )

    def goods_deposit(self, point: int, slug: str, count: int) -> str | None:
        req, p = goods.Movement(self.new_id(), slug, count), self.points[point]
        return self.flow(
            lambda sigs: goods.deposit(self.rt, OPERATOR, p, req, None, sigs),
            self.signers[str(p)],
        )

    def lend(self, point: int, slug: str, who: int, count: int) -> str | None:
        req, p = goods.Movement(self.new_id(), slug, count), self.points[point]
        member = self.people[who].id
        code = self.flow(
            lambda sigs: goods.lend(self.rt, OPERATOR, p, req, member, date(2027, 2, 1), sigs),
            self.signers[str(p)],
        )
        if code is None:
            assert req.id is not None
            self.loans.append((req.id, point))
        return code

    def goods_give(self, point: int, slug: str, count: int) -> str | None:
        req, p = goods.Movement(self.new_id(), slug, count), self.points[point]
        return self.flow(
            lambda sigs: goods.give(self.rt, OPERATOR, p, req, None, "un foyer", sigs),
            self.signers[str(p)],
        )

    def prime(self) -> None:
        """Every kind of account open and holding something, through the flows, so that
        raw transactions have something to move from the first step."""
        for who in range(3):
            for q in range(2):
                assert self.pledge(who, q, 4) is None
        assert self.allocate(0, 0, 0, 2) is None
        assert self.allocate(1, 1, 0, 2) is None
        assert self.deliver(0, 0, 0, 1) is None
        assert self.contribute(20_000, False, None) is None
        assert self.contribute(30_000, True, date(2027, 6, 30)) is None
        assert self.contribute(10_000, True, None) is None
        assert self.grant(0, 5_000) is None
        assert self.disburse(0, 1_000) is None
        for point in range(2):
            for slug in GOODS:
                assert self.goods_deposit(point, slug, 3) is None
        assert self.lend(0, "perceuse", 2, 1) is None
        assert self.goods_give(0, "perceuse", 1) is None
        assert self.goods_give(1, "tente", 1) is None

    # --- Rules: the flows, any outcome (a refusal must leave no trace) -------------------

    @rule(who=st.integers(0, 2), q=st.integers(0, 1), steps=st.integers(1, 8))
    def pledge_flow(self, who: int, q: int, steps: int) -> None:
        self.pledge(who, q, steps)

    @rule(who=st.integers(0, 2), p=st.integers(0, 1), q=st.integers(0, 1), steps=st.integers(1, 6))
    def allocation_flow(self, who: int, p: int, q: int, steps: int) -> None:
        self.allocate(who, p, q, steps)

    @rule(who=st.integers(0, 2), p=st.integers(0, 1), q=st.integers(0, 1), steps=st.integers(1, 4))
    def delivery_flow(self, who: int, p: int, q: int, steps: int) -> None:
        self.deliver(who, p, q, steps)

    @rule()
    def next_quarter(self) -> None:
        """Time passes: into the next quarter (at most twice), so quarters end."""
        if self.today < date(2027, 7, 1):
            self.today = date(2027, self.today.month // 3 * 3 + 4, 1)

    @rule(q=st.integers(0, 1))
    def release_flow(self, q: int) -> None:
        quarter = str(QUARTERS[q])
        self.flow(
            lambda sigs: pledges.release(self.rt, OPERATOR, quarter, None, sigs), self.operator
        )

    @rule(amount=st.integers(1, 50_000), deposit=st.booleans(), due=st.sampled_from(DUES))
    def contribution_flow(self, amount: int, deposit: bool, due: date | None) -> None:
        self.contribute(amount, deposit, due)

    @rule(n=st.integers(0, 20), amount=st.integers(1, 40_000))
    def repayment_flow(self, n: int, amount: int) -> None:
        deposit, tx_id = self.deposits[n % len(self.deposits)], self.new_id()
        self.flow(
            lambda sigs: fund.record_repayment(self.rt, OPERATOR, deposit, tx_id, amount, sigs),
            self.operator,
        )

    @rule(p=st.integers(0, 1), amount=st.integers(1, 60_000))
    def grant_flow(self, p: int, amount: int) -> None:
        self.grant(p, amount)

    @rule(p=st.integers(0, 1), amount=st.integers(1, 10_000))
    def disbursement_flow(self, p: int, amount: int) -> None:
        self.disburse(p, amount)

    @rule(point=st.integers(0, 1), slug=st.sampled_from(GOODS), count=st.integers(1, 3))
    def goods_deposit_flow(self, point: int, slug: str, count: int) -> None:
        self.goods_deposit(point, slug, count)

    @rule(
        point=st.integers(0, 1),
        slug=st.sampled_from(GOODS),
        who=st.integers(0, 2),
        count=st.integers(1, 3),
    )
    def loan_flow(self, point: int, slug: str, who: int, count: int) -> None:
        self.lend(point, slug, who, count)

    @rule(pick=st.integers(0, 20), count=st.integers(1, 2))
    def return_flow(self, pick: int, count: int) -> None:
        loan_id, point = self.loans[pick % len(self.loans)]
        p, tx_id = self.points[point], self.new_id()
        self.flow(
            lambda sigs: goods.give_back(self.rt, OPERATOR, p, loan_id, tx_id, count, sigs),
            self.signers[str(p)],
        )

    @rule(point=st.integers(0, 1), slug=st.sampled_from(GOODS), count=st.integers(1, 2))
    def give_flow(self, point: int, slug: str, count: int) -> None:
        self.goods_give(point, slug, count)

    # --- Rules: raw transactions, as POST /transactions sends them ----------------------

    def raw(self, data: st.DataObject, units: Callable[[Unit], bool]) -> None:
        """A raw signed transaction: 1-2 accounts the signers may debit, 1-2 of any open
        accounts credited, in one unit; a kind that moves that unit or any kind; the
        references that kind's flow writes, with values drawn from the known ones."""
        known = [a for a in self.run(self._open_accounts()) if units(a.unit)]
        unit = data.draw(st.sampled_from(sorted({a.unit for a in known})), label="unit")
        by_label = {a.label: a for a in known if a.unit == unit}
        labels = sorted(by_label)
        first = data.draw(st.sampled_from(labels), label="debit")
        # A key signs once: a second debit needs the same signer or another key.
        signer = self.signer_for(by_label[first])
        also = [
            x
            for x in labels
            if x != first
            and (
                self.signer_for(by_label[x]) == signer
                or self.signer_for(by_label[x]).key.key_id != signer.key.key_id
            )
        ]
        second = (
            data.draw(st.none() | st.sampled_from(also), label="second debit") if also else None
        )
        debited = [first] if second is None else [first, second]
        rest = [x for x in labels if x not in debited]
        credited = data.draw(
            st.lists(st.sampled_from(rest), min_size=1, max_size=2, unique=True), label="credit"
        )
        out = data.draw(st.lists(amounts(unit), min_size=len(debited), max_size=len(debited)))
        total = sum(out)
        split = [total]
        if len(credited) == 2 and total > 1:
            cut = data.draw(st.integers(1, total - 1), label="first credit")
            split = [cut, total - cut]
        credited = credited[: len(split)]
        fitting = FITTING.get(unit, GOOD_KINDS)
        kind = data.draw(
            st.one_of(st.sampled_from(fitting), st.sampled_from(SPEC_KINDS)), label="kind"
        )
        references = {
            key: data.draw(st.sampled_from(self.reference_values(key)), label=key)
            for key in REFERENCES.get(kind, ())
        }
        tx_id = self.new_id()
        if kind is K.PLEDGE_RELEASE and data.draw(st.booleans(), label="release id"):
            tx_id = pledge_core.release_id(parse_quarter(references["quarter"]))
        postings = tuple(
            [Posting(by_label[x].id, unit, -n) for x, n in zip(debited, out, strict=True)]
            + [Posting(by_label[x].id, unit, n) for x, n in zip(credited, split, strict=True)]
        )
        signers = list(
            {
                self.signer_for(by_label[x]).name: self.signer_for(by_label[x]) for x in debited
            }.values()
        )
        principal = signers[0].principal
        tx = Transaction(TransactionId(tx_id), kind, postings, principal.id, "", references)
        signed = SignedTransaction(
            tx,
            tuple(
                s.key.sign_transaction(self.rt.log.origin, tx, on_behalf_of=s.behalf)
                for s in signers
            ),
        )

        async def send() -> Outcome:
            [outcome] = await record_transactions(self.rt, principal, [signed], atomic=False)
            return outcome

        code = self.attempt(send())
        moves = ", ".join(
            [f"{x} -{n}" for x, n in zip(debited, out, strict=True)]
            + [f"{x} +{n}" for x, n in zip(credited, split, strict=True)]
        )
        note(
            f"{self.today} raw {kind} {references} signed by "
            f"{', '.join(s.name for s in signers)}: {moves} -> {code or 'ACCEPTED'}"
        )

    @rule(data=st.data())
    def raw_time(self, data: st.DataObject) -> None:
        self.raw(data, lambda unit: unit == TIME)

    @rule(data=st.data())
    def raw_pledge(self, data: st.DataObject) -> None:
        self.raw(data, lambda unit: unit == PLEDGE)

    @rule(data=st.data())
    def raw_euros(self, data: st.DataObject) -> None:
        self.raw(data, lambda unit: unit == EUR)

    @rule(data=st.data())
    def raw_goods(self, data: st.DataObject) -> None:
        self.raw(data, lambda unit: unit.startswith("GOOD."))

    @rule(data=st.data())
    def raw_correction(self, data: st.DataObject) -> None:
        """An operator alone reverses any recorded transaction, as a coordinator corrects
        a mistake: the pooling tools' movements are not undone this way."""
        recorded = self.run(self._recorded_ids())
        original = data.draw(st.sampled_from(recorded), label="reversed")
        tx = self.run(
            reversal_of(
                self.rt,
                TransactionId(original),
                reversal_id=TransactionId(self.new_id()),
                memo="",
                memo_salt=b"",
                initiator=OPERATOR,
            )
        )
        signed = SignedTransaction(
            tx, (self.operator.key.sign_transaction(self.rt.log.origin, tx),)
        )

        async def send() -> Outcome:
            [outcome] = await record_transactions(self.rt, OPERATOR, [signed], atomic=False)
            return outcome

        code = self.attempt(send())
        note(f"{self.today} raw correction of {original} by the operator -> {code or 'ACCEPTED'}")

    async def _recorded_ids(self) -> list[uuid.UUID]:
        async with self.rt.db.reading() as conn:
            rows = await conn.execute(select(transactions.c.id).order_by(transactions.c.log_index))
            return [row.id for row in rows]

    # --- Invariants: each flow's, read back through the service --------------------------

    @invariant()
    def ledger_holds(self) -> None:
        """The ledger's own invariants (sums, versions, bounds, the log and its tree)."""
        self.run(check_ledger(self.rt.db))

    @invariant()
    def pledges_add_up(self) -> None:
        """Per member and quarter pledged = allocated + released + still held, and per
        (member, project, quarter) delivered <= allocated; each promise and allocation
        account moved only by its flows' kinds; a project's PLEDGE account holds exactly
        what its allocations delivered."""
        delivered_to: dict[uuid.UUID, int] = defaultdict(int)
        for who in self.people:
            for view in self.run(pledges.member_pledges(self.rt, OPERATOR, who.id, None)):
                t = view.totals
                where = f"{self.signers[str(who.id)].name} {view.quarter}"
                self.expect(t.pledged == t.allocated + t.released + t.held, "pledged", where, t)
                for share in view.projects:
                    self.expect(share.delivered <= share.allocated, "delivered", where, share)
                    delivered_to[share.project_id] += share.delivered
        for row in self.run(self._pledge_sums()):
            sums = {(row.role, kind): total for kind, total in row.by_kind.items()}
            figures = pledge_core.summarise(sums, row.balance)
            label = self.names.get(row.account_id, str(row.account_id))
            if row.role is pledge_core.Role.PROMISE:
                self.expect(
                    row.balance == figures.released - figures.pledged, "promise", label, row
                )
            if row.role is pledge_core.Role.ALLOCATED:
                self.expect(
                    row.balance == figures.allocated - figures.delivered, "allocated", label, row
                )
        balances = self.balances()
        for n, p in enumerate(self.projects):
            received = balances.get(projects.project_account_id(p, PLEDGE), 0)
            self.expect(received == delivered_to[p], f"P{n}.PLEDGE", received, delivered_to[p])

    async def _pledge_sums(self) -> list[pledge_store.AccountSums]:
        async with self.rt.db.reading() as conn:
            return await pledge_store.account_sums(conn)

    @invariant()
    def fund_keeps_what_it_owes(self) -> None:
        """The available balance is never negative; the fund's balance is what it
        received less what it granted and repaid; what it granted went to projects and
        what it repaid went to deposits, none repaid beyond what it lent, and what each
        deposit still owes is what it lent less what was repaid."""
        summary = self.run(fund.fund_summary(self.rt))
        self.expect(summary.available >= 0, "available", summary)
        in_fund = summary.received - summary.granted - summary.repaid
        self.expect(summary.balance == in_fund, "fund balance", summary)
        contributions, repaid, granted = self.run(self._fund_reads())
        balances = self.balances()
        for c in contributions:
            if c.kind != ContributionKind.DEPOSIT:
                continue
            account = fund_core.deposit_account_id(c.id)
            back = repaid.get(account, 0)
            self.expect(0 <= back <= c.amount, "repaid", c, back)
            self.expect(-balances[account] == c.amount - back, "owed", c, back, balances[account])
        self.expect(sum(repaid.values()) == summary.repaid, "repaid to deposits", repaid, summary)
        self.expect(granted == summary.granted, "granted to projects", granted, summary)

    async def _fund_reads(
        self,
    ) -> tuple[list[fund_store.ContributionRecord], dict[uuid.UUID, int], int]:
        deposit_accounts = [fund_core.deposit_account_id(c) for c in self.deposits]
        eur_accounts = [projects.project_account_id(p, EUR) for p in self.projects]
        async with self.rt.db.reading() as conn:
            contributions = await fund_store.contributions_of(conn)
            repayments = await fund_store.account_postings(conn, deposit_accounts, [K.REPAYMENT])
            grants = await fund_store.account_postings(conn, eur_accounts, [K.GRANT])
        repaid: dict[uuid.UUID, int] = defaultdict(int)
        for line in repayments:
            repaid[line.account_id] += line.amount
        return contributions, dict(repaid), sum(line.amount for line in grants)

    @invariant()
    def goods_counts_stay_in_range(self) -> None:
        """No shelf and no loan below zero; intake only ever debited and given only ever
        credited; each member's open loans, all points and kinds, within the limit."""
        balances = self.balances()
        for n, point in enumerate(self.points):
            for slug in GOODS:
                where = f"C{n} {slug}"
                self.expect(balances.get(goods_core.stock_id(point, slug), 0) >= 0, "stock", where)
                self.expect(
                    balances.get(goods_core.intake_id(point, slug), 0) <= 0, "intake", where
                )
                self.expect(balances.get(goods_core.given_id(point, slug), 0) >= 0, "given", where)
        for who in self.people:
            held = [
                balances.get(goods_core.loan_account_id(who.id, point, slug), 0)
                for point in self.points
                for slug in GOODS
            ]
            name = self.signers[str(who.id)].name
            self.expect(all(n >= 0 for n in held), "loans", name, held)
            self.expect(sum(held) <= LIMIT, "open loans", name, held)


@pytest.mark.parametrize("backend", BACKENDS)
def test_raw_transactions_keep_every_flows_invariants(
    backend: str, fresh_database: Callable[[str], Settings]
) -> None:
    """Raw signed transactions of every kind between accounts their signers may debit,
    interleaved with the flows, never break a flow's invariant, and a refused write
    leaves the log and every balance as they were."""
    run_machine(RawRulesMachine, backend, fresh_database, examples=(25, 15), steps=30)
