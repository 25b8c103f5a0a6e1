"""Well-being from self-surveys (issue 25, item 6): a survey tool (a service client with
the ``intake:write`` scope) records scores on the territory's well-being criteria, for a
resident who consented to it or as an anonymous batch; coordinators read them only in
aggregate, per quarter, by neighbourhood, group and age band, with the cells that fewer
than ``report_people_min`` people make up withheld (``core.small_counts``), as the
territory's report does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from mutual.core.authority import Principal, Role
from mutual.core.quarters import quarter_of
from mutual.core.small_counts import Cell, rows_csv, withhold_small
from mutual.core.territory_lists import ListKind, routed_groups
from mutual.store import intake as intake_store
from mutual.store import territory_lists as store
from mutual.store.territory_lists import WellbeingRecord
from mutual.usecases import groups as groups_usecase
from mutual.usecases import territory_lists as lists
from mutual.usecases.errors import Forbidden, InvalidRequest
from mutual.usecases.intake import NoConsent
from mutual.usecases.members import active_member, oversees, require_coordinator
from mutual.usecases.runtime import Runtime, new_id

UNKNOWN = "unknown"
TOTAL = "total"
DIMENSIONS = (TOTAL, "neighbourhood", "group", "age_band")
COLUMNS = ("criterion", "quarter", "dimension", "key", "respondents", "score_total", "withheld")


async def record(
    rt: Runtime,
    tool: Principal,
    *,
    criterion: str,
    scores: Sequence[int],
    member_id: UUID | None,
    neighbourhood: str | None,
    age_band: str | None,
) -> WellbeingRecord:
    """One resident's score (with their consent to this tool in force), or an anonymous
    batch; nothing is written when the criterion or neighbourhood is not listed."""
    if not tool.has(Role.SERVICE):
        raise Forbidden("a tool records intake with its own token")
    kept = None
    if member_id is not None:
        if len(scores) != 1:
            raise InvalidRequest("one score for one resident", field="scores")
        resident = await active_member(rt, member_id, field="member_id")
        kept = resident.neighbourhood
        neighbourhood = neighbourhood or resident.neighbourhood
        age_band = age_band or resident.age_band
    found = WellbeingRecord(
        new_id(),
        tool.id,
        member_id,
        criterion,
        neighbourhood,
        age_band,
        len(scores),
        sum(scores),
        rt.clock(),
    )
    async with rt.db.writing() as conn:
        await lists.require(conn, ListKind.WELLBEING_CRITERION, criterion, "criterion")
        await lists.require(conn, ListKind.NEIGHBOURHOOD, neighbourhood, "neighbourhood", kept=kept)
        if member_id is not None and not await intake_store.consents(conn, member_id, tool.id):
            raise NoConsent(
                "the resident has not consented to this tool recording in their name",
                field="member_id",
            )
        await store.record_wellbeing(conn, found)
    return found


@dataclass(frozen=True, slots=True)
class WellbeingRow:
    criterion: str
    quarter: str
    dimension: str
    key: str
    respondents: int | None
    score_total: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "quarter": self.quarter,
            "dimension": self.dimension,
            "key": self.key,
            "respondents": self.respondents,
            "score_total": self.score_total,
            "withheld": self.respondents is None,
        }


@dataclass(frozen=True, slots=True)
class WellbeingReport:
    people_min: int
    rows: list[WellbeingRow]

    def as_json(self) -> dict[str, Any]:
        return {"people_min": self.people_min, "rows": [r.as_json() for r in self.rows]}

    def as_csv(self) -> str:
        return rows_csv(COLUMNS, (r.as_json() for r in self.rows))


@dataclass(slots=True)
class _Tally:
    respondents: int = 0
    score_total: int = 0
    anonymous: int = 0
    residents: set[UUID] | None = None

    def add(self, r: WellbeingRecord) -> None:
        self.respondents += r.respondents
        self.score_total += r.score_total
        if r.member_id is None:
            self.anonymous += r.respondents
        else:
            self.residents = (self.residents or set()) | {r.member_id}

    @property
    def people(self) -> int:
        """Distinct residents, and each answer of an anonymous batch as one person."""
        return self.anonymous + len(self.residents or ())


def wellbeing_rows(
    records: Sequence[WellbeingRecord],
    group_keys: dict[str | None, list[str]],
    people_min: int,
) -> list[WellbeingRow]:
    """Per criterion and quarter, a total and each dimension's breakdown; ``group_keys``
    names the groups each neighbourhood's answers go to."""
    tallies: dict[tuple[str, str, str], dict[str, _Tally]] = defaultdict(
        lambda: defaultdict(_Tally)
    )
    for r in records:
        quarter = str(quarter_of(r.recorded_at.date()))
        keys = {
            TOTAL: ["all"],
            "neighbourhood": [r.neighbourhood or UNKNOWN],
            "group": group_keys.get(r.neighbourhood, []),
            "age_band": [r.age_band or UNKNOWN],
        }
        for dimension in DIMENSIONS:
            for key in keys[dimension]:
                tallies[(r.criterion, quarter, dimension)][key].add(r)
    rows: list[WellbeingRow] = []
    order = {d: n for n, d in enumerate(DIMENSIONS)}
    for (criterion, quarter, dimension), by_key in sorted(
        tallies.items(), key=lambda i: (i[0][0], i[0][1], order[i[0][2]])
    ):
        cells = [Cell(k, t.respondents, t.people) for k, t in by_key.items()]
        for cell in sorted(withhold_small(cells, people_min), key=lambda c: c.key):
            t = by_key[cell.key]
            shown = not cell.withheld
            rows.append(
                WellbeingRow(
                    criterion,
                    quarter,
                    dimension,
                    cell.key,
                    t.respondents if shown else None,
                    t.score_total if shown else None,
                )
            )
    return rows


async def report(rt: Runtime, caller: Principal) -> WellbeingReport:
    if not oversees(caller):
        require_coordinator(caller)
    async with rt.db.reading() as conn:
        records = await store.wellbeing(conn, None, None)
    every = list((await groups_usecase.groups(rt)).groups.values())
    group_keys = {
        n: [str(g.id) for g in routed_groups(every, neighbourhood=n, category=None)]
        for n in {r.neighbourhood for r in records}
    }
    people_min = rt.settings.report_people_min
    return WellbeingReport(people_min, wellbeing_rows(records, group_keys, people_min))
