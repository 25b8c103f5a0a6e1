"""The coordination group's quarterly pack (issue 25, item 4): one quarter's figures for
the whole territory and for each coordination group — hours exchanged and pledged, the
fund's grants, goods lent, the needs and offers intake sent the group, the well-being
answers of its neighbourhood — as JSON or CSV, the same rows.

A figure goes to the groups it concerns as intake does (``core.territory_lists.concerns``:
its neighbourhood's group, its category's life-slice or resource group, the city group),
counted from the territory report's own facts; figures that fewer than
``report_people_min`` people make up are withheld (``core.small_counts``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, datetime, time
from typing import Any
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.groups import Group, GroupKind
from mutual.core.quarters import InvalidQuarter, Quarter, parse_quarter, quarter_of
from mutual.core.small_counts import Cell, rows_csv, withhold_small
from mutual.core.territory_lists import ListKind, concerns
from mutual.store import intake as intake_store
from mutual.store import territory_lists as lists_store
from mutual.store.territory_lists import WellbeingRecord
from mutual.usecases import groups as groups_usecase
from mutual.usecases.members import oversees, require_coordinator
from mutual.usecases.runtime import Runtime
from mutual.usecases.territory_report import MEASURES, PERSONAL, territory_facts

TERRITORY = "territory"
COLUMNS = ("group", "name", "kind", "measure", "unit", "value", "withheld")
KIND_ORDER = [k.value for k in (GroupKind.CITY, GroupKind.NEIGHBOURHOOD, GroupKind.LIFE_SLICE)]


@dataclass(frozen=True, slots=True)
class Counted:
    """One thing counted in the quarter: how much, by whom (None: no person named), where;
    ``anonymous``: how many people without a name it stands for (a survey's batch)."""

    amount: int
    person: UUID | None
    neighbourhood: str | None
    category: str | None
    anonymous: int = 0


@dataclass(frozen=True, slots=True)
class PackRow:
    group: str
    name: str
    kind: str
    measure: str
    unit: str
    value: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "name": self.name,
            "kind": self.kind,
            "measure": self.measure,
            "unit": self.unit,
            "value": self.value,
            "withheld": self.value is None,
        }


@dataclass(frozen=True, slots=True)
class QuarterlyPack:
    quarter: str
    people_min: int
    rows: list[PackRow]

    def as_json(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "people_min": self.people_min,
            "rows": [r.as_json() for r in self.rows],
        }

    def as_csv(self) -> str:
        return rows_csv(COLUMNS, (r.as_json() for r in self.rows))


def _bounds(quarter: Quarter) -> tuple[datetime, datetime]:
    return (
        datetime.combine(quarter.starts_on, time(), UTC),
        datetime.combine(quarter.next.starts_on, time(), UTC),
    )


def measure_rows(
    measure: str,
    unit: str,
    counted: Sequence[Counted],
    groups: Sequence[Group],
    *,
    goes_to: Callable[[Group, Counted], bool],
    personal: bool,
    people_min: int,
) -> list[PackRow]:
    """One measure's rows: the territory's, then each group's (what goes to it). Where
    nothing went, 0, which points at no one; the other figures may be withheld."""
    shares = [(TERRITORY, TERRITORY, TERRITORY, list(counted))] + [
        (str(g.id), g.name, g.kind.value, [c for c in counted if goes_to(g, c)]) for g in groups
    ]
    cells = [
        Cell(
            key,
            sum(c.amount for c in chosen),
            len({c.person for c in chosen if c.person is not None})
            + sum(c.anonymous for c in chosen),
        )
        for key, _, _, chosen in shares
        if chosen
    ]
    shown = {c.key: c for c in (withhold_small(cells, people_min) if personal else cells)}
    rows = []
    for key, name, kind, _ in shares:
        cell = shown.get(key)
        value = 0 if cell is None else None if cell.withheld else cell.value
        rows.append(PackRow(key, name, kind, measure, unit, value))
    return rows


def _in_quarter(items: Iterable[Any], quarter: Quarter, at: Callable[[Any], datetime]) -> list[Any]:
    return [i for i in items if quarter_of(at(i).date()) == quarter]


async def quarterly_pack(rt: Runtime, caller: Principal, quarter_text: str) -> QuarterlyPack:
    if not oversees(caller):
        require_coordinator(caller)
    quarter = parse_quarter(quarter_text)
    if not 1 <= quarter.year < MAXYEAR:
        raise InvalidQuarter("a quarter of a year from 1 to 9998", field="quarter")
    since, until = _bounds(quarter)
    facts = await territory_facts(rt)
    async with rt.db.reading() as conn:
        intake = await intake_store.recorded(conn, neighbourhood=None, after=None, limit=None)
        wellbeing = await lists_store.wellbeing(conn, since, until)
        categories = await lists_store.list_entries(conn, ListKind.CATEGORY)
    every = sorted(
        (await groups_usecase.groups(rt)).groups.values(),
        key=lambda g: (
            KIND_ORDER.index(g.kind.value) if g.kind.value in KIND_ORDER else len(KIND_ORDER),
            g.name,
        ),
    )

    def goes_to(group: Group, c: Counted) -> bool:
        category = None if c.category is None else categories.get(c.category, c.category)
        return concerns(group, neighbourhood=c.neighbourhood, category=category)

    people_min = rt.settings.report_people_min
    rows: list[PackRow] = []
    for measure, (unit, _) in MEASURES.items():
        counted = [
            Counted(f.amount, f.person, f.keys.get("neighbourhood"), f.keys.get("category"))
            for f in facts[measure]
            if f.quarter == str(quarter)
        ]
        rows += measure_rows(
            measure,
            unit,
            counted,
            every,
            goes_to=goes_to,
            personal=PERSONAL[measure],
            people_min=people_min,
        )
    recorded = _in_quarter(intake, quarter, lambda r: r.recorded_at)
    for direction, measure in (("request", "intake_needs"), ("offer", "intake_offers")):
        counted = [
            Counted(1, r.member_id, r.neighbourhood, r.category)
            for r in recorded
            if r.direction == direction
        ]
        rows += measure_rows(
            measure, "items", counted, every, goes_to=goes_to, personal=True, people_min=people_min
        )
    # Well-being answers by neighbourhood only (a criterion is not a category); an
    # anonymous batch counts each of its answers as one person.
    amounts: tuple[tuple[str, Callable[[WellbeingRecord], int]], ...] = (
        ("wellbeing_respondents", lambda w: w.respondents),
        ("wellbeing_score_total", lambda w: w.score_total),
    )
    for measure, amount in amounts:
        counted = [
            Counted(
                amount(w),
                w.member_id,
                w.neighbourhood,
                None,
                anonymous=0 if w.member_id is not None else w.respondents,
            )
            for w in wellbeing
        ]
        rows += measure_rows(
            measure,
            "answers" if measure == "wellbeing_respondents" else "points",
            counted,
            every,
            goes_to=goes_to,
            personal=True,
            people_min=people_min,
        )
    return QuarterlyPack(str(quarter), people_min, rows)
