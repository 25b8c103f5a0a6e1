"""Finding people and a statement people can read, through the HTTP API on SQLite and
PostgreSQL: the directory searched by name, member number, neighbourhood and offers, with
namesakes told apart and erased members never found; the statement's lines with the
other party, the description and the category, paged to the first line; the CSV equal
to the ledger's lines."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from mutual.core.problem_words import words_document
from mutual.core.timebank import CATEGORIES
from mutual.settings import Settings
from mutual.store.database import open_database
from mutual.store.migrate import alembic_config
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_timebank import Member, confirm, join, propose

WEB = Path(__file__).resolve().parents[1] / "src" / "mutual" / "web"


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(backend_settings) as api:
        yield api


async def directory(api: Api, who: Member, **params: Any) -> dict[str, Any]:
    answer = await api.client.get(f"{API}/directory", params=params, headers=who.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def offer(api: Api, who: Member, title: str, category: str) -> dict[str, Any]:
    body = {"direction": "offer", "title": title, "category": category}
    answer = await api.client.post(f"{API}/offers", json=body, headers=who.headers)
    assert answer.status_code == 201, answer.text
    published: dict[str, Any] = answer.json()
    return published


async def test_directory_search_and_namesakes(api: Api) -> None:
    """Members are found by part of their name, their number, their neighbourhood and
    what they offer; two members of the same name differ by number and neighbourhood;
    an erased member is found by nothing."""
    alice = await join(api, "Alice Martin", neighbourhood="Drouot")
    marie_1 = await join(api, "Marie B.", neighbourhood="Bourtzwiller")
    marie_2 = await join(api, "Marie B.", neighbourhood="Coteaux")
    zoe = await join(api, "Zoé K.", neighbourhood="Coteaux")
    bikes = await offer(api, zoe, "Réparation de vélos", "culture_sport")

    found = (await directory(api, alice, q="marie"))["items"]
    assert [(m["id"], m["display_name"], m["neighbourhood"]) for m in found] == [
        (marie_1.id, "Marie B.", "Bourtzwiller"),
        (marie_2.id, "Marie B.", "Coteaux"),
    ]
    numbers = [m["number"] for m in found]
    assert len(set(numbers)) == 2
    assert numbers == sorted(numbers)
    profile = await api.client.get(f"{API}/members/{marie_2.id}", headers=alice.headers)
    assert profile.json()["number"] == numbers[1]
    by_number = (await directory(api, alice, q=str(numbers[1])))["items"]
    assert [m["id"] for m in by_number] == [marie_2.id]

    coteaux = (await directory(api, alice, neighbourhood="coteaux"))["items"]
    assert [m["id"] for m in coteaux] == [marie_2.id, zoe.id]
    cyclists = (await directory(api, alice, offers="vélo"))["items"]
    assert [(m["id"], m["offers"]) for m in cyclists] == [
        (
            zoe.id,
            [
                {
                    "id": bikes["id"],
                    "direction": "offer",
                    "title": "Réparation de vélos",
                    "category": "culture_sport",
                }
            ],
        )
    ]
    assert [m["id"] for m in (await directory(api, alice, offers="culture_sport"))["items"]] == [
        zoe.id
    ]
    plants = {"direction": "request", "title": "Arrosage des plantes", "category": "family"}
    asked = await api.client.post(f"{API}/offers", json=plants, headers=marie_1.headers)
    assert asked.status_code == 201, asked.text
    gardeners = (await directory(api, alice, offers="arrosage"))["items"]
    assert [(m["id"], [o["direction"] for o in m["offers"]]) for m in gardeners] == [
        (marie_1.id, ["request"])
    ]
    assert (await directory(api, alice, q="100%_"))["items"] == []
    assert (await directory(api, alice, q="9" * 30))["items"] == []
    for odd in ("\x00", "n°"):
        answer = await api.client.get(f"{API}/directory", params={"q": odd}, headers=alice.headers)
        assert answer.status_code in (200, 422), answer.text
    neighbourhoods = await api.client.get(f"{API}/directory/neighbourhoods", headers=alice.headers)
    assert neighbourhoods.json()["items"] == ["Bourtzwiller", "Coteaux", "Drouot"]

    erased = await api.client.delete(f"{API}/members/{zoe.id}/profile", headers=zoe.headers)
    assert erased.status_code == 204, erased.text
    everyone = (await directory(api, alice, limit=200))["items"]
    assert zoe.id not in [m["id"] for m in everyone]
    assert (await directory(api, alice, offers="vélo"))["items"] == []
    assert (await directory(api, alice, neighbourhood="Coteaux"))["items"][-1]["id"] == marie_2.id


async def test_directory_pages_to_the_end(api: Api) -> None:
    """Page after page, the directory lists every active member once, then stops; a
    cursor from another list is refused."""
    people = [await join(api, f"Voisin {i}") for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await directory(api, people[0], **params)
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [p.id for p in people]
    other = await api.client.get(f"{API}/members", params={"limit": 1}, headers=people[0].headers)
    foreign = other.json()["next_cursor"]
    assert_problem(
        await api.client.get(
            f"{API}/directory", params={"cursor": foreign}, headers=people[0].headers
        ),
        422,
        "invalid_cursor",
    )


async def test_statement_names_the_other_party(api: Api) -> None:
    """Each line names the other party, the description and the category; older pages
    lead to the first line; an erased member's name does not come back."""
    alice = await join(api, "Alice")
    bob = await join(api, "Bob", neighbourhood="Drouot")
    bikes = await offer(api, bob, "Réparation de vélos", "culture_sport")
    minutes = [15, 30, 45, 60, 75]
    for n, amount in enumerate(minutes):
        extra: dict[str, Any] = {"memo": f"Coup de main {n}"}
        if n == 0:
            extra["offer_id"] = bikes["id"]
        proposal = await propose(api, alice, bob, amount, **extra)
        assert (await confirm(api, bob, proposal)).status_code == 201

    lines: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        answer = await api.client.get(
            f"{API}/members/me/statement", params=params, headers=alice.headers
        )
        assert answer.status_code == 200, answer.text
        lines += answer.json()["items"]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            break
    assert [line["amount"] for line in lines] == minutes[::-1]
    assert [line["balance_after"] for line in lines] == [225, 150, 90, 45, 15]
    first = lines[-1]
    bob_number = (await directory(api, alice, q="Bob"))["items"][0]["number"]
    assert first["other_party"] == {
        "owner_kind": "member",
        "member_id": bob.id,
        "display_name": "Bob",
        "number": bob_number,
        "association": None,
    }
    assert (first["description"], first["category"]) == ("Coup de main 0", "culture_sport")
    assert lines[0]["category"] is None

    bobs = await api.client.get(f"{API}/members/me/statement", headers=bob.headers)
    assert bobs.json()["items"][-1]["other_party"]["display_name"] == "Alice"
    assert bobs.json()["items"][-1]["amount"] == -15

    erased = await api.client.delete(f"{API}/members/{bob.id}/profile", headers=bob.headers)
    assert erased.status_code == 204, erased.text
    after = await api.client.get(
        f"{API}/members/me/statement", params={"limit": 200}, headers=alice.headers
    )
    for line in after.json()["items"]:
        assert line["other_party"]["display_name"] is None
        assert line["other_party"]["number"] is None
        assert line["description"] is None
    assert "Bob" not in after.text


async def test_statement_csv_equals_the_ledger(api: Api) -> None:
    """The CSV download has a header row and one row per posting, oldest first; its
    amounts sum back to each balance after and to the account's balance; text that a
    spreadsheet would run is quoted."""
    alice = await join(api, "Alice")
    bob = await join(api, "=Bob", neighbourhood="Drouot")
    for amount, memo in ((30, "Jardinage"), (45, "Cours de guitare"), (15, "@cmd")):
        proposal = await propose(api, alice, bob, amount, memo=memo, category="culture_sport")
        assert (await confirm(api, bob, proposal)).status_code == 201
    back = await propose(api, bob, alice, 30, memo="Repassage")
    assert (await confirm(api, alice, back)).status_code == 201

    sheet = await api.client.get(f"{API}/members/me/statement.csv", headers=alice.headers)
    assert sheet.status_code == 200, sheet.text
    assert sheet.headers["content-type"].startswith("text/csv")
    assert sheet.headers["content-type"].endswith("charset=utf-8")
    assert sheet.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    ledger = await api.client.get(
        f"{API}/accounts/{alice.account}/postings", params={"limit": 100}, headers=alice.headers
    )
    assert [(int(r["minutes"]), int(r["balance_after"])) for r in rows] == [
        (p["amount"], p["balance_after"]) for p in ledger.json()["items"]
    ]
    running = 0
    for row in rows:
        running += int(row["minutes"])
        assert running == int(row["balance_after"])
    account = await api.client.get(f"{API}/accounts/{alice.account}", headers=alice.headers)
    assert running == account.json()["balance"] == 60
    assert [r["other_party"] for r in rows] == ["'=Bob"] * 4
    assert [r["description"] for r in rows] == [
        "Jardinage",
        "Cours de guitare",
        "'@cmd",
        "Repassage",
    ]
    assert [r["category"] for r in rows] == ["culture_sport", "culture_sport", "culture_sport", ""]


async def test_member_numbers_are_distinct_when_accepted_at_once(api: Api) -> None:
    """Acceptances made at the same moment still give each member their own number, the
    next free ones, with no gap (on PostgreSQL they race for the same highest number)."""
    before = (await directory(api, await join(api, "Première"), limit=200))["items"]
    applied = []
    for i in range(8):
        answer = await api.client.post(
            f"{API}/members/applications", json={"display_name": f"Voisine {i}"}
        )
        assert answer.status_code == 201, answer.text
        applied.append(answer.json()["id"])
    accepted = await asyncio.gather(
        *(
            api.client.post(f"{API}/members/{member_id}/accept", headers=api.operator)
            for member_id in applied
        )
    )
    assert [a.status_code for a in accepted] == [201] * 8, [a.text for a in accepted]
    numbers = sorted(a.json()["member"]["number"] for a in accepted)
    assert numbers == list(range(len(before) + 1, len(before) + 9))


def test_the_page_offers_the_territory_categories() -> None:
    """The record view's category choice is the service's list, in its order, read from
    the words the service serves (no list of the page's own to drift)."""
    assert tuple(words_document()["categories"]) == CATEGORIES
    script = (WEB / "js" / "views" / "record.js").read_text()
    assert "categoryCodes()" in script
    assert not re.search(r'"land_buildings"|"lifelong_learning"', script)


async def test_members_accepted_before_numbers_are_numbered_by_acceptance(
    tmp_path: Path,
) -> None:
    """Migration 0015 numbers the members accepted before it (active or erased) in the
    order of their acceptance, and leaves applicants without a number."""
    db = open_database(Settings(data_dir=tmp_path))
    ids = [uuid.UUID(int=n) for n in (3, 1, 2, 4)]
    rows = [
        (ids[0], "active", "2026-01-02 10:00:00"),
        (ids[1], "erased", "2026-01-03 10:00:00"),
        (ids[2], "active", "2026-01-01 10:00:00"),
        (ids[3], "applied", None),
    ]
    try:
        async with db.write_engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0014"))
            for member_id, status, decided in rows:
                await conn.execute(
                    text(
                        "INSERT INTO members (id, status, contact, languages, applied_at,"
                        " decided_at) VALUES (:id, :status, '{}', '[]', '2026-01-01 09:00:00',"
                        " :decided)"
                    ),
                    {"id": member_id.hex, "status": status, "decided": decided},
                )
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
            found = await conn.execute(text("SELECT id, number FROM members"))
            numbers: dict[uuid.UUID, int | None] = {uuid.UUID(str(r.id)): r.number for r in found}
    finally:
        await db.dispose()
    assert numbers == {
        ids[2]: 1,
        ids[0]: 2,
        ids[1]: 3,
        ids[3]: None,
    }
