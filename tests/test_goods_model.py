"""Whatever sequence of deposits, loans, returns, transfers and gifts at two collection
points, on SQLite and PostgreSQL: for each kind of good, the items on shelves and on loan
are exactly those that entered minus those given away, no shelf and no loan goes below
zero, a step is refused exactly when the model says so, and a refused step writes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule
from sqlalchemy import select

from mutual.core import goods as core
from mutual.core.authority import Principal, Role
from mutual.core.errors import LedgerError
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity
from mutual.core.signing import Domain
from mutual.core.units import good_unit
from mutual.settings import Settings
from mutual.store import ledger_reads
from mutual.store.outcomes import Outcome
from mutual.store.tables import accounts
from mutual.usecases import collection_points, goods, members
from mutual.usecases.errors import Unsigned
from tests.conftest import BACKENDS, OPERATOR
from tests.machines import LedgerMachine, run_machine
from tests.wallet import ensure_key

KINDS = ("perceuse", "tente")
LIMIT = 3
Flow = Callable[[uuid.UUID | None, list[Any]], Coroutine[Any, Any, Outcome]]


class GoodsMachine(LedgerMachine):
    def configure(self, settings_: Settings) -> Settings:
        return settings_.model_copy(update={"open_loans_max": LIMIT})

    def __init__(self) -> None:
        super().__init__()
        self.run(ensure_key(self.rt, OPERATOR.id, Capacity.OPERATOR))
        self.people: list[Principal] = []
        self.keys: list[Keypair] = []
        for i in range(3):
            record = self.run(members.apply(self.rt, members.Profile(f"M{i}", None, {}, [])))
            self.run(members.accept(self.rt, OPERATOR, record.id))
            self.people.append(Principal(record.id, frozenset({Role.MEMBER})))
            self.keys.append(self.run(ensure_key(self.rt, record.id)))
        for slug in KINDS:
            self.run(collection_points.create_kind(self.rt, OPERATOR, slug, slug.capitalize(), ""))
        # Point i is kept by member i.
        self.points = [
            self.run(
                collection_points.create_point(
                    self.rt, OPERATOR, None, f"P{i}", "Bourtzwiller", [p.id]
                )
            ).record.id
            for i, p in enumerate(self.people[:2])
        ]
        # The model: shelves, open loans, what entered and what was given, per kind.
        self.shelf = {(p, k): 0 for p in self.points for k in KINDS}
        self.loans: dict[uuid.UUID, list[Any]] = {}  # id -> [member, point, kind, out]
        self.entered = dict.fromkeys(KINDS, 0)
        self.given = dict.fromkeys(KINDS, 0)
        self.last: Outcome | None = None

    def attempt(self, flow: Flow, point: int, signer: int | None = None) -> tuple[Any, str | None]:
        """Two steps as a client does them: unsigned, then signed by the point's keeper
        (or by ``signer``) on its behalf. The outcome, or the code of the refusal; a
        refusal must leave the log as it was."""
        size = self.run(ledger_reads.tree_size(self.rt.db))
        code = self._signed(flow, point, signer)
        if code is None:
            return self.last, None
        assert self.run(ledger_reads.tree_size(self.rt.db)) == size, code
        return None, code

    def _signed(self, flow: Flow, point: int, signer: int | None) -> str | None:
        try:
            self.run(flow(None, []))
        except Unsigned as unsigned:
            payload = unsigned.signing_payload
        except LedgerError as exc:
            return exc.code
        else:
            raise AssertionError("a flow without signatures is answered unsigned")
        key = self.keys[point if signer is None else signer]
        sig = key.sign_payload(
            Domain.TRANSACTION, payload, on_behalf_of=PrincipalId(self.points[point])
        )
        try:
            outcome = self.run(flow(uuid.UUID(payload["id"]), [sig]))
        except LedgerError as exc:
            return exc.code
        if not outcome.accepted:
            return str(outcome.body["code"])
        self.last = outcome
        return None

    def held(self, member: uuid.UUID) -> int:
        return sum(loan[3] for loan in self.loans.values() if loan[0] == member)

    @rule(point=st.integers(0, 1), kind=st.sampled_from(KINDS), count=st.integers(1, 3))
    def deposit(self, point: int, kind: str, count: int) -> None:
        def flow(tx_id: uuid.UUID | None, sigs: list[Any]) -> Coroutine[Any, Any, Outcome]:
            req = goods.Movement(tx_id, kind, count)
            return goods.deposit(self.rt, OPERATOR, self.points[point], req, None, sigs)

        _, code = self.attempt(flow, point)
        assert code is None
        self.shelf[self.points[point], kind] += count
        self.entered[kind] += count

    @rule(
        point=st.integers(0, 1),
        kind=st.sampled_from(KINDS),
        who=st.integers(0, 2),
        count=st.integers(1, 3),
    )
    def lend(self, point: int, kind: str, who: int, count: int) -> None:
        member = self.people[who].id
        p = self.points[point]

        def flow(tx_id: uuid.UUID | None, sigs: list[Any]) -> Coroutine[Any, Any, Outcome]:
            req = goods.Movement(tx_id, kind, count)
            return goods.lend(self.rt, OPERATOR, p, req, member, date(2027, 1, 1), sigs)

        outcome, code = self.attempt(flow, point)
        if self.held(member) + count > LIMIT:
            assert code == "loan_limit_reached"
        elif self.shelf[p, kind] < count:
            assert code == "exceeds_balance_min"
        else:
            assert code is None
            self.shelf[p, kind] -= count
            self.loans[uuid.UUID(outcome.body["id"])] = [member, p, kind, count]

    @rule(pick=st.integers(0, 50), count=st.integers(1, 3))
    def give_back(self, pick: int, count: int) -> None:
        if not self.loans:
            return
        loan_id = sorted(self.loans)[pick % len(self.loans)]
        _, p, kind, out = self.loans[loan_id]
        point = self.points.index(p)

        def flow(tx_id: uuid.UUID | None, sigs: list[Any]) -> Coroutine[Any, Any, Outcome]:
            return goods.give_back(self.rt, OPERATOR, p, loan_id, tx_id, count, sigs)

        _, code = self.attempt(flow, point)
        if count > out:
            assert code == "not_borrowed"
        else:
            assert code is None
            self.shelf[p, kind] += count
            self.loans[loan_id][3] -= count
            if self.loans[loan_id][3] == 0:
                del self.loans[loan_id]

    @rule(
        a=st.integers(0, 1),
        b=st.integers(0, 1),
        kind=st.sampled_from(KINDS),
        count=st.integers(1, 3),
    )
    def transfer(self, a: int, b: int, kind: str, count: int) -> None:
        src, dst = self.points[a], self.points[b]

        def flow(tx_id: uuid.UUID | None, sigs: list[Any]) -> Coroutine[Any, Any, Outcome]:
            req = goods.Movement(tx_id, kind, count)
            return goods.transfer(self.rt, OPERATOR, src, req, dst, sigs)

        _, code = self.attempt(flow, a)
        if a == b:
            assert code == "invalid_request"
        elif self.shelf[src, kind] < count:
            assert code == "exceeds_balance_min"
        else:
            assert code is None
            self.shelf[src, kind] -= count
            self.shelf[dst, kind] += count

    @rule(point=st.integers(0, 1), kind=st.sampled_from(KINDS), count=st.integers(1, 3))
    def give(self, point: int, kind: str, count: int) -> None:
        p = self.points[point]

        def flow(tx_id: uuid.UUID | None, sigs: list[Any]) -> Coroutine[Any, Any, Outcome]:
            req = goods.Movement(tx_id, kind, count)
            return goods.give(self.rt, OPERATOR, p, req, None, "un foyer", sigs)

        _, code = self.attempt(flow, point)
        if self.shelf[p, kind] < count:
            assert code == "exceeds_balance_min"
        else:
            assert code is None
            self.shelf[p, kind] -= count
            self.given[kind] += count

    @rule(point=st.integers(0, 1), kind=st.sampled_from(KINDS))
    def signed_by_the_other_keeper(self, point: int, kind: str) -> None:
        p = self.points[point]

        def flow(tx_id: uuid.UUID | None, sigs: list[Any]) -> Coroutine[Any, Any, Outcome]:
            req = goods.Movement(tx_id, kind, 1)
            return goods.deposit(self.rt, OPERATOR, p, req, None, sigs)

        _, code = self.attempt(flow, point, signer=1 - point)
        assert code == "not_custodian"

    @invariant()
    def items_are_conserved(self) -> None:
        for kind in KINDS:
            rows = self.run(self._balances(kind))
            by_id = {r.id: r.balance for r in rows}
            intake = sum(by_id.get(core.intake_id(p, kind), 0) for p in self.points)
            given = sum(by_id.get(core.given_id(p, kind), 0) for p in self.points)
            shelves = {p: by_id.get(core.stock_id(p, kind), 0) for p in self.points}
            lent = [
                b
                for r_id, b in by_id.items()
                if r_id not in {core.stock_id(p, kind) for p in self.points}
                and r_id not in {core.intake_id(p, kind) for p in self.points}
                and r_id not in {core.given_id(p, kind) for p in self.points}
            ]
            assert all(b >= 0 for b in shelves.values())
            assert all(b >= 0 for b in lent)
            assert sum(shelves.values()) + sum(lent) == -intake - given
            assert -intake == self.entered[kind]
            assert given == self.given[kind]
            assert shelves == {p: self.shelf[p, kind] for p in self.points}
            assert sum(lent) == sum(x[3] for x in self.loans.values() if x[2] == kind)

    async def _balances(self, kind: str) -> list[Any]:
        async with self.rt.db.reading() as conn:
            query = select(accounts.c.id, accounts.c.balance).where(
                accounts.c.unit == good_unit(kind)
            )
            return list(await conn.execute(query))


@pytest.mark.parametrize("backend", BACKENDS)
def test_goods_against_their_model(backend: str, fresh_database: Callable[[str], Settings]) -> None:
    """Items are conserved per kind, never negative, and refusals write nothing."""
    run_machine(GoodsMachine, backend, fresh_database, examples=(12, 6), steps=20)
