"""Coordination groups, on SQLite and PostgreSQL: each change a log entry signed by the log
key and checked by the one fold; a round's roll frozen from the city group's
representatives at its snapshot (a mandate ended before it, or begun after it, gives no
vote); the group entries verified offline with a rewritten one caught; a raw write that
breaks a group rule refused with nothing written."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from mutual.core.authority import Principal, Role
from mutual.core.entries import EntryType
from mutual.core.groups import GroupAction, GroupEntry, GroupKind, group_payload
from mutual.core.ids import PrincipalId
from mutual.core.round_documents import parse_config, parse_manifest
from mutual.core.round_entries import RoundError
from mutual.core.signing import Domain
from mutual.store import ledger_reads
from mutual.store.journal import GroupWrite
from mutual.store.tables import group_entries
from mutual.usecases import groups as group_usecase
from mutual.usecases.runtime import Runtime
from tests.test_api import API, Api, assert_problem
from tests.test_projects import api
from tests.test_rounds import (
    START,
    Territory,
    execute,
    post,
    round_body,
    set_now,
    territory,
)
from tests.test_tampering import entry_of, first_index, kinds, rewrite
from tests.test_tampering import verify as verify_lines
from tests.test_timebank import join, verified_export

__all__ = ["api"]

COORDINATOR = Principal(PrincipalId(uuid.UUID(int=1)), frozenset({Role.OPERATOR}))


async def group(api: Api, kind: str, name: str, **extra: Any) -> str:
    created = await post(api, "/groups", {"kind": kind, "name": name} | extra, api.operator)
    assert created["kind"] == kind
    group_id: str = created["id"]
    return group_id


async def submitted_and_snapshot(api: Api, t: Territory, rid: str) -> dict[str, Any]:
    for project, lead in zip(t.projects, t.members, strict=False):
        body = {"project_id": project, "ask_eur": 20_000, "ask_hours": 0}
        await post(api, f"/rounds/{rid}/submissions", body, lead.headers)
    snap: dict[str, Any] = await post(api, f"/rounds/{rid}/snapshot", {}, t.facilitator)
    return snap


async def test_the_roll_is_the_city_group_s_representatives_at_the_snapshot(api: Api) -> None:
    t = await territory(api, voters=5)
    m = t.members
    city = await group(api, "city", "Groupe de coordination de la ville")
    food = await group(api, "life_slice", "Alimentation", neighbourhood="Bourtzwiller")
    for member in m:
        await post(api, f"/groups/{food}/members", {"member_id": member.id}, api.operator)
    for member in m[:3]:
        await post(api, f"/groups/{food}/representatives", {"member_id": member.id}, api.operator)
    # A representative leaves only once their mandate ended.
    assert_problem(
        await api.client.delete(f"{API}/groups/{food}/members/{m[2].id}", headers=api.operator),
        409,
        "group_rule",
        "member",
    )
    set_now(api, START + timedelta(hours=1))
    ended = await api.client.delete(
        f"{API}/groups/{food}/representatives/{m[2].id}", headers=api.operator
    )
    assert ended.status_code == 200, ended.text
    mandates = {r["member_id"]: r for r in ended.json()["representatives"]}
    assert mandates[m[2].id]["until"] is not None
    assert mandates[m[0].id]["until"] is None
    assert mandates[m[2].id]["since_index"] < mandates[m[2].id]["until_index"]
    seen = (await api.client.get(f"{API}/groups/{city}", headers=m[4].headers)).json()
    assert {r["member_id"] for r in seen["representatives"] if r["until"] is None} == {
        m[0].id,
        m[1].id,
    }
    # A member's leaving is dated; a second leaving is refused.
    left = await api.client.delete(f"{API}/groups/{food}/members/{m[4].id}", headers=api.operator)
    assert left.status_code == 200, left.text
    assert m[4].id not in left.json()["members"]
    assert_problem(
        await api.client.delete(f"{API}/groups/{food}/members/{m[4].id}", headers=api.operator),
        409,
        "group_rule",
    )

    # Drafted without a roll once a city group exists: its representatives vote.
    created = await post(api, "/rounds", round_body(quorum=1), t.facilitator)
    rid = created["id"]
    assert (created["roll_source"], created["roll_group"]) == ("representatives", city)
    snap = await submitted_and_snapshot(api, t, rid)
    assert snap["manifest"]["voters"] == sorted([m[0].id, m[1].id])
    # Appointed after the snapshot: not on the roll either.
    await post(api, f"/groups/{food}/representatives", {"member_id": m[3].id}, api.operator)
    lines = [{"project_id": t.projects[0], "eur": 20_000, "hours": 0}]
    await post(api, f"/rounds/{rid}/proposals", {"lines": lines}, t.facilitator)
    for outsider in (m[2], m[3]):
        assert_problem(
            await api.client.post(
                f"{API}/rounds/{rid}/stances", json={"stance": "consent"}, headers=outsider.headers
            ),
            403,
            "not_on_roll",
        )
    await post(api, f"/rounds/{rid}/stances", {"stance": "consent"}, m[0].headers)

    # Offline: the group entries verify; one rewritten under the log key (the mandate
    # that ended is another's) contradicts the roll the snapshot froze.
    exported = await verified_export(api)
    assert api.runtime is not None
    rt = api.runtime
    snapshot, _ = entry_of(exported, lambda e: e["payload"].get("kind") == "snapshot")
    ending, _ = entry_of(
        exported, lambda e: e["type"] == "group" and e["payload"]["action"] == "mandate_ended"
    )

    def another_ended(payload: Any) -> None:
        payload["body"]["member"] = m[1].id

    findings = verify_lines(rt, rewrite(rt, exported, ending, another_ended))
    # (The round's later steps then follow a snapshot the fold refused: found too.)
    assert (findings[0].log_index, findings[0].kind) == (snapshot, "roll_mismatch"), findings
    # Changed without the log key: its signature fails at its own index.
    tampered = [
        line.replace(m[2].id, m[1].id) if f'"index":{ending},' in line else line
        for line in exported
    ]
    assert tampered != exported
    findings = verify_lines(rt, tampered)
    assert first_index(findings) == ending, findings
    assert "invalid_signature" in kinds(findings), findings


async def test_a_round_may_name_a_group_s_members_or_every_active_member(api: Api) -> None:
    t = await territory(api, voters=4)
    await group(api, "city", "Ville")
    garden = await group(api, "resource", "Jardins")
    for member in t.members[1:3]:
        await post(api, f"/groups/{garden}/members", {"member_id": member.id}, api.operator)
    # Representatives sit in the city group only.
    wrong = round_body(roll={"source": "representatives", "group_id": garden})
    assert_problem(
        await api.client.post(f"{API}/rounds", json=wrong, headers=t.facilitator),
        409,
        "group_rule",
        "roll.group",
    )
    roll = {"source": "members", "group_id": garden}
    created = await post(api, "/rounds", round_body(roll=roll), t.facilitator)
    snap = await submitted_and_snapshot(api, t, created["id"])
    assert snap["manifest"]["voters"] == sorted(m.id for m in t.members[1:3])
    everyone = {"source": "all_members", "group_id": None}
    body = round_body(label="2027-Q1 bis", roll=everyone)
    created = await post(api, "/rounds", body, t.facilitator)
    assert created["roll_source"] == "all_members"
    snap = await submitted_and_snapshot(api, t, created["id"])
    assert snap["manifest"]["voters"] == sorted(m.id for m in t.members)
    await verified_export(api)


async def test_a_neighbourhood_round_has_its_own_budget_and_its_group_votes(api: Api) -> None:
    t = await territory(api, voters=4)
    m = t.members
    await group(api, "city", "Ville")
    food = await group(api, "life_slice", "Alimentation")
    bourtzwiller = await group(api, "neighbourhood", "Bourtzwiller", neighbourhood="Bourtzwiller")
    for member in m[1:3]:
        await post(api, f"/groups/{bourtzwiller}/members", {"member_id": member.id}, api.operator)
    own = {"group_id": bourtzwiller, "budget_eur": 30_000}
    assert_problem(
        await api.client.post(
            f"{API}/rounds",
            json=round_body(neighbourhood=own | {"group_id": food}),
            headers=t.facilitator,
        ),
        409,
        "group_rule",
        "neighbourhood.group",
    )
    created = await post(api, "/rounds", round_body(quorum=2, neighbourhood=own), t.facilitator)
    rid = created["id"]
    assert (created["neighbourhood_group"], created["neighbourhood_budget_eur"]) == (
        bourtzwiller,
        30_000,
    )
    assert (created["roll_source"], created["roll_group"]) == ("members", bourtzwiller)
    snap = await submitted_and_snapshot(api, t, rid)
    # The fund holds 1,000 euros; the neighbourhood's round allocates its own 300.
    assert snap["manifest"]["budget_eur"] == 30_000
    assert snap["manifest"]["voters"] == sorted(x.id for x in m[1:3])
    both = [{"project_id": p, "eur": 20_000, "hours": 0} for p in sorted(t.projects[:2])]
    assert_problem(
        await api.client.post(
            f"{API}/rounds/{rid}/proposals", json={"lines": both}, headers=t.facilitator
        ),
        422,
        "infeasible_allocation",
    )
    await post(api, f"/rounds/{rid}/proposals", {"lines": both[:1]}, t.facilitator)
    for voter in m[1:3]:
        await post(api, f"/rounds/{rid}/stances", {"stance": "consent"}, voter.headers)
    closed = await post(api, f"/rounds/{rid}/consent/close", {}, t.facilitator)
    assert closed["phase"] == "decided"
    executed = await execute(api, rid)
    assert executed["phase"] == "executed"
    exported = await verified_export(api)

    # A snapshot rewritten under the log key to allocate more than the neighbourhood's
    # own budget is refused offline.
    assert api.runtime is not None
    rt = api.runtime
    snapshot, _ = entry_of(exported, lambda e: e["payload"].get("kind") == "snapshot")

    def richer(payload: Any) -> None:
        body = payload["body"]
        body["manifest"]["budget_eur"] = 100_000
        body["manifest_sha256"] = parse_manifest(body["manifest"]).sha256

    findings = verify_lines(rt, rewrite(rt, exported, snapshot, richer))
    assert (findings[0].log_index, findings[0].kind) == (snapshot, "infeasible_allocation")


async def test_only_coordinators_change_groups_and_a_representative_is_a_member(api: Api) -> None:
    resident = await join(api, "Habitante")
    assert_problem(
        await api.client.post(
            f"{API}/groups", json={"kind": "city", "name": "Ville"}, headers=resident.headers
        ),
        403,
        "not_authorised",
    )
    food = await group(api, "life_slice", "Alimentation")
    # No city group yet: nobody can be appointed to it.
    assert_problem(
        await api.client.post(
            f"{API}/groups/{food}/representatives",
            json={"member_id": resident.id},
            headers=api.operator,
        ),
        409,
        "group_rule",
        "city",
    )
    await group(api, "city", "Ville")
    assert_problem(
        await api.client.post(
            f"{API}/groups", json={"kind": "city", "name": "Autre ville"}, headers=api.operator
        ),
        409,
        "group_rule",
        "kind",
    )
    assert_problem(
        await api.client.post(
            f"{API}/groups/{food}/representatives",
            json={"member_id": resident.id},
            headers=api.operator,
        ),
        409,
        "group_rule",
        "member",
    )
    listed = await api.client.get(f"{API}/groups", headers=resident.headers)
    assert [g["name"] for g in listed.json()["items"]] == ["Alimentation", "Ville"]
    missing = await api.client.get(f"{API}/groups/{uuid.uuid4()}", headers=resident.headers)
    assert_problem(missing, 404, "not_found")


def _write(rt: Runtime, entry: GroupEntry) -> GroupWrite:
    log_entry, digest = rt.log.sign_entry(
        Domain.GROUP, EntryType.GROUP, group_payload(rt.log.origin, entry)
    )
    return GroupWrite(entry, digest, log_entry)


async def _written(rt: Runtime) -> tuple[int, int]:
    """The log's size and the count of group entries indexed."""
    async with rt.db.reading() as conn:
        rows = (await conn.execute(select(func.count()).select_from(group_entries))).scalar_one()
    return await ledger_reads.tree_size(rt.db), int(rows)


async def test_a_raw_write_breaking_a_group_rule_is_refused_with_nothing_written(
    runtime: Runtime,
) -> None:
    rt = runtime
    food = await group_usecase.create_group(
        rt, COORDINATOR, GroupKind.LIFE_SLICE, "Alimentation", None, group_id=None
    )
    city = await group_usecase.create_group(
        rt, COORDINATOR, GroupKind.CITY, "Ville", None, group_id=None
    )
    outsider = uuid.uuid4()
    now = rt.clock()
    raw = [
        # Leaving a group one is not in; representing a group one is not a member of;
        # ending a mandate that is not open; a member joining a group that does not exist.
        (GroupAction.MEMBER_LEFT, food.id, {"member": str(outsider)}),
        (
            GroupAction.REPRESENTATIVE_APPOINTED,
            food.id,
            {"member": str(outsider), "city": str(city.id)},
        ),
        (GroupAction.MANDATE_ENDED, food.id, {"member": str(outsider), "city": str(city.id)}),
        (GroupAction.MEMBER_JOINED, uuid.uuid4(), {"member": str(outsider)}),
        # The city group represented in itself.
        (
            GroupAction.REPRESENTATIVE_APPOINTED,
            city.id,
            {"member": str(outsider), "city": str(city.id)},
        ),
    ]
    before = await _written(rt)
    for action, group_id, body in raw:
        entry = GroupEntry(uuid.uuid4(), group_id, action, COORDINATOR.id, now, body)
        [outcome] = await rt.journal.submit([_write(rt, entry)], atomic=True, recorded_at=now)
        assert not outcome.accepted
        assert outcome.body["code"] == "group_rule", outcome.body
    assert await _written(rt) == before
    assert before[1] == 2
    # An atomic batch with one good change and one broken: neither is written.
    good = GroupEntry(
        uuid.uuid4(),
        food.id,
        GroupAction.MEMBER_JOINED,
        COORDINATOR.id,
        now,
        {"member": str(outsider)},
    )
    bad = GroupEntry(
        uuid.uuid4(),
        food.id,
        GroupAction.MEMBER_JOINED,
        COORDINATOR.id,
        now,
        {"member": str(outsider)},
    )
    outcomes = await rt.journal.submit(
        [_write(rt, good), _write(rt, bad)], atomic=True, recorded_at=now
    )
    assert [o.body["code"] for o in outcomes] == ["batch_aborted", "group_rule"]
    assert await _written(rt) == before
    assert (await group_usecase.get_group(rt, food.id)).members() == ()


def test_a_draft_without_a_roll_keeps_its_bytes_and_names_every_active_member() -> None:
    """Rounds drafted before groups: their parameters parse to no roll (every active
    member) and back to the same document, so their entries verify as they did."""
    legacy = {
        "label": "2026-Q4",
        "quarter": "2026-Q4",
        "rule": "greedy",
        "seed": "ab" * 32,
        "share_step": None,
        "quorum": 1,
        "proposals_close": "2026-10-05T09:00:00.000000Z",
        "consent_close": "2026-10-10T09:00:00.000000Z",
        "ballot_close": "2026-10-15T09:00:00.000000Z",
        "max_amendments": 2,
        "approvals_min": 0,
        "approvals_max": None,
    }
    config = parse_config(legacy)
    assert (config.roll, config.neighbourhood) == (None, None)
    assert config.document() == legacy
    city = str(uuid.uuid4())
    named = legacy | {"roll": {"source": "representatives", "group": city}}
    assert parse_config(named).document() == named
    for wrong in (
        {"source": "all_members", "group": city},
        {"source": "members", "group": None},
        {"source": "everyone", "group": None},
    ):
        with pytest.raises(RoundError):
            parse_config(legacy | {"roll": wrong})
