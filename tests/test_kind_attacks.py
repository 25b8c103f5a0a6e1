"""The attacks of issue 20, sent as an outsider would over HTTP, on SQLite and PostgreSQL:
a raw delivery from a promise, a raw pledge into another member's share, a client id
equal to an id the service derives later (a transaction that would be accepted and one
that would be refused), a client-chosen flow id in the derived ids' namespace. Each is
refused with the kind's code or ``reserved_id`` and leaves no trace; the real flow
still works afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mutual.core.fund import deposit_account_id, fund_account_id, partner_account_id
from mutual.core.goods import loan_account_id
from mutual.core.ids import PrincipalId
from mutual.core.pledges import held_account, promise_account, release_id
from mutual.core.quarters import parse_quarter
from mutual.core.units import EUR, PLEDGE, TIME
from mutual.store.tables import idempotency_records, log_entries
from mutual.usecases import rounds
from mutual.usecases.projects import project_account_id
from tests.flow_client import signed_post
from tests.ledger_checks import check_ledger
from tests.test_api import API, Api, assert_problem, transfer
from tests.test_fund import far, give, new_project, org_partner
from tests.test_goods import create_kind, create_point, due, flow
from tests.test_pledges import quarter_of, set_today
from tests.test_projects import api, project_body
from tests.test_rounds import decided_by_consent, execute, prepared_round, territory
from tests.test_timebank import Member, join, verified_export
from tests.wallet import sign_body

__all__ = ["api"]

Q = "2027-Q1"
IN_Q = date(2027, 1, 15)
AFTER_Q = date(2027, 4, 2)
# Members' TIME accounts may go down to -1,200 minutes: this exchange is over the limit.
OVER_LIMIT = 1_300


async def raw(api: Api, who: Member, body: dict[str, Any]) -> httpx.Response:
    """``POST /transactions`` with ``body`` signed by ``who``, as any member may send it."""
    signed = sign_body(body, api.origin, who.key)
    return await api.client.post(
        f"{API}/transactions", json=signed, headers={**who.headers, "Idempotency-Key": body["id"]}
    )


async def ledger(api: Api) -> tuple[int, dict[uuid.UUID, int]]:
    """The log's size and every balance, the stored invariants checked on the way."""
    return await api.log_size(), await check_ledger(api.db)


async def stored_under(api: Api, key: str) -> tuple[int, int]:
    """How many idempotency records and how many log entries carry ``key``."""
    async with api.db.read_engine.connect() as conn:
        records = select(func.count()).where(idempotency_records.c.key == uuid.UUID(key))
        entries = select(func.count()).where(log_entries.c.entity_id == uuid.UUID(key))
        return (await conn.execute(records)).scalar_one(), (
            await conn.execute(entries)
        ).scalar_one()


async def pledged(api: Api, who: Member, minutes: int) -> None:
    answer = await signed_post(
        api, "/pledges", {"quarter": Q, "minutes": minutes}, who.headers, who.key
    )
    assert answer.status_code == 201, answer.text


async def released(api: Api) -> None:
    """The coordinator releases the quarter, once it is over."""
    assert api.operator_key is not None
    set_today(api, AFTER_Q)
    path = f"/pledges/quarters/{Q}/release"
    answer = await signed_post(api, path, {}, api.operator, api.operator_key)
    assert answer.status_code == 201, answer.text


def pledge_id(who: Member, role: str) -> str:
    """The id of ``who``'s promise or held account for ``Q``, as ``core.pledges`` derives it."""
    member, quarter = PrincipalId(uuid.UUID(who.id)), parse_quarter(Q)
    make = promise_account if role == "promise" else held_account
    return str(make(member, quarter).account.id)


async def test_a_raw_delivery_from_a_promise_is_refused(api: Api) -> None:
    """A member's own promise paid into a project's PLEDGE account as a ``delivery`` is
    refused ``invalid_delivery``: the ledger and the project's delivered hours stay as
    they were, and the lead's real delivery of an allocation still goes through."""
    alice, carol = await join(api, "Alice"), await join(api, "Carol")
    project = await new_project(api, carol)
    set_today(api, IN_Q)
    await pledged(api, alice, 600)
    shown = (await api.client.get(f"{API}/projects/{project}", headers=carol.headers)).json()
    project_pledge = next(a["id"] for a in shown["accounts"] if a["unit"] == "PLEDGE")

    async def delivered() -> Any:
        team = await api.client.get(f"{API}/projects/{project}/volunteers", headers=carol.headers)
        assert team.status_code == 200, team.text
        return team.json()["items"], (await quarter_of(api, alice, Q))["delivered"]

    before, hours = await ledger(api), await delivered()
    body = transfer(str(uuid.uuid4()), pledge_id(alice, "promise"), project_pledge, 60, "PLEDGE")
    body |= {"kind": "delivery", "references": {"quarter": Q, "member": alice.id}}
    assert_problem(await raw(api, alice, body), 422, "invalid_delivery")
    assert (await ledger(api), await delivered()) == (before, hours)
    # The refusal may be kept to answer a replay alike; it is never a leaf.
    assert (await stored_under(api, body["id"]))[1] == 0

    assert api.operator_key is not None
    allocation = {
        "quarter": Q,
        "decision": "CCG 2027-01-12 n°3",
        "lines": [{"member_id": alice.id, "project_id": project, "minutes": 240}],
    }
    allocated = await signed_post(
        api, "/pledges/allocations", allocation, api.operator, api.operator_key
    )
    assert allocated.status_code == 201, allocated.text
    delivery = {"quarter": Q, "member_id": alice.id, "minutes": 60}
    confirmed = await signed_post(
        api,
        f"/projects/{project}/deliveries",
        delivery,
        carol.headers,
        carol.key,
        on_behalf_of=project,
    )
    assert confirmed.status_code == 201, confirmed.text
    view = await quarter_of(api, alice, Q)
    assert (view["pledged"], view["allocated"], view["delivered"]) == (600, 240, 60)
    await verified_export(api)


async def test_a_raw_pledge_into_another_members_share_is_refused(api: Api) -> None:
    """A pledge from Alice's promise into Bob's held share of the same quarter is refused
    ``invalid_pledge`` and writes nothing: both still have pledged = allocated + released
    + held, and the quarter's release still goes through."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    set_today(api, IN_Q)
    await pledged(api, alice, 600)
    await pledged(api, bob, 300)
    before = await ledger(api)
    body = transfer(str(uuid.uuid4()), pledge_id(alice, "promise"), pledge_id(bob, "held"), 60)
    body["postings"] = [p | {"unit": "PLEDGE"} for p in body["postings"]]
    body |= {"kind": "pledge", "references": {"quarter": Q}}
    assert_problem(await raw(api, alice, body), 422, "invalid_pledge")
    assert await ledger(api) == before
    assert (await stored_under(api, body["id"]))[1] == 0
    # quarter_of asserts pledged = allocated + released + held for each of them.
    for who, minutes in ((alice, 600), (bob, 300)):
        view = await quarter_of(api, who, Q)
        assert (view["pledged"], view["held"]) == (minutes, minutes)

    await released(api)
    for who, minutes in ((alice, 600), (bob, 300)):
        view = await quarter_of(api, who, Q)
        assert (view["pledged"], view["held"], view["released"]) == (minutes, 0, minutes)
    await verified_export(api)


@dataclass
class Scene:
    """Ids the service will derive, and the real flow that derives them (it asserts its
    own success)."""

    ids: list[str]
    then: Callable[[], Awaitable[None]]


async def promise_scene(api: Api) -> Scene:
    """Alice's promise and held accounts for the quarter; she then pledges."""
    alice = await join(api, "Alice")
    set_today(api, IN_Q)
    ids = [pledge_id(alice, "promise"), pledge_id(alice, "held")]
    return Scene(ids, lambda: pledged(api, alice, 600))


async def release_scene(api: Api) -> Scene:
    """The quarter's release; the coordinator then releases it."""
    alice = await join(api, "Alice")
    set_today(api, IN_Q)
    await pledged(api, alice, 600)
    return Scene([str(release_id(parse_quarter(Q)))], lambda: released(api))


async def execution_scene(api: Api) -> Scene:
    """A decided round's two execution transactions (euros and hours); the operator then
    executes the round."""
    t = await territory(api)
    rid = await prepared_round(api, t)
    line = {"project_id": t.projects[0], "eur": 40_000, "hours": 600}
    await decided_by_consent(api, t, rid, [line])
    assert api.runtime is not None
    ids = [str(i) for i in rounds.execution_ids(await rounds.load(api.runtime, uuid.UUID(rid)))]

    async def then() -> None:
        executed = await execute(api, rid)
        assert executed["phase"] == "executed"
        assert sorted(executed["transactions"]) == sorted(ids)

    return Scene(ids, then)


async def loan_scene(api: Api) -> Scene:
    """Bob's loan account for drills at a point; the keeper then lends him one."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    await create_kind(api, "perceuse", "Perceuse")
    point = await create_point(api, "Magasin pour rien", alice)
    deposited = await flow(api, "deposits", {"kind": "perceuse", "count": 3}, alice, point)
    assert deposited.status_code == 201, deposited.text
    ids = [str(loan_account_id(uuid.UUID(bob.id), uuid.UUID(point), "perceuse"))]

    async def then() -> None:
        body = {"kind": "perceuse", "count": 1, "member_id": bob.id, "due_on": due(7)}
        lent = await flow(api, "loans", body, alice, point)
        assert lent.status_code == 201, lent.text

    return Scene(ids, then)


async def project_scene(api: Api) -> Scene:
    """A project's three accounts, known from its id; a coordinator then creates it."""
    carol = await join(api, "Carol")
    project = uuid.uuid4()
    ids = [str(project_account_id(project, unit)) for unit in (EUR, PLEDGE, TIME)]

    async def then() -> None:
        body = project_body(carol, id=str(project))
        created = await api.client.post(f"{API}/projects", json=body, headers=api.operator)
        assert created.status_code == 201, created.text
        assert sorted(a["id"] for a in created.json()["accounts"]) == sorted(ids)

    return Scene(ids, then)


async def partner_scene(api: Api) -> Scene:
    """A named partner's account; the partner then gives for the first time."""
    city = await org_partner(api, "Ville de Mulhouse", "city")

    async def then() -> None:
        await give(api, city, 10_000)

    return Scene([str(partner_account_id(uuid.UUID(city.id)))], then)


async def fund_scene(api: Api) -> Scene:
    """The fund's own account, before anyone gave; a partner then gives."""
    city = await org_partner(api, "Ville de Mulhouse", "city")

    async def then() -> None:
        await give(api, city, 10_000)

    return Scene([str(fund_account_id())], then)


async def deposit_scene(api: Api) -> Scene:
    """The account of a deposit whose id the partner chose; the partner then deposits."""
    city = await org_partner(api, "Ville de Mulhouse", "city")
    await give(api, city, 10_000)
    contribution = uuid.uuid4()

    async def then() -> None:
        body = {
            "id": str(contribution),
            "partner_id": city.id,
            "kind": "deposit",
            "amount_cents": 5_000,
            "repayment_due": far().isoformat(),
        }
        answer = await signed_post(api, "/fund/contributions", body, city.headers, city.key)
        assert answer.status_code == 201, answer.text
        assert answer.json()["id"] == str(contribution)

    return Scene([str(deposit_account_id(contribution))], then)


SCENES: dict[str, Callable[[Api], Awaitable[Scene]]] = {
    "promise": promise_scene,
    "release": release_scene,
    "execution": execution_scene,
    "loan": loan_scene,
    "project": project_scene,
    "partner": partner_scene,
    "fund": fund_scene,
    "deposit": deposit_scene,
}


@pytest.mark.parametrize("variant", ["accepted", "refused", "control"])
@pytest.mark.parametrize("kind", list(SCENES))
async def test_a_derived_id_cannot_be_squatted(api: Api, kind: str, variant: str) -> None:
    """A member's exchange under an id the service derives is refused ``reserved_id``,
    whether it would be accepted or refused otherwise, and nothing is kept under the id
    (another request with it is not a reused key); the flow deriving it then succeeds.
    The control sends the same exchange under a fresh id: answered as usual."""
    scene = await SCENES[kind](api)
    mallory, bob = await join(api, "Mallory"), await join(api, "Bob")
    minutes = OVER_LIMIT if variant == "refused" else 30
    for derived in scene.ids:
        tx_id = str(uuid.uuid4()) if variant == "control" else derived
        before = await ledger(api)
        answer = await raw(api, mallory, transfer(tx_id, mallory.account, bob.account, minutes))
        if variant == "control":
            assert answer.status_code == 201, answer.text
            continue
        assert_problem(answer, 422, "reserved_id")
        assert await ledger(api) == before
        assert await stored_under(api, tx_id) == (0, 0)
        # Not stored: a different request under the same id meets the same rule, not a
        # replay of the first nor idempotency_key_reused.
        other = await raw(api, mallory, transfer(tx_id, mallory.account, bob.account, 45))
        assert_problem(other, 422, "reserved_id")
        assert await ledger(api) == before
    await scene.then()
    await verified_export(api)


V5 = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://mutual.invalid/chosen-by-a-client"))


@pytest.mark.parametrize("chosen", ["version5", "version4"])
@pytest.mark.parametrize("path", ["/pledges", "/proposals", "/accounts"])
async def test_a_client_chosen_version_5_id_is_reserved(api: Api, path: str, chosen: str) -> None:
    """A flow ``id`` that is a UUID of version 5 (the derived ids' namespace) is refused
    ``reserved_id`` before anything is written, and the same id in another request
    again; a fresh version 4 id in the same request is accepted (the control)."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    set_today(api, IN_Q)
    flow_id = V5 if chosen == "version5" else str(uuid.uuid4())

    async def send(minutes: int) -> httpx.Response:
        if path == "/pledges":
            body = {"id": flow_id, "quarter": Q, "minutes": minutes}
            return await signed_post(api, path, body, alice.headers, alice.key)
        if path == "/proposals":
            body = {"id": flow_id, "receiver": bob.id, "minutes": minutes, "memo": "Jardinage"}
            return await api.client.post(f"{API}{path}", json=body, headers=alice.headers)
        body = {"id": flow_id, "unit": "TIME", "owner_kind": "commons_pool", "owner_id": "commons"}
        body["balance_min"] = -minutes
        return await api.client.post(f"{API}{path}", json=body, headers=api.operator)

    before = await ledger(api)
    first = await send(60)
    if chosen == "version4":
        assert first.status_code == 201, first.text
        assert first.json()["id"] == flow_id
        return
    assert_problem(first, 422, "reserved_id")
    assert await ledger(api) == before
    assert await stored_under(api, flow_id) == (0, 0)
    assert_problem(await send(120), 422, "reserved_id")
    assert await ledger(api) == before
    if path == "/proposals":
        shown = await api.client.get(f"{API}/proposals/{flow_id}", headers=alice.headers)
        assert shown.status_code == 404, shown.text
