"""The everyday time-bank flows beside the provider's proposal, through the HTTP API on
SQLite and PostgreSQL: "I received" (the receiver records and signs at once, the
provider is told and sees it on their statement), a group exchange (one provider and
several receivers, each signing their own share; or several providers and one
receiver), bad input refused with nothing written, and the same moves sent raw to
``POST /transactions`` meeting the same rules."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mutual.core.derived import exchange_share_id
from mutual.settings import Settings
from tests.flow_client import sign_composed, signed_post
from tests.ledger_checks import check_ledger
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_kind_attacks import ledger, raw, stored_under
from tests.test_mail import MailServer, body, contact, eventually, mailbox, mailed
from tests.test_timebank import Member, api, balance, confirm, join, notifications, verified_export

__all__ = ["api", "mailbox"]


def salt() -> str:
    return base64.b64encode(os.urandom(16)).decode()


def received_body(provider: Member, minutes: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "provider": provider.id,
        "minutes": minutes,
        "memo": "Réparation de vélo",
        "memo_salt": salt(),
    } | extra


async def statement(api: Api, who: Member) -> list[dict[str, Any]]:
    answer = await api.client.get(f"{API}/members/me/statement", headers=who.headers)
    assert answer.status_code == 200, answer.text
    lines: list[dict[str, Any]] = answer.json()["items"]
    return lines


async def test_i_received_is_recorded_and_signed_at_once(api: Api) -> None:
    """The receiver's one signed request moves the hours at once; the provider is told by
    name, in their language, and reads the line with its description and category."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    body = received_body(alice, 90, category="elderly")
    size = await api.log_size()
    # First step: what to sign, nothing written.
    first = await api.client.post(f"{API}/exchanges/received", json=body, headers=bob.headers)
    assert_problem(first, 422, "unsigned")
    payload = first.json()["signing_payload"]
    assert payload["postings"] == [
        {"account_id": bob.account, "unit": "TIME", "amount": -90},
        {"account_id": alice.account, "unit": "TIME", "amount": 90},
    ]
    assert payload["references"] == {"received": bob.id, "category": "elderly"}
    assert await api.log_size() == size
    done = await signed_post(api, "/exchanges/received", body, bob.headers, bob.key)
    assert done.status_code == 201, done.text
    assert done.json()["id"] == body["id"]
    assert (await balance(api, alice.account), await balance(api, bob.account)) == (90, -90)
    # The same signed request again is a replay, not a second exchange.
    signed = await sign_composed(api, "/exchanges/received", body, bob.headers, bob.key)
    assert isinstance(signed, dict)
    again = await api.client.post(f"{API}/exchanges/received", json=signed, headers=bob.headers)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert (await balance(api, alice.account)) == 90
    told = [n for n in await notifications(api, alice) if n["kind"] == "exchange_recorded"]
    assert [n["message"] for n in told] == [
        "Bob indique avoir reçu 1 h 30 de vous ; c'est inscrit sur votre relevé."
    ]
    told_en = [n for n in await notifications(api, alice, "en") if n["kind"] == "exchange_recorded"]
    assert (
        told_en[0]["message"]
        == "Bob recorded receiving 1 h 30 min from you; it is on your statement."
    )
    [line] = await statement(api, alice)
    assert (line["amount"], line["description"], line["category"]) == (
        90,
        "Réparation de vélo",
        "elderly",
    )
    assert line["other_party"]["display_name"] == "Bob"
    [mine] = await statement(api, bob)
    assert (mine["amount"], mine["other_party"]["display_name"]) == (-90, "Alice")
    await check_ledger(api.db)
    await verified_export(api)


@pytest.fixture
async def mailed_api(backend_settings: Settings, mailbox: MailServer) -> AsyncIterator[Api]:
    async with open_api(mailed(backend_settings, mailbox.port)) as api:
        yield api


async def test_the_provider_is_told_by_e_mail(mailed_api: Api, mailbox: MailServer) -> None:
    """The provider's notice of an "I received" reaches their mailbox, in their
    language, with the text their feed shows."""
    api = mailed_api
    alice = await join(api, "Alice", **contact("alice@example.org"))
    bob = await join(api, "Bob")
    done = await signed_post(
        api, "/exchanges/received", received_body(alice, 60), bob.headers, bob.key
    )
    assert done.status_code == 201, done.text

    def recorded() -> list[Any]:
        return [
            m
            for m in mailbox.to("alice@example.org")
            if m["Subject"] == "Un échange inscrit à votre crédit"
        ]

    [mail] = await eventually(recorded, "Alice's e-mail")
    text = "Bob indique avoir reçu 1 h de vous ; c'est inscrit sur votre relevé."
    assert body(mail).startswith(f"Bonjour Alice,\n\n{text}\n")


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"provider": "self"}, 422, "self_exchange", "provider"),
        ({"provider": str(uuid.uuid4())}, 404, "not_found", "provider"),
        ({"minutes": 7}, 422, "invalid_duration", "minutes"),
        ({"minutes": 25 * 60}, 422, "implausible_amount", "minutes"),
        ({"category": "astrology"}, 422, "not_listed", "category"),
        ({"offer_id": str(uuid.uuid4())}, 404, "not_found", "offer_id"),
        ({"memo_salt": None}, 422, "memo_salt_required", "memo_salt"),
        ({"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "x"))}, 422, "reserved_id", "id"),
        ({"minutes": 1_320}, 409, "exceeds_balance_min", None),
    ],
)
async def test_i_received_refuses_bad_input_and_writes_nothing(
    api: Api, change: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    """Each bad request is refused with its code and field, before or by the ledger, and
    neither the log nor any balance nor any notification changes."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    if change.get("provider") == "self":
        change = {"provider": bob.id}
    body = received_body(alice, 60) | change
    before = await ledger(api)
    answer = await signed_post(api, "/exchanges/received", body, bob.headers, bob.key)
    assert_problem(answer, status, code, field)
    assert await ledger(api) == before
    assert [n for n in await notifications(api, alice) if n["kind"] == "exchange_recorded"] == []


async def test_i_received_is_signed_by_the_receiver_alone(api: Api) -> None:
    """Only the receiver's own key makes their "I received": another member's signature
    over the same payload is refused, and nothing moves."""
    alice, bob, mallory = await join(api, "Alice"), await join(api, "Bob"), await join(api, "M")
    body = received_body(alice, 60)
    before = await ledger(api)
    answer = await signed_post(api, "/exchanges/received", body, bob.headers, mallory.key)
    assert_problem(answer, 403, "signature_required")
    assert await ledger(api) == before


async def group(
    api: Api, who: Member, side: str, shares: list[tuple[Member, int]], **extra: Any
) -> httpx.Response:
    body = {
        "id": str(uuid.uuid4()),
        "side": side,
        "shares": [{"member": m.id, "minutes": n} for m, n in shares],
        "memo": "Atelier cuisine",
    } | extra
    return await api.client.post(f"{API}/exchange-groups", json=body, headers=who.headers)


async def test_a_workshop_each_receiver_signs_their_share(api: Api) -> None:
    """One provider, three receivers: a pending share each, linked by the group's id and
    named by the id derived from it; each receiver is told and signs their own share (or
    rejects it); the provider is paid share by share."""
    alice = await join(api, "Alice")
    bob, carol, dan = await join(api, "Bob"), await join(api, "Carol"), await join(api, "Dan")
    answer = await group(
        api, alice, "provider", [(bob, 120), (carol, 120), (dan, 60)], category="culture_sport"
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    gid = uuid.UUID(made["id"])
    shares = {s["receiver"]: s for s in made["shares"]}
    assert made["side"] == "provider"
    assert set(shares) == {bob.id, carol.id, dan.id}
    for who in (bob, carol, dan):
        share = shares[who.id]
        assert share["status"] == "pending"
        assert share["group"] == str(gid)
        assert share["id"] == str(
            exchange_share_id(gid, uuid.UUID(who.account), uuid.UUID(alice.account))
        )
        assert share["signing_payload"]["references"]["group"] == str(gid)
        assert [n["kind"] for n in await notifications(api, who)] == ["proposal_received"]
    assert (await balance(api, alice.account)) == 0
    # Nobody signs another's share.
    assert_problem(await confirm(api, bob, shares[carol.id]), 404, "not_found")
    assert_problem(await confirm(api, bob, shares[bob.id], carol.key), 403, "signature_required")
    for who in (bob, carol):
        done = await confirm(api, who, shares[who.id])
        assert done.status_code == 201, done.text
    rejected = await api.client.post(
        f"{API}/proposals/{shares[dan.id]['id']}/reject",
        json={"reason": "Je n'y étais pas"},
        headers=dan.headers,
    )
    assert rejected.status_code == 200, rejected.text
    assert [await balance(api, m.account) for m in (alice, bob, carol, dan)] == [240, -120, -120, 0]
    shown = await api.client.get(f"{API}/exchange-groups/{gid}", headers=carol.headers)
    assert shown.status_code == 200, shown.text
    assert {s["receiver"]: s["status"] for s in shown.json()["shares"]} == {
        bob.id: "confirmed",
        carol.id: "confirmed",
        dan.id: "rejected",
    }
    outsider = await join(api, "Eve")
    hidden = await api.client.get(f"{API}/exchange-groups/{gid}", headers=outsider.headers)
    assert_problem(hidden, 404, "not_found")
    [line, _] = await statement(api, alice)
    assert (line["description"], line["category"]) == ("Atelier cuisine", "culture_sport")
    await check_ledger(api.db)
    await verified_export(api)


async def test_a_group_is_recorded_once(api: Api) -> None:
    """The same group sent again answers the recorded one (200, the same shares); another
    group under its id is refused and changes nothing."""
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    gid = str(uuid.uuid4())
    first = await group(api, alice, "provider", [(bob, 60), (carol, 60)], id=gid)
    assert first.status_code == 201, first.text
    again = await group(api, alice, "provider", [(bob, 60), (carol, 60)], id=gid)
    assert again.status_code == 200, again.text
    assert again.json()["shares"] == first.json()["shares"]
    other = await group(api, alice, "provider", [(bob, 60), (carol, 90)], id=gid)
    assert_problem(other, 422, "idempotency_key_reused")
    assert [n["kind"] for n in await notifications(api, bob)] == ["proposal_received"]


async def test_several_providers_to_one_receiver(api: Api) -> None:
    """The receiver records what two providers gave and signs both shares at once; the
    providers are told when their share is recorded."""
    alice, bob, dan = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Dan")
    answer = await group(api, dan, "receiver", [(alice, 60), (bob, 45)])
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["side"] == "receiver"
    assert await notifications(api, dan) == []
    for share in made["shares"]:
        done = await confirm(api, dan, share)
        assert done.status_code == 201, done.text
    assert [await balance(api, m.account) for m in (alice, bob, dan)] == [60, 45, -105]
    for provider in (alice, bob):
        told = await notifications(api, provider)
        assert {n["kind"] for n in told} == {"hours_received", "proposal_confirmed"}
        [confirmed] = [n["message"] for n in told if n["kind"] == "proposal_confirmed"]
        assert confirmed.startswith("Dan a confirmé les ")
    await check_ledger(api.db)


@pytest.mark.parametrize(
    ("shares", "status", "code", "field"),
    [
        ("one", 400, None, None),
        ("duplicate", 422, "invalid_request", "shares[1].member"),
        ("self", 422, "self_exchange", "shares[0].member"),
        ("stranger", 404, "not_found", "shares[1].member"),
        ("odd", 422, "invalid_duration", "shares[1].minutes"),
    ],
)
async def test_a_bad_group_writes_nothing(
    api: Api, shares: str, status: int, code: str | None, field: str | None
) -> None:
    """A group with one share, a member twice, the recorder among the others, an unknown
    member or an odd duration is refused, and no share of it is recorded or announced."""
    alice, bob, carol = await join(api, "Alice"), await join(api, "Bob"), await join(api, "Carol")
    body: list[dict[str, Any]] = {
        "one": [{"member": bob.id, "minutes": 60}],
        "duplicate": [{"member": bob.id, "minutes": 60}, {"member": bob.id, "minutes": 60}],
        "self": [{"member": alice.id, "minutes": 60}, {"member": bob.id, "minutes": 60}],
        "stranger": [
            {"member": bob.id, "minutes": 60},
            {"member": str(uuid.uuid4()), "minutes": 60},
        ],
        "odd": [{"member": bob.id, "minutes": 60}, {"member": carol.id, "minutes": 7}],
    }[shares]
    gid = str(uuid.uuid4())
    answer = await api.client.post(
        f"{API}/exchange-groups",
        json={"id": gid, "side": "provider", "shares": body},
        headers=alice.headers,
    )
    if code is None:
        assert answer.status_code in (400, 422), answer.text
    else:
        assert_problem(answer, status, code, field)
    shown = await api.client.get(f"{API}/exchange-groups/{gid}", headers=alice.headers)
    assert_problem(shown, 404, "not_found")
    assert await notifications(api, bob) == []


# --- The same moves sent raw -----------------------------------------------------------


def exchange(
    tx_id: str, payer: Member, payee: Member, minutes: int, **references: str
) -> dict[str, Any]:
    return {
        "id": tx_id,
        "kind": "exchange",
        "postings": [
            {"account_id": payer.account, "unit": "TIME", "amount": -minutes},
            {"account_id": payee.account, "unit": "TIME", "amount": minutes},
        ],
        "references": references,
    }


async def test_raw_writes_cannot_do_what_the_flows_forbid(api: Api) -> None:
    """Sent raw to ``POST /transactions``: an "I received" debiting another member (with
    the signer's key, or marked as the victim's record) is refused; so is a share of a
    group under an id that is not the group's derivation, or a share of more than two
    accounts; a share signed by its payer under its derived id is accepted once, and the
    same share again with another amount is a reused key, not a second charge. Each
    refusal leaves no trace."""
    alice, bob, mallory = await join(api, "Alice"), await join(api, "Bob"), await join(api, "M")
    gid = uuid.uuid4()

    async def refused(who: Member, body: dict[str, Any], status: int, code: str) -> None:
        before = await ledger(api)
        assert_problem(await raw(api, who, body), status, code)
        assert await ledger(api) == before
        # Kept, at most, as the refusal a replay answers again; never in the log.
        assert (await stored_under(api, body["id"]))[1] == 0

    # Mallory records that Bob received from her: Bob's account, Mallory's signature.
    await refused(
        mallory,
        exchange(str(uuid.uuid4()), bob, mallory, 60, received=bob.id),
        403,
        "signature_required",
    )
    # Mallory pays, but marks it as Bob's "I received".
    await refused(
        mallory,
        exchange(str(uuid.uuid4()), mallory, alice, 60, received=bob.id),
        422,
        "invalid_exchange",
    )
    # A share of a group under a fresh id, and a three-account share.
    await refused(
        bob, exchange(str(uuid.uuid4()), bob, alice, 60, group=str(gid)), 422, "invalid_exchange"
    )
    share = str(exchange_share_id(gid, uuid.UUID(bob.account), uuid.UUID(alice.account)))
    wide = exchange(share, bob, alice, 60, group=str(gid))
    wide["postings"] = [
        {"account_id": bob.account, "unit": "TIME", "amount": -60},
        {"account_id": mallory.account, "unit": "TIME", "amount": 30},
        {"account_id": alice.account, "unit": "TIME", "amount": 30},
    ]
    await refused(bob, wide, 422, "reserved_id")
    await refused(bob, wide | {"id": str(uuid.uuid4())}, 422, "invalid_exchange")
    # Another payer's derivation: Mallory's share under the id of Bob's.
    await refused(mallory, exchange(share, mallory, alice, 60, group=str(gid)), 422, "reserved_id")
    # Bob's own share, raw: accepted, once.
    done = await raw(api, bob, exchange(share, bob, alice, 60, group=str(gid)))
    assert done.status_code == 201, done.text
    twice = await raw(api, bob, exchange(share, bob, alice, 90, group=str(gid)))
    assert_problem(twice, 422, "idempotency_key_reused")
    assert (await balance(api, alice.account), await balance(api, bob.account)) == (60, -60)
    # Bob's own "I received", raw: the same as the flow's.
    mine = await raw(api, bob, exchange(str(uuid.uuid4()), bob, alice, 30, received=bob.id))
    assert mine.status_code == 201, mine.text
    await verified_export(api)
