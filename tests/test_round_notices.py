"""A round's voters are told, on SQLite and PostgreSQL: when it opens for projects, when
their stance is awaited, when the ballot opens, a day before each deadline (those who
have not acted yet), and when the result is out; once per event per voter, in their
language, in their feed and by e-mail. And a facilitator alone puts a project forward
for its lead."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from mutual.core.messages import MAIL_SUBJECTS
from mutual.settings import Settings
from mutual.usecases.mail import take_in
from tests.flow_client import signed_post
from tests.test_api import API, Api, assert_problem, open_api
from tests.test_fund import give, org_partner
from tests.test_mail import MailServer, contact, eventually, mailbox, mailed
from tests.test_projects import project_body
from tests.test_rounds import START, cast, post, round_body, set_now
from tests.test_timebank import Member, join

__all__ = ["mailbox"]

ROUND_KINDS = (
    "round_opened",
    "round_stance_awaited",
    "round_ballot_open",
    "round_closing",
    "round_decided",
)


@pytest.fixture
async def api(backend_settings: Settings, mailbox: MailServer) -> AsyncIterator[Api]:
    async with open_api(mailed(backend_settings, mailbox.port)) as api:
        yield api


async def voters(api: Api) -> list[tuple[Member, str, str]]:
    """Four members with an address each, two reading French and two English."""
    found = []
    for i, language in enumerate(("fr", "en", "fr", "en")):
        address = f"voter{i}@example.org"
        member = await join(api, f"Voter {i}", languages=[language], **contact(address))
        found.append((member, language, address))
    return found


async def facilitator(api: Api) -> dict[str, str]:
    issued = await api.client.post(
        f"{API}/tokens", json={"roles": ["facilitator"]}, headers=api.operator
    )
    return {"Authorization": f"Bearer {issued.json()['token']}"}


async def move_to(api: Api, moment: datetime) -> None:
    """Let the mailer take in what is there (a notice older than three days is no longer
    e-mailed), then move the clock."""
    assert api.runtime is not None
    while await take_in(api.runtime):
        pass
    set_now(api, moment)


async def feed(api: Api, member: Member, language: str) -> list[dict[str, Any]]:
    answer = await api.client.get(
        f"{API}/notifications", headers={**member.headers, "Accept-Language": language}
    )
    assert answer.status_code == 200, answer.text
    return [i for i in answer.json()["items"] if i["kind"].startswith("round_")]


async def test_a_facilitator_puts_a_project_forward_for_its_lead(api: Api) -> None:
    """The facilitator, who leads nothing and coordinates nothing, puts a project forward
    for its lead, named in the submission as when the lead does; a member who does not
    lead it may not."""
    set_now(api, START)
    lead, other = await join(api, "Lead"), await join(api, "Other")
    created = await api.client.post(
        f"{API}/projects", json=project_body(lead, name="Jardin"), headers=api.operator
    )
    project = created.json()["id"]
    runs = await facilitator(api)
    rid = (await post(api, "/rounds", round_body(), runs))["id"]
    ask = {"project_id": project, "ask_eur": 10_000, "ask_hours": 120}
    refused = await api.client.post(
        f"{API}/rounds/{rid}/submissions", json=ask, headers=other.headers
    )
    assert_problem(refused, 403, "not_authorised")
    submitted = await post(api, f"/rounds/{rid}/submissions", ask, runs)
    [put] = submitted["submissions"]
    assert (put["project_id"], put["ask_eur"], put["ask_hours"]) == (project, 10_000, 120)
    assert put["lead"] == lead.id


async def test_the_rounds_notices_reach_each_voter_once_per_event_in_their_language(
    api: Api, mailbox: MailServer
) -> None:
    """A round from its draft to its result, with a reminder before its proposals, its
    consent poll and its ballot close: every voter gets each event once, in their feed
    and by e-mail, in their language; a voter who already acted is not reminded; a
    second reading derives nothing more."""
    set_now(api, START)
    people = await voters(api)
    members = [m for m, _, _ in people]
    projects = []
    for i, lead in enumerate(members[:2]):
        created = await api.client.post(
            f"{API}/projects", json=project_body(lead, name=f"Projet {i}"), headers=api.operator
        )
        projects.append(created.json()["id"])
    for member in members:
        pledged = await signed_post(
            api, "/pledges", {"quarter": "2027-Q1", "minutes": 600}, member.headers, member.key
        )
        assert pledged.status_code == 201, pledged.text
    city = await org_partner(api, "Ville de Mulhouse", "city")
    await give(api, city, 100_000)
    runs = await facilitator(api)
    rid = (await post(api, "/rounds", round_body(quorum=2), runs))["id"]
    for project in projects:
        ask = {"project_id": project, "ask_eur": 50_000, "ask_hours": 300}
        await post(api, f"/rounds/{rid}/submissions", ask, runs)
    # A day before the proposals close (START + 5 days): everyone is reminded.
    await move_to(api, START + timedelta(days=4, hours=12))
    await feed(api, members[0], "fr")
    await move_to(api, START + timedelta(days=4, hours=13))
    await post(api, f"/rounds/{rid}/snapshot", {}, runs)
    lines = [{"project_id": projects[0], "eur": 50_000, "hours": 300}]
    await post(api, f"/rounds/{rid}/proposals", {"lines": lines}, runs)
    objection = {
        "stance": "object",
        "target": {"kind": "omission", "project_id": projects[1]},
        "reason": "Le second projet compte aussi.",
    }
    await post(api, f"/rounds/{rid}/stances", objection, members[3].headers)
    # A day before the consent poll closes: those without a stance are reminded.
    await move_to(api, START + timedelta(days=9, hours=6))
    await feed(api, members[0], "fr")
    for member in members[:2]:
        await post(api, f"/rounds/{rid}/stances", {"stance": "consent"}, member.headers)
    await move_to(api, START + timedelta(days=10, hours=1))
    ballot = await post(api, f"/rounds/{rid}/consent/close", {}, runs)
    assert ballot["phase"] == "ballot"
    answer = await cast(api, rid, members[0], [projects[1]])
    assert answer.status_code == 201, answer.text
    # A day before the ballot closes: voters who have not voted yet are reminded.
    await move_to(api, START + timedelta(days=14, hours=12))
    await feed(api, members[0], "fr")
    for member in members[1:]:
        answer = await cast(api, rid, member, [projects[1]])
        assert answer.status_code == 201, answer.text
    closed = await post(api, f"/rounds/{rid}/ballot/close", {}, runs)
    assert closed["phase"] == "decided"

    reminded = {
        # proposals (everyone), consent (not members[3], who objected), ballot (not members[0])
        0: ["proposals", "consent"],
        1: ["proposals", "consent", "ballot"],
        2: ["proposals", "consent", "ballot"],
        3: ["proposals", "ballot"],
    }
    for i, (member, language, address) in enumerate(people):
        items = await feed(api, member, language)
        kinds = Counter(item["kind"] for item in items)
        assert kinds == Counter(
            {
                "round_opened": 1,
                "round_stance_awaited": 1,
                "round_ballot_open": 1,
                "round_closing": len(reminded[i]),
                "round_decided": 1,
            }
        ), (i, items)
        assert [i_["data"]["step"] for i_ in items if i_["kind"] == "round_closing"] == reminded[i]
        opened = next(item["message"] for item in items if item["kind"] == "round_opened")
        if language == "fr":
            assert opened == (
                "La répartition 2027-Q1 est ouverte : les projets peuvent y être proposés "
                "jusqu'au 15 janvier 2027 à 9 h 00 (UTC)."
            )
        else:
            assert opened == (
                "The 2027-Q1 allocation round is open: projects may be put forward until "
                "15 January 2027, 09:00 UTC."
            )
        # The same notices, once each, by e-mail in the member's language.
        expected = sorted(MAIL_SUBJECTS[item["kind"]][language] for item in items)
        subjects = {MAIL_SUBJECTS[kind][language] for kind in ROUND_KINDS}

        def mailed_rounds(
            address: str = address, n: int = len(expected), subjects: set[str] = subjects
        ) -> list[Any] | None:
            found = [m for m in mailbox.to(address) if m["Subject"] in subjects]
            return found if len(found) >= n else None

        mails = await eventually(mailed_rounds, f"the round's e-mails to {address}")
        assert sorted(m["Subject"] for m in mails) == expected
        assert {m["Content-Language"] for m in mails} == {language}
    # Reading again (and the mailer's turns meanwhile) derives nothing more.
    again = await feed(api, members[1], "en")
    assert len(again) == 7
