"""What the coordinator's and the keeper's pages call, through the HTTP API on SQLite and
PostgreSQL: a coordinator's operator key asked for with the key's own signature and
registered by an operator; a point's opening hours; reminders to borrowers whose loans
are overdue; and a raw transfer naming another point than the one it credits."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import CUSTODY_VERSION, Capacity, KeyAction, KeyEvent
from mutual.settings import Settings
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_goods import create_kind, create_point, due, flow
from tests.test_permissions import token
from tests.test_timebank import Member, confirm, join, notifications, propose
from tests.wallet import sign_body


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(backend_settings) as api:
        yield api


def ask_body(api: Api, who: str, key: Keypair, event_id: uuid.UUID) -> dict[str, Any]:
    """The registration the coordinator's page signs with the new key: theirs, by them."""
    principal = PrincipalId(uuid.UUID(who))
    event = KeyEvent(
        event_id,
        KeyAction.REGISTER,
        principal,
        by=principal,
        public_key=key.public_key,
        capacity=Capacity.OPERATOR,
        version=CUSTODY_VERSION,
    )
    signature = key.sign_key_event(api.origin, event)
    return {
        "id": str(event_id),
        "public_key": base64.b64encode(key.public_key).decode(),
        "signature": base64.b64encode(signature.signature).decode(),
    }


async def test_an_operator_registers_the_key_a_coordinator_signed(api: Api) -> None:
    """The coordinator's signed registration waits for an operator; the operator's
    registration puts it in the registry as an operator key, and nobody else's does; the
    key then signs a correction of another member's exchange, which the coordinator may
    read."""
    louis = await join(api, "Louis")
    coordinator = await token(api, ["coordination_member"], louis.id)
    resident = await token(api, ["member"])
    key = Keypair(b"\x07" * 32)
    event_id = uuid.uuid4()
    body = ask_body(api, louis.id, key, event_id)
    url = f"{API}/operator-key-requests"

    # Signed by another key than the one named: refused, nothing kept.
    forged = body | {
        "signature": ask_body(api, louis.id, Keypair(b"\x08" * 32), event_id)["signature"]
    }
    assert_problem(
        await api.client.post(url, json=forged, headers=coordinator), 422, "invalid_signature"
    )
    assert_problem(await api.client.post(url, json=body, headers=resident), 403, "not_authorised")
    asked = await api.client.post(url, json=body, headers=coordinator)
    assert asked.status_code == 201, asked.text
    assert (asked.json()["status"], asked.json()["key_id"]) == ("pending", key.key_id)
    again = await api.client.post(url, json=body, headers=coordinator)
    assert again.json()["id"] == str(event_id)

    listed = await api.client.get(url, params={"status": "pending"}, headers=api.operator)
    assert [r["id"] for r in listed.json()["items"]] == [str(event_id)]
    mine = await api.client.get(url, headers=coordinator)
    assert [r["principal_id"] for r in mine.json()["items"]] == [louis.id]

    # The kept request is the one way: the same signed registration brought straight to
    # /key-events by an operator names someone else in `by`, and is refused.
    direct = {
        "id": str(event_id),
        "action": "register",
        "principal": louis.id,
        "by": louis.id,
        "public_key": body["public_key"],
        "capacity": "operator",
        "version": CUSTODY_VERSION,
        "signatures": [{"key_id": key.key_id, "signature": body["signature"]}],
    }
    assert_problem(
        await api.client.post(f"{API}/key-events", json=direct, headers=api.operator),
        422,
        "invalid_request",
    )

    # Only an operator registers it; the key is then the coordinator's operator key.
    registration = f"{url}/{event_id}/registration"
    assert_problem(await api.client.post(registration, headers=coordinator), 403, "not_authorised")
    registered = await api.client.post(registration, headers=api.operator)
    assert registered.status_code == 201, registered.text
    record = (await api.client.get(f"{API}/keys/{key.key_id}", headers=coordinator)).json()
    assert (record["principal_id"], record["capacity"]) == (louis.id, "operator")
    replay = await api.client.post(registration, headers=api.operator)
    assert replay.status_code == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    done = (await api.client.get(url, headers=coordinator)).json()["items"]
    assert [r["status"] for r in done] == ["registered"]
    assert_problem(
        await api.client.post(f"{url}/{uuid.uuid4()}/registration", headers=api.operator),
        404,
        "not_found",
    )

    # The key now signs what only an operator's key may: a correction of an exchange.
    bob = await join(api, "Bob")
    proposal = await propose(api, louis, bob, 30)
    assert (await confirm(api, bob, proposal)).status_code == 201
    correction = {
        "id": str(uuid.uuid4()),
        "kind": "correction",
        "memo": "Échange saisi par erreur",
        "reverses": proposal["id"],
        "postings": [
            {"account_id": bob.account, "unit": "TIME", "amount": 30},
            {"account_id": louis.account, "unit": "TIME", "amount": -30},
        ],
    }
    signed = api.signed(correction, key)
    body = {k: signed[k] for k in ("id", "memo", "memo_salt", "signatures")}
    reversal = await api.client.post(
        f"{API}/transactions/{proposal['id']}/reversal",
        json=body,
        headers={**coordinator, "Idempotency-Key": body["id"]},
    )
    assert reversal.status_code == 201, reversal.text
    # A coordinator reads the transaction they corrected; a member not in it does not.
    read = await api.client.get(f"{API}/transactions/{proposal['id']}", headers=coordinator)
    assert read.json()["reversed_by"] == body["id"]
    carol = await join(api, "Carol")
    hidden = await api.client.get(f"{API}/transactions/{proposal['id']}", headers=carol.headers)
    assert_problem(hidden, 404, "not_found", "id")


async def test_opening_hours_are_set_by_the_points_keepers(api: Api) -> None:
    """A keeper sets the hours residents read; another resident may not; blank removes."""
    alice, carol = await join(api, "Alice"), await join(api, "Carol")
    point = await create_point(api, "Magasin pour rien", alice)
    url = f"{API}/collection-points/{point}/opening-hours"
    hours = {"opening_hours": "Mercredi 14 h – 18 h, samedi 10 h – 12 h"}
    assert_problem(
        await api.client.put(url, json=hours, headers=carol.headers), 403, "not_authorised"
    )
    set_ = await api.client.put(url, json=hours, headers=alice.headers)
    assert set_.status_code == 200, set_.text
    assert set_.json()["opening_hours"] == hours["opening_hours"]
    seen = await api.client.get(f"{API}/collection-points", headers=carol.headers)
    assert [p["opening_hours"] for p in seen.json()["items"]] == [hours["opening_hours"]]
    cleared = await api.client.put(url, json={"opening_hours": "  "}, headers=api.operator)
    assert cleared.json()["opening_hours"] is None
    too_long = await api.client.put(url, json={"opening_hours": "x" * 501}, headers=alice.headers)
    assert too_long.status_code == 422


async def _lend(api: Api, keeper: Member, borrower: Member, point: str, days: int) -> str:
    body = {"kind": "perceuse", "count": 1, "member_id": borrower.id, "due_on": due(days)}
    lent = await flow(api, "loans", body, keeper, point)
    assert lent.status_code == 201, lent.text
    loan_id: str = lent.json()["id"]
    return loan_id


async def test_a_borrower_is_reminded_of_an_overdue_loan_once_a_day(api: Api) -> None:
    """The reminder reaches the borrower's notifications in their language, once a day;
    a loan not yet due is refused with loan_not_overdue; others than keepers may not."""
    alice, carol = await join(api, "Alice"), await join(api, "Carol")
    await create_kind(api, "perceuse", "Perceuse")
    point = await create_point(api, "Magasin pour rien", alice)
    assert (await flow(api, "deposits", {"kind": "perceuse", "count": 3}, alice, point)).is_success
    late = await _lend(api, alice, carol, point, -3)
    soon = await _lend(api, alice, carol, point, 5)
    base = f"{API}/collection-points/{point}/loans"

    refused = await api.client.post(f"{base}/{soon}/reminders", headers=alice.headers)
    assert_problem(refused, 409, "loan_not_overdue", "loan_id")
    assert_problem(
        await api.client.post(f"{base}/{late}/reminders", headers=carol.headers),
        403,
        "not_authorised",
    )
    sent = await api.client.post(f"{base}/{late}/reminders", headers=alice.headers)
    assert sent.status_code == 201, sent.text
    assert (sent.json()["member_id"], sent.json()["sent"]) == (carol.id, True)
    twice = await api.client.post(f"{base}/{late}/reminders", headers=alice.headers)
    assert twice.json()["sent"] is False

    french = [n for n in await notifications(api, carol) if n["kind"] == "loan_overdue"]
    assert len(french) == 1
    assert (
        "Rappel : votre prêt au point « Magasin pour rien » (Perceuse × 1)" in french[0]["message"]
    )
    english = [n for n in await notifications(api, carol, "en") if n["kind"] == "loan_overdue"]
    assert english[0]["message"].startswith(
        'Reminder: your loan from the point "Magasin pour rien"'
    )


async def test_a_raw_transfer_names_the_point_it_credits(api: Api) -> None:
    """references.to_point is the point whose stock is credited: a raw transfer naming
    another is refused by the ledger, not only by the flow."""
    alice = await join(api, "Alice")
    await create_kind(api, "perceuse", "Perceuse")
    point = await create_point(api, "Magasin pour rien", alice)
    other = await create_point(api, "Point des Coteaux", alice)
    third = await create_point(api, "Point de Dornach", alice)
    assert (await flow(api, "deposits", {"kind": "perceuse", "count": 2}, alice, point)).is_success
    move = {"kind": "perceuse", "count": 1, "to_point": other}
    moved = await flow(api, "transfers", move, alice, point)
    assert moved.status_code == 201, moved.text
    postings = moved.json()["postings"]
    tx = {
        "id": str(uuid.uuid4()),
        "kind": "good_transfer",
        "postings": [{k: p[k] for k in ("account_id", "unit", "amount")} for p in postings],
        "references": {"point": point, "to_point": third},
    }
    raw = sign_body(tx, api.origin, alice.key, on_behalf_of=point)
    answer = await api.client.post(
        f"{API}/transactions", json=raw, headers={**alice.headers, "Idempotency-Key": raw["id"]}
    )
    assert_problem(answer, 422, "invalid_good_transfer", "references")
    tx["references"] = {"point": point, "to_point": other}
    raw = sign_body(tx | {"id": str(uuid.uuid4())}, api.origin, alice.key, on_behalf_of=point)
    answer = await api.client.post(
        f"{API}/transactions", json=raw, headers={**alice.headers, "Idempotency-Key": raw["id"]}
    )
    assert answer.status_code == 201, answer.text


async def test_a_coordinator_reads_a_members_standing(api: Api) -> None:
    """Balance, bounds, where it stands and the latest movements, newest first: for
    coordinators and the member themselves, nobody else."""
    louis, alice, bob = await join(api, "Louis"), await join(api, "Alice"), await join(api, "Bob")
    coordinator = await token(api, ["coordination_member"], louis.id)
    proposal = await propose(api, alice, bob, 45)
    assert (await confirm(api, bob, proposal)).status_code == 201
    url = f"{API}/members/{alice.id}/standing"
    read = await api.client.get(url, headers=coordinator)
    assert read.status_code == 200, read.text
    standing = read.json()
    assert (standing["account_id"], standing["balance"], standing["state"]) == (
        alice.account,
        45,
        "within",
    )
    assert [(m["kind"], m["amount"], m["balance_after"]) for m in standing["recent"]] == [
        ("exchange", 45, 45)
    ]
    assert (await api.client.get(url, headers=alice.headers)).status_code == 200
    assert_problem(await api.client.get(url, headers=bob.headers), 403, "not_authorised")
    assert_problem(
        await api.client.get(f"{API}/members/{uuid.uuid4()}/standing", headers=coordinator),
        404,
        "not_found",
        "member_id",
    )
