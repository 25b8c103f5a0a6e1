"""Shared goods end to end through the HTTP API, on SQLite and PostgreSQL: a catalogue of
kinds, collection points kept by members, and deposits, loans, returns, transfers and
gifts, each a composed transaction signed by a keeper on the point's behalf."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mutual.core.ids import PrincipalId
from mutual.core.signing import Domain
from mutual.settings import Settings
from mutual.store.goods import loan_returns, loans
from tests.flow_client import signed_post
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_timebank import Member, join, verified_export


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(backend_settings) as api:
        yield api


async def create_kind(api: Api, slug: str, name: str) -> dict[str, Any]:
    answer = await api.client.post(
        f"{API}/goods/kinds", json={"slug": slug, "name": name}, headers=api.operator
    )
    assert answer.status_code == 201, answer.text
    kind: dict[str, Any] = answer.json()
    return kind


async def create_point(api: Api, name: str, *keepers: Member) -> str:
    body = {"name": name, "neighbourhood": "Bourtzwiller", "keepers": [k.id for k in keepers]}
    answer = await api.client.post(f"{API}/collection-points", json=body, headers=api.operator)
    assert answer.status_code == 201, answer.text
    point_id: str = answer.json()["id"]
    return point_id


async def flow(
    api: Api, path: str, body: dict[str, Any], keeper: Member | None, point: str
) -> httpx.Response:
    """Send the request unsigned, then again signed by ``keeper`` on the point's behalf
    (or the unsigned answer when there is no keeper to sign)."""
    url = f"/collection-points/{point}/{path}"
    if keeper is None:
        return await api.client.post(f"{API}{url}", json=body, headers=api.operator)
    return await signed_post(api, url, body, keeper.headers, keeper.key, on_behalf_of=point)


async def shelf(api: Api, point: str, kind: str) -> tuple[int, int]:
    answer = await api.client.get(f"{API}/collection-points/{point}", headers=api.operator)
    assert answer.status_code == 200, answer.text
    for line in answer.json()["stock"]:
        if line["kind"] == kind:
            return line["on_shelf"], line["on_loan"]
    return 0, 0


def due(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


async def loan_rows(api: Api) -> int:
    async with api.db.read_engine.connect() as conn:
        count: int = (await conn.execute(select(func.count()).select_from(loans))).scalar_one()
    return count


async def test_catalogue_and_points(api: Api) -> None:
    """Coordinators add kinds and points; keepers are appointed custodians in one write
    and changed at one log index; members may read but not create."""
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    assert_problem(
        await api.client.post(
            f"{API}/goods/kinds", json={"slug": "perceuse", "name": "Perceuse"}, headers=bob.headers
        ),
        403,
        "not_authorised",
    )
    kind = await create_kind(api, "perceuse", "Perceuse")
    assert kind["unit"] == "GOOD.perceuse"
    again = await api.client.post(
        f"{API}/goods/kinds", json={"slug": "perceuse", "name": "Perceuse"}, headers=api.operator
    )
    assert again.json() == kind
    clash = await api.client.post(
        f"{API}/goods/kinds", json={"slug": "perceuse", "name": "Autre"}, headers=api.operator
    )
    assert_problem(clash, 422, "invalid_request", "slug")
    listed = await api.client.get(f"{API}/goods/kinds", headers=bob.headers)
    assert [k["slug"] for k in listed.json()["items"]] == ["perceuse"]
    assert_problem(
        await api.client.get(f"{API}/goods/kinds/tente", headers=bob.headers), 404, "not_found"
    )

    size = await api.log_size()
    point = str(uuid.uuid4())
    body: dict[str, Any] = {
        "id": point,
        "name": "Magasin pour rien",
        "neighbourhood": "Bourtzwiller",
        "keepers": [alice.id, bob.id],
    }
    created = await api.client.post(f"{API}/collection-points", json=body, headers=api.operator)
    assert created.status_code == 201, created.text
    assert sorted(created.json()["keepers"]) == sorted([alice.id, bob.id])
    assert await api.log_size() == size + 2
    replay = await api.client.post(f"{API}/collection-points", json=body, headers=api.operator)
    assert replay.json() == created.json()
    assert await api.log_size() == size + 2
    stranger = body | {"id": str(uuid.uuid4()), "keepers": [str(uuid.uuid4())]}
    assert_problem(
        await api.client.post(f"{API}/collection-points", json=stranger, headers=api.operator),
        404,
        "not_found",
        "keepers[0]",
    )
    assert_problem(
        await api.client.post(f"{API}/collection-points", json=body, headers=alice.headers),
        403,
        "not_authorised",
    )
    changed = await api.client.put(
        f"{API}/collection-points/{point}/keepers",
        json={"keepers": [bob.id, carol.id]},
        headers=api.operator,
    )
    assert changed.status_code == 200, changed.text
    assert sorted(changed.json()["keepers"]) == sorted([bob.id, carol.id])
    assert await api.log_size() == size + 4
    # Alice no longer signs for the point; Carol does.
    await create_kind(api, "tente", "Tente")
    dep = {"kind": "tente", "count": 2}
    assert_problem(await flow(api, "deposits", dep, alice, point), 403, "not_custodian")
    assert (await flow(api, "deposits", dep, carol, point)).status_code == 201
    points = await api.client.get(f"{API}/collection-points", headers=alice.headers)
    assert [p["id"] for p in points.json()["items"]] == [point]


async def test_goods_flows(api: Api) -> None:
    """Deposit, loan, partial then full return, transfer and gift move the counts the
    ledger holds; every refusal writes nothing; the export verifies."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    carol, dave = await join(api, "Carol"), await join(api, "Dave")
    await create_kind(api, "perceuse", "Perceuse")
    await create_kind(api, "escabeau", "Escabeau")
    point = await create_point(api, "Magasin pour rien de Bourtzwiller", alice, bob)
    other = await create_point(api, "Point de collecte des Coteaux", dave)

    # Unsigned first step: the signing payload, nothing written.
    size = await api.log_size()
    unsigned = await flow(api, "deposits", {"kind": "perceuse", "count": 3}, None, point)
    assert_problem(unsigned, 422, "unsigned", "signatures")
    payload = unsigned.json()["signing_payload"]
    assert payload["kind"] == "good_deposit"
    assert [p["amount"] for p in payload["postings"]] == [-3, 3]
    assert payload["references"] == {"point": point}
    assert await api.log_size() == size

    # A non-keeper's signature on the point's behalf is refused.
    body = {"kind": "perceuse", "count": 3, "from_member": carol.id}
    assert_problem(await flow(api, "deposits", body, dave, point), 403, "not_custodian")
    assert await api.log_size() == size
    # Signed without on_behalf_of: the point's keeper signing for themself is not enough.
    first = await api.client.post(
        f"{API}/collection-points/{point}/deposits", json=body, headers=alice.headers
    )
    own = alice.key.sign_payload(Domain.TRANSACTION, first.json()["signing_payload"])
    plain = body | {"id": first.json()["signing_payload"]["id"], "signatures": [own.document()]}
    assert_problem(
        await api.client.post(
            f"{API}/collection-points/{point}/deposits", json=plain, headers=alice.headers
        ),
        403,
        "signature_required",
    )
    assert await api.log_size() == size

    deposited = await flow(api, "deposits", body, alice, point)
    assert deposited.status_code == 201, deposited.text
    assert deposited.json()["kind"] == "good_deposit"
    assert await shelf(api, point, "perceuse") == (3, 0)

    # Loans: more than the shelf holds is refused by the ledger's bound.
    nothing = await flow(
        api,
        "loans",
        {"kind": "escabeau", "count": 1, "member_id": carol.id, "due_on": due(7)},
        bob,
        point,
    )
    assert_problem(nothing, 409, "exceeds_balance_min")
    stranger = await flow(
        api,
        "loans",
        {"kind": "perceuse", "count": 1, "member_id": str(uuid.uuid4()), "due_on": due(7)},
        bob,
        point,
    )
    assert_problem(stranger, 404, "not_found", "member_id")

    loan_body = {"kind": "perceuse", "count": 2, "member_id": carol.id, "due_on": due(7)}
    lent = await flow(api, "loans", loan_body, bob, point)
    assert lent.status_code == 201, lent.text
    loan_id = lent.json()["id"]
    assert await shelf(api, point, "perceuse") == (1, 2)
    too_many = await flow(api, "loans", loan_body | {"member_id": dave.id}, bob, point)
    assert_problem(too_many, 409, "exceeds_balance_min")
    assert await shelf(api, point, "perceuse") == (1, 2)
    mine = (await api.client.get(f"{API}/members/me/loans", headers=carol.headers)).json()["items"]
    assert [(m["id"], m["outstanding"], m["overdue"]) for m in mine] == [(loan_id, 2, False)]

    # Returns: partly, then more than is out refused, then the rest.
    returns = f"loans/{loan_id}/returns"
    assert (await flow(api, returns, {"count": 1}, alice, point)).status_code == 201
    assert await shelf(api, point, "perceuse") == (2, 1)
    size = await api.log_size()
    assert_problem(await flow(api, returns, {"count": 2}, alice, point), 409, "not_borrowed")
    assert await api.log_size() == size
    assert (await flow(api, returns, {"count": 1}, alice, point)).status_code == 201
    assert await shelf(api, point, "perceuse") == (3, 0)
    assert_problem(await flow(api, returns, {"count": 1}, alice, point), 409, "not_borrowed")
    assert (await api.client.get(f"{API}/members/me/loans", headers=carol.headers)).json()[
        "items"
    ] == []
    assert_problem(
        await flow(api, f"loans/{uuid.uuid4()}/returns", {"count": 1}, alice, point),
        404,
        "not_found",
        "loan_id",
    )

    # The ledger refuses a return of what was not borrowed, even through POST /transactions:
    # the raw transaction gets the flow's answer.
    lent_again = await flow(api, "loans", loan_body | {"count": 1}, bob, point)
    postings = lent_again.json()["postings"]
    loan_account = next(p["account_id"] for p in postings if p["amount"] > 0)
    stock_account = next(p["account_id"] for p in postings if p["amount"] < 0)
    tx = {
        "id": str(uuid.uuid4()),
        "kind": "return",
        "postings": [
            {"account_id": loan_account, "unit": "GOOD.perceuse", "amount": -2},
            {"account_id": stock_account, "unit": "GOOD.perceuse", "amount": 2},
        ],
        "references": {"point": point},
    }
    from tests.wallet import sign_body

    raw = sign_body(tx, api.origin, alice.key, on_behalf_of=point)
    assert_problem(
        await api.client.post(
            f"{API}/transactions", json=raw, headers={**alice.headers, "Idempotency-Key": raw["id"]}
        ),
        409,
        "not_borrowed",
    )

    # Transfer to another point, signed by a keeper of the sending point.
    move = {"kind": "perceuse", "count": 1, "to_point": other}
    assert_problem(await flow(api, "transfers", move, dave, point), 403, "not_custodian")
    moved = await flow(api, "transfers", move, alice, point)
    assert moved.status_code == 201, moved.text
    assert moved.json()["kind"] == "good_transfer"
    assert await shelf(api, point, "perceuse") == (1, 1)
    assert await shelf(api, other, "perceuse") == (1, 0)
    assert_problem(
        await flow(api, "transfers", move | {"count": 5}, alice, point), 409, "exceeds_balance_min"
    )
    assert_problem(
        await flow(api, "transfers", move | {"to_point": point}, alice, point),
        422,
        "invalid_request",
        "to_point",
    )

    # Gift: stock → given; the household stays off the ledger.
    gift = {"kind": "perceuse", "count": 1, "to_member": carol.id, "household": "Famille M."}
    gave = await flow(api, "gifts", gift, dave, other)
    assert gave.status_code == 201, gave.text
    assert gave.json()["kind"] == "give"
    assert await shelf(api, other, "perceuse") == (0, 0)
    assert_problem(await flow(api, "gifts", gift, dave, other), 409, "exceeds_balance_min")

    history = await api.client.get(f"{API}/goods/kinds/perceuse/history", headers=carol.headers)
    assert history.status_code == 200, history.text
    rows = history.json()["items"]
    assert history.json()["next"] is None
    kinds = [r["kind"] for r in rows[::2]]
    assert kinds == ["good_deposit", "loan", "return", "return", "loan", "good_transfer", "give"]
    assert [(r["account_role"], r["amount"]) for r in rows[:2]] == [("intake", -3), ("stock", 3)]
    assert rows[-1]["account_role"] == "given"
    assert rows[-1]["point"] == other
    assert [r["log_index"] for r in rows] == sorted(r["log_index"] for r in rows)
    first = await api.client.get(
        f"{API}/goods/kinds/perceuse/history", params={"limit": 1}, headers=carol.headers
    )
    assert [r["kind"] for r in first.json()["items"]] == ["good_deposit", "good_deposit"]
    page = await api.client.get(first.json()["next"], headers=carol.headers)
    assert [r["kind"] for r in page.json()["items"]] == ["loan", "loan"]
    assert page.headers["Link"] == f'<{page.json()["next"]}>; rel="next"'
    lines = await verified_export(api)
    assert not any("Famille" in line for line in lines)


async def test_loan_limit_and_overdue(api: Api) -> None:
    """A member holds at most MUTUAL_OPEN_LOANS_MAX items on loan across all points and
    kinds; a point's keepers list its open loans, the overdue ones apart."""
    alice, carol, eve = await join(api, "Alice"), await join(api, "Carol"), await join(api, "Eve")
    await create_kind(api, "perceuse", "Perceuse")
    await create_kind(api, "tente", "Tente")
    point = await create_point(api, "Magasin pour rien", alice)
    other = await create_point(api, "Point des Coteaux", alice)
    for where, kind in ((point, "perceuse"), (point, "tente"), (other, "tente")):
        dep = await flow(api, "deposits", {"kind": kind, "count": 5}, alice, where)
        assert dep.status_code == 201, dep.text

    def loan(kind: str, count: int, days: int, who: Member = carol) -> dict[str, Any]:
        return {"kind": kind, "count": count, "member_id": who.id, "due_on": due(days)}

    late = await flow(api, "loans", loan("perceuse", 1, -3), alice, point)
    soon = await flow(api, "loans", loan("tente", 1, 10), alice, point)
    away = await flow(api, "loans", loan("tente", 1, -1), alice, other)
    assert all(r.status_code == 201 for r in (late, soon, away))
    size = await api.log_size()
    over = await flow(api, "loans", loan("perceuse", 1, 5), alice, point)
    assert_problem(over, 409, "loan_limit_reached", "count")
    facts = {"variant": "full", "held": 3, "asked": 1, "limit": 3, "left": 0}
    assert over.json()["facts"] == facts
    # Someone who holds nothing is told the count asked is the reason, not their loans.
    alone = await flow(api, "loans", loan("perceuse", 4, 5, eve), alice, point)
    assert_problem(alone, 409, "loan_limit_reached", "count")
    facts = {"variant": "none", "held": 0, "asked": 4, "limit": 3, "left": 3}
    assert alone.json()["facts"] == facts
    assert await api.log_size() == size
    assert (await flow(api, "loans", loan("perceuse", 3, 5, eve), alice, point)).status_code == 201

    url = f"{API}/collection-points/{point}/loans"
    all_open = (await api.client.get(url, headers=alice.headers)).json()["items"]
    assert [(x["kind"], x["overdue"]) for x in all_open if x["member_id"] == carol.id] == [
        ("perceuse", True),
        ("tente", False),
    ]
    overdue = (await api.client.get(url, params={"overdue": "true"}, headers=api.operator)).json()[
        "items"
    ]
    assert [x["id"] for x in overdue] == [late.json()["id"]]
    current = (
        await api.client.get(
            url, params={"overdue": "false", "member_id": carol.id}, headers=alice.headers
        )
    ).json()["items"]
    assert [x["id"] for x in current] == [soon.json()["id"]]
    assert_problem(await api.client.get(url, headers=carol.headers), 403, "not_authorised")

    # Returning frees room under the limit.
    back = await flow(api, f"loans/{late.json()['id']}/returns", {"count": 1}, alice, point)
    assert back.status_code == 201, back.text
    assert (await flow(api, "loans", loan("perceuse", 1, 5), alice, point)).status_code == 201
    await verified_export(api)


async def test_replay_does_not_double_count(api: Api) -> None:
    """A signed loan or return sent again answers the same, marked replayed, and the
    loans table counts it once."""
    alice, carol = await join(api, "Alice"), await join(api, "Carol")
    await create_kind(api, "perceuse", "Perceuse")
    point = await create_point(api, "Magasin pour rien", alice)
    assert (
        await flow(api, "deposits", {"kind": "perceuse", "count": 3}, alice, point)
    ).status_code == 201
    url = f"{API}/collection-points/{point}/loans"
    body = {"kind": "perceuse", "count": 3, "member_id": carol.id, "due_on": due(7)}
    first = await api.client.post(url, json=body, headers=alice.headers)
    payload = first.json()["signing_payload"]
    sig = alice.key.sign_payload(
        Domain.TRANSACTION, payload, on_behalf_of=PrincipalId(uuid.UUID(point))
    )
    signed = body | {"id": payload["id"], "signatures": [sig.document()]}
    lent = await api.client.post(url, json=signed, headers=alice.headers)
    assert lent.status_code == 201, lent.text
    # Carol is at the limit now, yet the replay is answered as the first time.
    replay = await api.client.post(url, json=signed, headers=alice.headers)
    assert replay.status_code == 201, replay.text
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == lent.json()
    assert await loan_rows(api) == 1
    # The same id with another due date composes another payload: its signature fails.
    other = signed | {"due_on": due(8)}
    assert_problem(
        await api.client.post(url, json=other, headers=alice.headers), 422, "invalid_signature"
    )
    assert await loan_rows(api) == 1

    ret_url = f"{url}/{payload['id']}/returns"
    first = await api.client.post(ret_url, json={"count": 2}, headers=alice.headers)
    payload = first.json()["signing_payload"]
    sig = alice.key.sign_payload(
        Domain.TRANSACTION, payload, on_behalf_of=PrincipalId(uuid.UUID(point))
    )
    signed = {"count": 2, "id": payload["id"], "signatures": [sig.document()]}
    assert (await api.client.post(ret_url, json=signed, headers=alice.headers)).status_code == 201
    again = await api.client.post(ret_url, json=signed, headers=alice.headers)
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    mine = (await api.client.get(f"{API}/members/me/loans", headers=carol.headers)).json()["items"]
    assert [(m["returned"], m["outstanding"]) for m in mine] == [(2, 1)]
    async with api.db.read_engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(loan_returns))).scalar_one()
    assert count == 1
    await verified_export(api)


async def test_replays_in_one_batch_count_once(api: Api) -> None:
    """The same signed loan, then the same signed return, sent three times at once (so
    in one of the writer's batches, with their side rows): one loan row, one return,
    counted once on the loan."""
    alice, carol = await join(api, "Alice"), await join(api, "Carol")
    await create_kind(api, "perceuse", "Perceuse")
    point = await create_point(api, "Magasin pour rien", alice)
    assert (
        await flow(api, "deposits", {"kind": "perceuse", "count": 3}, alice, point)
    ).status_code == 201
    behalf = PrincipalId(uuid.UUID(point))

    async def thrice(url: str, body: dict[str, Any]) -> str:
        first = await api.client.post(url, json=body, headers=alice.headers)
        payload = first.json()["signing_payload"]
        sig = alice.key.sign_payload(Domain.TRANSACTION, payload, on_behalf_of=behalf)
        signed = body | {"id": payload["id"], "signatures": [sig.document()]}
        answers = await asyncio.gather(
            *(api.client.post(url, json=signed, headers=alice.headers) for _ in range(3))
        )
        assert [a.status_code for a in answers] == [201] * 3, [a.text for a in answers]
        assert len({a.json()["log_index"] for a in answers}) == 1
        tx_id: str = payload["id"]
        return tx_id

    url = f"{API}/collection-points/{point}/loans"
    loan = await thrice(
        url, {"kind": "perceuse", "count": 3, "member_id": carol.id, "due_on": due(7)}
    )
    await thrice(f"{url}/{loan}/returns", {"count": 2})
    assert await loan_rows(api) == 1
    mine = (await api.client.get(f"{API}/members/me/loans", headers=carol.headers)).json()["items"]
    assert [(m["returned"], m["outstanding"]) for m in mine] == [(2, 1)]
    async with api.db.read_engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(loan_returns))).scalar_one()
    assert count == 1
    await verified_export(api)


async def test_concurrent_loans_of_the_last_items(api: Api) -> None:
    """N members borrowing the last items at once: exactly as many loans succeed as there
    were items, the others are refused by the ledger, the stock never goes negative."""
    alice = await join(api, "Alice")
    members = [await join(api, f"Member {i}") for i in range(6)]
    await create_kind(api, "poussette", "Poussette")
    point = await create_point(api, "Magasin pour rien", alice)
    assert (
        await flow(api, "deposits", {"kind": "poussette", "count": 3}, alice, point)
    ).status_code == 201

    async def borrow(m: Member) -> httpx.Response:
        body = {"kind": "poussette", "count": 1, "member_id": m.id, "due_on": due(7)}
        return await flow(api, "loans", body, alice, point)

    answers = await asyncio.gather(*(borrow(m) for m in members))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 201, 201, 409, 409, 409], [a.text for a in answers]
    assert all(a.json()["code"] == "exceeds_balance_min" for a in answers if a.status_code == 409)
    assert await shelf(api, point, "poussette") == (0, 3)
    assert await loan_rows(api) == 3
    await verified_export(api)
