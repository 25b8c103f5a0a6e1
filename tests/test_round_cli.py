"""``mutual tally``: a round recounted from an export alone, on SQLite and PostgreSQL; a
changed reveal is caught by ``mutual verify`` and ``mutual tally``; the ballot's money
side as a Pabulib file selects, in pabutools, what the round funded."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from mutual.cli.main import cli
from mutual.core.notes import format_verifier_key
from mutual.core.pabulib import PbFile, parse_pb
from mutual.core.tally import Rule
from tests.test_api import Api
from tests.test_pabulib import pabutools_selection
from tests.test_projects import api
from tests.test_rounds import (
    START,
    Territory,
    cast,
    execute,
    post,
    prepared_round,
    round_body,
    set_now,
    territory,
)
from tests.test_timebank import verified_export

__all__ = ["api"]


def log_key(api: Api) -> str:
    assert api.runtime is not None
    return format_verifier_key(api.runtime.log.verifier_key)


async def exported(api: Api, path: Path) -> Path:
    return written(path, await verified_export(api))


def written(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines))  # each line ends with its newline
    return path


def read_pb(path: Path) -> PbFile:
    return parse_pb(path.read_text())


def change_a_reveal(export: Path, projects: list[str]) -> int:
    """Give the first reveal of the ballot close other approvals (still open to the
    ballot); the entry's log index."""
    text = export.read_text().splitlines(keepends=True)
    n = next(i for i, line in enumerate(text) if '"kind":"ballot_closed"' in line)
    doc = json.loads(text[n])
    reveal = doc["entry"]["payload"]["body"]["reveals"][0]
    reveal["approvals"] = [p for p in projects if [p] != reveal["approvals"]][:1]
    text[n] = json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    export.write_text("".join(text))
    index: int = doc["index"]
    return index


def tally(export: Path, key: str, round_key: str, *extra: str) -> Result:
    return CliRunner().invoke(
        cli, ["tally", str(export), "--round", round_key, "--log-key", key, "--jobs", "0", *extra]
    )


async def to_ballot(api: Api, t: Territory, rid: str, objection: dict[str, Any]) -> None:
    """The fourth member objects, two consent; the poll closes at its deadline."""
    await post(api, f"/rounds/{rid}/stances", objection, t.members[3].headers)
    for member in t.members[:2]:
        await post(api, f"/rounds/{rid}/stances", {"stance": "consent"}, member.headers)
    set_now(api, START + timedelta(days=11))
    closed = await post(api, f"/rounds/{rid}/consent/close", {}, t.facilitator)
    assert closed["phase"] == "ballot"


async def voted_round(api: Api, t: Territory) -> str:
    """A round taken to a ballot (one funded line; an objection to an omitted project),
    every member's approvals cast; the ballot still open."""
    rid = await prepared_round(api, t)
    lines = [{"project_id": t.projects[1], "eur": 50_000, "hours": 0}]
    await post(api, f"/rounds/{rid}/proposals", {"lines": lines}, t.facilitator)
    omission = {
        "stance": "object",
        "target": {"kind": "omission", "project_id": t.projects[2]},
        "reason": "Le jardin a besoin de bras ce trimestre.",
    }
    await to_ballot(api, t, rid, omission)
    p0, p2 = t.projects[0], t.projects[2]
    for member, approvals in zip(t.members, [[p0], [p0, p2], [p2], [p2]], strict=True):
        assert (await cast(api, rid, member, approvals)).status_code == 201
    return rid


async def test_tally_recounts_a_round_and_catches_a_changed_reveal(
    api: Api, tmp_path: Path
) -> None:
    """Open, then decided and executed: by label or id the recount matches and prints
    the decision; once a published reveal is changed, verify and tally both fail."""
    t = await territory(api)
    rid = await voted_round(api, t)
    p0, p2 = t.projects[0], t.projects[2]
    key = log_key(api)
    # While the ballot is open: the consent outcome recounts, the ballots stay hidden,
    # and there is no money side to write yet.
    voting = await exported(api, tmp_path / "voting.ndjson")
    open_ballot = tally(voting, key, "2027-Q1")
    assert open_ballot.exit_code == 0, open_ballot.output
    assert "phase: ballot" in open_ballot.output
    assert "4 ballots cast, hidden until it closes" in open_ballot.output
    assert open_ballot.output.splitlines()[-1] == "match"
    refused = tally(voting, key, "2027-Q1", "--pb", str(tmp_path / "early.pb"))
    assert (refused.exit_code, "no closed ballot" in refused.output) == (2, True)
    unknown = tally(voting, key, str(uuid.uuid4()))
    assert (unknown.exit_code, "no round" in unknown.output) == (1, True)

    set_now(api, START + timedelta(days=16))
    closed = await post(api, f"/rounds/{rid}/ballot/close", {}, t.facilitator)
    await execute(api, rid)
    export = await exported(api, tmp_path / "export.ndjson")

    pb = tmp_path / "round.pb"
    for round_key in ("2027-Q1", rid):
        ok = tally(export, key, round_key, "--pb", str(pb))
        assert ok.exit_code == 0, ok.output
        assert ok.output.splitlines()[-1] == "match"
        assert "phase: executed" in ok.output
        for line in closed["decision"]:
            assert f"  {line['project_id']}  {line['eur']} cents  {line['hours']} min" in ok.output
        assert f"recomputed: the tally of 4 revealed ballots: {closed['tally_sha256']}" in ok.output
    # The money side: the euros the consent left, the projects asking euros (the one
    # asking hours only is not in it), every ballot (an hours-only one empty).
    money = read_pb(pb)
    assert money.meta_value("budget") == "50000"
    assert money.meta_value("vote_type") == "approval"
    assert [r[:2] for r in money.projects.rows] == [(p0, "60000")]
    assert sorted(r[1] for r in money.votes.rows) == ["", "", p0, p0]

    # One reveal changed after the fact: it no longer opens its ballot's commitment.
    index = change_a_reveal(export, [p0, p2])
    checked = CliRunner().invoke(cli, ["verify", str(export), "--log-key", key, "--jobs", "0"])
    assert checked.exit_code == 1
    assert checked.output.startswith(f"log index {index} "), checked.output
    bad = tally(export, key, "2027-Q1")
    assert bad.exit_code == 1, bad.output
    assert bad.output.splitlines()[-1] == "mismatch"
    assert "phase: ballot" in bad.output  # the close and the execution after it are refused
    assert "the reveal does not open its ballot's commitment" in bad.output
    assert f"finding: log index {index} " in bad.output
    # Without --log-key the export's own key is used: the changed reveal still shows.
    unkeyed = CliRunner().invoke(cli, ["tally", str(export), "--round", rid, "--jobs", "0"])
    assert unkeyed.exit_code == 1
    assert "does not open its ballot's commitment" in unkeyed.output


async def test_the_money_side_selects_in_pabutools_what_the_round_funded(
    api: Api, tmp_path: Path
) -> None:
    """A ballot over euros only, and no voter approving a project they lead: pabutools
    on the .pb file funds exactly the projects the round's tally funded. The Add1 step
    is one cent per voter, as pabutools' increment of one currency unit."""
    t = await territory(api)
    created = await post(
        api, "/rounds", round_body(label="Euros", share_step="1/100000"), t.facilitator
    )
    rid = created["id"]
    for project, lead, cents in zip(
        t.projects, t.members[:3], (60_000, 50_000, 30_000), strict=True
    ):
        ask = {"project_id": project, "ask_eur": cents, "ask_hours": 0}
        await post(api, f"/rounds/{rid}/submissions", ask, lead.headers)
    await post(api, f"/rounds/{rid}/snapshot", {}, t.facilitator)
    p0, p1, p2 = t.projects
    lines = [{"project_id": p0, "eur": 60_000, "hours": 0}]
    await post(api, f"/rounds/{rid}/proposals", {"lines": lines}, t.facilitator)
    objection = {
        "stance": "object",
        "target": {"kind": "line", "project_id": p0},
        "reason": "Tout le budget pour un seul projet ?",
    }
    await to_ballot(api, t, rid, objection)
    choices = [[p1, p2], [p0, p2], [p0], [p0, p2]]  # the leads of p0, p1, p2, then one more
    for member, approvals in zip(t.members, choices, strict=True):
        assert (await cast(api, rid, member, approvals)).status_code == 201
    set_now(api, START + timedelta(days=16))
    closed = await post(api, f"/rounds/{rid}/ballot/close", {}, t.facilitator)
    funded = {line["project_id"] for line in closed["decision"]}
    assert funded == {p0, p2}  # the ballot leaves a choice: not everything fits

    export = await exported(api, tmp_path / "export.ndjson")
    pb = tmp_path / "euros.pb"
    ok = tally(export, log_key(api), "Euros", "--pb", str(pb))
    assert ok.exit_code == 0, ok.output
    money = read_pb(pb)
    assert money.meta_value("budget") == "100000"
    assert sorted(r[:2] for r in money.projects.rows) == sorted(
        [(p0, "60000"), (p1, "50000"), (p2, "30000")]
    )
    assert pabutools_selection(pb, Rule.MES_ADD1_GREEDY) == funded
    # And the round's own rule on the file alone, as anyone can run it.
    again = CliRunner().invoke(cli, ["tally-pb", str(pb), "--rule", "mes-add1-greedy"])
    assert set(again.output.splitlines()[:-1]) == funded
