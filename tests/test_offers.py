"""Offers and requests beyond publishing, through the HTTP API on SQLite and PostgreSQL:
their author edits them; anyone else answers one by a message kept in the service, which
the author is told of, naming the sender; an exchange recorded from one carries its
category to the statement and the report; bad input is refused with nothing written."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from mutual.settings import Settings
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_permissions import row_counts
from tests.test_timebank import Member, confirm, join, notifications, propose


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(backend_settings) as api:
        yield api


BODY = {
    "direction": "offer",
    "title": "Réparation de vélo",
    "description": "Freins et crevaisons",
    "category": "culture_sport",
    "neighbourhood": "Bourtzwiller",
    "estimated_minutes": 60,
}


async def publish(api: Api, who: Member, **changes: Any) -> dict[str, Any]:
    answer = await api.client.post(f"{API}/offers", json=BODY | changes, headers=who.headers)
    assert answer.status_code == 201, answer.text
    published: dict[str, Any] = answer.json()
    return published


async def test_the_author_edits_an_offer_and_nothing_else_changes_it(api: Api) -> None:
    """Only the fields sent change (null empties an optional one); someone else, a closed
    offer, an unknown category, an emptied title or an empty edit are refused and the
    offer stays as it was."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    offer = await publish(api, alice)
    url = f"{API}/offers/{offer['id']}"

    edited = await api.client.patch(
        url,
        json={"title": "Vélos et trottinettes", "category": "energy", "neighbourhood": None},
        headers=alice.headers,
    )
    assert edited.status_code == 200, edited.text
    after = edited.json()
    assert (after["title"], after["category"], after["neighbourhood"]) == (
        "Vélos et trottinettes",
        "energy",
        None,
    )
    assert (after["description"], after["estimated_minutes"]) == ("Freins et crevaisons", 60)

    async def change(body: dict[str, Any], who: Member = alice, at: str = url) -> Any:
        return await api.client.patch(at, json=body, headers=who.headers)

    before = await row_counts(api)
    refusals = [
        (await change({"title": "x"}, bob), 403, "not_authorised", "id"),
        (await change({"category": "astrology"}), 422, "not_listed", "category"),
        (await change({"title": None}), 422, "invalid_request", "title"),
        (await change({}), 422, "invalid_request", None),
        (await change({"estimated_minutes": 7}), 422, "invalid_duration", "estimated_minutes"),
        (await change({"direction": "request"}), 422, "invalid_request", None),
        (await change({"title": "x"}, at=f"{API}/offers/{uuid.uuid4()}"), 404, "not_found", None),
    ]
    for answer, status, code, field in refusals:
        assert_problem(answer, status, code, field)
    assert (await api.client.get(url, headers=bob.headers)).json() == after
    assert await row_counts(api) == before

    closed = await api.client.post(f"{url}/close", headers=alice.headers)
    assert closed.status_code == 200
    assert_problem(
        await api.client.patch(url, json={"title": "Encore"}, headers=alice.headers),
        409,
        "offer_closed",
        "id",
    )
    assert_problem(
        await api.client.post(f"{url}/renew", headers=alice.headers), 409, "offer_closed"
    )
    assert (await api.client.get(url, headers=bob.headers)).json()["title"] == after["title"]


async def test_a_message_to_the_author_is_kept_and_told_naming_its_sender(api: Api) -> None:
    """Bob writes to Alice about her request: the message is kept, Alice's notification
    names Bob and quotes him, in both languages; a retry with the same id adds nothing;
    Alice reads every message on her request, Bob and Carol their own; Alice answers Bob
    there, and only someone who wrote to her."""
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    request = await publish(api, alice, direction="request", title="Aide au déménagement")
    url = f"{API}/offers/{request['id']}/messages"
    message_id = str(uuid.uuid4())
    body = {"id": message_id, "text": "Je peux venir samedi matin."}

    sent = await api.client.post(url, json=body, headers=bob.headers)
    assert sent.status_code == 201, sent.text
    assert sent.json()["sender_id"] == bob.id
    again = await api.client.post(url, json=body, headers=bob.headers)
    assert (again.status_code, again.json()) == (200, sent.json())
    from_carol = await api.client.post(url, json={"text": "Moi aussi"}, headers=carol.headers)
    assert from_carol.status_code == 201

    told = [n for n in await notifications(api, alice) if n["kind"] == "offer_message"]
    assert [n["message"] for n in told] == [
        "Bob vous écrit au sujet de « Aide au déménagement » : Je peux venir samedi matin.",
        "Carol vous écrit au sujet de « Aide au déménagement » : Moi aussi",
    ]
    [english, _] = [
        n for n in await notifications(api, alice, "en") if n["kind"] == "offer_message"
    ]
    assert english["message"] == (
        'Bob wrote to you about "Aide au déménagement": Je peux venir samedi matin.'
    )
    assert told[0]["data"]["offer_id"] == request["id"]

    async def read(who: Member) -> list[str]:
        answer = await api.client.get(url, headers=who.headers)
        assert answer.status_code == 200, answer.text
        return [m["text"] for m in answer.json()["items"]]

    assert await read(alice) == ["Je peux venir samedi matin.", "Moi aussi"]
    assert await read(bob) == ["Je peux venir samedi matin."]
    page = await api.client.get(url, params={"limit": 1}, headers=alice.headers)
    second = await api.client.get(
        url, params={"limit": 1, "cursor": page.json()["next_cursor"]}, headers=alice.headers
    )
    assert [m["text"] for m in second.json()["items"]] == ["Moi aussi"]

    # Alice answers Bob there: Bob is told, naming her, and reads it beside his own;
    # Carol does not see it, and Alice answers only who wrote to her.
    reply = {"text": "Merci, samedi 10 h ?", "to": bob.id}
    answered = await api.client.post(url, json=reply, headers=alice.headers)
    assert answered.status_code == 201, answered.text
    assert answered.json()["recipient_id"] == bob.id
    [to_bob] = [n for n in await notifications(api, bob) if n["kind"] == "offer_message"]
    assert to_bob["message"] == (
        "Alice vous écrit au sujet de « Aide au déménagement » : Merci, samedi 10 h ?"
    )
    assert await read(bob) == ["Je peux venir samedi matin.", "Merci, samedi 10 h ?"]
    assert await read(carol) == ["Moi aussi"]
    dave = await join(api, "Dave")
    before = await row_counts(api)
    stranger = await api.client.post(url, json=reply | {"to": dave.id}, headers=alice.headers)
    assert_problem(stranger, 422, "invalid_request", "to")
    sideways = await api.client.post(url, json=reply | {"to": carol.id}, headers=bob.headers)
    assert_problem(sideways, 422, "invalid_request", "to")
    assert await row_counts(api) == before

    # Bob's words go with him, and those sent to him; Carol's stay for Alice.
    erased = await api.client.delete(f"{API}/members/{bob.id}/profile", headers=bob.headers)
    assert erased.status_code == 204, erased.text
    assert await read(alice) == ["Moi aussi"]
    texts = [
        n["data"].get("text")
        for n in await notifications(api, alice)
        if n["kind"] == "offer_message"
    ]
    assert texts == [None, "Moi aussi"]


async def test_bad_answers_are_refused_with_nothing_written(api: Api) -> None:
    """One's own offer, an empty text, an unknown field, a closed offer, an unknown offer
    and an id reused for other words are refused; no message and no notification is
    written."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    offer = await publish(api, alice)
    url = f"{API}/offers/{offer['id']}/messages"
    first = {"id": str(uuid.uuid4()), "text": "Bonjour"}
    assert (await api.client.post(url, json=first, headers=bob.headers)).status_code == 201
    closed = await publish(api, alice, title="Ancienne annonce")
    await api.client.post(f"{API}/offers/{closed['id']}/close", headers=alice.headers)

    async def send(body: dict[str, Any], who: Member = bob, offer_id: Any = None) -> Any:
        at = f"{API}/offers/{offer_id}/messages" if offer_id else url
        return await api.client.post(at, json=body, headers=who.headers)

    before = await row_counts(api)
    refusals = [
        (await send({"text": "Moi"}, alice), 422, "own_offer", "id"),
        (await send({"text": "   "}), 422, "invalid_request", "text"),
        (await send({"text": ""}), 422, "invalid_request", None),
        (await send({"text": "x", "to": "y"}), 422, "invalid_request", None),
        (await send({"text": "x" * 2001}), 422, "invalid_request", None),
        (await send({"text": "Encore ?"}, offer_id=closed["id"]), 409, "offer_closed", "id"),
        (await send({"text": "?"}, offer_id=uuid.uuid4()), 404, "not_found", "id"),
        (await send(first | {"text": "Autre"}), 422, "idempotency_key_mismatch", "id"),
    ]
    for answer, status, code, field in refusals:
        assert_problem(answer, status, code, field)
    assert await row_counts(api) == before


async def test_an_exchange_from_an_offer_carries_its_category(api: Api) -> None:
    """Recorded from Bob's request, the exchange takes the request's category to Alice's
    statement and the coordinators' report; the confirmation Alice is told of names Bob.
    An offer neither party wrote is refused, with nothing written."""
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    request = await publish(api, bob, direction="request", title="Courses", category="elderly")
    carols = await publish(api, carol, title="Jardinage", category="land_buildings")

    before = await row_counts(api)
    foreign = await api.client.post(
        f"{API}/proposals",
        json={"receiver": bob.id, "minutes": 60, "offer_id": carols["id"]},
        headers=alice.headers,
    )
    assert_problem(foreign, 422, "invalid_request", "offer_id")
    assert await row_counts(api) == before

    proposal = await propose(api, alice, bob, 60, memo="Courses du mardi", offer_id=request["id"])
    assert proposal["category"] == "elderly"
    assert (await confirm(api, bob, proposal)).status_code == 201

    statement = await api.client.get(f"{API}/members/me/statement", headers=alice.headers)
    [line] = statement.json()["items"]
    assert (line["category"], line["description"]) == ("elderly", "Courses du mardi")
    report = await api.client.get(f"{API}/reports/time-bank", headers=api.operator)
    assert report.json()["minutes_by_category"] == {"elderly": 60}
    [told] = [n for n in await notifications(api, alice) if n["kind"] == "proposal_confirmed"]
    assert told["message"] == "Bob a confirmé les 1 h que vous avez rendues."
    assert told["data"]["receiver"] == bob.id


async def test_offers_are_searched_page_after_page(api: Api) -> None:
    """The search's cursor leads to the next page (its key holds a time, with colons)."""
    alice = await join(api, "Alice")
    published = [(await publish(api, alice, title=f"Annonce {n}"))["id"] for n in range(3)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        answer = await api.client.get(f"{API}/offers", params=params, headers=alice.headers)
        assert answer.status_code == 200, answer.text
        seen += [o["id"] for o in answer.json()["items"]]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == published[::-1]
