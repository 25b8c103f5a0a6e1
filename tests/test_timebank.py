"""The time bank end to end through the HTTP API, on SQLite and PostgreSQL: joining,
profiles and their visibility, offers and requests, exchanges proposed by the provider
and confirmed (signed) or rejected by the receiver, expiry, limits, the commons pot,
corrections, notifications, statements, GDPR export and erasure."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import KeyAction, KeyEvent
from mutual.core.signing import Domain
from mutual.core.verify import Finding, Verifier
from mutual.settings import Settings
from mutual.usecases.export import export_lines
from mutual.usecases.log import sign_checkpoint
from tests.ledger_checks import check_ledger
from tests.test_api import API, Api, assert_problem, open_api
from tests.wallet import sign_body


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(backend_settings) as api:
        yield api


@dataclass
class Member:
    id: str
    account: str
    headers: dict[str, str]
    key: Keypair


async def join(api: Api, name: str, **profile: Any) -> Member:
    """Apply, be accepted by the operator (a coordinator), register a device key."""
    body = {"display_name": name, "neighbourhood": "Bourtzwiller", "languages": ["fr"]} | profile
    applied = await api.client.post(f"{API}/members/applications", json=body)
    assert applied.status_code == 201, applied.text
    assert applied.json()["status"] == "applied"
    member_id = applied.json()["id"]
    accepted = await api.client.post(f"{API}/members/{member_id}/accept", headers=api.operator)
    assert accepted.status_code == 201, accepted.text
    out = accepted.json()
    headers = {"Authorization": f"Bearer {out['token']['token']}"}
    key = await api.register(headers, member_id)
    account = out["member"]["account_id"]
    api.keys[account] = key
    return Member(member_id, account, headers, key)


async def balance(api: Api, account: str) -> int:
    answer = await api.client.get(f"{API}/accounts/{account}", headers=api.operator)
    value: int = answer.json()["balance"]
    return value


async def propose(
    api: Api, provider: Member, receiver: Member, minutes: int, **extra: Any
) -> dict[str, Any]:
    body = {"receiver": receiver.id, "minutes": minutes, "memo": "Réparation de vélo"} | extra
    answer = await api.client.post(f"{API}/proposals", json=body, headers=provider.headers)
    assert answer.status_code == 201, answer.text
    proposal: dict[str, Any] = answer.json()
    assert proposal["status"] == "pending"
    return proposal


def signature(key: Keypair, proposal: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return key.sign_payload(Domain.TRANSACTION, proposal["signing_payload"], **kw).document()


async def confirm(
    api: Api, who: Member, proposal: dict[str, Any], key: Keypair | None = None
) -> httpx.Response:
    body = {"signatures": [signature(key or who.key, proposal)]}
    return await api.client.post(
        f"{API}/proposals/{proposal['id']}/confirm", json=body, headers=who.headers
    )


async def notifications(api: Api, who: Member, language: str = "fr") -> list[dict[str, Any]]:
    answer = await api.client.get(
        f"{API}/notifications", headers={**who.headers, "Accept-Language": language}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_joining_and_profile_visibility(api: Api) -> None:
    """An application becomes a member with a TIME account at the default bounds; another
    member sees only the contact fields meant for members, never the pact date (the day
    of the member's signature in the log)."""
    alice = await join(
        api,
        "Alice",
        contact={
            "email": {"value": "alice@example.org", "visibility": "members"},
            "phone": {"value": "+33 6 00 00 00 00", "visibility": "coordinators"},
        },
    )
    bob = await join(api, "Bob")
    # The pact's date is the day of the member's signature in the log, not one they type.
    charter = {"title": "Pacte", "text": "Nous nous engageons.", "languages": ["fr"]}
    published = await api.client.post(f"{API}/pact/versions", json=charter, headers=api.operator)
    assert published.status_code == 201, published.text
    signed = await api.client.post(f"{API}/pact/signatures", json={}, headers=alice.headers)
    assert signed.status_code == 201, signed.text
    signed_on = api.client.app.state.runtime.clock().date().isoformat()
    account = (
        await api.client.get(f"{API}/accounts/{alice.account}", headers=alice.headers)
    ).json()
    assert (account["balance_min"], account["balance_max"], account["unit"]) == (
        -1200,
        2400,
        "TIME",
    )
    seen_by_bob = (await api.client.get(f"{API}/members/{alice.id}", headers=bob.headers)).json()
    assert set(seen_by_bob["contact"]) == {"email"}
    assert seen_by_bob["pact_signed_on"] is None
    seen_by_self = (await api.client.get(f"{API}/members/{alice.id}", headers=alice.headers)).json()
    assert set(seen_by_self["contact"]) == {"email", "phone"}
    assert seen_by_self["pact_signed_on"] == signed_on
    seen_by_coordinator = (
        await api.client.get(f"{API}/members/{alice.id}", headers=api.operator)
    ).json()
    assert set(seen_by_coordinator["contact"]) == {"email", "phone"}
    # Accepting twice, or by a member, is refused; so is an unknown visibility.
    again = await api.client.post(f"{API}/members/{alice.id}/accept", headers=api.operator)
    assert_problem(again, 422, "invalid_request", "id")
    applied = await api.client.post(f"{API}/members/applications", json={"display_name": "Eve"})
    by_member = await api.client.post(
        f"{API}/members/{applied.json()['id']}/accept", headers=bob.headers
    )
    assert_problem(by_member, 403, "not_authorised")
    bad = await api.client.put(
        f"{API}/members/me/profile",
        json={"display_name": "Bob", "contact": {"x": {"value": "y", "visibility": "all"}}},
        headers=bob.headers,
    )
    assert_problem(bad, 422, "invalid_request")
    # An applicant not yet accepted is not visible to members.
    hidden = await api.client.get(f"{API}/members/{applied.json()['id']}", headers=bob.headers)
    assert_problem(hidden, 404, "not_found")


async def test_offers_and_requests(api: Api) -> None:
    alice = await join(api, "Alice")
    bob = await join(api, "Bob")
    body = {
        "direction": "offer",
        "title": "Réparation de vélo",
        "description": "Freins, crevaisons, dérailleurs",
        "category": "culture_sport",
        "neighbourhood": "Bourtzwiller",
        "estimated_minutes": 90,
    }
    offer = (await api.client.post(f"{API}/offers", json=body, headers=alice.headers)).json()
    request = await api.client.post(
        f"{API}/offers",
        json=body
        | {
            "direction": "request",
            "title": "Aide aux devoirs",
            "description": "Maths, CM2",
            "category": "childhood",
        },
        headers=bob.headers,
    )
    assert request.status_code == 201
    found = (
        await api.client.get(f"{API}/offers?category=culture_sport", headers=bob.headers)
    ).json()
    assert [o["id"] for o in found["items"]] == [offer["id"]]
    by_text = (await api.client.get(f"{API}/offers?q=vélo", headers=bob.headers)).json()
    assert [o["id"] for o in by_text["items"]] == [offer["id"]]
    by_text = (await api.client.get(f"{API}/offers?q=frein", headers=bob.headers)).json()
    assert [o["id"] for o in by_text["items"]] == [offer["id"]]
    requests = (await api.client.get(f"{API}/offers?direction=request", headers=bob.headers)).json()
    assert [o["title"] for o in requests["items"]] == ["Aide aux devoirs"]
    # Only its author closes or renews it; a closed one leaves the default search.
    assert_problem(
        await api.client.post(f"{API}/offers/{offer['id']}/close", headers=bob.headers),
        403,
        "not_authorised",
    )
    renewed = await api.client.post(f"{API}/offers/{offer['id']}/renew", headers=alice.headers)
    assert renewed.json()["expires_at"] >= offer["expires_at"]
    closed = await api.client.post(f"{API}/offers/{offer['id']}/close", headers=alice.headers)
    assert closed.json()["closed_at"] is not None
    found = (
        await api.client.get(f"{API}/offers?category=culture_sport", headers=bob.headers)
    ).json()
    assert found["items"] == []
    bad = await api.client.post(
        f"{API}/offers", json=body | {"category": "astrology"}, headers=alice.headers
    )
    assert_problem(bad, 422, "not_listed", "category")
    odd = await api.client.post(
        f"{API}/offers", json=body | {"estimated_minutes": 7}, headers=alice.headers
    )
    assert_problem(odd, 422, "invalid_duration", "estimated_minutes")


async def test_proposal_confirmed_by_the_receiver(api: Api) -> None:
    """Nothing moves until the receiver signs; only the receiver confirms, once."""
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    proposal = await propose(api, alice, bob, 90)
    assert (await balance(api, alice.account), await balance(api, bob.account)) == (0, 0)
    received = await notifications(api, bob)
    assert [n["kind"] for n in received] == ["proposal_received"]
    assert "Alice" in received[0]["message"]
    assert "1 h 30" in received[0]["message"]
    # Not the provider, not a third member, not with someone else's key.
    assert_problem(await confirm(api, alice, proposal), 403, "proposal_not_yours")
    assert_problem(await confirm(api, carol, proposal), 404, "not_found")
    assert_problem(await confirm(api, bob, proposal, carol.key), 403, "signature_required")
    assert (await balance(api, bob.account)) == 0
    done = await confirm(api, bob, proposal)
    assert done.status_code == 201, done.text
    assert done.json()["id"] == proposal["id"]
    assert (await balance(api, alice.account), await balance(api, bob.account)) == (90, -90)
    assert_problem(await confirm(api, bob, proposal), 409, "proposal_not_pending")
    shown = await api.client.get(f"{API}/proposals/{proposal['id']}", headers=alice.headers)
    assert shown.json()["status"] == "confirmed"
    told = await notifications(api, alice, "en")
    assert {n["kind"] for n in told} == {"hours_received", "proposal_confirmed"}
    assert any("1 h 30 min" in n["message"] for n in told)
    await check_ledger(api.db)


async def test_proposal_rejected_then_closed(api: Api) -> None:
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    proposal = await propose(api, alice, bob, 60)
    refused = await api.client.post(
        f"{API}/proposals/{proposal['id']}/reject",
        json={"reason": "Ce n'était qu'une demi-heure"},
        headers=bob.headers,
    )
    assert refused.status_code == 200, refused.text
    assert (refused.json()["status"], refused.json()["reason"]) == (
        "rejected",
        "Ce n'était qu'une demi-heure",
    )
    assert_problem(await confirm(api, bob, proposal), 409, "proposal_not_pending")
    again = await api.client.post(
        f"{API}/proposals/{proposal['id']}/reject", json={"reason": "x"}, headers=bob.headers
    )
    assert_problem(again, 409, "proposal_not_pending")
    assert (await balance(api, bob.account)) == 0
    told = await notifications(api, alice)
    assert [n["kind"] for n in told] == ["proposal_rejected"]
    assert "demi-heure" in told[0]["message"]
    # Refusals of the request itself write nothing.
    for body, code, field in (
        ({"receiver": bob.id, "minutes": 10}, "invalid_duration", "minutes"),
        ({"receiver": alice.id, "minutes": 15}, "self_exchange", "receiver"),
        ({"receiver": str(uuid.uuid4()), "minutes": 15}, "not_found", "receiver"),
    ):
        answer = await api.client.post(f"{API}/proposals", json=body, headers=alice.headers)
        assert_problem(answer, 404 if code == "not_found" else 422, code, field)
    listed = (await api.client.get(f"{API}/proposals", headers=alice.headers)).json()
    assert [p["id"] for p in listed["items"]] == [proposal["id"]]


@pytest.fixture
async def quick_expiry(backend_settings: Settings) -> AsyncIterator[Api]:
    settings = backend_settings.model_copy(update={"proposal_expiry_days": 0.5 / 86400})
    async with open_api(settings) as api:
        yield api


async def test_an_unanswered_proposal_expires_and_is_never_accepted(quick_expiry: Api) -> None:
    api = quick_expiry
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    proposal = await propose(api, alice, bob, 30)
    await asyncio.sleep(0.6)
    assert_problem(await confirm(api, bob, proposal), 409, "proposal_expired")
    listed = (await api.client.get(f"{API}/proposals?status=expired", headers=bob.headers)).json()
    assert [p["id"] for p in listed["items"]] == [proposal["id"]]
    assert (await balance(api, bob.account)) == 0
    assert "proposal_expired" in [n["kind"] for n in await notifications(api, alice)]


async def test_limits_warn_then_hold(api: Api) -> None:
    """Near the bound a warning and the coordinators' list; past it a refusal that says
    how many minutes are missing, and the proposal stays open."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    first = await propose(api, alice, bob, 1140)  # -19 h: within 2 h of -20 h
    assert (await confirm(api, bob, first)).status_code == 201
    assert "limit_warning" in [n["kind"] for n in await notifications(api, bob)]
    near = (await api.client.get(f"{API}/members/near-limits", headers=api.operator)).json()[
        "items"
    ]
    assert {(n["member_id"], n["state"]) for n in near} == {(bob.id, "near_min")}
    assert_problem(
        await api.client.get(f"{API}/members/near-limits", headers=bob.headers),
        403,
        "not_authorised",
    )
    second = await propose(api, alice, bob, 120)
    refused = await confirm(api, bob, second)
    assert_problem(refused, 409, "exceeds_balance_min")
    assert "60 minutes missing" in refused.json()["detail"]
    facts = {"unit": "TIME", "balance": -1140, "bound": -1200, "gap": 60}
    assert refused.json()["facts"] == facts
    assert (await balance(api, bob.account)) == -1140
    still = await api.client.get(f"{API}/proposals/{second['id']}", headers=bob.headers)
    assert still.json()["status"] == "pending"
    direct = await api.pay(bob.headers, bob.account, alice.account, 61)
    assert_problem(direct, 409, "exceeds_balance_min")


async def limits_of(api: Api, member: Member) -> tuple[int | None, int | None]:
    answer = (await api.client.get(f"{API}/accounts/{member.account}", headers=api.operator)).json()
    return answer["balance_min"], answer["balance_max"]


async def test_limit_changes_are_ledger_records(api: Api) -> None:
    """A coordinator widens one member's bounds and changes the territory's default; each
    change is a signed log entry; a change that would leave a balance outside is refused
    with nothing written; the export verifies and a tampered bounds entry is found."""
    url = f"{API}/territory/limits"
    first = (await api.client.get(url, headers=api.operator)).json()
    assert first == {
        "balance_min": -1200,
        "balance_max": 2400,
        "change_id": None,
        "log_index": None,
    }
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    assert (await confirm(api, bob, await propose(api, alice, bob, 600))).status_code == 201
    mine = f"{API}/members/{bob.id}/limits"
    wide = {"balance_min": -3000, "balance_max": 2400}
    assert_problem(
        await api.client.put(mine, json=wide, headers=bob.headers), 403, "not_authorised"
    )
    size = await api.log_size()
    changed = await api.client.put(mine, json=wide, headers=api.operator)
    assert changed.status_code == 200, changed.text
    assert changed.json()["log_index"] == size
    assert (changed.json()["balance_min"], changed.json()["balance"]) == (-3000, -600)
    assert await limits_of(api, bob) == (-3000, 2400)
    [note] = [n for n in await notifications(api, bob) if n["kind"] == "limits_changed"]
    assert note["message"] == "Votre solde peut désormais aller de -50 h à 40 h."
    # The room is real: Bob now goes past the old -20 h.
    assert (await confirm(api, bob, await propose(api, alice, bob, 1200))).status_code == 201
    assert await balance(api, bob.account) == -1800
    size = await api.log_size()
    tight = await api.client.put(
        mine, json={"balance_min": -1000, "balance_max": 2400}, headers=api.operator
    )
    assert_problem(tight, 409, "bounds_exclude_balance")
    assert "800 below" in tight.json()["detail"]
    facts = {"variant": "min", "unit": "TIME", "balance": -1800, "bound": -1000, "gap": 800}
    assert tight.json()["facts"] == facts
    assert tight.json()["title"] == "Le solde sort des nouvelles limites"
    english = await api.client.put(
        mine,
        json={"balance_min": -1000, "balance_max": 2400},
        headers={**api.operator, "Accept-Language": "en-GB,en;q=0.8"},
    )
    assert english.json()["title"] == "The balance lies outside the new limits"
    bad = await api.client.put(
        mine, json={"balance_min": 60, "balance_max": 0}, headers=api.operator
    )
    assert_problem(bad, 422, "invalid_bounds")
    missing = await api.client.put(mine, json={"balance_min": 0}, headers=api.operator)
    assert missing.status_code in (400, 422)
    # Alice holds +30 h: a default of at most +20 h is refused as a whole.
    refused = await api.client.put(
        url, json={"balance_min": -600, "balance_max": 1200}, headers=api.operator
    )
    assert_problem(refused, 409, "bounds_exclude_balance")
    assert alice.account in refused.json()["detail"]
    assert await api.log_size() == size
    assert await limits_of(api, alice) == (-1200, 2400)
    assert (await api.client.get(url, headers=api.operator)).json()["change_id"] is None
    # A default Alice's balance fits moves her (Bob keeps his own bounds), and new members.
    body = {"id": str(uuid.uuid4()), "balance_min": -1500, "balance_max": 3000}
    moved = await api.client.put(url, json=body, headers=api.operator)
    assert moved.status_code == 200, moved.text
    assert moved.json()["accounts_changed"] == 1
    assert moved.json()["change_id"] == body["id"]
    assert await api.log_size() == size + 2
    again = await api.client.put(url, json=body, headers=api.operator)
    assert again.json() == moved.json()
    assert await api.log_size() == size + 2
    assert await limits_of(api, alice) == (-1500, 3000)
    assert await limits_of(api, bob) == (-3000, 2400)
    carol = await join(api, "Carol")
    assert await limits_of(api, carol) == (-1500, 3000)
    assert (await api.client.get(url, headers=carol.headers)).json()["log_index"] == size

    lines = await verified_export(api)
    bounds_lines = [n for n, line in enumerate(lines) if '"type":"bounds"' in line]
    assert len(bounds_lines) == 3
    forged = list(lines)
    forged[bounds_lines[0]] = forged[bounds_lines[0]].replace(
        '"balance_min":-3000', '"balance_min":-9000'
    )
    found = {(f.line, f.kind) for f in verify(api, forged)}
    assert (bounds_lines[0] + 1, "invalid_signature") in found


async def verified_export(api: Api) -> list[str]:
    """Check the stored invariants, sign a checkpoint, export, and verify with no finding."""
    await check_ledger(api.db)
    assert api.runtime is not None
    await sign_checkpoint(api.runtime)
    lines = [line async for line in export_lines(api.runtime)]
    assert verify(api, lines) == []
    return lines


def verify(api: Api, lines: list[str]) -> list[Finding]:
    assert api.runtime is not None
    verifier = Verifier(api.runtime.log.verifier_key)
    for n, line in enumerate(lines, start=1):
        verifier.feed(n, line)
    return verifier.finish(len(lines) + 1)


async def test_commons_pot_and_corrections(api: Api) -> None:
    """Members give credits to the commons; the commons pays with a coordinator's
    signature only; a mistaken exchange is reversed once, with a reason."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    commons = await api.account(
        owner_kind="commons_pool", owner_id="commons", balance_min=None, balance_max=None
    )
    proposal = await propose(api, alice, bob, 120)
    assert (await confirm(api, bob, proposal)).status_code == 201
    gift = await api.pay(alice.headers, alice.account, commons, 60, kind="commons_gift")
    assert gift.status_code == 201, gift.text
    by_member = await api.pay(
        alice.headers, commons, alice.account, 30, alice.key, kind="commons_gift"
    )
    assert_problem(by_member, 403, "signature_required")
    paid = await api.pay(
        api.operator, commons, bob.account, 45, api.operator_key, kind="commons_gift"
    )
    assert paid.status_code == 201, paid.text
    assert (await balance(api, commons)) == 15
    correction = {
        "id": str(uuid.uuid4()),
        "kind": "correction",
        "memo": "Échange saisi deux fois",
        "reverses": proposal["id"],
        "postings": [
            {"account_id": bob.account, "unit": "TIME", "amount": 120},
            {"account_id": alice.account, "unit": "TIME", "amount": -120},
        ],
    }
    signed = api.signed(correction, api.operator_key)
    body = {k: signed[k] for k in ("id", "memo", "memo_salt", "signatures")}
    url = f"{API}/transactions/{proposal['id']}/reversal"
    first = await api.client.post(
        url, json=body, headers={**api.operator, "Idempotency-Key": body["id"]}
    )
    assert first.status_code == 201, first.text
    twice = dict(correction, id=str(uuid.uuid4()))
    signed = api.signed(twice, api.operator_key)
    body = {k: signed[k] for k in ("id", "memo", "memo_salt", "signatures")}
    second = await api.client.post(
        url, json=body, headers={**api.operator, "Idempotency-Key": body["id"]}
    )
    assert_problem(second, 409, "already_reversed")
    assert (await balance(api, alice.account), await balance(api, bob.account)) == (-60, 45)
    await check_ledger(api.db)


async def test_statement_export_and_erasure(api: Api) -> None:
    """The statement CSV carries the running balance; the GDPR export holds the member's
    data; erasure removes the profile and memos and the log still verifies."""
    alice = await join(
        api, "Alice", contact={"email": {"value": "a@example.org", "visibility": "members"}}
    )
    bob = await join(api, "Bob")
    for minutes in (30, 45):
        proposal = await propose(api, alice, bob, minutes)
        assert (await confirm(api, bob, proposal)).status_code == 201
    sheet = await api.client.get(f"{API}/members/me/statement.csv", headers=alice.headers)
    assert sheet.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [(int(r["minutes"]), int(r["balance_after"])) for r in rows] == [(30, 30), (45, 75)]
    mine = (await api.client.get(f"{API}/members/me/export", headers=alice.headers)).json()
    assert mine["profile"]["display_name"] == "Alice"
    assert [line["balance_after"] for line in mine["statement"]] == [30, 75]
    assert len(mine["proposals"]) == 2
    erased = await api.client.delete(f"{API}/members/{alice.id}/profile", headers=alice.headers)
    assert erased.status_code == 204, erased.text
    gone = await api.client.get(f"{API}/members/{alice.id}", headers=bob.headers)
    assert_problem(gone, 404, "not_found")
    after = (await api.client.get(f"{API}/members/me/export", headers=alice.headers)).json()
    assert after["profile"]["display_name"] is None
    assert after["profile"]["contact"] == {}
    assert all(p["memo"] == "" for p in after["proposals"])
    assert [line["balance_after"] for line in after["statement"]] == [30, 75]
    # Bob may not erase Alice.
    assert_problem(
        await api.client.delete(f"{API}/members/{bob.id}/profile", headers=alice.headers),
        403,
        "not_authorised",
    )
    await verified_export(api)


async def test_coordinator_report(api: Api) -> None:
    """Hours per month and per category (reversed exchanges left out), activity, members
    without offers, proposals by status; the CSV carries the same figures."""
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    offer = {"direction": "offer", "title": "Jardinage", "category": "land_buildings"}
    assert (await api.client.post(f"{API}/offers", json=offer, headers=alice.headers)).is_success
    first = await propose(api, alice, bob, 60, category="land_buildings")
    assert (await confirm(api, bob, first)).status_code == 201
    second = await propose(api, bob, alice, 45, category="youth")
    assert (await confirm(api, alice, second)).status_code == 201
    await propose(api, carol, bob, 30)
    answer = await api.client.get(f"{API}/reports/time-bank", headers=api.operator)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["minutes_by_category"] == {"land_buildings": 60, "youth": 45}
    assert sum(report["minutes_by_month"].values()) == 105
    assert set(report["active_members"]) == {alice.id, bob.id}
    assert report["inactive_members"] == [carol.id]
    assert set(report["members_without_offers"]) == {bob.id, carol.id}
    assert report["proposals"] == {"confirmed": 2, "pending": 1}
    sheet = await api.client.get(f"{API}/reports/time-bank.csv", headers=api.operator)
    rows = list(csv.reader(io.StringIO(sheet.text)))
    assert ["minutes_by_category", "youth", "45"] in rows
    assert ["proposals", "pending", "1"] in rows
    assert_problem(
        await api.client.get(f"{API}/reports/time-bank", headers=alice.headers),
        403,
        "not_authorised",
    )


async def test_group_exchange_is_one_atomic_transaction(api: Api) -> None:
    """One provider, two receivers: one transaction signed by both payers, or nothing."""
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    tx_id = str(uuid.uuid4())
    body: dict[str, Any] = {
        "id": tx_id,
        "kind": "exchange",
        "memo": "Atelier cuisine pour deux",
        "postings": [
            {"account_id": bob.account, "unit": "TIME", "amount": -60},
            {"account_id": carol.account, "unit": "TIME", "amount": -60},
            {"account_id": alice.account, "unit": "TIME", "amount": 120},
        ],
    }
    headers = bob.headers | {"Idempotency-Key": tx_id}
    only_bob = sign_body(body, api.origin, bob.key)
    refused = await api.client.post(f"{API}/transactions", json=only_bob, headers=headers)
    assert_problem(refused, 403, "signature_required")
    assert (await balance(api, alice.account)) == 0
    both = sign_body(body, api.origin, bob.key, carol.key)
    done = await api.client.post(f"{API}/transactions", json=both, headers=headers)
    assert done.status_code == 201, done.text
    assert [await balance(api, m.account) for m in (alice, bob, carol)] == [120, -60, -60]


async def test_a_coordinator_confirms_with_a_custodial_signature(api: Api) -> None:
    """A member without a device: a coordinator appointed as their custodian signs on
    their behalf, and the record shows it was custodial."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    me = (await api.client.get(f"{API}/me", headers=api.operator)).json()["principal_id"]
    assert api.operator_key is not None
    proposal = await propose(api, alice, bob, 45)

    async def custodial() -> httpx.Response:
        assert api.operator_key is not None
        sig = signature(api.operator_key, proposal, on_behalf_of=PrincipalId(uuid.UUID(bob.id)))
        return await api.client.post(
            f"{API}/proposals/{proposal['id']}/confirm",
            json={"signatures": [sig]},
            headers=api.operator,
        )

    assert_problem(await custodial(), 403, "not_custodian")
    # Bob holds a key: a custodian signs for him only with his consent, signed by it.
    appointment = KeyEvent(
        uuid.uuid4(),
        KeyAction.APPOINT_CUSTODIAN,
        PrincipalId(uuid.UUID(bob.id)),
        by=PrincipalId(uuid.UUID(me)),
        custodian=PrincipalId(uuid.UUID(me)),
    )
    appoint = bob.key.key_event_request(api.origin, appointment)
    appointed = await api.client.post(f"{API}/key-events", json=appoint, headers=api.operator)
    assert appointed.status_code == 201, appointed.text
    done = await custodial()
    assert done.status_code == 201, done.text
    assert (await balance(api, bob.account)) == -45
    size = (await api.client.get(f"{API}/log")).json()["tree_size"]
    proof = await api.client.get(
        f"{API}/log/proofs/inclusion?id={proposal['id']}&tree_size={size}", headers=api.operator
    )
    [sig] = proof.json()["entry"]["signatures"]
    assert sig["on_behalf_of"] == bob.id
