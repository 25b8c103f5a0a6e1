"""The territory report: its figures by neighbourhood, category and age band sum back to
the ledger's own, its CSV holds the same rows as its JSON, and small groups are withheld."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from mutual.core.ids import AccountId
from mutual.core.pledges import Role as PledgeRole
from mutual.core.small_counts import Cell, withhold_small
from mutual.core.transactions import TransactionKind
from mutual.core.units import TIME
from mutual.settings import Settings
from mutual.store import pledges as pledge_store
from mutual.store.tables import accounts, members, postings, transactions
from mutual.usecases.accounts import whole_statement
from mutual.usecases.demo import load_demo_territory
from mutual.usecases.fund import fund_summary
from mutual.usecases.runtime import Runtime
from mutual.usecases.territory_report import Fact, measure_rows
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_timebank import join


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    # Every cell shown, so that the breakdowns can be summed back whole.
    settings = backend_settings.model_copy(update={"report_people_min": 1})
    async with open_api(settings) as api:
        yield api


def _sums(rows: list[dict[str, Any]], measure: str, dimension: str) -> dict[str, int]:
    """Per quarter, the sum of one measure's cells in one dimension."""
    sums: dict[str, int] = defaultdict(int)
    for row in rows:
        if (row["measure"], row["dimension"]) == (measure, dimension):
            sums[row["quarter"]] += row["value"]
    return dict(sums)


async def _hours_exchanged_in_ledger(rt: Runtime) -> int:
    """What providers were credited by exchanges, less what corrections took back, read
    from every TIME account's statement."""
    async with rt.db.reading() as conn:
        query = select(accounts.c.id).where(accounts.c.unit == TIME)
        ids = [r.id for r in await conn.execute(query)]
    total = 0
    for account_id in ids:
        for line in await whole_statement(rt, AccountId(account_id)):
            if (line.kind == TransactionKind.EXCHANGE and line.amount > 0) or (
                line.kind == TransactionKind.CORRECTION and line.amount < 0
            ):
                total += line.amount
    return total


async def _items_lent_in_ledger(rt: Runtime) -> int:
    """The items the loans put in borrowers' loan accounts, less what corrections took
    back: each loan account's statement."""
    async with rt.db.reading() as conn:
        query = select(postings.c.account_id).join(
            transactions, transactions.c.id == postings.c.transaction_id
        )
        loans_in = query.where(transactions.c.kind == "loan", postings.c.amount > 0)
        ids = {r.account_id for r in await conn.execute(loans_in)}
    total = 0
    for account_id in ids:
        for line in await whole_statement(rt, AccountId(account_id)):
            if (line.kind == TransactionKind.LOAN and line.amount > 0) or (
                line.kind == TransactionKind.CORRECTION and line.amount < 0
            ):
                total += line.amount
    return total


async def test_report_sums_back_to_the_ledger(api: Api) -> None:
    """Over the demo territory, hours exchanged and pledged, grants and loans summed by
    neighbourhood, by category and by age band equal each quarter's total, and the
    totals equal the ledger's own figures; the CSV holds the JSON's rows."""
    rt = api.runtime
    assert rt is not None
    await load_demo_territory(rt)
    answer = await api.client.get(f"{API}/reports/territory", headers=api.operator)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    rows = report["rows"]
    assert report["people_min"] == 1
    assert not any(r["withheld"] for r in rows)

    for measure, dimensions in (
        ("hours_exchanged", ("neighbourhood", "category", "age_band")),
        ("hours_pledged", ("neighbourhood", "age_band")),
        ("fund_granted", ("neighbourhood", "category")),
        ("goods_lent", ("neighbourhood", "category", "age_band")),
    ):
        totals = _sums(rows, measure, "total")
        assert totals, measure
        for dimension in dimensions:
            assert _sums(rows, measure, dimension) == totals, (measure, dimension)

    def whole(measure: str) -> int:
        return sum(_sums(rows, measure, "total").values())

    assert whole("hours_exchanged") == await _hours_exchanged_in_ledger(rt)
    assert {r["key"] for r in rows if r["dimension"] == "age_band"} > {"unknown", "26_40"}
    async with rt.db.reading() as conn:
        held = await pledge_store.account_sums(conn)
    pledged = sum(
        a.by_kind.get(TransactionKind.PLEDGE, 0) for a in held if a.role is PledgeRole.HELD
    )
    assert whole("hours_pledged") == pledged
    assert whole("fund_granted") == (await fund_summary(rt)).granted
    assert whole("goods_lent") == await _items_lent_in_ledger(rt)

    sheet = await api.client.get(f"{API}/reports/territory.csv", headers=api.operator)
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("text/csv")
    parsed = [
        {
            **line,
            "value": None if line["value"] == "" else int(line["value"]),
            "withheld": line["withheld"] == "true",
        }
        for line in csv.DictReader(io.StringIO(sheet.text))
    ]
    assert parsed == rows


async def test_a_resident_may_not_read_the_report(api: Api) -> None:
    """The report is the coordinators' (as the time bank's): a resident is refused, and an
    unknown format is refused too."""
    alice = await join(api, "Alice", age_band="26_40")
    refused = await api.client.get(f"{API}/reports/territory", headers=alice.headers)
    assert_problem(refused, 403, "not_authorised")
    own = await api.client.get(f"{API}/members/{alice.id}", headers=alice.headers)
    assert own.json()["age_band"] == "26_40"
    seen = await api.client.get(f"{API}/members/{alice.id}", headers=api.operator)
    assert seen.json()["age_band"] is None
    wrong = await api.client.get(
        f"{API}/reports/territory", headers=api.operator, params={"format": "xls"}
    )
    assert_problem(wrong, 422, "invalid_request")


def test_a_lone_small_cell_takes_the_next_smallest_with_it() -> None:
    """A cell under the threshold is withheld, and when it is the only one, the next
    smallest is withheld too, so that the total does not give it back."""
    cells = [Cell("a", 600, 5), Cell("b", 60, 1), Cell("c", 120, 4), Cell("d", 90, 3)]
    shown = {c.key: c.withheld for c in withhold_small(cells, 3)}
    assert shown == {"a": False, "b": True, "c": False, "d": True}
    two = [Cell("a", 600, 5), Cell("b", 60, 1), Cell("c", 120, 2)]
    assert [c.withheld for c in withhold_small(two, 3)] == [False, True, True]
    assert not any(c.withheld for c in withhold_small(cells, 1))


def test_a_quarter_of_two_people_shows_no_figure_but_grants() -> None:
    """Two people's hours in a quarter are withheld in every breakdown and in the total;
    a grant, which no person makes up, is shown."""
    keys = {"neighbourhood": "Coteaux", "category": "youth", "age_band": "18_25"}
    facts = [Fact("2027-Q1", 60, None, keys) for _ in range(1)]
    people = [Fact("2027-Q1", 60, p, keys) for p in (uuid.UUID(int=1), uuid.UUID(int=2))]
    hours = measure_rows("hours_exchanged", people, people_min=3, personal=True)
    assert hours
    assert all(r.value is None for r in hours)
    grants = measure_rows("fund_granted", facts, people_min=3, personal=False)
    assert [(r.dimension, r.value) for r in grants] == [
        ("total", 60),
        ("neighbourhood", 60),
        ("category", 60),
    ]


async def test_the_age_band_is_the_member_s_own(api: Api) -> None:
    """A member changes their age band on their profile (one of the list, which the
    database holds to as well), finds it in their export, and erasure takes it away with
    the rest of the profile."""
    alice = await join(api, "Alice")
    changed = await api.client.put(
        f"{API}/members/me/profile",
        headers=alice.headers,
        json={"display_name": "Alice", "age_band": "61_75"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["age_band"] == "61_75"
    wrong = await api.client.put(
        f"{API}/members/me/profile",
        headers=alice.headers,
        json={"display_name": "Alice", "age_band": "61-75"},
    )
    assert_problem(wrong, 422, "invalid_request")
    # The database refuses a band outside the list, whoever writes it.
    rt = api.runtime
    assert rt is not None
    bad = update(members).where(members.c.id == uuid.UUID(alice.id)).values(age_band="61-75")
    async with rt.db.write_engine.connect() as conn:
        with pytest.raises(IntegrityError):
            await conn.execute(bad)
    export = await api.client.get(f"{API}/members/me/export", headers=alice.headers)
    assert export.json()["profile"]["age_band"] == "61_75"
    erased = await api.client.delete(f"{API}/members/{alice.id}/profile", headers=alice.headers)
    assert erased.status_code == 204
    async with rt.db.reading() as conn:
        band = (
            await conn.execute(
                select(members.c.age_band).where(members.c.id == uuid.UUID(alice.id))
            )
        ).scalar()
    assert band is None
