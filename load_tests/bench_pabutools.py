"""The tally against pabutools, side by side: same file, same rule, same tie order.

    .venv/bin/python -m load_tests.bench_pabutools [--rule mes-add1-greedy]
        [--voters 6000] [--projects 60] [--seeds 1,2] [--no-files] [--no-generated]

For every ``.pb`` file in ``../shared/data/pabulib/`` (the real instances) and for
generated ones (``make_instance``: approval ballots, written as ``.pb`` by
``core/pabulib``'s writer to ``load_tests/results/pabulib/``, then read back by both
libraries), it runs ``mutual``'s tally (``tally_input`` then ``tally``, as ``mutual
tally-pb``) and pabutools (``pabutools_outcome``: Equal Shares with ``Cost_Sat`` and
``voter_budget_increment=1``, then greedy completion, with our tie order), checks that
both select the same projects, and prints both times and their ratio.

Times are CPU seconds (``time.process_time``: the machine is shared, and waiting for
a core is not the rule's work) of the rule alone, each library on its own parsed input
(reading the file is not counted on either side). Both run in this one process,
alternately (``compare``), so that what load remains, the same for both in the same
minutes, cancels in the ratio. A figure, not an assertion; not run by the test suite
(``tests/test_pabulib.py`` checks the same selections on small generated instances,
untimed).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

from mutual.core.pabulib import PbFile, format_pb, parse_pb, pb_from_tally_input, tally_input
from mutual.core.tally import Rule, TallyInput, TallyParameters, TallyProject, tally, tie_hash

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "pabulib"
RESULTS = ROOT / "load_tests" / "results" / "pabulib"


def make_instance(voters: int, projects: int, seed: int, *, unit: int = 100) -> PbFile:
    """A random approval election as a ``.pb`` file, from a fixed seed.

    Costs of 50 to 2,000 times ``unit`` (whole), a budget of a quarter of their sum; each
    voter approves 1 to 8 projects, popular projects more often (weights ``u ** 2``);
    voter ``i < projects`` also approves project ``i``, so that every project has an
    approver (pabutools' greedy completion would fund one nobody approved, the tally
    never does). Ids are numbers, as in Pabulib files."""
    rnd = random.Random(seed)
    costs = [rnd.randrange(50, 2_001) * unit for _ in range(projects)]
    ids = [str(index + 1) for index in range(projects)]
    weights = [rnd.random() ** 2 + 0.01 for _ in ids]
    ballots: dict[str, frozenset[str]] = {}
    for voter in range(voters):
        approved = set(rnd.choices(ids, weights=weights, k=rnd.randrange(1, 9)))
        if voter < projects:
            approved.add(ids[voter])
        ballots[str(voter + 1)] = frozenset(approved)
    data = TallyInput(
        projects=tuple(TallyProject(pid, cost, 0) for pid, cost in zip(ids, costs, strict=True)),
        ballots=ballots,
        budget_eur=sum(costs) // 4,
        budget_hours=0,
        parameters=TallyParameters(Rule.MES_ADD1_GREEDY),
        conflicts={},
    )
    meta = {"description": f"generated: {voters} voters, {projects} projects, seed {seed}"}
    return pb_from_tally_input(data, {**meta, "currency": "EUR"})


def pabutools_outcome(instance: Any, profile: Any, rule: Rule, seed: bytes = b"") -> list[Any]:
    """pabutools' selection for ``rule``, with our published tie order: lowest cost, most
    approvals, then ``SHA-256(seed || id)``; Add1 adds one currency unit per voter."""
    from pabutools.election import Cost_Sat  # type: ignore[import-untyped]
    from pabutools.rules import (  # type: ignore[import-untyped]
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )
    from pabutools.tiebreaking import TieBreakingRule  # type: ignore[import-untyped]

    ties = TieBreakingRule(
        lambda inst, prof, proj: (proj.cost, -prof.approval_score(proj), tie_hash(seed, proj.name))
    )
    mes: dict[str, Any] = {"sat_class": Cost_Sat, "tie_breaking": ties}
    greedy: dict[str, Any] = {"sat_class": Cost_Sat, "tie_breaking": ties}
    outcome: list[Any]
    if rule == Rule.MES:
        outcome = method_of_equal_shares(instance, profile, **mes)
    elif rule == Rule.MES_ADD1:
        outcome = method_of_equal_shares(instance, profile, voter_budget_increment=1, **mes)
    elif rule == Rule.MES_ADD1_GREEDY:
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{**mes, "voter_budget_increment": 1}, greedy],
        )
    else:
        outcome = greedy_utilitarian_welfare(instance, profile, **greedy)
    return outcome


def compare(path: Path, rule: Rule, min_seconds: float) -> tuple[float, float, bool, int]:
    """CPU seconds of one tally and of one pabutools run on the file (the best of
    alternating rounds), whether they select the same projects, and the rounds made.

    Each round runs pabutools once and the tally as many times as fit in pabutools'
    last time (at least once), so both sides accumulate time at the same pace; rounds
    go on until each side has ``min_seconds`` in all."""
    from pabutools.election import parse_pabulib

    data, _ = tally_input(parse_pb(path.read_bytes()), rule)
    instance, profile = parse_pabulib(str(path))
    ours_best = theirs_best = float("inf")
    ours_total = theirs_total = 0.0
    rounds = 0
    same = True
    batch = 1
    while rounds == 0 or min(ours_total, theirs_total) < min_seconds:
        started = time.process_time()
        for _ in range(batch):
            ours = tally(data).selected_ids
        ours_seconds = time.process_time() - started
        started = time.process_time()
        theirs = pabutools_outcome(instance, profile, rule)
        theirs_seconds = time.process_time() - started
        same = same and set(ours) == {project.name for project in theirs}
        ours_best = min(ours_best, ours_seconds / batch)
        theirs_best = min(theirs_best, theirs_seconds)
        ours_total += ours_seconds
        theirs_total += theirs_seconds
        rounds += 1
        batch = max(1, min(1000, int(theirs_seconds / max(ours_seconds / batch, 1e-6))))
    return ours_best, theirs_best, same, rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rule", type=Rule, default=Rule.MES_ADD1_GREEDY)
    parser.add_argument("--voters", type=int, default=6000)
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--seeds", default="1,2", help="one generated instance per seed")
    parser.add_argument("--min-seconds", type=float, default=0.5)
    parser.add_argument("--no-files", action="store_true", help="skip the shared real files")
    parser.add_argument("--no-generated", action="store_true")
    args = parser.parse_args()
    paths = [] if args.no_files else sorted(SHARED.glob("*.pb"))
    if not args.no_generated:
        RESULTS.mkdir(parents=True, exist_ok=True)
        for seed in (int(s) for s in args.seeds.split(",") if s):
            path = RESULTS / f"generated_{args.voters}x{args.projects}_seed{seed}.pb"
            path.write_text(format_pb(make_instance(args.voters, args.projects, seed)))
            paths.append(path)
    print(f"rule {args.rule.value}; CPU seconds of the rule alone, best of alternating rounds")
    print("| instance | voters | projects | mutual s | pabutools s | ratio | same | rounds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for path in paths:
        pb = parse_pb(path.read_bytes())
        ours, theirs, same, rounds = compare(path, args.rule, args.min_seconds)
        print(
            f"| {path.stem[:40]} | {len(pb.votes.rows)} | {len(pb.projects.rows)} "
            f"| {ours:.4f} | {theirs:.4f} | {theirs / ours:.1f} | {'yes' if same else 'NO'} "
            f"| {rounds} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
