"""Associations as members of the time bank, over HTTP on SQLite and PostgreSQL: a
coordinator registers one (its principal and its TIME account, with the territory's
default bounds) and appoints or removes who acts for it; only a member appointed, signing
on its behalf, spends from its account (also against raw signed writes, and no longer
once removed); a statement line whose other party is the association names it and the
member who signed for it; bad requests are refused in words with nothing written."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from mutual.core.messages import PROBLEM_TITLES
from tests.flow_client import signed_post
from tests.test_api import API, Api, assert_problem, transfer
from tests.test_commons_pot import coordinator
from tests.test_kind_attacks import ledger
from tests.test_projects import api
from tests.test_timebank import Member, balance, confirm, join, propose, verified_export
from tests.wallet import sign_body

__all__ = ["api"]


async def register(api: Api, by: Member, name: str = "Les Jardins Partagés") -> dict[str, Any]:
    body = {"name": name, "neighbourhood": "Bourtzwiller"}
    answer = await api.client.post(f"{API}/associations", json=body, headers=by.headers)
    assert answer.status_code == 201, answer.text
    out: dict[str, Any] = answer.json()
    return out


async def appoint(api: Api, by: Member, association: str, who: Member) -> httpx.Response:
    return await api.client.post(
        f"{API}/associations/{association}/acting-members",
        json={"member_id": who.id},
        headers=by.headers,
    )


async def spend(
    api: Api, signer: Member, association: dict[str, Any], to: Member, minutes: int
) -> httpx.Response:
    """A raw exchange from the association's account, signed by ``signer`` on its behalf."""
    body = transfer(str(uuid.uuid4()), association["account_id"], to.account, minutes)
    signed = sign_body(body, api.origin, signer.key, on_behalf_of=association["id"])
    return await api.client.post(
        f"{API}/transactions",
        json=signed,
        headers={**signer.headers, "Idempotency-Key": body["id"]},
    )


async def listed(api: Api, headers: dict[str, str], **query: str) -> list[dict[str, Any]]:
    answer = await api.client.get(f"{API}/associations", params=query, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_only_a_member_appointed_for_an_association_spends_its_hours(api: Api) -> None:
    """Claire (a coordinator) registers the association and appoints Marie; Bob, not
    appointed, is refused ``not_custodian`` (and without ``on_behalf_of``, as himself,
    ``signature_required``), the ledger unchanged; Marie's signature for it pays Bob, whose
    statement line reads "Marie for Les Jardins Partagés"; once removed, Marie is refused."""
    claire = await coordinator(api)
    marie, bob = await join(api, "Marie B."), await join(api, "Bob")
    association = await register(api, claire)
    defaults = (await api.client.get(f"{API}/members/{bob.id}", headers=api.operator)).json()
    account = (await api.client.get(f"{API}/accounts/{bob.account}", headers=api.operator)).json()
    assert (association["balance_min"], association["balance_max"]) == (
        account["balance_min"],
        account["balance_max"],
    ), defaults
    assert association["acting_members"] == []

    appointed = await appoint(api, claire, association["id"], marie)
    assert appointed.status_code == 201, appointed.text
    assert appointed.json()["acting_members"] == [
        {"member_id": marie.id, "display_name": "Marie B."}
    ]
    again = await appoint(api, claire, association["id"], marie)  # a replay changes nothing
    assert again.json()["acting_members"] == appointed.json()["acting_members"]
    assert [a["id"] for a in await listed(api, bob.headers, acting_member=marie.id)] == [
        association["id"]
    ]
    assert await listed(api, bob.headers, acting_member=bob.id) == []

    before = await ledger(api)
    assert_problem(await spend(api, bob, association, bob, 60), 403, "not_custodian")
    as_himself = transfer(str(uuid.uuid4()), association["account_id"], bob.account, 60)
    refused = await api.client.post(
        f"{API}/transactions",
        json=sign_body(as_himself, api.origin, bob.key),
        headers={**bob.headers, "Idempotency-Key": as_himself["id"]},
    )
    assert_problem(refused, 403, "signature_required")
    assert await ledger(api) == before

    paid = await spend(api, marie, association, bob, 90)
    assert paid.status_code == 201, paid.text
    assert await balance(api, association["account_id"]) == -90
    assert await balance(api, bob.account) == 90
    statement = await api.client.get(f"{API}/members/me/statement", headers=bob.headers)
    [line] = statement.json()["items"]
    party = line["other_party"]
    assert party["owner_kind"] == "organisation"
    assert party["association"] == {
        "id": association["id"],
        "name": "Les Jardins Partagés",
        "acting": {"member_id": marie.id, "display_name": "Marie B."},
    }
    csv = await api.client.get(f"{API}/members/me/statement.csv", headers=bob.headers)
    assert "Marie B. for Les Jardins Partagés" in csv.text

    removed = await api.client.delete(
        f"{API}/associations/{association['id']}/acting-members/{marie.id}", headers=claire.headers
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["acting_members"] == []
    before = await ledger(api)
    assert_problem(await spend(api, marie, association, bob, 30), 403, "not_custodian")
    assert await ledger(api) == before
    await verified_export(api)


async def test_bad_requests_are_refused_in_words_with_nothing_written(api: Api) -> None:
    claire = await coordinator(api)
    bob = await join(api, "Bob")
    association = await register(api, claire, "Entraide Drouot")
    before = (await ledger(api), await listed(api, claire.headers))
    path = f"{API}/associations"
    cases: list[tuple[httpx.Response, int, str, str | None]] = [
        (
            await api.client.post(
                path, json={"name": "X", "neighbourhood": "Y"}, headers=bob.headers
            ),
            403,
            "not_authorised",
            None,
        ),
        (
            await api.client.post(
                path, json={"name": "  ", "neighbourhood": "Drouot"}, headers=claire.headers
            ),
            422,
            "invalid_request",
            "name",
        ),
        (
            await api.client.post(
                path, json={"name": "Club", "neighbourhood": ""}, headers=claire.headers
            ),
            422,
            "invalid_request",
            "neighbourhood",
        ),
        (
            # A member's id: the member's own key would spend the association's hours.
            await api.client.post(
                path,
                json={"id": bob.id, "name": "Club", "neighbourhood": "Drouot"},
                headers=claire.headers,
            ),
            422,
            "invalid_request",
            "id",
        ),
        (
            await api.client.post(
                path,
                json={"id": association["id"], "name": "Autre", "neighbourhood": "Drouot"},
                headers=claire.headers,
            ),
            422,
            "invalid_request",
            "id",
        ),
        (await appoint(api, bob, association["id"], bob), 403, "not_authorised", None),
        (await appoint(api, claire, str(uuid.uuid4()), bob), 404, "not_found", "id"),
        (
            await api.client.post(
                f"{path}/{association['id']}/acting-members",
                json={"member_id": str(uuid.uuid4())},
                headers=claire.headers,
            ),
            404,
            "not_found",
            "member_id",
        ),
        (
            await api.client.delete(
                f"{path}/{association['id']}/acting-members/{bob.id}", headers=claire.headers
            ),
            404,
            "not_found",
            "member_id",
        ),
    ]
    for answer, status, code, field in cases:
        assert_problem(answer, status, code, field)
        assert set(PROBLEM_TITLES[code]) >= {"fr", "en"}
    assert (await ledger(api), await listed(api, claire.headers)) == before
    again = await api.client.post(
        path,
        json={
            "id": association["id"],
            "name": "Entraide  Drouot ",
            "neighbourhood": "Bourtzwiller",
        },
        headers=claire.headers,
    )
    assert again.status_code == 201, again.text  # the same registration, answered again
    assert again.json()["account_id"] == association["account_id"]


async def test_a_member_records_exchanges_for_the_association_and_both_lines_say_so(
    api: Api,
) -> None:
    """ "I gave" for the association: Marie records it on its behalf, Bob confirms, the
    hours go to the association's account and Bob's line reads "Marie B. for Les Jardins
    Partagés". "I received" for it: Marie signs on its behalf, its account pays Bob, and
    the line says so too. Bob, who does not act for it, is refused ``not_custodian``
    before anything is recorded."""
    claire = await coordinator(api)
    marie, bob = await join(api, "Marie B."), await join(api, "Bob")
    association = await register(api, claire)
    assert (await appoint(api, claire, association["id"], marie)).status_code == 201

    before = await ledger(api)
    refused = await api.client.post(
        f"{API}/proposals",
        json={"receiver": marie.id, "minutes": 60, "on_behalf_of": association["id"]},
        headers=bob.headers,
    )
    assert_problem(refused, 403, "not_custodian", "on_behalf_of")
    refused = await signed_post(
        api,
        "/exchanges/received",
        {"provider": marie.id, "minutes": 60, "on_behalf_of": association["id"]},
        bob.headers,
        bob.key,
        on_behalf_of=association["id"],
    )
    assert_problem(refused, 403, "not_custodian", "on_behalf_of")
    listed_proposals = await api.client.get(f"{API}/proposals", headers=bob.headers)
    assert listed_proposals.json()["items"] == []
    assert await ledger(api) == before

    proposal = await propose(api, marie, bob, 120, on_behalf_of=association["id"])
    assert (await confirm(api, bob, proposal)).status_code == 201
    assert await balance(api, association["account_id"]) == 120
    assert await balance(api, bob.account) == -120
    received = await signed_post(
        api,
        "/exchanges/received",
        {"provider": bob.id, "minutes": 45, "on_behalf_of": association["id"]},
        marie.headers,
        marie.key,
        on_behalf_of=association["id"],
    )
    assert received.status_code == 201, received.text
    assert await balance(api, association["account_id"]) == 120 - 45
    assert await balance(api, marie.account) == 0  # her own account is not touched

    statement = await api.client.get(f"{API}/members/me/statement", headers=bob.headers)
    acting = {"member_id": marie.id, "display_name": "Marie B."}
    assert [
        (line["amount"], line["other_party"]["association"]) for line in statement.json()["items"]
    ] == [
        (45, {"id": association["id"], "name": "Les Jardins Partagés", "acting": acting}),
        (-120, {"id": association["id"], "name": "Les Jardins Partagés", "acting": acting}),
    ]
    # The association's own statement: each line says who acted for it there.
    own = await api.client.get(
        f"{API}/associations/{association['id']}/statement", headers=bob.headers
    )
    assert own.status_code == 200, own.text
    assert [
        (line["amount"], line["acting"], line["other_party"]["member_id"])
        for line in own.json()["items"]
    ] == [(-45, acting, bob.id), (120, acting, bob.id)]
    missing = await api.client.get(
        f"{API}/associations/{uuid.uuid4()}/statement", headers=bob.headers
    )
    assert_problem(missing, 404, "not_found", "id")
    await verified_export(api)
