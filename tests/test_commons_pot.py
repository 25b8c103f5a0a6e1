"""The commons pot over HTTP, on SQLite and PostgreSQL: a member gives hours to it and an
appointed coordinator pays a member from it for territorial work, the member being told
with the description; and the ledger's own rules hold against raw signed writes (only
the giver's key debits the giver's account, within their limits; only a coordinator the
log appointed for the commons, signing on its behalf, debits the pot, never more than it
holds; no other kind touches the pot), each refusal leaving the ledger as it was."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from typing import Any

import httpx

from mutual.core import derived
from mutual.core.units import TIME
from tests.flow_client import signed_post
from tests.test_api import API, Api, assert_problem, transfer
from tests.test_kind_attacks import ledger, raw
from tests.test_permissions import token
from tests.test_projects import api
from tests.test_timebank import Member, balance, join, verified_export
from tests.wallet import sign_body

__all__ = ["api"]

POT = str(derived.commons_account_id(TIME))
COMMONS = str(derived.commons_principal_id())


def salt() -> str:
    return base64.b64encode(os.urandom(16)).decode()


async def coordinator(api: Api, name: str = "Claire") -> Member:
    """A member of the coordination group (a coordinator's token), not yet appointed."""
    member = await join(api, name)
    member.headers = await token(api, ["coordination_member"], member.id)
    return member


async def appoint(api: Api, who: Member) -> dict[str, Any]:
    answer = await api.client.post(
        f"{API}/commons/pot/coordinators", json={"member_id": who.id}, headers=api.operator
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def gift(api: Api, who: Member, minutes: int, memo: str = "") -> httpx.Response:
    body: dict[str, Any] = {"id": str(uuid.uuid4()), "minutes": minutes}
    if memo:
        body |= {"memo": memo, "memo_salt": salt()}
    return await signed_post(api, "/commons/pot/gifts", body, who.headers, who.key)


async def payment(
    api: Api, by: Member, to: Member, minutes: int, memo: str = "Tenue de la permanence"
) -> httpx.Response:
    body = {
        "id": str(uuid.uuid4()),
        "member_id": to.id,
        "minutes": minutes,
        "memo": memo,
        "memo_salt": salt(),
    }
    return await signed_post(
        api, "/commons/pot/payments", body, by.headers, by.key, on_behalf_of=COMMONS
    )


async def pot(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    answer = await api.client.get(f"{API}/commons/pot", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_gift_then_a_payment_from_the_pot(api: Api) -> None:
    """Alice gives 1 h 30 to the pot; the appointed coordinator pays Bob 1 h from it for
    the permanence: the pot holds 30 min, Alice is at -1 h 30 and Bob at +1 h, Bob's
    notification says it in words with the description, both statements name the kind,
    and the export verifies offline."""
    alice, bob, claire = await join(api, "Alice"), await join(api, "Bob"), await coordinator(api)
    shown = await appoint(api, claire)
    assert shown["coordinators"] == [{"member_id": claire.id, "display_name": "Claire"}]
    assert (shown["account_id"], shown["balance"], shown["commons_principal"]) == (POT, 0, COMMONS)

    given = await gift(api, alice, 90, "Pour le quartier")
    assert given.status_code == 201, given.text
    paid = await payment(api, claire, bob, 60)
    assert paid.status_code == 201, paid.text

    assert (await pot(api, bob.headers))["balance"] == 30
    assert (await balance(api, alice.account), await balance(api, bob.account)) == (-90, 60)
    told = await api.client.get(
        f"{API}/notifications", headers={**bob.headers, "Accept-Language": "fr"}
    )
    assert told.status_code == 200, told.text
    [notice] = [n for n in told.json()["items"] if n["kind"] == "commons_paid"]
    assert notice["message"] == (
        "La coordination vous a payé 1 h du pot commun : Tenue de la permanence"
    )
    for who, tx, kind in ((alice, given, "commons_gift"), (bob, paid, "commons_payment")):
        read = await api.client.get(f"{API}/transactions/{tx.json()['id']}", headers=who.headers)
        assert (read.status_code, read.json()["kind"]) == (200, kind), read.text
    await verified_export(api)


async def test_a_payment_beyond_the_pot_is_refused_before_signing_and_raw(api: Api) -> None:
    """With 30 min in the pot, a payment of 1 h is refused ``exceeds_pot``, with the
    facts the page words it from, before anything is signed, and the same transaction
    signed and sent raw is refused ``exceeds_pot`` by the ledger's rule: nothing is
    written either way."""
    alice, bob, claire = await join(api, "Alice"), await join(api, "Bob"), await coordinator(api)
    await appoint(api, claire)
    assert (await gift(api, alice, 30)).status_code == 201
    before = await ledger(api)

    early = await api.client.post(
        f"{API}/commons/pot/payments",
        json={"member_id": bob.id, "minutes": 60, "memo": "Affichage", "memo_salt": salt()},
        headers=claire.headers,
    )
    assert_problem(early, 409, "exceeds_pot", "minutes")
    # The page says it in words from these facts (core.problem_words "exceeds_pot").
    assert early.json()["facts"] == {"held": 30, "asked": 60, "unit": "TIME"}

    body = transfer(str(uuid.uuid4()), POT, bob.account, 60) | {"kind": "commons_payment"}
    signed = sign_body(body, api.origin, claire.key, on_behalf_of=COMMONS)
    answer = await api.client.post(
        f"{API}/transactions",
        json=signed,
        headers={**claire.headers, "Idempotency-Key": body["id"]},
    )
    assert_problem(answer, 409, "exceeds_pot")
    assert await ledger(api) == before


async def test_only_an_appointed_coordinator_signing_for_the_commons_pays(api: Api) -> None:
    """Raw payments from the pot signed by a coordinator not appointed for the commons
    (``not_custodian``), by the operator's key alone, or by the appointed coordinator in
    their own name (``signature_required``) are refused; a resident may not use the
    payment flow at all (403); the ledger is unchanged and the appointed coordinator's
    payment then goes through."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    claire, david = await coordinator(api), await coordinator(api, "David")
    await appoint(api, claire)
    assert (await gift(api, alice, 120)).status_code == 201
    before = await ledger(api)

    def pay_body() -> dict[str, Any]:
        return transfer(str(uuid.uuid4()), POT, bob.account, 30) | {"kind": "commons_payment"}

    async def send(body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        return await api.client.post(
            f"{API}/transactions", json=body, headers={**headers, "Idempotency-Key": body["id"]}
        )

    unappointed = sign_body(pay_body(), api.origin, david.key, on_behalf_of=COMMONS)
    assert_problem(await send(unappointed, david.headers), 403, "not_custodian")
    assert api.operator_key is not None
    by_operator = sign_body(pay_body(), api.origin, api.operator_key)
    assert_problem(await send(by_operator, api.operator), 403, "signature_required")
    own_name = sign_body(pay_body(), api.origin, claire.key)
    assert_problem(await send(own_name, claire.headers), 403, "signature_required")
    flow = await api.client.post(
        f"{API}/commons/pot/payments",
        json={"member_id": bob.id, "minutes": 30, "memo": "Affichage", "memo_salt": salt()},
        headers=alice.headers,
    )
    assert flow.status_code == 403, flow.text
    assert await ledger(api) == before

    assert (await payment(api, claire, bob, 30)).status_code == 201
    assert (await pot(api, alice.headers))["balance"] == 90


async def test_no_other_movement_touches_the_pot(api: Api) -> None:
    """An exchange out of the pot signed for the commons (``invalid_exchange``), a gift
    out of another member's account (``signature_required``), a gift beyond the giver's
    limit (``exceeds_balance_min``), a gift into the pot from a pool account
    (``invalid_commons_gift``) and a payment into a pool account
    (``invalid_commons_payment``) are each refused, the ledger unchanged."""
    alice, bob, claire = await join(api, "Alice"), await join(api, "Bob"), await coordinator(api)
    await appoint(api, claire)
    assert (await gift(api, alice, 60)).status_code == 201
    pool = await api.account(owner_kind="commons_pool", owner_id="x", balance_min=None)
    before = await ledger(api)

    exchange = transfer(str(uuid.uuid4()), POT, bob.account, 30)
    signed = sign_body(exchange, api.origin, claire.key, on_behalf_of=COMMONS)
    answer = await api.client.post(
        f"{API}/transactions",
        json=signed,
        headers={**claire.headers, "Idempotency-Key": exchange["id"]},
    )
    assert_problem(answer, 422, "invalid_exchange")

    theft = transfer(str(uuid.uuid4()), bob.account, POT, 30) | {"kind": "commons_gift"}
    assert_problem(await raw(api, alice, theft), 403, "signature_required")
    too_much = transfer(str(uuid.uuid4()), alice.account, POT, 1_200) | {"kind": "commons_gift"}
    assert_problem(await raw(api, alice, too_much), 409, "exceeds_balance_min")

    assert api.operator_key is not None
    from_pool = transfer(str(uuid.uuid4()), pool, POT, 30) | {"kind": "commons_gift"}
    signed = sign_body(from_pool, api.origin, api.operator_key)
    answer = await api.client.post(
        f"{API}/transactions",
        json=signed,
        headers={**api.operator, "Idempotency-Key": from_pool["id"]},
    )
    assert_problem(answer, 422, "invalid_commons_gift")
    to_pool = transfer(str(uuid.uuid4()), POT, pool, 30) | {"kind": "commons_payment"}
    signed = sign_body(to_pool, api.origin, claire.key, on_behalf_of=COMMONS)
    answer = await api.client.post(
        f"{API}/transactions",
        json=signed,
        headers={**claire.headers, "Idempotency-Key": to_pool["id"]},
    )
    assert_problem(answer, 422, "invalid_commons_payment")
    assert await ledger(api) == before


async def test_bad_flow_requests_write_nothing(api: Api) -> None:
    """A payment without a description, to someone who is not a member, or of a
    duration off the step, and a gift of an absurd duration, are refused in words
    before anything is composed."""
    alice, claire = await join(api, "Alice"), await coordinator(api)
    await appoint(api, claire)
    assert (await gift(api, alice, 60)).status_code == 201
    before = await ledger(api)
    path = f"{API}/commons/pot/payments"
    cases = [
        ({"member_id": alice.id, "minutes": 30, "memo": " "}, 422, "invalid_request", "memo"),
        (
            {"member_id": str(uuid.uuid4()), "minutes": 30, "memo": "x", "memo_salt": salt()},
            404,
            "not_found",
            "member_id",
        ),
        (
            {"member_id": alice.id, "minutes": 7, "memo": "x", "memo_salt": salt()},
            422,
            "invalid_duration",
            "minutes",
        ),
    ]
    for body, status, code, field in cases:
        assert_problem(
            await api.client.post(path, json=body, headers=claire.headers), status, code, field
        )
    absurd = await api.client.post(
        f"{API}/commons/pot/gifts", json={"minutes": 48 * 60}, headers=alice.headers
    )
    assert_problem(absurd, 422, "implausible_amount", "minutes")
    assert await ledger(api) == before


async def test_an_association_gives_and_is_paid_through_the_person_it_appoints(api: Api) -> None:
    """An association's TIME account takes part like a member's: the person the log
    appoints for it (Marie) gives from it to the pot, signing on its behalf, which the
    log entry keeps; someone not appointed is refused ``not_custodian``; and an appointed
    coordinator pays the association from the pot."""
    marie, bob, claire = await join(api, "Marie"), await join(api, "Bob"), await coordinator(api)
    await appoint(api, claire)
    association = str(uuid.uuid4())
    account = await api.account(owner_kind="organisation", owner_id=association)
    me = (await api.client.get(f"{API}/me", headers=api.operator)).json()["principal_id"]
    event = {
        "id": str(uuid.uuid4()),
        "action": "appoint_custodian",
        "principal": association,
        "by": me,
        "custodian": marie.id,
        "version": 2,
        "signatures": [],
    }
    appointed = await api.client.post(f"{API}/key-events", json=event, headers=api.operator)
    assert appointed.status_code == 201, appointed.text

    assert (await gift(api, bob, 120)).status_code == 201
    assert (await payment(api, claire, marie, 60)).status_code == 201
    paid = transfer(str(uuid.uuid4()), POT, account, 30) | {"kind": "commons_payment"}
    signed = sign_body(paid, api.origin, claire.key, on_behalf_of=COMMONS)
    answer = await api.client.post(
        f"{API}/transactions",
        json=signed,
        headers={**claire.headers, "Idempotency-Key": paid["id"]},
    )
    assert answer.status_code == 201, answer.text

    gift_body = transfer(str(uuid.uuid4()), account, POT, 15) | {"kind": "commons_gift"}
    before = await ledger(api)
    by_bob = sign_body(gift_body, api.origin, bob.key, on_behalf_of=association)
    refused = await api.client.post(
        f"{API}/transactions",
        json=by_bob,
        headers={**bob.headers, "Idempotency-Key": gift_body["id"]},
    )
    assert_problem(refused, 403, "not_custodian")
    assert await ledger(api) == before
    gift_body["id"] = str(uuid.uuid4())
    by_marie = sign_body(gift_body, api.origin, marie.key, on_behalf_of=association)
    given = await api.client.post(
        f"{API}/transactions",
        json=by_marie,
        headers={**marie.headers, "Idempotency-Key": gift_body["id"]},
    )
    assert given.status_code == 201, given.text
    assert await balance(api, account) == 30 - 15
    assert (await pot(api, marie.headers))["balance"] == 120 - 60 - 30 + 15
    size = (await api.client.get(f"{API}/log")).json()["tree_size"]
    proof = await api.client.get(
        f"{API}/log/proofs/inclusion?id={gift_body['id']}&tree_size={size}", headers=api.operator
    )
    [sig] = proof.json()["entry"]["signatures"]
    assert sig["on_behalf_of"] == association
    await verified_export(api)


async def test_racing_payments_never_take_the_pot_below_zero(api: Api) -> None:
    """With 1 h 30 in the pot, four payments of 1 h sent at once (raw, each signed for
    the commons by the appointed coordinator): exactly one is accepted, the others are
    refused ``exceeds_pot``, and the pot ends at 30 min."""
    alice, bob, claire = await join(api, "Alice"), await join(api, "Bob"), await coordinator(api)
    await appoint(api, claire)
    assert (await gift(api, alice, 90)).status_code == 201

    async def send() -> httpx.Response:
        body = transfer(str(uuid.uuid4()), POT, bob.account, 60) | {"kind": "commons_payment"}
        signed = sign_body(body, api.origin, claire.key, on_behalf_of=COMMONS)
        return await api.client.post(
            f"{API}/transactions",
            json=signed,
            headers={**claire.headers, "Idempotency-Key": body["id"]},
        )

    answers = await asyncio.gather(*(send() for _ in range(4)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409, 409, 409], [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"exceeds_pot"}
    assert (await pot(api, bob.headers))["balance"] == 30
    assert await balance(api, bob.account) == 60
