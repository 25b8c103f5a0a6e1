"""Projects end to end through the HTTP API, on SQLite and PostgreSQL: a coordinator
creates a project with its accounts and lead; only the lead's signature on the project's
behalf spends from them; a change of lead moves that power at one log index."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mutual.core.keypair import Keypair
from mutual.settings import Settings
from tests.test_api import API, Api, assert_problem, open_api, transfer
from tests.test_timebank import Member, balance, join, verified_export
from tests.wallet import sign_body


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(backend_settings) as api:
        yield api


def project_body(leader: Member, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Jardin partagé de Bourtzwiller",
        "category": "land_buildings",
        "group": {"kind": "neighbourhood", "name": "Groupe Bourtzwiller"},
        "lead": leader.id,
        "pays_time": True,
    } | extra


async def spend(
    api: Api, payer: str, payee: str, minutes: int, key: Keypair, on_behalf_of: str | None
) -> httpx.Response:
    body = sign_body(
        transfer(str(uuid.uuid4()), payer, payee, minutes),
        api.origin,
        key,
        on_behalf_of=on_behalf_of,
    )
    return await api.client.post(
        f"{API}/transactions", json=body, headers={**api.operator, "Idempotency-Key": body["id"]}
    )


async def test_a_project_is_spent_by_its_lead_only(api: Api) -> None:
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    assert_problem(
        await api.client.post(f"{API}/projects", json=project_body(alice), headers=bob.headers),
        403,
        "not_authorised",
    )
    bad = await api.client.post(
        f"{API}/projects", json=project_body(alice, category="astrology"), headers=api.operator
    )
    assert_problem(bad, 422, "not_listed", "category")
    stranger = await api.client.post(
        f"{API}/projects",
        json=project_body(alice, lead=str(uuid.uuid4())),
        headers=api.operator,
    )
    assert_problem(stranger, 404, "not_found", "lead")
    size = await api.log_size()
    body = project_body(alice, id=str(uuid.uuid4()))
    created = await api.client.post(f"{API}/projects", json=body, headers=api.operator)
    assert created.status_code == 201, created.text
    project = created.json()
    # Three accounts and the lead's appointment: four leaves, one atomic write.
    assert await api.log_size() == size + 4
    assert sorted(a["unit"] for a in project["accounts"]) == ["EUR", "PLEDGE", "TIME"]
    assert all(a["balance_min"] == 0 for a in project["accounts"])
    again = await api.client.post(f"{API}/projects", json=body, headers=api.operator)
    assert again.json() == project
    assert await api.log_size() == size + 4
    time_account = next(a["id"] for a in project["accounts"] if a["unit"] == "TIME")

    # The commons gives the project hours to pay with.
    commons = await api.account(
        owner_kind="commons_pool", owner_id="commons", balance_min=None, balance_max=None
    )
    funded = await api.pay(api.operator, commons, time_account, 600, api.operator_key)
    assert funded.status_code == 201, funded.text

    pid = project["id"]
    assert api.operator_key is not None
    paid = await spend(api, time_account, bob.account, 90, alice.key, pid)
    assert paid.status_code == 201, paid.text
    assert await balance(api, bob.account) == 90
    assert_problem(
        await spend(api, time_account, bob.account, 30, api.operator_key, None),
        403,
        "signature_required",
    )
    assert_problem(
        await spend(api, time_account, bob.account, 30, bob.key, pid), 403, "not_custodian"
    )
    assert_problem(
        await spend(api, time_account, bob.account, 600, alice.key, pid),
        409,
        "exceeds_balance_min",
    )

    handed = await api.client.put(
        f"{API}/projects/{pid}/lead", json={"lead": bob.id}, headers=api.operator
    )
    assert handed.status_code == 200, handed.text
    assert handed.json()["lead"] == bob.id
    assert_problem(
        await spend(api, time_account, alice.account, 30, alice.key, pid), 403, "not_custodian"
    )
    assert (await spend(api, time_account, alice.account, 30, bob.key, pid)).status_code == 201

    listed = await api.client.get(f"{API}/projects", params={"lead": bob.id}, headers=alice.headers)
    assert [p["id"] for p in listed.json()["items"]] == [pid]
    shown = await api.client.get(f"{API}/projects/{pid}", headers=alice.headers)
    assert {a["unit"]: a["balance"] for a in shown.json()["accounts"]} == {
        "EUR": 0,
        "PLEDGE": 0,
        "TIME": 480,
    }
    assert_problem(
        await api.client.get(f"{API}/projects/{uuid.uuid4()}", headers=alice.headers),
        404,
        "not_found",
    )
    await verified_export(api)
