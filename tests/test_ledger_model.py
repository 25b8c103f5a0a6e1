"""A hypothesis state machine drives random ledger requests against a reference model
and a real database (SQLite and PostgreSQL), checking every invariant after each step.

The reference model below is written independently of ``mutual.core``: plain
dictionaries and the rules as the issue states them, so a shared mistake is unlikely.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from mutual.core.accounts import OwnerKind
from mutual.core.authority import Principal, Role
from mutual.core.errors import LedgerError
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.registry import Capacity
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import Unit
from mutual.settings import Settings
from mutual.store import ledger_reads
from mutual.store.outcomes import Outcome
from mutual.store.principals import ensure_principal
from mutual.usecases.accounts import create_account
from mutual.usecases.runtime import Runtime
from mutual.usecases.startup import open_runtime
from mutual.usecases.transactions import SignedTransaction, record_transactions
from tests.conftest import BACKENDS, OPERATOR
from tests.ledger_checks import check_ledger
from tests.wallet import ensure_key, record, reverse, salted, sign

UNITS = [Unit("TIME"), Unit("EUR")]


@dataclass
class ModelAccount:
    unit: str
    owner: PrincipalId | None
    balance_min: int | None
    balance_max: int | None
    balance: int = 0


@dataclass
class Model:
    """What the ledger should hold and answer, by the rules alone."""

    accounts: dict[AccountId, ModelAccount] = field(default_factory=dict)
    answers: dict[TransactionId, tuple[Transaction, PrincipalId, str | None]] = field(
        default_factory=dict
    )
    postings: dict[TransactionId, tuple[Posting, ...]] = field(default_factory=dict)
    reversed: set[TransactionId] = field(default_factory=set)
    tree_size: int = 0

    def predict(self, tx: Transaction, who: Principal | None) -> str | None:
        """The code the ledger must answer; ``who`` signs (None: whoever the rule asks)."""
        if any(p.amount == 0 for p in tx.postings):
            return "amount_zero"
        if len(tx.postings) < 2:
            return "too_few_postings"
        if len({p.account_id for p in tx.postings}) < len(tx.postings):
            return "duplicate_account"
        for unit in {p.unit for p in tx.postings}:
            if sum(p.amount for p in tx.postings if p.unit == unit) != 0:
                return "transaction_not_balanced"
        if (tx.reverses is not None) != (tx.kind is TransactionKind.CORRECTION):
            return "reversal_kind_mismatch"
        for p in tx.postings:
            if p.account_id not in self.accounts:
                return "account_not_found"
            if self.accounts[p.account_id].unit != p.unit:
                return "unit_mismatch"
        for p in tx.postings:
            owner = self.accounts[p.account_id].owner
            if who is None or p.amount >= 0:
                continue
            if Role.OPERATOR in who.roles:
                if owner is not None and tx.kind is not TransactionKind.CORRECTION:
                    return "signature_required"
            elif owner != who.id:
                return "signature_required"
        if tx.reverses is not None:
            original = self.postings.get(tx.reverses)
            if original is None:
                return "transaction_not_found"
            if tx.reverses in self.reversed:
                return "already_reversed"
            inverse = {(p.account_id, -p.amount) for p in original}
            if {(p.account_id, p.amount) for p in tx.postings} != inverse:
                return "reversal_not_inverse"
        for p in tx.postings:
            account = self.accounts[p.account_id]
            after = account.balance + p.amount
            if p.amount < 0 and account.balance_min is not None and after < account.balance_min:
                return "exceeds_balance_min"
            if p.amount > 0 and account.balance_max is not None and after > account.balance_max:
                return "exceeds_balance_max"
        return None

    def apply(self, tx: Transaction) -> None:
        for p in tx.postings:
            self.accounts[p.account_id].balance += p.amount
        self.postings[tx.id] = tx.postings
        if tx.reverses is not None:
            self.reversed.add(tx.reverses)
        self.tree_size += 1


NOT_KEPT = {
    "amount_zero",
    "too_few_postings",
    "duplicate_account",
    "transaction_not_balanced",
    "reversal_kind_mismatch",
    "signature_required",
}

# Set by the test function before the machine runs: a factory of fresh databases.
FRESH: dict[str, Callable[[], Settings]] = {}


class LedgerMachine(RuleBasedStateMachine):
    accounts = Bundle("accounts")
    requests = Bundle("requests")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.context = open_runtime(FRESH["make"](), migrate=False)
        self.rt: Runtime = self.loop.run_until_complete(self.context.__aenter__())
        self.model = Model()
        self.members = [
            Principal(PrincipalId(uuid.UUID(int=1000 + i)), frozenset({Role.MEMBER}))
            for i in range(3)
        ]
        for m in self.members:
            self.run(ensure_principal(self.rt.db, m.id, m.roles, now=self.rt.clock()))
            self.run(ensure_key(self.rt, m.id))
        self.run(ensure_key(self.rt, OPERATOR.id, Capacity.OPERATOR))
        # Key registrations are log entries too; the model counts from here.
        self.model.tree_size = self.run(ledger_reads.tree_size(self.rt.db))

    def signed(self, who: Principal, txs: list[Transaction], *, atomic: bool) -> list[Outcome]:
        capacity = Capacity.OPERATOR if Role.OPERATOR in who.roles else Capacity.MEMBER
        key = self.run(ensure_key(self.rt, who.id, capacity))
        items: list[SignedTransaction | LedgerError] = [
            self.run(sign(self.rt, salted(tx), key)) for tx in txs
        ]
        outcomes: list[Outcome] = self.run(record_transactions(self.rt, who, items, atomic=atomic))
        return outcomes

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.loop.run_until_complete(self.context.__aexit__(None, None, None))
        self.loop.close()

    def _check_outcome(self, outcome: Outcome, expected: str | None, *, replayed: bool) -> None:
        assert outcome.replayed is replayed
        if expected is None:
            assert outcome.accepted, outcome.body
        else:
            assert not outcome.accepted
            assert outcome.body["code"] == expected

    def _open(
        self,
        unit: Unit,
        owner: Principal | None,
        balance_min: int | None,
        balance_max: int | None,
    ) -> AccountId:
        account, _ = self.run(
            create_account(
                self.rt,
                OPERATOR,
                account_id=None,
                unit=unit,
                owner_kind=OwnerKind.COMMONS_POOL if owner is None else OwnerKind.MEMBER,
                owner_id="commons" if owner is None else str(owner.id),
                balance_min=balance_min,
                balance_max=balance_max,
            )
        )
        self.model.accounts[account.id] = ModelAccount(
            unit, None if owner is None else owner.id, balance_min, balance_max
        )
        self.model.tree_size += 1  # an account opening is a log entry
        return AccountId(account.id)

    @initialize(target=accounts)
    def open_territory(self) -> object:
        """A commons pool and one tightly bounded TIME account per member."""
        pool = self._open(Unit("TIME"), None, None, None)
        return multiple(pool, *(self._open(Unit("TIME"), m, -200, 200) for m in self.members))

    @rule(
        target=accounts,
        owner=st.integers(0, 2),
        unit=st.sampled_from(UNITS),
        balance_min=st.one_of(st.none(), st.integers(-300, 0)),
        balance_max=st.one_of(st.none(), st.integers(0, 300)),
    )
    def open_account(
        self, owner: int, unit: Unit, balance_min: int | None, balance_max: int | None
    ) -> object:
        return self._open(unit, self.members[owner], balance_min, balance_max)

    def _submit(self, tx: Transaction, who: Principal) -> tuple[Outcome, str | None]:
        expected = self.model.predict(tx, who)
        event(f"transfer: {expected or 'accepted'}")
        [outcome] = self.signed(who, [tx], atomic=False)
        self._check_outcome(outcome, expected, replayed=False)
        if expected is None:
            self.model.apply(tx)
        self.model.answers[tx.id] = (tx, who.id, expected)
        return outcome, expected

    @rule(
        target=requests,
        payer=accounts,
        payee=accounts,
        amount=st.integers(-20, 250),
        skew=st.sampled_from([0] * 9 + [1]),
        unit=st.sampled_from([None] * 18 + [Unit("EUR"), Unit("GOOD.drill")]),
        signer=st.sampled_from(["owner"] * 7 + ["other", "operator"]),
    )
    def transfer(
        self,
        payer: AccountId,
        payee: AccountId,
        amount: int,
        skew: int,
        unit: Unit | None,
        signer: str,
    ) -> object:
        paying = self.model.accounts[payer]
        by_id = {m.id: m for m in self.members}
        # Only the operator may spend from the pool; "other" is any member but the owner.
        who = {
            "owner": OPERATOR if paying.owner is None else by_id[paying.owner],
            "other": next(m for m in self.members if m.id != paying.owner),
            "operator": OPERATOR,
        }[signer]
        unit_payer = Unit(paying.unit)
        unit_payee = unit or Unit(self.model.accounts[payee].unit)
        tx = Transaction(
            TransactionId(uuid.uuid4()),
            TransactionKind.EXCHANGE,
            (Posting(payer, unit_payer, -amount), Posting(payee, unit_payee, amount + skew)),
            who.id,
            "échange",
        )
        self._submit(tx, who)
        return tx.id

    @rule(tx_id=requests)
    def replay(self, tx_id: TransactionId) -> None:
        """The same request again answers the first answer, marked as a replay."""
        tx, who_id, expected = self.model.answers[tx_id]
        who = OPERATOR if who_id == OPERATOR.id else next(m for m in self.members if m.id == who_id)
        [outcome] = self.signed(who, [tx], atomic=False)
        # Refusals decided without the ledger (shape, signatures) are not kept: the same
        # request is judged afresh, to the same answer.
        self._check_outcome(outcome, expected, replayed=expected not in NOT_KEPT)

    @rule(tx_id=requests, bump=st.integers(1, 5))
    def reuse_id(self, tx_id: TransactionId, bump: int) -> None:
        """The same id with a different body is refused and changes nothing."""
        tx, _, expected = self.model.answers[tx_id]
        if expected in NOT_KEPT:
            return  # nothing was kept for that id: a new body is a new request
        changed = Transaction(tx.id, tx.kind, tx.postings, tx.initiator, tx.memo + "!" * bump)
        [outcome] = self.signed(OPERATOR, [changed], atomic=False)
        self._check_outcome(outcome, "idempotency_key_reused", replayed=False)

    @rule(target=requests, tx_id=requests)
    def reverse(self, tx_id: TransactionId) -> object:
        """Reversing: exact inverse once; refused when already reversed or not accepted."""
        new_id = TransactionId(uuid.uuid4())
        original = self.model.postings.get(tx_id)
        if original is None:
            return multiple()
        inverse = tuple(Posting(p.account_id, p.unit, -p.amount) for p in original)
        tx = Transaction(new_id, TransactionKind.CORRECTION, inverse, OPERATOR.id, "", {}, tx_id)
        expected = self.model.predict(tx, OPERATOR)
        outcome = self.run(reverse(self.rt, OPERATOR, tx_id, reversal_id=new_id, memo=""))
        self._check_outcome(outcome, expected, replayed=False)
        if expected is None:
            self.model.apply(tx)
        self.model.answers[new_id] = (tx, OPERATOR.id, expected)
        return new_id

    @rule(pairs=st.lists(st.tuples(st.integers(0, 50), st.booleans()), min_size=1, max_size=4))
    def atomic_batch(self, pairs: list[tuple[int, bool]]) -> None:
        """An atomic batch lands whole or not at all."""
        pool = next(a for a, m in self.model.accounts.items() if m.owner is None)
        members = [a for a, m in self.model.accounts.items() if m.owner and m.unit == "TIME"]
        if not members:
            return
        txs = [
            Transaction(
                TransactionId(uuid.uuid4()),
                TransactionKind.COMMONS_GIFT,
                (
                    Posting(members[i % len(members)], Unit("TIME"), -(i + 1)),
                    Posting(pool, Unit("TIME"), i + 1 + (1 if broken else 0)),
                ),
                OPERATOR.id,
            )
            for i, broken in pairs
        ]
        draft = Model(
            {k: ModelAccount(**vars(v)) for k, v in self.model.accounts.items()},
            dict(self.model.answers),
            dict(self.model.postings),
            set(self.model.reversed),
            self.model.tree_size,
        )
        codes = []
        for t in txs:
            code = draft.predict(t, None)
            codes.append(code)
            if code is not None:
                break
            draft.apply(t)
        outcomes = self.run(record(self.rt, OPERATOR, txs, atomic=True))
        if all(c is None for c in codes):
            assert all(o.accepted for o in outcomes)
            self.model = draft
        else:
            failing = len(codes) - 1
            assert [o.body.get("code") for o in outcomes] == [
                codes[failing] if i == failing else "batch_aborted" for i in range(len(txs))
            ]

    @invariant()
    def ledger_matches_model(self) -> None:
        balances = self.run(check_ledger(self.rt.db))
        assert balances == {k: v.balance for k, v in self.model.accounts.items()}
        assert self.run(ledger_reads.tree_size(self.rt.db)) == self.model.tree_size


@pytest.mark.parametrize("backend", BACKENDS)
def test_ledger_against_reference_model(
    backend: str, fresh_database: Callable[[str], Settings]
) -> None:
    """Random requests leave the database exactly where the reference model says."""
    FRESH["make"] = lambda: fresh_database(backend)
    machine = LedgerMachine.TestCase
    machine.settings = settings(
        max_examples=40 if backend == "sqlite" else 20,
        stateful_step_count=50,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    machine().runTest()
