"""Quarterly allocation rounds end to end through the HTTP API, on SQLite and PostgreSQL:
adopted by consent, decided by a signed ballot, failing its quorum; the roll, the
deadlines and the manifest hold; execution is all or nothing; the export verifies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mutual.core.signing import Domain
from mutual.store import journal_io
from tests.flow_client import signed_post
from tests.test_api import API, Api, assert_problem
from tests.test_fund import Partner, give, org_partner
from tests.test_projects import api, project_body
from tests.test_timebank import Member, join, verified_export

__all__ = ["api"]

START = datetime(2027, 1, 10, 9, tzinfo=UTC)


def set_now(api: Api, moment: datetime) -> None:
    assert api.runtime is not None
    api.client.app.state.runtime.clock = lambda: moment


@dataclass
class Territory:
    members: list[Member]
    projects: list[str]
    facilitator: dict[str, str]
    city: Partner


async def territory(api: Api, *, voters: int = 4) -> Territory:
    """Members who pledge hours for 2027-Q1, three projects, a fund of 1,000 euros and a
    facilitator."""
    set_now(api, START)
    members = [await join(api, f"Voter {i}") for i in range(voters)]
    projects = []
    for i, lead in enumerate(members[:3]):
        created = await api.client.post(
            f"{API}/projects", json=project_body(lead, name=f"Projet {i}"), headers=api.operator
        )
        assert created.status_code == 201, created.text
        projects.append(created.json()["id"])
    for member in members:
        pledged = await signed_post(
            api, "/pledges", {"quarter": "2027-Q1", "minutes": 600}, member.headers, member.key
        )
        assert pledged.status_code == 201, pledged.text
    city = await org_partner(api, "Ville de Mulhouse", "city")
    await give(api, city, 100_000)
    issued = await api.client.post(
        f"{API}/tokens", json={"roles": ["facilitator"]}, headers=api.operator
    )
    facilitator = {"Authorization": f"Bearer {issued.json()['token']}"}
    return Territory(members, projects, facilitator, city)


def round_body(**extra: Any) -> dict[str, Any]:
    return {
        "label": "2027-Q1",
        "quarter": "2027-Q1",
        "rule": "mes-add1-greedy",
        "seed": "ab" * 32,
        "quorum": 3,
        "proposals_close": (START + timedelta(days=5)).isoformat(),
        "consent_close": (START + timedelta(days=10)).isoformat(),
        "ballot_close": (START + timedelta(days=15)).isoformat(),
    } | extra


async def post(api: Api, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    answer = await api.client.post(f"{API}{path}", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def prepared_round(api: Api, t: Territory, **extra: Any) -> str:
    """Drafted, three projects submitted (the first with a minimum), snapshot taken."""
    created = await post(api, "/rounds", round_body(**extra), t.facilitator)
    rid: str = created["id"]
    assert created["phase"] == "proposals"
    asks = [(60_000, 600, 30_000, 300), (50_000, 0, None, None), (0, 900, None, None)]
    for project, (eur, hours, min_eur, min_hours) in zip(t.projects, asks, strict=True):
        lead = t.members[t.projects.index(project)]
        body = {
            "project_id": project,
            "ask_eur": eur,
            "ask_hours": hours,
            "min_eur": min_eur,
            "min_hours": min_hours,
        }
        await post(api, f"/rounds/{rid}/submissions", body, lead.headers)
    snap = await post(api, f"/rounds/{rid}/snapshot", {}, t.facilitator)
    assert snap["phase"] == "snapshot"
    manifest = snap["manifest"]
    assert manifest["budget_eur"] == 100_000
    assert manifest["budget_hours"] == 600 * len(t.members)
    assert sorted(manifest["voters"]) == sorted(m.id for m in t.members)
    return rid


async def decided_by_consent(api: Api, t: Territory, rid: str, lines: list[dict[str, Any]]) -> None:
    """The facilitator proposes ``lines``, every voter consents, consent is closed: the
    round is decided without a ballot."""
    await post(api, f"/rounds/{rid}/proposals", {"lines": lines}, t.facilitator)
    for member in t.members:
        await post(api, f"/rounds/{rid}/stances", {"stance": "consent"}, member.headers)
    await post(api, f"/rounds/{rid}/consent/close", {}, t.facilitator)


async def execute(api: Api, rid: str) -> Any:
    first = await api.client.post(f"{API}/rounds/{rid}/execution", json={}, headers=api.operator)
    assert_problem(first, 422, "unsigned", "signatures")
    assert api.operator_key is not None
    signatures = {
        p["id"]: [api.operator_key.sign_payload(Domain.TRANSACTION, p).document()]
        for p in first.json().get("signing_payloads") or [first.json()["signing_payload"]]
    }
    return await post(api, f"/rounds/{rid}/execution", {"signatures": signatures}, api.operator)


async def balance(api: Api, account_id: str) -> int:
    answer = await api.client.get(f"{API}/accounts/{account_id}", headers=api.operator)
    assert answer.status_code == 200, answer.text
    value: int = answer.json()["balance"]
    return value


async def fund_balance(api: Api) -> int:
    answer = await api.client.get(f"{API}/fund", headers=api.operator)
    assert answer.status_code == 200, answer.text
    value: int = answer.json()["balance"]
    return value


async def test_round_adopted_by_consent(api: Api) -> None:
    t = await territory(api)
    rid = await prepared_round(api, t)
    lines = [
        {"project_id": t.projects[0], "eur": 40_000, "hours": 600},
        {"project_id": t.projects[1], "eur": 50_000, "hours": 0},
    ]
    proposed = await post(api, f"/rounds/{rid}/proposals", {"lines": lines}, t.facilitator)
    assert (proposed["phase"], proposed["proposal_version"]) == ("consent", 1)
    # A member may not propose; the facilitator may not exceed the budget.
    assert_problem(
        await api.client.post(
            f"{API}/rounds/{rid}/proposals", json={"lines": lines}, headers=t.members[3].headers
        ),
        403,
        "not_authorised",
    )
    too_much = [{"project_id": t.projects[1], "eur": 60_000, "hours": 0}]
    assert_problem(
        await api.client.post(
            f"{API}/rounds/{rid}/proposals", json={"lines": too_much}, headers=t.facilitator
        ),
        422,
        "infeasible_allocation",
    )
    for member in t.members:
        await post(api, f"/rounds/{rid}/stances", {"stance": "consent"}, member.headers)
    closed = await post(api, f"/rounds/{rid}/consent/close", {}, t.facilitator)
    assert closed["phase"] == "decided"
    assert closed["consent"]["result"] == "adopted"
    assert sorted(ln["eur"] for ln in closed["decision"]) == [40_000, 50_000]
    fund_before = await fund_balance(api)
    size = await api.log_size()
    executed = await execute(api, rid)
    assert executed["phase"] == "executed"
    assert len(executed["transactions"]) == 2
    # Accounts opened for the allocations, the two transactions and the round's entry.
    assert await api.log_size() > size + 3
    assert await fund_balance(api) == fund_before - 90_000
    replay = await execute_again(api, rid)
    assert replay["phase"] == "executed"
    # The city's money is followed into both projects the round funded.
    traced = await api.client.get(f"{API}/partners/{t.city.id}/trace", headers=t.city.headers)
    assert traced.status_code == 200, traced.text
    [use] = traced.json()["contributions"]
    assert sorted((g["project_id"], g["amount_cents"]) for g in use["grants"]) == sorted(
        [(t.projects[0], 40_000), (t.projects[1], 50_000)]
    )
    assert {g["decision"] for g in use["grants"]} == {f"round {rid}"}
    await verified_export(api)


async def execute_again(api: Api, rid: str) -> dict[str, Any]:
    size = await api.log_size()
    again = await api.client.post(f"{API}/rounds/{rid}/execution", json={}, headers=api.operator)
    assert again.status_code == 201, again.text
    assert await api.log_size() == size
    result: dict[str, Any] = again.json()
    return result


async def cast(
    api: Api, rid: str, member: Member, approvals: list[str], ballot_id: str | None = None
) -> Any:
    body = {"id": ballot_id or str(uuid.uuid4()), "approvals": approvals}
    first = await api.client.post(f"{API}/rounds/{rid}/ballots", json=body, headers=member.headers)
    if first.status_code != 422 or first.json()["code"] != "unsigned":
        return first
    payload = first.json()["signing_payload"]
    assert first.json()["domain"] == "mutual/ballot/v1"
    assert "approvals" not in str(payload["body"])  # the choice is hidden behind its hash
    signature = member.key.sign_payload(Domain.BALLOT, payload).document()
    return await api.client.post(
        f"{API}/rounds/{rid}/ballots",
        json={**body, "signatures": [signature]},
        headers=member.headers,
    )


async def test_round_goes_to_ballot(api: Api) -> None:
    t = await territory(api)
    rid = await prepared_round(api, t)
    # Nothing in the manifest changes after the snapshot.
    assert_problem(
        await api.client.post(f"{API}/rounds/{rid}/snapshot", json={}, headers=t.facilitator),
        409,
        "round_phase",
    )
    assert_problem(
        await api.client.post(
            f"{API}/rounds/{rid}/submissions",
            json={"project_id": t.projects[0], "ask_eur": 10, "ask_hours": 0},
            headers=t.members[0].headers,
        ),
        409,
        "round_phase",
    )
    lines = [{"project_id": t.projects[1], "eur": 50_000, "hours": 0}]
    await post(api, f"/rounds/{rid}/proposals", {"lines": lines}, t.facilitator)
    late = await join(api, "Arrivée tardive")  # not on the roll frozen at the snapshot
    assert_problem(
        await api.client.post(
            f"{API}/rounds/{rid}/stances", json={"stance": "consent"}, headers=late.headers
        ),
        403,
        "not_on_roll",
    )
    objection = {
        "stance": "object",
        "target": {"kind": "omission", "project_id": t.projects[2]},
        "reason": "Le jardin a besoin de bras ce trimestre.",
    }
    await post(api, f"/rounds/{rid}/stances", objection, t.members[3].headers)
    shown = (await api.client.get(f"{API}/rounds/{rid}", headers=t.members[0].headers)).json()
    assert [s["reason"] for s in shown["stances"]] == [objection["reason"]]
    for member in t.members[:2]:
        await post(api, f"/rounds/{rid}/stances", {"stance": "consent"}, member.headers)
    # Not yet: the poll closes at its deadline, or once everyone took a stance.
    assert_problem(
        await api.client.post(f"{API}/rounds/{rid}/consent/close", json={}, headers=t.facilitator),
        422,
        "invalid_request",
    )
    set_now(api, START + timedelta(days=11))
    ballot = await post(api, f"/rounds/{rid}/consent/close", {}, t.facilitator)
    assert ballot["phase"] == "ballot"
    consent = ballot["consent"]
    assert consent["result"] == "ballot"
    # The line nobody objected to stays funded; the ballot shares out the rest.
    assert [k["project_id"] for k in consent["kept"]] == [t.projects[1]]
    assert sorted(consent["ballot_projects"]) == sorted([t.projects[0], t.projects[2]])
    assert consent["budget_eur_left"] == 50_000

    receipts = []
    for member, approvals in zip(
        t.members,
        [[t.projects[0]], [t.projects[0], t.projects[2]], [t.projects[2]], [t.projects[2]]],
        strict=True,
    ):
        answer = await cast(api, rid, member, approvals)
        assert answer.status_code == 201, answer.text
        receipts.append(answer.json())
    proof = await api.client.get(
        f"{API}/log/proofs/inclusion",
        params={"id": receipts[0]["ballot_id"]},
        headers=t.members[0].headers,
    )
    assert proof.status_code == 200, proof.text
    assert proof.json()["log_index"] == receipts[0]["log_index"]
    # Outside the roll, an unknown project, someone else's key: refused, nothing written.
    size = await api.log_size()
    assert_problem(await cast(api, rid, late, [t.projects[0]]), 403, "not_on_roll")
    assert_problem(await cast(api, rid, t.members[0], [t.projects[1]]), 422, "invalid_round")
    forged = {"id": str(uuid.uuid4()), "approvals": [t.projects[2]]}
    first = await api.client.post(
        f"{API}/rounds/{rid}/ballots", json=forged, headers=t.members[1].headers
    )
    payload = first.json()["signing_payload"]
    wrong = t.members[0].key.sign_payload(Domain.BALLOT, payload).document()
    assert_problem(
        await api.client.post(
            f"{API}/rounds/{rid}/ballots",
            json={**forged, "signatures": [wrong]},
            headers=t.members[1].headers,
        ),
        403,
        "signature_required",
    )
    assert await api.log_size() == size
    hidden = (await api.client.get(f"{API}/rounds/{rid}", headers=t.members[0].headers)).json()
    assert (hidden["ballots_cast"], hidden["reveals"]) == (4, [])
    # After the deadline: no more ballots; the close publishes and tallies them.
    set_now(api, START + timedelta(days=16))
    assert_problem(await cast(api, rid, t.members[0], [t.projects[2]]), 409, "deadline_passed")
    closed = await post(api, f"/rounds/{rid}/ballot/close", {}, t.facilitator)
    assert closed["phase"] == "decided"
    assert len(closed["reveals"]) == 4
    assert closed["tally_sha256"]
    funded = {ln["project_id"] for ln in closed["decision"]}
    assert t.projects[1] in funded  # kept by consent
    assert t.projects[2] in funded  # approved by three voters
    result = (await api.client.get(f"{API}/rounds/2027-Q1/result", headers=t.facilitator)).json()
    assert result["transcript"]["rule"] == "mes-add1-greedy"
    executed = await execute(api, rid)
    assert executed["phase"] == "executed"
    # An erased member's reason goes; the log keeps its hash and still verifies.
    erased = await api.client.delete(
        f"{API}/members/{t.members[3].id}/profile", headers=t.members[3].headers
    )
    assert erased.status_code == 204, erased.text
    shown = (await api.client.get(f"{API}/rounds/{rid}", headers=api.operator)).json()
    assert shown["stances"]
    assert all(s["reason"] is None for s in shown["stances"])
    await verified_export(api)


async def test_round_fails_quorum(api: Api) -> None:
    """Too few stances: undecided, and the fund and the pool stay as they were."""
    t = await territory(api)
    rid = await prepared_round(api, t, quorum=4)
    lines = [{"project_id": t.projects[1], "eur": 50_000, "hours": 0}]
    await post(api, f"/rounds/{rid}/proposals", {"lines": lines}, t.facilitator)
    await post(api, f"/rounds/{rid}/stances", {"stance": "consent"}, t.members[0].headers)
    set_now(api, START + timedelta(days=11))
    fund_before = await fund_balance(api)
    closed = await post(api, f"/rounds/{rid}/consent/close", {}, t.facilitator)
    assert (closed["phase"], closed["consent"]["quorum_met"]) == ("undecided", False)
    assert_problem(
        await api.client.post(f"{API}/rounds/{rid}/execution", json={}, headers=api.operator),
        409,
        "round_phase",
    )
    assert await fund_balance(api) == fund_before
    await verified_export(api)


async def test_pledges_made_after_the_decision_do_not_change_the_execution(api: Api) -> None:
    """The operator signs what the first, unsigned request composed; a resident pledging
    before the signed request arrives leaves that composition as it was, so the
    signatures still hold, and the new pledge stays in the pool."""
    t = await territory(api)
    rid = await prepared_round(api, t)
    await decided_by_consent(
        api, t, rid, [{"project_id": t.projects[0], "eur": 40_000, "hours": 600}]
    )
    first = await api.client.post(f"{API}/rounds/{rid}/execution", json={}, headers=api.operator)
    assert_problem(first, 422, "unsigned", "signatures")
    payloads = first.json().get("signing_payloads") or [first.json()["signing_payload"]]
    assert api.operator_key is not None
    signatures = {
        p["id"]: [api.operator_key.sign_payload(Domain.TRANSACTION, p).document()] for p in payloads
    }
    # Without the rule, the member now holding the most would be taken from first.
    late = t.members[-1]
    body = {"quarter": "2027-Q1", "minutes": 300}
    pledged = await signed_post(api, "/pledges", body, late.headers, late.key)
    assert pledged.status_code == 201, pledged.text
    done = await post(api, f"/rounds/{rid}/execution", {"signatures": signatures}, api.operator)
    assert done["phase"] == "executed"
    pool = await api.client.get(f"{API}/pledges/quarters/2027-Q1/pool", headers=api.operator)
    assert pool.json()["held"] == 600 * len(t.members) + 300 - 600
    shares = {m["member_id"]: m["held"] for m in pool.json()["items"]}
    assert shares[late.id] >= 300
    await verified_export(api)


async def test_execution_is_all_or_nothing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The write dies after the transactions' rows and before the round's: nothing of
    it is in the ledger; done again, all of it is."""
    t = await territory(api, voters=3)
    rid = await prepared_round(api, t)
    await decided_by_consent(
        api, t, rid, [{"project_id": t.projects[1], "eur": 50_000, "hours": 0}]
    )
    fund_before, size = await fund_balance(api), await api.log_size()

    async def crash(*_: Any) -> None:
        raise ConnectionResetError("killed midway")

    monkeypatch.setattr(journal_io, "_write_rounds", crash)
    first = await api.client.post(f"{API}/rounds/{rid}/execution", json={}, headers=api.operator)
    payload = first.json()["signing_payload"]
    assert api.operator_key is not None
    signatures = {
        payload["id"]: [api.operator_key.sign_payload(Domain.TRANSACTION, payload).document()]
    }
    failed = await api.client.post(
        f"{API}/rounds/{rid}/execution", json={"signatures": signatures}, headers=api.operator
    )
    assert failed.status_code >= 500, failed.text
    assert (await fund_balance(api), await api.log_size()) == (fund_before, size)
    state = (await api.client.get(f"{API}/rounds/{rid}", headers=api.operator)).json()
    assert state["phase"] == "decided"
    monkeypatch.undo()
    done = await post(api, f"/rounds/{rid}/execution", {"signatures": signatures}, api.operator)
    assert done["phase"] == "executed"
    assert await fund_balance(api) == fund_before - 50_000
    await verified_export(api)
