"""The tally's test vectors (``contracts/vectors/tally/*.json``): their inputs, and the
expected decision and hashes computed by ``core/tally``, never typed by hand.

The *tally input document* is the form ``contracts/tally.md`` specifies and the page's
``recount.js`` reads: ``rule``, ``seed`` (hex), ``share_step`` (``"p/q"`` or null),
``budget_eur``, ``budget_hours``, ``projects`` (``project``, ``ask_eur``, ``ask_hours``,
``min_eur``, ``min_hours``), ``ballots`` and ``conflicts`` (voter to project ids).

Regenerate the files after a deliberate change of the tally or its transcript with
``PYTHONPATH=src:. python -m tests.tally_vectors``; tests/test_tally_vectors.py fails on
any file that no longer matches what the code computes.
"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from fractions import Fraction
from pathlib import Path
from typing import Any
from uuid import UUID

from mutual.core.round_documents import Line, lines_document
from mutual.core.round_outcomes import decision_sha256
from mutual.core.tally import Rule, TallyInput, TallyParameters, TallyProject, tally
from mutual.core.tally_result import TallyResult, transcript_bytes, transcript_document

VECTORS = Path(__file__).resolve().parents[1] / "contracts" / "vectors" / "tally"


def input_document(data: TallyInput) -> dict[str, Any]:
    """A ``TallyInput`` as its JSON document (the tally starts every voter at 1/n)."""
    assert data.parameters.share_start is None, "the contract has no starting share"
    step = data.parameters.share_step
    return {
        "rule": str(data.parameters.rule),
        "seed": data.parameters.seed.hex(),
        "share_step": None if step is None else f"{step.numerator}/{step.denominator}",
        "budget_eur": data.budget_eur,
        "budget_hours": data.budget_hours,
        "projects": [
            {
                "project": p.project_id,
                "ask_eur": p.cost_eur,
                "ask_hours": p.cost_hours,
                "min_eur": p.min_eur,
                "min_hours": p.min_hours,
            }
            for p in data.projects
        ],
        "ballots": {voter: sorted(approved) for voter, approved in data.ballots.items()},
        "conflicts": {voter: sorted(c) for voter, c in data.conflicts.items()},
    }


def parse_input(doc: dict[str, Any]) -> TallyInput:
    step = doc["share_step"]
    return TallyInput(
        projects=tuple(
            TallyProject(p["project"], p["ask_eur"], p["ask_hours"], p["min_eur"], p["min_hours"])
            for p in doc["projects"]
        ),
        ballots={voter: frozenset(a) for voter, a in doc["ballots"].items()},
        budget_eur=doc["budget_eur"],
        budget_hours=doc["budget_hours"],
        parameters=TallyParameters(
            Rule(doc["rule"]),
            bytes.fromhex(doc["seed"]),
            None,
            None if step is None else Fraction(step),
        ),
        conflicts={voter: frozenset(c) for voter, c in doc["conflicts"].items()},
    )


def tally_sha256(result: TallyResult) -> str:
    return hashlib.sha256(transcript_bytes(result)).hexdigest()


def expected(doc: dict[str, Any], round_id: str, kept: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``core/tally`` makes of a vector's input: the decision and both hashes."""
    result = tally(parse_input(doc))
    digest = tally_sha256(result)
    funded = [Line(UUID(p.project_id), p.cost_eur, p.cost_hours) for p in result.selected]
    kept_lines = [Line(UUID(k["project"]), k["eur"], k["hours"]) for k in kept]
    decision = tuple(sorted(kept_lines + funded))
    return {
        "selected": [
            {"project": p.project_id, "part": p.part, "eur": p.cost_eur, "hours": p.cost_hours}
            for p in result.selected
        ],
        "decision": lines_document(decision),
        "tally_sha256": digest,
        "decision_sha256": decision_sha256(UUID(round_id), decision, digest),
        "transcript": transcript_document(result),
    }


# --- The vectors ---------------------------------------------------------------------


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://mutual.invalid/tally-vectors/{name}"))


def _project(
    name: str, eur: int, hours: int, min_eur: int | None = None, min_hours: int | None = None
) -> dict[str, Any]:
    return {
        "project": _id(name),
        "ask_eur": eur,
        "ask_hours": hours,
        "min_eur": min_eur,
        "min_hours": min_hours,
    }


def _input(
    rule: str,
    projects: list[dict[str, Any]],
    ballots: dict[str, list[str]],
    budget_eur: int,
    budget_hours: int,
    *,
    conflicts: dict[str, list[str]] | None = None,
    seed: str = "2027-Q1",
) -> dict[str, Any]:
    add1 = rule in ("mes-add1", "mes-add1-greedy")
    return {
        "rule": rule,
        "seed": hashlib.sha256(seed.encode()).hexdigest(),
        "share_step": "1/1000" if add1 else None,
        "budget_eur": budget_eur,
        "budget_hours": budget_hours,
        "projects": sorted(projects, key=lambda p: p["project"]),
        "ballots": {_id(v): sorted(_id(p) for p in a) for v, a in ballots.items()},
        "conflicts": {_id(v): sorted(_id(p) for p in c) for v, c in (conflicts or {}).items()},
    }


def _cases() -> list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
    """(name, description, input, kept lines)."""
    garden = _project("garden", 30_000, 600)
    repair = _project("repair", 50_000, 0)
    bikes = _project("bikes", 40_000, 300)
    three = [garden, repair, bikes]
    votes = {
        "awa": ["garden", "bikes"],
        "bruno": ["repair", "bikes"],
        "chloe": ["bikes"],
        "dan": ["garden"],
        "eve": ["repair", "garden"],
    }
    twins = [_project("twin-a", 10_000, 60), _project("twin-b", 10_000, 60)]
    twin_votes = {"v1": ["twin-a", "twin-b"], "v2": ["twin-a", "twin-b"]}
    kept = [{"project": _id("kept"), "eur": 5_000, "hours": 120}]
    return [
        (
            "greedy-two-resources",
            "Greedy by approvals over euros and hours; the hours run out first.",
            _input("greedy", three, votes, 80_000, 800),
            [],
        ),
        (
            "mes-two-resources",
            "Equal Shares alone: the scarcer resource sets each voter's capacity.",
            _input("mes", three, votes, 100_000, 900),
            [],
        ),
        (
            "mes-add1",
            "Add1 completion raises the starting share by 1/1000 until exhaustive.",
            _input("mes-add1", three, votes, 100_000, 900),
            [],
        ),
        (
            "mes-add1-greedy-kept",
            "Add1 then greedy completion; the consent poll kept one line, in the decision.",
            _input("mes-add1-greedy", three, votes, 95_000, 900),
            kept,
        ),
        (
            "above-budget",
            "A project asking more than the whole budget is never funded (exceeds_budget).",
            _input(
                "mes-add1-greedy",
                [*three, _project("stadium", 500_000, 0)],
                {**votes, "fan": ["stadium"], "awa": ["garden", "bikes", "stadium"]},
                100_000,
                900,
            ),
            [],
        ),
        (
            "minimum-core-extension",
            "A project with a minimum is a core and an extension; hours-only projects too.",
            _input(
                "mes-add1-greedy",
                [
                    _project("hall", 60_000, 600, 20_000, 200),
                    _project("choir", 0, 300),
                    _project("library", 25_000, 0, 10_000, None),
                ],
                {
                    "awa": ["hall", "choir"],
                    "bruno": ["hall"],
                    "chloe": ["library", "choir"],
                    "dan": ["library", "hall"],
                },
                70_000,
                700,
            ),
            [],
        ),
        (
            "ties-by-seed",
            "Two identical projects only one of which fits: the seed's hash decides.",
            _input("mes-add1-greedy", twins, twin_votes, 15_000, 100),
            [],
        ),
        (
            "ties-by-seed-greedy",
            "The same tie under greedy with another seed.",
            _input("greedy", twins, twin_votes, 15_000, 100, seed="another seed"),
            [],
        ),
        (
            "conflicts",
            "Every approver of one project leads it: Equal Shares cannot buy it, greedy can.",
            _input(
                "mes-add1-greedy",
                three,
                {**votes, "chloe": ["bikes", "garden"]},
                90_000,
                900,
                conflicts={"awa": ["garden"], "dan": ["garden"], "eve": ["garden"]},
            ),
            [],
        ),
        (
            "empty-ballot-box",
            "No ballot at all: nothing is funded, every project has no_approvals.",
            _input("mes-add1-greedy", three, {}, 100_000, 900),
            kept,
        ),
        (
            "empty-ballots",
            "Ballots that approve nothing count in n but fund nothing.",
            _input("mes", three, {"awa": [], "bruno": ["repair"], "chloe": []}, 100_000, 900),
            [],
        ),
    ]


def vectors() -> list[dict[str, Any]]:
    found = []
    for name, description, doc, kept in _cases():
        round_id = _id(f"round/{name}")
        found.append(
            {
                "name": name,
                "description": description,
                "input": doc,
                "round": round_id,
                "kept": kept,
                "expected": expected(doc, round_id, kept),
            }
        )
    return found


def write() -> None:
    VECTORS.mkdir(parents=True, exist_ok=True)
    for vector in vectors():
        text = json.dumps(vector, indent=1, ensure_ascii=False) + "\n"
        (VECTORS / f"{vector['name']}.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write()
    sys.exit(0)
