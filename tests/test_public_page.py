"""The public page answers without a token, only what the territory opted in, and
nothing that names a person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import pytest
from sqlalchemy import select

from mutual.settings import Settings
from mutual.store import project_followups as followup_store
from mutual.store.tables import members, projects
from mutual.usecases.demo import load_demo_territory
from mutual.usecases.fund import fund_summary
from mutual.usecases.log import sign_checkpoint
from mutual.usecases.pact import pact as pact_state
from tests.test_api import API, Api, open_api

EVERY_ITEM = frozenset({"fund", "rounds", "projects", "checkpoint", "pact"})


@pytest.fixture
async def api(backend_settings: Settings) -> AsyncIterator[Api]:
    async with open_api(
        backend_settings.model_copy(update={"public_page_items": EVERY_ITEM})
    ) as api:
        yield api


async def test_nothing_is_public_by_default(backend_settings: Settings) -> None:
    """A territory that chose nothing publishes nothing: every item is null."""
    async with open_api(backend_settings) as api:
        answer = await api.client.get(f"{API}/public")
    assert answer.status_code == 200
    assert answer.json() == {
        "shown": [],
        "fund": None,
        "rounds": None,
        "projects": None,
        "checkpoint": None,
        "pact": None,
    }


async def test_only_the_items_chosen(backend_settings: Settings) -> None:
    """With the fund alone chosen, the fund's figures are there and nothing else."""
    settings = backend_settings.model_copy(update={"public_page_items": frozenset({"fund"})})
    async with open_api(settings) as api:
        body = (await api.client.get(f"{API}/public")).json()
    assert body["shown"] == ["fund"]
    assert body["fund"]["balance"] == 0
    assert (body["rounds"], body["projects"], body["checkpoint"]) == (None, None, None)


async def test_the_demo_s_public_page_names_nobody(api: Api) -> None:
    """Over the demo territory, an anonymous reader gets the fund's figures, each round's
    decision and tally, the projects with what was granted and the latest checkpoint,
    and no member's id, name or e-mail, nor a project lead's id, appears anywhere."""
    rt = api.runtime
    assert rt is not None
    await load_demo_territory(rt)
    await sign_checkpoint(rt)
    answer = await api.client.get(f"{API}/public")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["shown"] == ["checkpoint", "fund", "pact", "projects", "rounds"]
    pact = await pact_state(rt)
    assert body["pact"]["signatories"] == len(pact.signatories()) > 0
    assert body["pact"]["version"] == 2
    fund = await fund_summary(rt)
    assert (body["fund"]["granted"], body["fund"]["available"]) == (fund.granted, fund.available)
    decided = [r for r in body["rounds"] if r["decision"]]
    assert decided
    assert all(line["project"] for r in decided for line in r["decision"])
    assert any(r["approvals"] or r["consent"] for r in decided)
    assert sum(p["granted_eur"] for p in body["projects"]) == fund.granted
    assert body["checkpoint"]["tree_size"] > 0
    # Each project's latest co-evaluated follow-up, as its figures: the group's assessment
    # and the indicators' values the lead gave, never the follow-up's words.
    followed = [p for p in body["projects"] if p["follow_up"]]
    assert followed
    async with rt.db.reading() as conn:
        for project in followed:
            stored = [
                f
                for f in await followup_store.followups_of(conn, UUID(project["id"]))
                if f.assessment
            ]
            latest = max(stored, key=lambda f: f.quarter)
            shown = project["follow_up"]
            assert (shown["quarter"], shown["assessment"]) == (latest.quarter, latest.assessment)
            given = {
                i.name: latest.indicator_values.get(i.id)
                for i in await followup_store.indicators_of(conn, UUID(project["id"]))
            }
            assert {i["name"]: i["value"] for i in shown["indicators"]} == given
            assert any(v is not None for v in given.values())
            assert latest.results not in answer.text

    async with rt.db.reading() as conn:
        people = list(
            await conn.execute(select(members.c.id, members.c.display_name, members.c.contact))
        )
        leads = {r.lead_id for r in await conn.execute(select(projects.c.lead_id))}
    secrets = {str(lead) for lead in leads}
    for person in people:
        secrets.add(str(person.id))
        if person.display_name:
            secrets.add(person.display_name)
        secrets.update(item["value"] for item in person.contact.values())
    assert people
    found = sorted(s for s in secrets if s in answer.text)
    assert found == []
