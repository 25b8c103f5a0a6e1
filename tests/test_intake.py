"""Intake from a survey tool (issue 25, item 6), on SQLite and PostgreSQL: a service client
with the `intake:write` scope records a need and an offer in a consenting resident's
name; they are the resident's own, and the coordinators see them by the resident's
neighbourhood; without the resident's consent (never given, or withdrawn) the tool is
refused `no_consent` and nothing is written; a tool without the scope cannot record."""

from __future__ import annotations

from typing import Any

from tests.test_api import API, Api, assert_problem
from tests.test_projects import api
from tests.test_timebank import join

__all__ = ["api"]


async def _tool(api: Api, name: str, scopes: list[str]) -> tuple[str, dict[str, str]]:
    made = await api.client.post(
        f"{API}/service-clients", json={"name": name, "scopes": scopes}, headers=api.operator
    )
    assert made.status_code == 201, made.text
    return made.json()["principal_id"], {"Authorization": f"Bearer {made.json()['token']}"}


def _need(member_id: str, title: str, direction: str = "request") -> dict[str, Any]:
    return {
        "member_id": member_id,
        "direction": direction,
        "title": title,
        "category": "time",
    }


async def _offers_of(api: Api, member_id: str) -> list[dict[str, Any]]:
    found = await api.client.get(f"{API}/offers", headers=api.operator, params={"limit": 500})
    assert found.status_code == 200, found.text
    return [o for o in found.json()["items"] if o["member_id"] == member_id]


async def test_a_tool_records_in_a_consenting_residents_name_and_only_then(api: Api) -> None:
    awa = await join(api, "Awa", neighbourhood="Drouot")
    ben = await join(api, "Ben", neighbourhood="Bourtzwiller")
    tool, tool_headers = await _tool(api, "Enquête bien-être", ["intake:write"])
    _, reader = await _tool(api, "Lecteur", ["offers:read"])

    # Awa sees the tool and consents from her own session; Ben does not.
    tools = await api.client.get(f"{API}/intake/tools", headers=awa.headers)
    assert [t["id"] for t in tools.json()["items"]] == [tool]
    granted = await api.client.post(
        f"{API}/intake/consents", json={"client_id": tool}, headers=awa.headers
    )
    assert granted.status_code == 201, granted.text
    assert [(c["client_id"], c["withdrawn_at"]) for c in granted.json()["items"]] == [(tool, None)]

    need = await api.client.post(
        f"{API}/intake", json=_need(awa.id, "Aide pour monter une étagère"), headers=tool_headers
    )
    assert need.status_code == 201, need.text
    offer = await api.client.post(
        f"{API}/intake",
        json=_need(awa.id, "Je peux traduire du wolof", "offer"),
        headers=tool_headers,
    )
    assert offer.status_code == 201, offer.text
    mine = await _offers_of(api, awa.id)
    assert sorted((o["direction"], o["title"]) for o in mine) == [
        ("offer", "Je peux traduire du wolof"),
        ("request", "Aide pour monter une étagère"),
    ]

    # Without consent: refused, nothing written; a tool without the scope cannot ask.
    refused = await api.client.post(
        f"{API}/intake", json=_need(ben.id, "Courses"), headers=tool_headers
    )
    assert_problem(refused, 403, "no_consent", "member_id")
    assert await _offers_of(api, ben.id) == []
    assert_problem(
        await api.client.post(f"{API}/intake", json=_need(awa.id, "x"), headers=reader),
        403,
        "not_authorised",
    )

    # Coordinators see what came in, routed by the resident's neighbourhood.
    drouot = await api.client.get(
        f"{API}/intake", params={"neighbourhood": "Drouot"}, headers=api.operator
    )
    assert drouot.status_code == 200, drouot.text
    assert [(r["member_id"], r["client_id"], r["title"]) for r in drouot.json()["items"]] == [
        (awa.id, tool, "Aide pour monter une étagère"),
        (awa.id, tool, "Je peux traduire du wolof"),
    ]
    elsewhere = await api.client.get(
        f"{API}/intake", params={"neighbourhood": "Bourtzwiller"}, headers=api.operator
    )
    assert elsewhere.json()["items"] == []
    assert_problem(
        await api.client.get(f"{API}/intake", headers=ben.headers), 403, "not_authorised"
    )

    # Withdrawn, the consent no longer admits the tool; what it recorded stays Awa's.
    withdrawn = await api.client.delete(f"{API}/intake/consents/{tool}", headers=awa.headers)
    assert withdrawn.status_code == 204, withdrawn.text
    again = await api.client.post(
        f"{API}/intake", json=_need(awa.id, "Encore"), headers=tool_headers
    )
    assert_problem(again, 403, "no_consent", "member_id")
    assert len(await _offers_of(api, awa.id)) == 2
    consents = await api.client.get(f"{API}/intake/consents", headers=awa.headers)
    [consent] = consents.json()["items"]
    assert consent["withdrawn_at"] is not None
    # Her export holds the consent; her erasure takes it, and the intake records, away.
    exported = await api.client.get(f"{API}/members/me/export", headers=awa.headers)
    assert [c["client_id"] for c in exported.json()["intake_consents"]] == [tool]
    erased = await api.client.delete(f"{API}/members/{awa.id}/profile", headers=api.operator)
    assert erased.status_code == 204, erased.text
    left = await api.client.get(f"{API}/intake", headers=api.operator)
    assert left.json()["items"] == []
