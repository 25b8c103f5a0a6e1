"""Whatever sequence of propose / confirm / reject / expire / reverse / pay / limit
changes (one member's, or the territory's default), on SQLite and PostgreSQL: TIME
balances sum to zero, no member passes the bounds in force, a limit change is refused
exactly when it would leave a balance outside, a proposal moves hours exactly when it is
confirmed, and a rejected or expired one never is."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from mutual.core.authority import Principal, Role
from mutual.core.errors import LedgerError
from mutual.core.ids import PrincipalId, TransactionId
from mutual.core.registry import Capacity
from mutual.core.signing import Domain
from mutual.core.timebank import ProposalStatus
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.settings import Settings
from mutual.store.accounts import get_account
from mutual.usecases import exchanges, limits, members
from mutual.usecases.transactions import SignedTransaction, record_transactions
from tests.conftest import BACKENDS, OPERATOR
from tests.machines import LedgerMachine, run_machine
from tests.wallet import ensure_key, reverse

STEP = 15


class TimeBankMachine(LedgerMachine):
    def configure(self, settings_: Settings) -> Settings:
        return settings_.model_copy(
            update={"default_balance_min": -120, "default_balance_max": 180}
        )

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 11, 1, tzinfo=UTC)
        self.rt.clock = lambda: self.now
        self.run(ensure_key(self.rt, OPERATOR.id, Capacity.OPERATOR))
        self.people: list[Principal] = []
        self.accounts: dict[PrincipalId, Any] = {}
        for i in range(3):
            record = self.run(members.apply(self.rt, members.Profile(f"M{i}", None, {}, [])))
            accepted = self.run(members.accept(self.rt, OPERATOR, record.id)).member
            who = Principal(record.id, frozenset({Role.MEMBER}))
            self.run(ensure_key(self.rt, who.id))
            self.people.append(who)
            self.accounts[who.id] = accepted.account_id
        # What the model expects: each proposal's fate, and the confirmed exchanges.
        self.fate: dict[TransactionId, ProposalStatus] = {}
        self.confirmed: list[TransactionId] = []
        self.reversed: set[TransactionId] = set()
        # The bounds the model expects for each member, and who has bounds of their own.
        self.bounds = {who.id: (-120, 180) for who in self.people}
        self.own: set[PrincipalId] = set()

    def attempt(self, coroutine: Coroutine[Any, Any, Any]) -> tuple[Any, str | None]:
        """The result, or the code of the refusal."""
        try:
            return self.run(coroutine), None
        except LedgerError as exc:
            return None, exc.code

    def _pending(self) -> list[TransactionId]:
        return [p for p, s in self.fate.items() if s is ProposalStatus.PENDING]

    @rule(a=st.integers(0, 2), b=st.integers(0, 2), steps=st.integers(1, 12))
    def propose(self, a: int, b: int, steps: int) -> None:
        provider, receiver = self.people[a], self.people[b]
        result, refused = self.attempt(
            exchanges.propose(
                self.rt,
                provider,
                proposal_id=None,
                receiver=receiver.id,
                minutes=steps * STEP,
                memo="",
                offer_id=None,
                category=None,
            )
        )
        assert refused == ("self_exchange" if a == b else None)
        if refused is None:
            proposal, new = result
            assert new
            self.fate[proposal.id] = ProposalStatus.PENDING

    @precondition(lambda self: bool(self._pending()))
    @rule(pick=st.integers(0, 1000), by_provider=st.booleans())
    def confirm(self, pick: int, by_provider: bool) -> None:
        pid = self._pending()[pick % len(self._pending())]
        proposal = self.run(exchanges.read_proposal(self.rt, OPERATOR, pid))
        signer = proposal.provider if by_provider else proposal.receiver
        who = next(p for p in self.people if p.id == signer)
        key = self.run(ensure_key(self.rt, who.id))
        sig = key.sign_payload(Domain.TRANSACTION, exchanges.signing_payload(self.rt, proposal))
        outcome, refused = self.attempt(exchanges.confirm(self.rt, who, pid, (sig,)))
        assert refused == ("proposal_not_yours" if by_provider else None)
        if refused is not None:
            return
        if outcome.accepted:
            self.fate[pid] = ProposalStatus.CONFIRMED
            self.confirmed.append(pid)
        else:
            # Only a bound can refuse a well-signed confirmation; the proposal stays open.
            assert outcome.body["code"] in {"exceeds_balance_min", "exceeds_balance_max"}

    @precondition(lambda self: bool(self.fate))
    @rule(pick=st.integers(0, 1000))
    def reject(self, pick: int) -> None:
        pid = list(self.fate)[pick % len(self.fate)]
        proposal = self.run(exchanges.read_proposal(self.rt, OPERATOR, pid))
        receiver = next(p for p in self.people if p.id == proposal.receiver)
        _, refused = self.attempt(exchanges.reject(self.rt, receiver, pid, "non"))
        expected = {
            ProposalStatus.PENDING: None,
            ProposalStatus.EXPIRED: "proposal_expired",
        }.get(self.fate[pid], "proposal_not_pending")
        assert refused == expected
        if refused is None:
            self.fate[pid] = ProposalStatus.REJECTED

    @rule(days=st.integers(1, 20))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)
        expired = self.run(exchanges.expire_due(self.rt))
        due = [
            p
            for p in self._pending()
            if self.run(exchanges.read_proposal(self.rt, OPERATOR, p)).expires_at <= self.now
        ]
        assert expired == len(due)
        for p in due:
            self.fate[p] = ProposalStatus.EXPIRED

    @precondition(lambda self: bool(self.confirmed))
    @rule(pick=st.integers(0, 1000))
    def reverse(self, pick: int) -> None:
        original = self.confirmed[pick % len(self.confirmed)]
        outcome = self.run(
            reverse(self.rt, OPERATOR, original, reversal_id=TransactionId(uuid.uuid4()), memo="x")
        )
        if original in self.reversed:
            assert outcome.body["code"] == "already_reversed"
        elif outcome.accepted:
            self.reversed.add(original)
        else:
            # Undoing may push the provider past a bound they have since moved towards.
            assert outcome.body["code"] in {"exceeds_balance_min", "exceeds_balance_max"}

    @rule(a=st.integers(0, 2), b=st.integers(0, 2), steps=st.integers(1, 12))
    def pay(self, a: int, b: int, steps: int) -> None:
        if a == b:
            return
        payer, payee = self.people[a], self.people[b]
        tx = Transaction(
            TransactionId(uuid.uuid4()),
            TransactionKind.EXCHANGE,
            (
                Posting(self.accounts[payer.id], TIME, -steps * STEP),
                Posting(self.accounts[payee.id], TIME, steps * STEP),
            ),
            payer.id,
        )
        key = self.run(ensure_key(self.rt, payer.id))
        sig = key.sign_transaction(self.rt.log.origin, tx)
        [outcome] = self.run(
            record_transactions(self.rt, payer, [SignedTransaction(tx, (sig,))], atomic=False)
        )
        if not outcome.accepted:
            assert outcome.body["code"] in {"exceeds_balance_min", "exceeds_balance_max"}

    def _balance(self, who: PrincipalId) -> int:
        account = self.run(get_account(self.rt.db, self.accounts[who]))
        assert account is not None
        balance: int = account.balance
        return balance

    @rule(a=st.integers(0, 2), low=st.integers(0, 16), high=st.integers(0, 16))
    def member_limits(self, a: int, low: int, high: int) -> None:
        who = self.people[a].id
        bounds = (-low * STEP, high * STEP)
        _, refused = self.attempt(
            limits.set_member_limits(
                self.rt, OPERATOR, who, change_id=None, balance_min=bounds[0], balance_max=bounds[1]
            )
        )
        inside = bounds[0] <= self._balance(who) <= bounds[1]
        assert refused == (None if inside else "bounds_exclude_balance")
        if refused is None:
            self.bounds[who] = bounds
            self.own.add(who)

    @rule(low=st.integers(0, 16), high=st.integers(0, 16))
    def territory_limits(self, low: int, high: int) -> None:
        bounds = (-low * STEP, high * STEP)
        result, refused = self.attempt(
            limits.set_territory_limits(
                self.rt, OPERATOR, change_id=None, balance_min=bounds[0], balance_max=bounds[1]
            )
        )
        following = [p.id for p in self.people if p.id not in self.own]
        inside = all(bounds[0] <= self._balance(w) <= bounds[1] for w in following)
        assert refused == (None if inside else "bounds_exclude_balance")
        if refused is None:
            assert result[1] == len(following)
            for w in following:
                self.bounds[w] = bounds

    @invariant()
    def balances_sum_to_zero_within_bounds(self) -> None:
        total = 0
        for who in self.people:
            account = self.run(get_account(self.rt.db, self.accounts[who.id]))
            assert account is not None
            low, high = self.bounds[who.id]
            assert (account.balance_min, account.balance_max) == (low, high)
            assert low <= account.balance <= high
            total += account.balance
        assert total == 0

    @invariant()
    def proposals_match_their_fate(self) -> None:
        for pid, fate in self.fate.items():
            proposal = self.run(exchanges.read_proposal(self.rt, OPERATOR, pid))
            assert proposal.status_at(self.now) is fate, (pid, proposal.status, fate)


@pytest.mark.parametrize("backend", BACKENDS)
def test_time_bank_against_its_model(
    backend: str, fresh_database: Callable[[str], Settings]
) -> None:
    run_machine(TimeBankMachine, backend, fresh_database, examples=(25, 12), steps=30)
