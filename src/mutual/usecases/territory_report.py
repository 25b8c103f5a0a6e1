"""The territory's report the seeds ask for: hours exchanged, hours pledged, the fund's
grants and goods lent, per quarter, by neighbourhood, category and age band; as JSON or
as CSV, the same rows.

A person is counted where their profile puts them (an exchange where its provider, who
gave the time, lives; a loan where its borrower lives); "unknown" gathers those who gave
no neighbourhood or band. A grant goes to its project's neighbourhood when the project
belongs to a neighbourhood group, else to the whole territory. Cells that fewer than
``report_people_min`` people make up are withheld (``core.small_counts``)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.quarters import quarter_of
from mutual.core.small_counts import Cell, rows_csv, withhold_small
from mutual.store import reports as store
from mutual.store import timebank as timebank_store
from mutual.store.database import Database
from mutual.usecases.members import oversees, require_coordinator
from mutual.usecases.runtime import Runtime

UNKNOWN = "unknown"
TERRITORY = "territory"
TOTAL = "total"
# measure -> (unit, the dimensions it is broken down by)
MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "hours_exchanged": ("minutes", ("neighbourhood", "category", "age_band")),
    "hours_pledged": ("minutes", ("neighbourhood", "age_band")),
    "fund_granted": ("cents", ("neighbourhood", "category")),
    "goods_lent": ("items", ("neighbourhood", "category", "age_band")),
}
COLUMNS = ("measure", "unit", "dimension", "quarter", "key", "value", "withheld")


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing counted: how much, when, by whom (None: no person, e.g. a grant), and
    the key it falls under in each dimension."""

    quarter: str
    amount: int
    person: UUID | None
    keys: dict[str, str]


@dataclass(frozen=True, slots=True)
class ReportRow:
    measure: str
    unit: str
    dimension: str
    quarter: str
    key: str
    value: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "unit": self.unit,
            "dimension": self.dimension,
            "quarter": self.quarter,
            "key": self.key,
            "value": self.value,
            "withheld": self.value is None,
        }


@dataclass(frozen=True, slots=True)
class TerritoryReport:
    people_min: int
    rows: list[ReportRow]

    def as_json(self) -> dict[str, Any]:
        return {"people_min": self.people_min, "rows": [r.as_json() for r in self.rows]}

    def as_csv(self) -> str:
        """The same rows; a withheld value is an empty cell."""
        return rows_csv(COLUMNS, (r.as_json() for r in self.rows))


def _quarter(at: datetime) -> str:
    return str(quarter_of(at.date()))


def _cells(facts: Iterable[Fact], dimension: str) -> dict[tuple[str, str], Cell]:
    value: dict[tuple[str, str], int] = defaultdict(int)
    people: dict[tuple[str, str], set[UUID]] = defaultdict(set)
    for fact in facts:
        at = (fact.quarter, TOTAL if dimension == TOTAL else fact.keys[dimension])
        value[at] += fact.amount
        if fact.person is not None:
            people[at].add(fact.person)
    return {at: Cell(at[1], v, len(people[at])) for at, v in value.items()}


def measure_rows(
    measure: str, facts: list[Fact], *, people_min: int, personal: bool
) -> list[ReportRow]:
    """One measure's rows: a total per quarter, then each dimension's breakdown per
    quarter; for what people make up (``personal``), small cells withheld."""
    unit, dimensions = MEASURES[measure]
    rows: list[ReportRow] = []
    for dimension in (TOTAL, *dimensions):
        by_quarter: dict[str, list[Cell]] = defaultdict(list)
        for (quarter, _), cell in _cells(facts, dimension).items():
            by_quarter[quarter].append(cell)
        for quarter, cells in sorted(by_quarter.items()):
            shown = withhold_small(cells, people_min) if personal else cells
            for cell in sorted(shown, key=lambda c: c.key):
                value = None if cell.withheld else cell.value
                key = "all" if dimension == TOTAL else cell.key
                rows.append(ReportRow(measure, unit, dimension, quarter, key, value))
    return rows


async def territory_facts(rt: Runtime) -> dict[str, list[Fact]]:
    """Every measure's facts, each under its neighbourhood, category and age band (the
    territory report's rows and the quarterly pack's are counted from them)."""

    async def read(db: Database) -> tuple[Any, ...]:
        async with db.reading() as conn:
            return (
                await store.people(conn),
                await timebank_store.exchanges_for_report(conn),
                await store.pledges(conn),
                await store.grants(conn),
                await store.goods_loans(conn),
            )

    people, exchanges, pledges, grants, loans = await rt.db.from_standby(read)
    by_member = {p.member_id: p for p in people}
    by_account = {p.account_id: p for p in people if p.account_id is not None}

    def where(person: store.Person | None) -> dict[str, str]:
        return {
            "neighbourhood": (person and person.neighbourhood) or UNKNOWN,
            "age_band": (person and person.age_band) or UNKNOWN,
        }

    exchanged = []
    for row in exchanges:
        provider = by_account.get(row.provider_account)
        category = json.loads(row.references).get("category", "uncategorised")
        exchanged.append(
            Fact(
                _quarter(row.recorded_at),
                row.minutes,
                row.provider_account,
                {**where(provider), "category": category},
            )
        )
    pledged = [
        Fact(p.quarter, p.minutes, p.member_id, where(by_member.get(p.member_id)))
        for p in pledges
        if p.minutes
    ]
    granted = [
        Fact(
            _quarter(g.recorded_at),
            g.amount,
            None,
            {
                "neighbourhood": g.group_name if g.group_kind == "neighbourhood" else TERRITORY,
                "category": g.category,
            },
        )
        for g in grants
    ]
    lent = [
        Fact(
            _quarter(loan.lent_at),
            loan.count,
            loan.member_id,
            {**where(by_member.get(loan.member_id)), "category": loan.kind},
        )
        for loan in loans
    ]
    return {
        "hours_exchanged": exchanged,
        "hours_pledged": pledged,
        "fund_granted": granted,
        "goods_lent": lent,
    }


# What people make up (withheld when too few); the fund's grants go to projects.
PERSONAL = {
    "hours_exchanged": True,
    "hours_pledged": True,
    "fund_granted": False,
    "goods_lent": True,
}


async def territory_report(rt: Runtime, caller: Principal) -> TerritoryReport:
    if not oversees(caller):
        require_coordinator(caller)
    facts = await territory_facts(rt)
    people_min = rt.settings.report_people_min
    rows = [
        row
        for measure in MEASURES
        for row in measure_rows(
            measure, facts[measure], people_min=people_min, personal=PERSONAL[measure]
        )
    ]
    return TerritoryReport(people_min, rows)
