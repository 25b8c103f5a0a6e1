"""The tally's published test vectors (``contracts/vectors/tally``) hold for ``core/tally``:
each file's expected decision, transcript and hashes are what the code computes from
its input, and the set covers what contracts/tally.md promises it covers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.tally_vectors import VECTORS, expected, vectors


def _files() -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(VECTORS.glob("*.json"))]


@pytest.mark.parametrize("vector", _files(), ids=lambda v: str(v["name"]))
def test_vector_matches_the_tally(vector: dict[str, Any]) -> None:
    assert expected(vector["input"], vector["round"], vector["kept"]) == vector["expected"]


def test_the_files_are_the_generated_vectors() -> None:
    """No file edited by hand, none missing, none left over from an older set."""
    assert {v["name"]: v for v in _files()} == {v["name"]: v for v in vectors()}


def test_the_vectors_cover_each_rule_and_case() -> None:
    files = _files()
    rules = {v["input"]["rule"] for v in files}
    assert rules == {"mes-add1-greedy", "mes-add1", "mes", "greedy"}
    transcripts = [v["expected"]["transcript"] for v in files]
    reasons = {u["reason"] for t in transcripts for u in t["unfunded"]}
    assert {"exceeds_budget", "no_approvals", "budget_left_short", "supporters_short"} <= reasons
    assert any(step["tied"] for t in transcripts for step in t["mes"]["steps"])
    assert any(not v["input"]["ballots"] for v in files)
    assert any(s["part"] == "core+extension" for v in files for s in v["expected"]["selected"])
    assert any(v["input"]["conflicts"] for v in files)
    assert any(v["kept"] for v in files)
    # Both resources matter: some funded project asks for hours, some for euros only.
    selected = [s for v in files for s in v["expected"]["selected"]]
    assert any(s["hours"] and s["eur"] for s in selected)
    assert any(s["hours"] and not s["eur"] for s in selected)
