"""A member's GDPR erasure reaches the pooling tools' tables too: the household text of
goods given to them and their name as a resident partner go, the ledger stays and its
export still verifies; and their free text leaves other members' notifications and the
gateway's outbox (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from mutual.store.goods import good_gifts
from tests.test_api import API, Api
from tests.test_fund import resident_partner
from tests.test_goods import create_kind, create_point, flow
from tests.test_permissions import service
from tests.test_projects import api
from tests.test_timebank import join, notifications, propose, verified_export

__all__ = ["api"]


async def test_erasure_reaches_the_pooling_tables(api: Api) -> None:
    """After erasure the gift has no household text and the partner no name; the gift,
    the contribution accounts and the log's entries are untouched (the erasure adds only
    its own notice, which names nobody)."""
    amina, keeper = await join(api, "Amina"), await join(api, "Karim")
    partner = await resident_partner(api, amina)
    await create_kind(api, "perceuse", "Perceuse")
    point = await create_point(api, "Magasin pour rien", keeper)
    deposit = await flow(api, "deposits", {"kind": "perceuse", "count": 1}, keeper, point)
    assert deposit.status_code == 201, deposit.text
    gift = {"kind": "perceuse", "count": 1, "to_member": amina.id, "household": "Famille B."}
    assert (await flow(api, "gifts", gift, keeper, point)).status_code == 201
    size = await api.log_size()

    erased = await api.client.delete(f"{API}/members/{amina.id}/profile", headers=amina.headers)
    assert erased.status_code == 204, erased.text
    shown = await api.client.get(f"{API}/partners/{partner.id}", headers=api.operator)
    assert (shown.json()["name"], shown.json()["kind"]) == ("", "resident")
    async with api.db.read_engine.connect() as conn:
        gifts = (await conn.execute(select(good_gifts.c.to_member, good_gifts.c.household))).all()
    assert [(str(m), h) for m, h in gifts] == [(amina.id, None)]
    assert await api.log_size() == size + 1
    lines = await verified_export(api)
    assert sum('"type":"member_notice"' in line for line in lines) == 1


async def test_erasure_reaches_other_members_notifications_and_the_outbox(api: Api) -> None:
    """The reason an erased member gave for rejecting a proposal is gone from the
    proposer's feed and from the gateway's outbox; the notification itself stays."""
    alice, bob = await join(api, "Alice"), await join(api, "Bob")
    proposal = await propose(api, alice, bob, 60)
    reason = "Bob ne rend jamais service le mardi"
    refused = await api.client.post(
        f"{API}/proposals/{proposal['id']}/reject", json={"reason": reason}, headers=bob.headers
    )
    assert refused.status_code == 200, refused.text
    gateway = await service(api, ["notifications:read"])

    async def texts() -> tuple[str, str]:
        feed = await notifications(api, alice)
        outbox = await api.client.get(f"{API}/notifications/outbox", headers=gateway)
        assert outbox.status_code == 200, outbox.text
        return str(feed), str(outbox.json())

    assert all(reason in text for text in await texts())
    erased = await api.client.delete(f"{API}/members/{bob.id}/profile", headers=bob.headers)
    assert erased.status_code == 204, erased.text
    for text in await texts():
        assert reason not in text
        assert "Réparation de vélo" not in text
    kinds = [n["kind"] for n in await notifications(api, alice)]
    assert "proposal_rejected" in kinds
