"""Domain events on SQLite and PostgreSQL: members accepted, projects created and handed
to another lead, a round moving through its phases to its decision, pledges, a
contribution, a loan and its return each yield their domain event once, at their entry's
index and right after it, with data valid against the model published for its type (and
its JSON Schema in contracts/openapi.json); reading again yields the same events; an
erased member's name is in none."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mutual.api.event_schemas import DOMAIN_DATA
from mutual.api.openapi import CONTRACT
from mutual.core.domain_events import DomainEventType
from tests.test_api import API, Api
from tests.test_events import page_all, served, sse_messages
from tests.test_goods import create_kind, create_point, flow
from tests.test_projects import api
from tests.test_rounds import START, decided_by_consent, execute, prepared_round, territory
from tests.test_timebank import join, verified_export

__all__ = ["api"]


def schema_validator(name: str) -> Draft202012Validator:
    """The published JSON Schema of a component of contracts/openapi.json."""
    document = json.loads(CONTRACT.read_text())
    # Refs point into the document's components: resolve them against the document.
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:mutual:openapi", resource)
    schema = {"$ref": f"urn:mutual:openapi#/components/schemas/{name}"}
    return Draft202012Validator(schema, registry=registry)


def of_type(events: list[dict[str, Any]], event_type: DomainEventType) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == event_type.value]


async def test_each_domain_event_once_with_typed_data(api: Api) -> None:
    t = await territory(api)
    rid = await prepared_round(api, t)
    lines = [{"project_id": t.projects[1], "eur": 50_000, "hours": 0}]
    await decided_by_consent(api, t, rid, lines)
    await execute(api, rid)
    # Then goods, on the round's clock (territory() set it).
    keeper, borrower = await join(api, "Gardienne"), await join(api, "Emprunteur")
    await create_kind(api, "perceuse", "Perceuse")
    point = await create_point(api, "Magasin pour rien", keeper)
    deposited = await flow(api, "deposits", {"kind": "perceuse", "count": 2}, keeper, point)
    assert deposited.status_code == 201, deposited.text
    due_on = (START + timedelta(days=7)).date().isoformat()
    loan_body = {"kind": "perceuse", "count": 1, "member_id": borrower.id, "due_on": due_on}
    lent = await flow(api, "loans", loan_body, keeper, point)
    assert lent.status_code == 201, lent.text
    returned = await flow(api, f"loans/{lent.json()['id']}/returns", {"count": 1}, keeper, point)
    assert returned.status_code == 201, returned.text
    handed = await api.client.put(
        f"{API}/projects/{t.projects[0]}/lead", json={"lead": t.members[3].id}, headers=api.operator
    )
    assert handed.status_code == 200, handed.text
    # A profile changed (and saved again unchanged: no event), a member erased.
    mover = t.members[2]
    for _ in range(2):
        moved = await api.client.put(
            f"{API}/members/me/profile",
            json={"display_name": "Déménagée", "neighbourhood": "Drouot"},
            headers=mover.headers,
        )
        assert moved.status_code == 200, moved.text
    gone = await api.client.delete(f"{API}/members/{borrower.id}/profile", headers=api.operator)
    assert gone.status_code == 204, gone.text

    events = await page_all(api, api.operator, limit=7)
    assert events == await page_all(api, api.operator, limit=1000)  # the same, read again
    ledger = {e["id"]: e for e in events if "entry" in e}
    domain = [e for e in events if "data" in e]
    assert len({e["id"] for e in events}) == len(events)
    # Each right after its entry's own event, at its index.
    for before, event in itertools.pairwise(events):
        if "data" in event:
            assert before["index"] == event["index"]
    validators = {t: schema_validator(model.__name__) for t, model in DOMAIN_DATA.items()}
    for event in domain:
        kind = DomainEventType(event["type"])
        assert (
            DOMAIN_DATA[kind].model_validate(event["data"]).model_dump(mode="json")
            == (event["data"])
        )
        validators[kind].validate(event["data"])
        assert event["data"]["event_type"] == event["type"]

    members = [*t.members, keeper, borrower]
    accepted = of_type(domain, DomainEventType.MEMBER_ACCEPTED)
    assert sorted((d["member_id"], d["account_id"]) for d in accepted) == sorted(
        (m.id, m.account) for m in members
    )
    created = of_type(domain, DomainEventType.PROJECT_CREATED)
    assert [(d["project_id"], d["lead_id"]) for d in created] == [
        (p, m.id) for p, m in zip(t.projects, t.members, strict=False)
    ]
    assert of_type(domain, DomainEventType.PROJECT_CHANGED) == [
        {"event_type": "project.changed", "project_id": t.projects[0], "lead_id": t.members[3].id}
    ]
    phases = of_type(domain, DomainEventType.ROUND_PHASE_CHANGED)
    assert [(d["round_id"], d["phase"], d["step"]) for d in phases] == [
        (rid, "proposals", "draft"),
        (rid, "snapshot", "snapshot"),
        (rid, "consent", "proposal"),
        (rid, "decided", "consent_closed"),
        (rid, "executed", "executed"),
    ]
    assert of_type(domain, DomainEventType.ROUND_DECIDED) == [
        {
            "event_type": "round.decided",
            "round_id": rid,
            "by": "consent",
            "lines": [{"project": t.projects[1], "eur": 50_000, "hours": 0}],
        }
    ]
    # The transfers: one domain event per transaction of the kind, naming it.
    for tx_kind, event_type, count in (
        ("pledge", DomainEventType.PLEDGE_MADE, len(t.members)),
        ("contribution", DomainEventType.CONTRIBUTION_RECORDED, 1),
        ("loan", DomainEventType.LOAN_OPENED, 1),
        ("return", DomainEventType.LOAN_RETURNED, 1),
    ):
        found = of_type(domain, event_type)
        transactions = [e for e in ledger.values() if e["type"] == f"transaction.{tx_kind}"]
        assert len(found) == count == len(transactions), tx_kind
        assert [d["transaction_id"] for d in found] == [e["id"] for e in transactions]
        for data, tx in zip(found, transactions, strict=True):
            postings = tx["entry"]["payload"]["postings"]
            assert data["amount"] == sum(p["amount"] for p in postings if p["amount"] > 0)
            assert data["credited"] == [p["account_id"] for p in postings if p["amount"] > 0]
    assert of_type(domain, DomainEventType.LOAN_OPENED)[0]["amount"] == 1
    assert of_type(domain, DomainEventType.MEMBER_PROFILE_CHANGED) == [
        {"event_type": "member.profile_changed", "member_id": mover.id}
    ]
    assert of_type(domain, DomainEventType.MEMBER_ERASED) == [
        {"event_type": "member.erased", "member_id": borrower.id}
    ]
    # Their entries say who and what kind of change, never the new name.
    notices = [e for e in ledger.values() if e["type"].startswith("member_notice.")]
    assert [e["entry"]["payload"]["change"] for e in notices] == ["profile_changed", "erased"]
    assert "Déménagée" not in json.dumps(events, ensure_ascii=False)
    assert Counter(e["type"] for e in domain).keys() == {t.value for t in DomainEventType}

    # The domain events are filtered like the others, by type or by family.
    picked = await page_all(api, api.operator, limit=5, types="member,project.changed")
    assert [e["type"] for e in picked] == ["member.accepted"] * len(members) + [
        "project.changed",
        "member.profile_changed",
        "member.erased",
    ]
    rounds = await page_all(api, api.operator, limit=5, types="round")
    assert [e for e in rounds if "data" in e] == [
        e for e in domain if e["type"].startswith("round.")
    ]


async def test_an_erased_member_is_named_in_no_event(api: Api) -> None:
    """Events carry ids, never a profile: after erasure, nothing of the member's profile is
    in any event, and their acceptance is still there, by pseudonymous id only."""
    name = "Zoé Effaçable-Unique"
    listed = await api.client.post(
        f"{API}/territory/neighbourhoods",
        json={"code": "Quartier-Introuvable", "label_fr": "Introuvable", "label_en": "Nowhere"},
        headers=api.operator,
    )
    assert listed.status_code == 201, listed.text
    member = await join(api, name, neighbourhood="Quartier-Introuvable")
    erased = await api.client.delete(f"{API}/members/{member.id}/profile", headers=member.headers)
    assert erased.status_code == 204, erased.text
    events = await page_all(api, api.operator, limit=1000)
    text = json.dumps(events, ensure_ascii=False)
    assert name not in text
    assert "Quartier-Introuvable" not in text
    [accepted] = [e["data"] for e in events if e["type"] == "member.accepted"]
    assert accepted == {
        "event_type": "member.accepted",
        "member_id": member.id,
        "account_id": member.account,
    }
    # The erasure itself is told, by id, last; and the export still verifies with it.
    assert events[-1]["data"] == {"event_type": "member.erased", "member_id": member.id}
    lines = await verified_export(api)
    assert sum('"type":"member_notice"' in line for line in lines) == 1


async def test_the_stream_gives_an_id_to_an_entrys_last_event_only(api: Api) -> None:
    """Server-sent events: an entry's events come together, and only the last carries
    the SSE id (the entry's index), so a client reconnecting with Last-Event-ID resumes
    at an entry's first event, never past one of its events."""
    rt = api.runtime
    assert rt is not None
    start = await api.log_size()
    await api.member()  # a key registered, then an account opened: the member accepted
    listed = await api.client.get(
        f"{API}/events", params={"after": start - 1}, headers=api.operator
    )
    expected = listed.json()["items"]
    assert [e["type"] for e in expected][-2:] == ["account.opened", "member.accepted"]
    settings = rt.settings.model_copy(update={"events_poll_seconds": 0.1})
    async with (
        served(settings) as url,
        httpx.AsyncClient(timeout=10, headers=api.operator) as client,
        client.stream("GET", f"{url}/events/stream", params={"after": start - 1}) as response,
    ):
        messages: list[dict[str, str]] = []
        async with asyncio.timeout(10):
            async for message in sse_messages(response):
                if "data" in message:
                    messages.append(message)
                if len(messages) == len(expected):
                    break
    assert [json.loads(m["data"]) for m in messages] == expected
    ids = [m.get("id") for m in messages]
    assert ids[-2:] == [None, str(expected[-1]["index"])]
    assert all(i is not None for i in ids[:-2])
