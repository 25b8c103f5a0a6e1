"""Volunteer-time pledges end to end through the HTTP API, on SQLite and PostgreSQL: a
member pledges hours for a quarter (signing what the service composed), coordinators
allocate them to projects with an operator's signature, the lead confirms deliveries
within the allocation, and what is still held is released once the quarter is over."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from mutual.core.signing import Domain
from tests.flow_client import sign_composed, signed_post
from tests.test_api import API, Api, assert_problem
from tests.test_projects import api, project_body
from tests.test_timebank import Member, join, verified_export

__all__ = ["api"]


def set_today(api: Api, day: date) -> None:
    """The service's clock (the app's own runtime) reads ``day`` at noon UTC."""
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    api.client.app.state.runtime.clock = lambda: moment


async def quarter_of(api: Api, who: Member, quarter: str) -> dict[str, Any]:
    answer = await api.client.get(
        f"{API}/pledges", params={"quarter": quarter}, headers=who.headers
    )
    assert answer.status_code == 200, answer.text
    [view] = answer.json()["items"]
    assert view["pledged"] == view["allocated"] + view["released"] + view["held"]
    assert all(p["delivered"] <= p["allocated"] for p in view["projects"])
    result: dict[str, Any] = view
    return result


async def read_pages(api: Api, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every page of a list, following ``next`` as a client does."""
    pages: list[dict[str, Any]] = []
    following: str | None = f"{API}{path}"
    while following is not None:
        answer = await api.client.get(following, headers=headers)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        following = pages[-1]["next"]
    return pages


async def test_pledge_allocate_deliver_release(api: Api) -> None:
    """Each step moves exactly what it says, each refusal writes nothing, and the
    export verifies."""
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    assert api.operator_key is not None
    created = await api.client.post(
        f"{API}/projects", json=project_body(carol), headers=api.operator
    )
    project = created.json()["id"]
    set_today(api, date(2027, 1, 15))

    # The first call composes and shows what to sign; it writes nothing.
    size = await api.log_size()
    body = {"quarter": "2027-Q1", "minutes": 600}
    unsigned = await api.client.post(f"{API}/pledges", json=body, headers=alice.headers)
    assert_problem(unsigned, 422, "unsigned", "signatures")
    payload = unsigned.json()["signing_payload"]
    assert payload["kind"] == "pledge"
    assert payload["references"] == {"quarter": "2027-Q1"}
    assert sorted(p["amount"] for p in payload["postings"]) == [-600, 600]
    assert await api.log_size() == size
    signature = alice.key.sign_payload(Domain.TRANSACTION, payload).document()
    signed = {**body, "id": payload["id"], "signatures": [signature]}
    pledged = await api.client.post(f"{API}/pledges", json=signed, headers=alice.headers)
    assert pledged.status_code == 201, pledged.text
    # Two accounts opened and the pledge: three leaves, one atomic write.
    assert await api.log_size() == size + 3
    again = await api.client.post(f"{API}/pledges", json=signed, headers=alice.headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await api.log_size() == size + 3

    assert (
        await signed_post(
            api, "/pledges", {"quarter": "2027-Q1", "minutes": 300}, bob.headers, bob.key
        )
    ).status_code == 201
    size = await api.log_size()
    # Refusals: someone else's signature, pledging for another, an ended quarter, bad input.
    assert_problem(
        await signed_post(
            api, "/pledges", {"quarter": "2027-Q1", "minutes": 60}, bob.headers, alice.key
        ),
        403,
        "signature_required",
    )
    assert_problem(
        await api.client.post(
            f"{API}/pledges",
            json={"quarter": "2027-Q1", "minutes": 60, "member_id": bob.id},
            headers=alice.headers,
        ),
        403,
        "not_authorised",
    )
    assert_problem(
        await signed_post(
            api, "/pledges", {"quarter": "2026-Q4", "minutes": 60}, alice.headers, alice.key
        ),
        409,
        "quarter_ended",
        "quarter",
    )
    assert_problem(
        await api.client.post(
            f"{API}/pledges", json={"quarter": "2027-Q1", "minutes": 7}, headers=alice.headers
        ),
        422,
        "invalid_duration",
    )
    assert_problem(
        await api.client.post(
            f"{API}/pledges", json={"quarter": "2027-Q5", "minutes": 60}, headers=alice.headers
        ),
        422,
        "invalid_request",
    )
    assert await api.log_size() == size

    # Allocation: coordinators decide, an operator key signs; never more than held.
    allocation = {
        "quarter": "2027-Q1",
        "decision": "CCG 2027-01-12 n°3",
        "lines": [
            {"member_id": alice.id, "project_id": project, "minutes": 240},
            {"member_id": bob.id, "project_id": project, "minutes": 120},
        ],
    }
    assert_problem(
        await api.client.post(f"{API}/pledges/allocations", json=allocation, headers=alice.headers),
        403,
        "not_authorised",
    )
    too_much = allocation | {
        "lines": [{"member_id": bob.id, "project_id": project, "minutes": 315}]
    }
    assert_problem(
        await signed_post(api, "/pledges/allocations", too_much, api.operator, api.operator_key),
        409,
        "exceeds_held",
        "lines[0].minutes",
    )
    assert_problem(
        await signed_post(api, "/pledges/allocations", allocation, api.operator, alice.key),
        403,
        "signature_required",
    )
    assert await api.log_size() == size
    signed_allocation = await sign_composed(
        api, "/pledges/allocations", allocation, api.operator, api.operator_key
    )
    assert isinstance(signed_allocation, dict)
    for replayed in ("false", "true"):
        # The resend is a replay although the pool no longer holds what it allocated.
        allocated = await api.client.post(
            f"{API}/pledges/allocations", json=signed_allocation, headers=api.operator
        )
        assert allocated.status_code == 201, allocated.text
        assert allocated.headers.get("Idempotent-Replayed", "false") == replayed
    pool = await api.client.get(f"{API}/pledges/quarters/2027-Q1/pool", headers=api.operator)
    assert pool.json()["held"] == 600 - 240 + 300 - 120

    # Deliveries: confirmed by the lead on the project's behalf, within the allocation.
    delivery = {"quarter": "2027-Q1", "member_id": alice.id, "minutes": 60}
    path = f"/projects/{project}/deliveries"
    assert_problem(
        await signed_post(api, path, delivery, bob.headers, bob.key, on_behalf_of=project),
        403,
        "not_authorised",
    )
    assert_problem(
        await signed_post(api, path, delivery, api.operator, bob.key, on_behalf_of=project),
        403,
        "not_custodian",
    )
    assert_problem(
        await signed_post(api, path, delivery, api.operator, api.operator_key),
        403,
        "signature_required",
    )
    done = await signed_post(api, path, delivery, carol.headers, carol.key, on_behalf_of=project)
    assert done.status_code == 201, done.text
    rest = delivery | {"minutes": 180}
    assert (
        await signed_post(api, path, rest, carol.headers, carol.key, on_behalf_of=project)
    ).status_code == 201
    size = await api.log_size()
    over = delivery | {"minutes": 15}
    assert_problem(
        await signed_post(api, path, over, carol.headers, carol.key, on_behalf_of=project),
        409,
        "exceeds_allocation",
        "minutes",
    )
    never = delivery | {"member_id": carol.id}
    assert_problem(
        await signed_post(api, path, never, carol.headers, carol.key, on_behalf_of=project),
        409,
        "exceeds_allocation",
    )
    assert await api.log_size() == size

    view = await quarter_of(api, alice, "2027-Q1")
    assert (view["pledged"], view["allocated"], view["delivered"], view["held"]) == (
        600,
        240,
        240,
        360,
    )
    assert view["projects"] == [{"project_id": project, "allocated": 240, "delivered": 240}]
    team = await api.client.get(f"{API}/projects/{project}/volunteers", headers=carol.headers)
    assert team.status_code == 200, team.text
    assert sorted(
        (v["member_id"], v["allocated"], v["delivered"]) for v in team.json()["items"]
    ) == sorted([(alice.id, 240, 240), (bob.id, 120, 0)])
    # Paged like every list: one at a time, the same volunteers in (quarter, member) order.
    pages = await read_pages(api, f"/projects/{project}/volunteers?limit=1", carol.headers)
    assert [len(p["items"]) for p in pages] == [1, 1]
    assert [v["member_id"] for p in pages for v in p["items"]] == sorted([alice.id, bob.id])
    assert_problem(
        await api.client.get(f"{API}/projects/{project}/volunteers", headers=bob.headers),
        403,
        "not_authorised",
    )
    assert_problem(
        await api.client.get(f"{API}/pledges", params={"member_id": bob.id}, headers=alice.headers),
        403,
        "not_authorised",
    )

    # Release: refused while the quarter runs; once after it, with an operator's key.
    release = "/pledges/quarters/2027-Q1/release"
    assert_problem(
        await signed_post(api, release, {}, api.operator, api.operator_key),
        409,
        "quarter_not_ended",
    )
    set_today(api, date(2027, 4, 2))
    assert_problem(
        await signed_post(api, release, {}, alice.headers, alice.key), 403, "not_authorised"
    )
    released = await signed_post(api, release, {}, api.operator, api.operator_key)
    assert released.status_code == 201, released.text
    replay = await signed_post(api, release, {}, api.operator, api.operator_key)
    assert replay.headers["Idempotent-Replayed"] == "true"
    other = {"id": str(uuid.uuid4())}
    assert_problem(
        await api.client.post(f"{API}{release}", json=other, headers=api.operator),
        422,
        "invalid_request",
        "id",
    )
    view = await quarter_of(api, alice, "2027-Q1")
    assert (view["pledged"], view["held"], view["released"]) == (600, 0, 360)
    assert (await quarter_of(api, bob, "2027-Q1"))["released"] == 180
    assert_problem(
        await signed_post(
            api, "/pledges", {"quarter": "2027-Q1", "minutes": 60}, alice.headers, alice.key
        ),
        409,
        "quarter_ended",
    )
    assert_problem(
        await signed_post(
            api, "/pledges/quarters/2027-Q2/release", {}, api.operator, api.operator_key
        ),
        409,
        "quarter_not_ended",
    )
    # Late deliveries of what was allocated are still confirmed after the quarter.
    late = {"quarter": "2027-Q1", "member_id": bob.id, "minutes": 120}
    assert (
        await signed_post(api, path, late, carol.headers, carol.key, on_behalf_of=project)
    ).status_code == 201

    await verified_export(api)
