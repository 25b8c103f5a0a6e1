"""Projects followed after funding, on SQLite and PostgreSQL: a resident's idea submitted
to a group becomes a project when the group's facilitator takes it up; the project's
sheet is edited by its lead; the group agrees its indicators; only the lead files a
quarter's follow-up; only a member of the group or its facilitator (not the lead)
co-evaluates it, which closes it; a partner reads the project's results, whose money and
hours are the ledger's own figures summed back from the accounts' statements."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.flow_client import signed_post
from tests.test_api import API, Api, assert_problem
from tests.test_fund import disburse, give, grant, org_partner
from tests.test_groups import group
from tests.test_pledges import read_pages, set_today
from tests.test_projects import api
from tests.test_rounds import post
from tests.test_timebank import Member, join

__all__ = ["api"]


async def statement_sum(api: Api, account: str, kinds: set[str]) -> int:
    """What the ledger's statement of ``account`` says of these kinds, every page read."""
    pages = await read_pages(api, f"/accounts/{account}/postings?limit=2", api.operator)
    return sum(line["amount"] for page in pages for line in page["items"] if line["kind"] in kinds)


async def a_garden(api: Api) -> tuple[dict[str, Member], str, str]:
    """Alice, Bob (the facilitator) and Carol in the Coteaux group, Dan outside it; Dan's
    idea taken up by Bob with Carol as its lead. Answers the people, group and project."""
    people = {name: await join(api, name) for name in ("Alice", "Bob", "Carol", "Dan")}
    coteaux = await group(api, "neighbourhood", "Groupe des Coteaux", neighbourhood="Coteaux")
    for name in ("Alice", "Bob", "Carol"):
        await post(api, f"/groups/{coteaux}/members", {"member_id": people[name].id}, api.operator)
    await post(api, f"/groups/{coteaux}/facilitator", {"member_id": people["Bob"].id}, api.operator)
    idea = {"title": "Jardin partagé des Coteaux", "description": "Des bacs au pied des tours."}
    submitted = await post(api, f"/groups/{coteaux}/ideas", idea, people["Dan"].headers)
    assert submitted["status"] == "submitted"
    accept = {"decision": "accepted", "lead": people["Carol"].id, "category": "land_buildings"}
    path = f"/groups/{coteaux}/ideas/{submitted['id']}/decision"
    assert_problem(
        await api.client.post(f"{API}{path}", json=accept, headers=people["Alice"].headers),
        403,
        "not_authorised",
    )
    taken = await api.client.post(f"{API}{path}", json=accept, headers=people["Bob"].headers)
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "accepted"
    assert_problem(
        await api.client.post(f"{API}{path}", json=accept, headers=api.operator),
        409,
        "idea_decided",
        "idea_id",
    )
    project_id: str = taken.json()["project_id"]
    return people, coteaux, project_id


async def test_an_idea_is_read_by_its_group_and_declined_with_a_reason(api: Api) -> None:
    """The group's members read all its ideas, another member only their own; an idea
    becomes a project in the group, with the idea's words as its sheet; declining says why."""
    people, coteaux, project_id = await a_garden(api)
    other = {"title": "Boîte à livres", "description": "Près de l'arrêt de tram."}
    second = await post(api, f"/groups/{coteaux}/ideas", other, people["Alice"].headers)
    seen_by_dan = await read_pages(api, f"/groups/{coteaux}/ideas", people["Dan"].headers)
    assert [i["title"] for page in seen_by_dan for i in page["items"]] == [
        "Jardin partagé des Coteaux"
    ]
    seen_by_carol = await read_pages(
        api, f"/groups/{coteaux}/ideas?limit=1", people["Carol"].headers
    )
    assert len(seen_by_carol) == 2
    project = (await api.client.get(f"{API}/projects/{project_id}", headers=api.operator)).json()
    assert project["lead"] == people["Carol"].id
    assert project["sheet"]["group_id"] == coteaux
    assert project["sheet"]["description"] == "Des bacs au pied des tours."
    assert project["sheet"]["neighbourhood"] == "Coteaux"
    assert project["sheet"]["status"] == "proposed"
    path = f"{API}/groups/{coteaux}/ideas/{second['id']}/decision"
    bob = people["Bob"].headers
    declined = {"decision": "declined"}
    assert_problem(await api.client.post(path, json=declined, headers=bob), 422, "invalid_request")
    answer = await api.client.post(path, json=declined | {"reason": "Déjà fait"}, headers=bob)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["reason"]) == ("declined", "Déjà fait")
    listed = await api.client.get(f"{API}/projects", params={"group": coteaux}, headers=bob)
    assert [p["id"] for p in listed.json()["items"]] == [project_id]


async def test_the_sheet_is_edited_by_its_lead_and_coordinators(api: Api) -> None:
    """Only the fields sent change; the lead and coordinators edit, nobody else; the dates
    stay in order and the group is one of /groups."""
    people, coteaux, project_id = await a_garden(api)
    path = f"{API}/projects/{project_id}"
    sheet = {
        "status": "funded",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "needs_eur_cents": 500_000,
        "needs_minutes": 6000,
        "needs_goods": "Bacs, terreau, arrosoirs",
    }
    assert_problem(
        await api.client.patch(path, json=sheet, headers=people["Alice"].headers),
        403,
        "not_authorised",
    )
    edited = await api.client.patch(path, json=sheet, headers=people["Carol"].headers)
    assert edited.status_code == 200, edited.text
    shown = edited.json()["sheet"]
    assert {k: shown[k] for k in sheet} == sheet
    assert shown["group_id"] == coteaux
    cleared = await api.client.patch(path, json={"needs_goods": None}, headers=api.operator)
    assert cleared.json()["sheet"]["needs_goods"] is None
    assert cleared.json()["sheet"]["status"] == "funded"
    carol = people["Carol"].headers
    for body, status, code, field in (
        ({"ends_on": "2026-12-31"}, 422, "invalid_request", "ends_on"),
        ({"status": None}, 422, "invalid_request", "status"),
        ({"status": "dreaming"}, 422, "invalid_request", None),
        ({"group_id": "0190f1e2-0000-7000-8000-00000000000a"}, 404, "not_found", None),
    ):
        assert_problem(await api.client.patch(path, json=body, headers=carol), status, code, field)


async def test_follow_up_co_evaluation_and_results(api: Api) -> None:
    """The lead files, the group evaluates once, which closes it; a partner reads the
    results, and their money and hours are the statements' own sums."""
    people, _, project_id = await a_garden(api)
    alice, bob, carol, dan = (people[n] for n in ("Alice", "Bob", "Carol", "Dan"))
    set_today(api, date(2027, 2, 15))
    assert api.operator_key is not None

    # The group agrees an indicator; someone outside it may not.
    indicator = {"name": "Familles jardinières", "unit": "familles", "target": 20}
    path = f"{API}/projects/{project_id}/indicators"
    assert_problem(
        await api.client.post(path, json=indicator, headers=dan.headers), 403, "not_authorised"
    )
    families = await post(api, f"/projects/{project_id}/indicators", indicator, alice.headers)
    assert_problem(
        await api.client.post(path, json=indicator, headers=api.operator), 422, "invalid_request"
    )
    other = {"name": "Repas partagés", "unit": "repas", "target": 12}
    meals = await post(api, f"/projects/{project_id}/indicators", other, api.operator)

    # Money and hours through the ledger: a partner gives, the fund grants, the lead pays;
    # Alice's pledged hours go to the project and the lead confirms some.
    city = await org_partner(api, "Ville de Mulhouse", "city")
    await give(api, city, 1_000_000)
    assert (await grant(api, project_id, 300_000)).status_code == 201
    assert (await grant(api, project_id, 50_000, "CA n°2")).status_code == 201
    paid = await disburse(api, project_id, 120_000, carol.headers, carol.key, project_id)
    assert paid.status_code == 201, paid.text
    pledge = {"quarter": "2027-Q1", "minutes": 600}
    assert (await signed_post(api, "/pledges", pledge, alice.headers, alice.key)).status_code == 201
    allocation = {
        "quarter": "2027-Q1",
        "decision": "CCG n°1",
        "lines": [{"member_id": alice.id, "project_id": project_id, "minutes": 300}],
    }
    allocated = await signed_post(
        api, "/pledges/allocations", allocation, api.operator, api.operator_key
    )
    assert allocated.status_code == 201, allocated.text
    for minutes in (90, 45):
        delivery = {"quarter": "2027-Q1", "member_id": alice.id, "minutes": minutes}
        delivered = await signed_post(
            api,
            f"/projects/{project_id}/deliveries",
            delivery,
            carol.headers,
            carol.key,
            on_behalf_of=project_id,
        )
        assert delivered.status_code == 201, delivered.text

    # Only the lead files; a quarter is reported from its first day; values name the
    # project's indicators.
    followup: dict[str, Any] = {
        "results": "Douze familles cultivent leur bac.",
        "obstacles": "L'arrivée d'eau tarde.",
        "needs": "Un robinet extérieur.",
        "indicator_values": [{"indicator_id": families["id"], "value": 12}],
    }
    quarter = f"{API}/projects/{project_id}/followups/2027-Q1"
    for who in (alice, bob):
        assert_problem(
            await api.client.put(quarter, json=followup, headers=who.headers), 403, "not_authorised"
        )
    assert_problem(
        await api.client.put(quarter, json=followup, headers=api.operator), 403, "not_authorised"
    )
    ahead = f"{API}/projects/{project_id}/followups/2027-Q2"
    assert_problem(
        await api.client.put(ahead, json=followup, headers=carol.headers),
        422,
        "invalid_request",
        "quarter",
    )
    wrong = followup | {"indicator_values": [{"indicator_id": project_id, "value": 1}]}
    assert_problem(
        await api.client.put(quarter, json=wrong, headers=carol.headers),
        422,
        "invalid_request",
        "indicator_values",
    )
    filed = await api.client.put(quarter, json=followup, headers=carol.headers)
    assert filed.status_code == 200, filed.text
    assert filed.json()["evaluation"] is None
    # Rewritten until evaluated: still one follow-up for the quarter.
    followup["indicator_values"].append({"indicator_id": meals["id"], "value": 5})
    followup["indicator_values"][0]["value"] = 14
    again = await api.client.put(quarter, json=followup, headers=carol.headers)
    assert again.json()["id"] == filed.json()["id"]
    listed = await read_pages(api, f"/projects/{project_id}/followups", bob.headers)
    assert [f["quarter"] for page in listed for f in page["items"]] == ["2027-Q1"]

    # The group evaluates: not the lead, not someone outside the group.
    evaluation = {"assessment": "partly", "comment": "Bien parti ; l'eau manque."}
    judged = f"{quarter}/evaluation"
    for who in (carol, dan):
        assert_problem(
            await api.client.post(judged, json=evaluation, headers=who.headers),
            403,
            "not_authorised",
        )
    assert_problem(
        await api.client.post(
            f"{API}/projects/{project_id}/followups/2026-Q4/evaluation",
            json=evaluation,
            headers=bob.headers,
        ),
        404,
        "not_found",
        "quarter",
    )
    closed = await api.client.post(judged, json=evaluation, headers=bob.headers)
    assert closed.status_code == 201, closed.text
    assert closed.json()["evaluation"]["assessment"] == "partly"
    assert closed.json()["evaluation"]["evaluated_by"] == bob.id
    assert_problem(
        await api.client.post(judged, json=evaluation, headers=alice.headers),
        409,
        "followup_closed",
        "quarter",
    )
    assert_problem(
        await api.client.put(quarter, json=followup, headers=carol.headers), 409, "followup_closed"
    )

    # The results: a partner reads them, a resident outside the group does not.
    results = f"{API}/projects/{project_id}/results"
    assert_problem(await api.client.get(results, headers=dan.headers), 403, "not_authorised")
    seen = await api.client.get(results, headers=city.headers)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    project = (await api.client.get(f"{API}/projects/{project_id}", headers=api.operator)).json()
    eur = next(a for a in project["accounts"] if a["unit"] == "EUR")
    pledge_account = next(a["id"] for a in project["accounts"] if a["unit"] == "PLEDGE")
    assert body["granted_cents"] == await statement_sum(api, eur["id"], {"grant", "allocation"})
    assert -body["spent_cents"] == await statement_sum(api, eur["id"], {"disbursement"})
    assert body["delivered_minutes"] == await statement_sum(api, pledge_account, {"delivery"})
    assert body["balance_cents"] == eur["balance"]
    # Worked by hand: 3 000 € + 500 € granted, 1 200 € paid, 1 h 30 + 45 min confirmed.
    assert (body["granted_cents"], body["spent_cents"], body["delivered_minutes"]) == (
        350_000,
        120_000,
        135,
    )
    assert body["group_name"] == "Groupe des Coteaux"
    reached = {
        i["indicator"]["name"]: (i["value"], i["indicator"]["target"]) for i in body["indicators"]
    }
    assert reached == {"Familles jardinières": (14, 20), "Repas partagés": (5, 12)}
    [latest] = body["followups"]
    assert latest["evaluation"]["comment"] == "Bien parti ; l'eau manque."
    assert latest["results"] == followup["results"]


async def test_a_member_s_ideas_and_comments_go_with_their_erasure(api: Api) -> None:
    """Their export holds their ideas; erased, their ideas' text and their co-evaluation's
    comment are blanked, and the follow-up the lead filed and the project stay whole."""
    people, coteaux, project_id = await a_garden(api)
    alice, bob, carol, dan = (people[n] for n in ("Alice", "Bob", "Carol", "Dan"))
    exported = await api.client.get(f"{API}/members/me/export", headers=dan.headers)
    assert [i["title"] for i in exported.json()["project_ideas"]] == ["Jardin partagé des Coteaux"]
    quarter = f"{API}/projects/{project_id}/followups/2027-Q1"
    set_today(api, date(2027, 2, 15))
    body = {"results": "Un début.", "obstacles": "", "needs": ""}
    assert (await api.client.put(quarter, json=body, headers=carol.headers)).status_code == 200
    judged = {"assessment": "on_track", "comment": "Alice trouve que ça avance."}
    answer = await api.client.post(f"{quarter}/evaluation", json=judged, headers=alice.headers)
    assert answer.status_code == 201, answer.text
    for who in (dan, alice):
        erased = await api.client.delete(f"{API}/members/{who.id}/profile", headers=api.operator)
        assert erased.status_code == 204, erased.text
    [idea] = (await api.client.get(f"{API}/groups/{coteaux}/ideas", headers=bob.headers)).json()[
        "items"
    ]
    assert (idea["title"], idea["description"], idea["status"]) == ("", "", "accepted")
    [kept] = (
        await api.client.get(f"{API}/projects/{project_id}/followups", headers=bob.headers)
    ).json()["items"]
    assert kept["results"] == "Un début."
    assert (kept["evaluation"]["assessment"], kept["evaluation"]["comment"]) == ("on_track", "")
    project = (await api.client.get(f"{API}/projects/{project_id}", headers=bob.headers)).json()
    assert project["name"] == "Jardin partagé des Coteaux"
