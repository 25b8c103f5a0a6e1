"""Round benchmark: a whole allocation round folded, with 1,000 ballots revealed and tallied.

    .venv/bin/python -m load_tests.bench_round [--voters 1000] [--projects 200] [--seed 7]
        [--rules mes-add1-greedy,mes,greedy]

The projects, asks, budgets and approvals are ``bench_tally``'s (``make_input``), made
into a round of ``core/round_entries.py`` entries: the draft, one submission per project (leads
off the roll, so no conflicts, as in ``bench_tally``), the snapshot, an empty proposal, a
stance from every voter (one objects to an omission, so every project goes to the
ballot with the whole budgets), the consent poll's close, a ballot from every voter (a
salted commitment) and the ballot's close with every reveal. Per rule it prints:

- ``close``: building the closing body (``ballot_outcome``: the reveals and the tally);
- ``tally``: the tally alone, on the same input;
- ``fold``: folding the whole round as the verifier does (every step re-checked, every
  commitment reopened, the consent outcome and the tally recomputed and compared);
- ``parse``: reading every entry back from its RFC 8785 payload (``parse_entry_payload``);
- ``peak``: the fold's peak traced memory (``tracemalloc``, in a separate run: tracing
  slows Python down, so the seconds above are untraced).

Each rule runs its tally four times (close, tally, fold, traced fold): about 2.5 minutes
on a 2-core VM, nearly all of it Add1; ``--rules mes,greedy`` for a quick run. A figure,
not an assertion; not run by the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import rfc8785

from load_tests.bench_tally import make_input
from mutual.core.derived import named_client_id
from mutual.core.round_documents import CONFIG_FIELDS
from mutual.core.round_entries import (
    ACTS,
    Kind,
    RoundEntry,
    ballot_commitment,
    entry_payload,
    parse_entry_payload,
    sha256_hex,
    timestamp,
)
from mutual.core.round_outcomes import ballot_outcome, consent_outcome, tally_input
from mutual.core.round_state import Reveal
from mutual.core.rounds import fold
from mutual.core.tally import Rule, TallyInput, tally

NAMESPACE = uuid.UUID("6f1d3c2a-0b5e-4c71-9a43-2d8e5f7b1c90")
ORIGIN = "bench.mutual/round"
T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
T = TypeVar("T")


def _id(name: str) -> uuid.UUID:
    return named_client_id(f"{NAMESPACE}/{name}")


class _Chain:
    """Entries as the writer makes them: each names the head; a phase entry counts its acts."""

    def __init__(self, round_id: uuid.UUID) -> None:
        self.round_id = round_id
        self.entries: list[RoundEntry] = []
        self.head: uuid.UUID | None = None
        self.acts = 0

    def add(self, kind: Kind, by: uuid.UUID, at: datetime, body: dict[str, Any]) -> RoundEntry:
        entry_id = self.round_id if kind is Kind.DRAFT else _id(f"entry {len(self.entries)}")
        acts = None if kind in ACTS else self.acts
        entry = RoundEntry(entry_id, self.round_id, kind, by, self.head, acts, at, body)
        self.entries.append(entry)
        if kind in ACTS:
            self.acts += 1
        else:
            self.head, self.acts = entry_id, 0
        return entry


def build_round(data: TallyInput, rule: Rule) -> tuple[list[RoundEntry], list[Reveal]]:
    """Every entry of the round up to, not including, the ballot's close; and the reveals."""
    facilitator = _id("facilitator")
    projects = {p.project_id: _id(p.project_id) for p in data.projects}
    voters = {v: _id(v) for v in data.ballots}
    step = data.parameters.share_step
    day = timedelta(days=1)
    config: dict[str, Any] = {
        "label": f"bench {rule.value}",
        "quarter": "2027-Q1",
        "rule": rule.value,
        "seed": hashlib.sha256(b"bench").hexdigest(),
        "share_step": None if step is None else f"{step.numerator}/{step.denominator}",
        "quorum": max(1, len(voters) // 10),
        "proposals_close": timestamp(T0 + 7 * day),
        "consent_close": timestamp(T0 + 14 * day),
        "ballot_close": timestamp(T0 + 21 * day),
        "max_amendments": 0,
        "approvals_min": 0,
        "approvals_max": None,
    }
    chain = _Chain(_id(f"round {rule.value}"))
    chain.add(Kind.DRAFT, facilitator, T0, {name: config[name] for name in CONFIG_FIELDS})
    submissions = []
    for p in sorted(data.projects, key=lambda p: projects[p.project_id]):
        submission = {
            "project": str(projects[p.project_id]),
            "group": f"group {p.project_id}",
            "lead": str(_id(f"lead {p.project_id}")),
            "ask_eur": p.cost_eur,
            "ask_hours": p.cost_hours,
            "min_eur": p.min_eur,
            "min_hours": p.min_hours,
            "conflicts": [],
        }
        submissions.append(submission)
        chain.add(Kind.SUBMISSION, _id(f"lead {p.project_id}"), T0 + day, submission)
    manifest = {
        "voters": sorted(str(v) for v in voters.values()),
        "budget_eur": data.budget_eur,
        "budget_hours": data.budget_hours,
        "projects": submissions,
        "checkpoint": {"tree_size": 1_000_000, "root": "AAAA"},
    }
    manifest_sha256 = sha256_hex(manifest)
    body = {"manifest": manifest, "manifest_sha256": manifest_sha256}
    chain.add(Kind.SNAPSHOT, facilitator, T0 + 7 * day, body)
    chain.add(Kind.PROPOSAL, facilitator, T0 + 8 * day, {"version": 1, "lines": []})
    first = submissions[0]["project"]
    for index, voter in enumerate(sorted(voters.values())):
        stance: dict[str, Any] = {"stance": "consent", "target": None, "reason_sha256": None}
        if index == 0:
            stance = {
                "stance": "object",
                "target": {"kind": "omission", "project": first},
                "reason_sha256": hashlib.sha256(b"why not").hexdigest(),
            }
        chain.add(Kind.STANCE, voter, T0 + 9 * day, stance)
    outcome = consent_outcome(fold(chain.entries))
    assert outcome.result == "ballot", outcome.result
    chain.add(Kind.CONSENT_CLOSED, facilitator, T0 + 14 * day, outcome.document())
    reveals = []
    for name, approved in data.ballots.items():
        approvals = sorted(str(projects[p]) for p in approved)
        salt = f"salt {name}"
        choice = ballot_commitment(approvals, salt)
        body = {"manifest_sha256": manifest_sha256, "choice_sha256": choice}
        entry = chain.add(Kind.BALLOT, voters[name], T0 + 15 * day, body)
        reveals.append(Reveal(entry.id, voters[name], tuple(approvals), salt))
    return chain.entries, reveals


def _timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def bench(rule: Rule, voters: int, projects: int, seed: int) -> str:
    """One rule's report line."""
    data = make_input(voters, projects, seed, rule)
    entries, reveals = build_round(data, rule)
    before_close = fold(entries)
    (body, _), close_s = _timed(lambda: ballot_outcome(before_close, reveals))
    _, tally_s = _timed(lambda: tally(tally_input(before_close, reveals)))
    closing = RoundEntry(
        _id(f"close {rule.value}"),
        before_close.round_id,
        Kind.BALLOT_CLOSED,
        _id("facilitator"),
        before_close.head,
        before_close.acts,
        T0 + timedelta(days=21, seconds=1),
        body,
    )
    entries.append(closing)
    state, fold_s = _timed(lambda: fold(entries))
    assert state.decision_sha256 is not None
    wire = [json.loads(rfc8785.dumps(entry_payload(ORIGIN, e))) for e in entries]
    parsed, parse_s = _timed(lambda: [parse_entry_payload(ORIGIN, p) for p in wire])
    assert parsed == entries
    tracemalloc.start()
    fold(entries)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    eur = sum(line.eur for line in state.decision) / 100
    hours = sum(line.hours for line in state.decision) / 60
    return (
        f"{rule.value:16} {len(entries):7d} {close_s:7.2f}s {tally_s:7.2f}s {fold_s:7.2f}s "
        f"{parse_s:7.2f}s {peak / 2**20:6.1f} MiB  {len(state.decision):8d}  "
        f"{eur:,.2f}, {hours:,.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rules", default="mes-add1-greedy,mes,greedy")
    args = parser.parse_args()
    rules = [Rule(name) for name in args.rules.split(",")]
    print(f"{args.voters} voters, {args.projects} projects, seed {args.seed}: a whole round")
    print(
        f"{'rule':16} {'entries':>7} {'close':>8} {'tally':>8} {'fold':>8} {'parse':>8} "
        f"{'peak':>10}  selected  EUR, hours decided"
    )
    for rule in rules:
        print(bench(rule, args.voters, args.projects, args.seed), flush=True)


if __name__ == "__main__":
    main()
