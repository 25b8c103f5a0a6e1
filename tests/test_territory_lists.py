"""The territory's own lists and intake routed to its groups (issue 25, items 1 and 6), on
SQLite and PostgreSQL: coordinators add, rename and retire categories and neighbourhoods;
a write naming one that is not (or no longer) listed is refused ``not_listed`` with
nothing written, while old rows keep a retired one; a survey tool's needs and offers go
to the groups they concern (the resident's neighbourhood group, the category's life-slice
group, the city group), whose members read them and a member of another group does not;
well-being scores come back in aggregates that sum to what was recorded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from mutual.core.groups import GroupKind
from mutual.core.territory_lists import ListEntry, ListKind, NotListed, concerns, require_listed
from mutual.settings import Settings
from mutual.store.tables import group_entries, offers, wellbeing_records
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_groups import group
from tests.test_intake import _need, _tool
from tests.test_rounds import post
from tests.test_timebank import Member, join


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    # Every cell shown, so that the well-being breakdowns sum back whole.
    settings = backend_settings.model_copy(update={"report_people_min": 1})
    async with open_api(settings) as api:
        yield api


async def _count(api: Api, table: Any) -> int:
    async with api.db.reading() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def _codes(api: Api, path: str, headers: dict[str, str]) -> dict[str, str | None]:
    found = await api.client.get(f"{API}/territory/{path}", headers=headers)
    assert found.status_code == 200, found.text
    return {e["code"]: e["retired_at"] for e in found.json()["items"]}


async def test_coordinators_edit_the_lists_and_unlisted_writes_are_refused(api: Api) -> None:
    awa = await join(api, "Awa", neighbourhood="Drouot")
    # Seeded with what the service had: the fifteen categories, Mulhouse's neighbourhoods.
    categories = await _codes(api, "categories", awa.headers)
    assert len(categories) == 15
    assert "time" in categories
    assert {"Drouot", "Bourtzwiller"} <= set(await _codes(api, "neighbourhoods", awa.headers))
    assert "feelings" in await _codes(api, "wellbeing-criteria", awa.headers)

    # Only coordinators edit; a code is listed once.
    body = {"code": "food", "label_fr": "Alimentation", "label_en": "Food"}
    assert_problem(
        await api.client.post(f"{API}/territory/categories", json=body, headers=awa.headers),
        403,
        "not_authorised",
    )
    added = await api.client.post(f"{API}/territory/categories", json=body, headers=api.operator)
    assert added.status_code == 201, added.text
    assert_problem(
        await api.client.post(f"{API}/territory/categories", json=body, headers=api.operator),
        409,
        "already_listed",
        "code",
    )
    offer = {"direction": "offer", "title": "Soupe", "category": "food"}
    made = await api.client.post(f"{API}/offers", json=offer, headers=awa.headers)
    assert made.status_code == 201, made.text

    # Renamed: the labels change, the code the offer holds does not.
    renamed = await api.client.patch(
        f"{API}/territory/categories/food",
        json={"label_fr": "Se nourrir", "label_en": "Eating"},
        headers=api.operator,
    )
    assert (renamed.json()["code"], renamed.json()["label_fr"]) == ("food", "Se nourrir")

    # Retired: no longer offered for new rows (nothing written), still valid on the old.
    retired = await api.client.patch(
        f"{API}/territory/categories/food", json={"retired": True}, headers=api.operator
    )
    assert retired.json()["retired_at"] is not None
    before = await _count(api, offers)
    assert_problem(
        await api.client.post(f"{API}/offers", json=offer, headers=awa.headers),
        422,
        "not_listed",
        "category",
    )
    assert await _count(api, offers) == before
    kept = await api.client.patch(
        f"{API}/offers/{made.json()['id']}",
        json={"title": "Soupe du jour", "category": "food"},
        headers=awa.headers,
    )
    assert (kept.status_code, kept.json()["category"]) == (200, "food"), kept.text
    searched = await api.client.get(
        f"{API}/offers", params={"category": "food"}, headers=awa.headers
    )
    assert [o["title"] for o in searched.json()["items"]] == ["Soupe du jour"]
    back = await api.client.patch(
        f"{API}/territory/categories/food", json={"retired": False}, headers=api.operator
    )
    assert back.json()["retired_at"] is None
    assert_problem(
        await api.client.patch(
            f"{API}/territory/categories/astrology", json={"retired": True}, headers=api.operator
        ),
        404,
        "not_found",
        "code",
    )

    # Neighbourhoods: a profile, an application, a group name only listed ones.
    profile = {"display_name": "Awa", "neighbourhood": "Atlantide", "languages": ["fr"]}
    assert_problem(
        await api.client.put(f"{API}/members/me/profile", json=profile, headers=awa.headers),
        422,
        "not_listed",
        "neighbourhood",
    )
    mine = await api.client.get(f"{API}/members/{awa.id}", headers=awa.headers)
    assert mine.json()["neighbourhood"] == "Drouot"
    assert_problem(
        await api.client.post(f"{API}/members/applications", json=profile),
        422,
        "not_listed",
        "neighbourhood",
    )
    entries = await _count(api, group_entries)
    assert_problem(
        await api.client.post(
            f"{API}/groups",
            json={"kind": "neighbourhood", "name": "Atlantide", "neighbourhood": "Atlantide"},
            headers=api.operator,
        ),
        422,
        "not_listed",
        "neighbourhood",
    )
    assert await _count(api, group_entries) == entries
    # Awa's neighbourhood retired: her profile keeps it, a newcomer cannot choose it.
    await api.client.patch(
        f"{API}/territory/neighbourhoods/Drouot", json={"retired": True}, headers=api.operator
    )
    same = {"display_name": "Awa D.", "neighbourhood": "Drouot", "languages": ["fr"]}
    saved = await api.client.put(f"{API}/members/me/profile", json=same, headers=awa.headers)
    assert saved.status_code == 200, saved.text
    assert_problem(
        await api.client.post(f"{API}/members/applications", json=same),
        422,
        "not_listed",
        "neighbourhood",
    )


async def _in_group(api: Api, kind: str, name: str, member: Member, **extra: Any) -> str:
    gid = await group(api, kind, name, **extra)
    await post(api, f"/groups/{gid}/members", {"member_id": member.id}, api.operator)
    return gid


async def _titles(api: Api, gid: str, headers: dict[str, str]) -> list[str]:
    found = await api.client.get(f"{API}/groups/{gid}/intake", headers=headers)
    assert found.status_code == 200, found.text
    return [r["title"] for r in found.json()["items"]]


async def test_intake_goes_to_the_groups_it_concerns(api: Api) -> None:
    awa = await join(api, "Awa", neighbourhood="Drouot")
    ben, chloe, dan = [await join(api, n) for n in ("Ben", "Chloé", "Dan")]
    drouot = await _in_group(api, "neighbourhood", "Drouot", ben, neighbourhood="Drouot")
    # A life-slice group is named as a category (its French label here).
    health = await _in_group(api, "life_slice", "Santé", chloe)
    elsewhere = await _in_group(
        api, "neighbourhood", "Bourtzwiller", dan, neighbourhood="Bourtzwiller"
    )
    tool, tool_headers = await _tool(api, "Auto-enquête", ["intake:write"])
    await post(api, "/intake/consents", {"client_id": tool}, awa.headers)
    for title, direction, category in (
        ("Aide aux courses", "request", "time"),
        ("Accompagner chez le médecin", "offer", "health"),
    ):
        body = _need(awa.id, title, direction) | {"category": category}
        recorded = await api.client.post(f"{API}/intake", json=body, headers=tool_headers)
        assert recorded.status_code == 201, recorded.text

    assert await _titles(api, drouot, ben.headers) == [
        "Aide aux courses",
        "Accompagner chez le médecin",
    ]
    assert await _titles(api, health, chloe.headers) == ["Accompagner chez le médecin"]
    assert await _titles(api, elsewhere, dan.headers) == []
    # A member of another group does not read this one's; coordinators read every group's.
    assert_problem(
        await api.client.get(f"{API}/groups/{drouot}/intake", headers=dan.headers),
        403,
        "not_authorised",
        "group_id",
    )
    assert len(await _titles(api, health, api.operator)) == 1

    # An unlisted category from a tool: refused, nothing written.
    before = await _count(api, offers)
    wrong = _need(awa.id, "Horoscope") | {"category": "astrology"}
    assert_problem(
        await api.client.post(f"{API}/intake", json=wrong, headers=tool_headers),
        422,
        "not_listed",
        "category",
    )
    assert await _count(api, offers) == before


def test_a_group_is_concerned_by_its_neighbourhood_its_category_or_the_whole_city() -> None:
    from datetime import UTC, datetime
    from uuid import uuid4

    from mutual.core.groups import Group

    now = datetime(2027, 1, 1, tzinfo=UTC)
    health = ListEntry(ListKind.CATEGORY, "health", "Santé", "Health", 0, now, None)

    def g(kind: GroupKind, name: str, neighbourhood: str | None = None) -> Group:
        return Group(uuid4(), kind, name, neighbourhood, now, uuid4())

    def seen(group: Group) -> bool:
        return concerns(group, neighbourhood="Drouot", category=health)

    assert seen(g(GroupKind.CITY, "Ville"))
    assert seen(g(GroupKind.NEIGHBOURHOOD, "Drouot", "Drouot"))
    assert not seen(g(GroupKind.NEIGHBOURHOOD, "Coteaux", "Coteaux"))
    assert seen(g(GroupKind.LIFE_SLICE, "health"))
    assert seen(g(GroupKind.LIFE_SLICE, "HEALTH"))
    assert not seen(g(GroupKind.RESOURCE, "Énergie"))
    assert seen(g(GroupKind.LIFE_SLICE, "Santé", "Drouot"))
    assert not seen(g(GroupKind.LIFE_SLICE, "Santé", "Coteaux"))
    retired = {"health": ListEntry(ListKind.CATEGORY, "health", "S", "H", 0, now, now)}
    with pytest.raises(NotListed):
        require_listed(retired, "health", "category")
    require_listed(retired, "health", "category", kept="health")
    require_listed(retired, "health", "category", retired_ok=True)


async def test_wellbeing_aggregates_sum_back_to_what_was_recorded(api: Api) -> None:
    awa = await join(api, "Awa", neighbourhood="Drouot", age_band="26_40")
    ben = await join(api, "Ben", neighbourhood="Drouot")
    drouot = await group(api, "neighbourhood", "Drouot", neighbourhood="Drouot")
    city = await group(api, "city", "Ville")
    tool, tool_headers = await _tool(api, "Auto-enquête", ["intake:write"])
    await post(api, "/intake/consents", {"client_id": tool}, awa.headers)
    recorded = [
        {"criterion": "feelings", "scores": [7], "member_id": awa.id},
        {"criterion": "feelings", "scores": [5, 6, 8], "neighbourhood": "Drouot"},
        {"criterion": "feelings", "scores": [3, 4], "neighbourhood": "Coteaux"},
        {"criterion": "living_environment", "scores": [9], "neighbourhood": "Bourtzwiller"},
    ]
    for body in recorded:
        made = await api.client.post(f"{API}/intake/wellbeing", json=body, headers=tool_headers)
        assert made.status_code == 201, made.text
    assert made.json()["respondents"] == 1

    # Without Ben's consent, or on an unlisted criterion: refused, nothing written.
    count = await _count(api, wellbeing_records)
    for change, status, code, field in (
        ({"member_id": ben.id}, 403, "no_consent", "member_id"),
        ({"criterion": "luck"}, 422, "not_listed", "criterion"),
        ({"neighbourhood": "Atlantide"}, 422, "not_listed", "neighbourhood"),
    ):
        sent = {"criterion": "feelings", "scores": [2], "neighbourhood": "Drouot"} | change
        refused = await api.client.post(f"{API}/intake/wellbeing", json=sent, headers=tool_headers)
        assert_problem(refused, status, code, field)
    assert await _count(api, wellbeing_records) == count
    assert_problem(
        await api.client.post(f"{API}/intake/wellbeing", json=recorded[1], headers=awa.headers),
        403,
        "not_authorised",
    )

    report = await api.client.get(f"{API}/reports/wellbeing", headers=api.operator)
    assert report.status_code == 200, report.text
    rows = report.json()["rows"]
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row["dimension"] in ("total", "neighbourhood", "age_band"):
            sums[(row["criterion"], row["dimension"])][0] += row["respondents"]
            sums[(row["criterion"], row["dimension"])][1] += row["score_total"]
    for dimension in ("total", "neighbourhood", "age_band"):
        assert sums[("feelings", dimension)] == [6, 7 + 5 + 6 + 8 + 3 + 4]
        assert sums[("living_environment", dimension)] == [1, 9]
    cells = {(r["criterion"], r["dimension"], r["key"]): r for r in rows}
    # Awa's answer counted where her profile puts her; by group, the city sees all.
    assert cells[("feelings", "neighbourhood", "Drouot")]["score_total"] == 7 + 5 + 6 + 8
    assert cells[("feelings", "age_band", "26_40")]["respondents"] == 1
    assert cells[("feelings", "group", drouot)]["respondents"] == 4
    assert cells[("feelings", "group", city)]["respondents"] == 6
    csv_rows = (await api.client.get(f"{API}/reports/wellbeing.csv", headers=api.operator)).text
    assert len(csv_rows.strip().splitlines()) == len(rows) + 1
    assert_problem(
        await api.client.get(f"{API}/reports/wellbeing", headers=awa.headers), 403, "not_authorised"
    )
    # Awa erased: her score stays in the aggregates, no longer linked to her.
    erased = await api.client.delete(f"{API}/members/{awa.id}/profile", headers=api.operator)
    assert erased.status_code == 204, erased.text
    async with api.db.reading() as conn:
        linked = await conn.scalar(
            select(func.count())
            .select_from(wellbeing_records)
            .where(wellbeing_records.c.member_id.is_not(None))
        )
    assert linked == 0
    after = await api.client.get(f"{API}/reports/wellbeing", headers=api.operator)
    assert after.json()["rows"] == rows


async def test_small_wellbeing_cells_are_withheld(backend_settings: Settings) -> None:
    settings = backend_settings.model_copy(update={"report_people_min": 3})
    async with open_api(settings) as api:
        _, tool_headers = await _tool(api, "Auto-enquête", ["intake:write"])
        for scores, place in (([5, 6, 8], "Drouot"), ([3, 4, 2, 9], "Coteaux"), ([1], "Dornach")):
            body = {"criterion": "feelings", "scores": scores, "neighbourhood": place}
            made = await api.client.post(f"{API}/intake/wellbeing", json=body, headers=tool_headers)
            assert made.status_code == 201, made.text
        report = await api.client.get(f"{API}/reports/wellbeing", headers=api.operator)
        by_place = {r["key"]: r for r in report.json()["rows"] if r["dimension"] == "neighbourhood"}
        # Dornach's one answer is withheld, and the next smallest with it (or the total
        # would give it back by subtraction).
        assert by_place["Dornach"]["withheld"]
        assert by_place["Dornach"]["score_total"] is None
        assert by_place["Drouot"]["withheld"]
        assert by_place["Coteaux"]["score_total"] == 18


async def test_the_quarterly_pack_counts_each_groups_share(api: Api) -> None:
    from datetime import UTC, datetime

    from mutual.core.quarters import quarter_of

    quarter = str(quarter_of(datetime.now(UTC).date()))
    awa = await join(api, "Awa", neighbourhood="Drouot")
    ben = await join(api, "Ben", neighbourhood="Coteaux")
    drouot = await group(api, "neighbourhood", "Drouot", neighbourhood="Drouot")
    health = await group(api, "life_slice", "health")
    city = await group(api, "city", "Ville")
    tool, tool_headers = await _tool(api, "Auto-enquête", ["intake:write"])
    for member in (awa, ben):
        await post(api, "/intake/consents", {"client_id": tool}, member.headers)
    for member, title, direction, category in (
        (awa, "Courses", "request", "time"),
        (awa, "Rendez-vous médical", "request", "health"),
        (ben, "Marche douce", "offer", "health"),
    ):
        body = _need(member.id, title, direction) | {"category": category}
        made = await api.client.post(f"{API}/intake", json=body, headers=tool_headers)
        assert made.status_code == 201, made.text
    made = await api.client.post(
        f"{API}/intake/wellbeing",
        json={"criterion": "feelings", "scores": [4, 6], "neighbourhood": "Drouot"},
        headers=tool_headers,
    )
    assert made.status_code == 201, made.text

    answer = await api.client.get(
        f"{API}/reports/quarterly-pack", params={"quarter": quarter}, headers=api.operator
    )
    assert answer.status_code == 200, answer.text
    pack = answer.json()
    assert pack["quarter"] == quarter
    value = {(r["group"], r["measure"]): r["value"] for r in pack["rows"]}
    expected = {
        ("territory", "intake_needs"): 2,
        (drouot, "intake_needs"): 2,
        (health, "intake_needs"): 1,
        (city, "intake_needs"): 2,
        ("territory", "intake_offers"): 1,
        (drouot, "intake_offers"): 0,
        (health, "intake_offers"): 1,
        ("territory", "wellbeing_respondents"): 2,
        (drouot, "wellbeing_score_total"): 10,
        (health, "wellbeing_score_total"): 0,
    }
    assert {k: value[k] for k in expected} == expected
    # The ledger's measures come from the territory report's own facts: the territory's
    # row is the report's total for the quarter (none yet here), the city group's too.
    report = (await api.client.get(f"{API}/reports/territory", headers=api.operator)).json()
    for measure in ("hours_exchanged", "hours_pledged", "fund_granted", "goods_lent"):
        total = sum(
            r["value"]
            for r in report["rows"]
            if (r["measure"], r["dimension"], r["quarter"]) == (measure, "total", quarter)
        )
        assert value[("territory", measure)] == value[(city, measure)] == total
    csv_text = (
        await api.client.get(
            f"{API}/reports/quarterly-pack.csv", params={"quarter": quarter}, headers=api.operator
        )
    ).text
    assert len(csv_text.strip().splitlines()) == len(pack["rows"]) + 1
    assert_problem(
        await api.client.get(
            f"{API}/reports/quarterly-pack", params={"quarter": quarter}, headers=awa.headers
        ),
        403,
        "not_authorised",
    )
