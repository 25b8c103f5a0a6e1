"""The tally against pabutools, side by side: same file, same rule, same tie order.

    .venv/bin/python -m load_tests.bench_pabutools [--rule mes-add1-greedy]
        [--voters 6000] [--projects 60] [--seeds 1,2] [--no-files] [--no-generated]

For every ``.pb`` file in ``../shared/data/pabulib/`` (the real instances) and for
generated ones (``make_instance``: approval ballots, written as ``.pb`` by
``core/pabulib``'s writer to ``load_tests/results/pabulib/``, then read back by both
libraries), it runs ``mutual``'s tally (``tally_input`` then ``tally``, as ``mutual
tally-pb``) and pabutools (``pabutools_rule``: Equal Shares with ``Cost_Sat`` and
``voter_budget_increment=1``, then greedy completion, with our tie order), checks that
both select the same projects, and prints both times, their ratio, and PASS or FAIL
against ``--target`` (10, issue 26 item 3).

Times are CPU seconds (``time.process_time``: the machine is shared, and waiting for
a core is not the rule's work) of the rule alone, each library on its own parsed input
(reading the file is not counted on either side, nor building pabutools' tie rule).
Both run in this one process, alternately and in batches timed alike (``compare``),
so that what load remains, the same for both in the same minutes, cancels in the
ratio. The tally's call builds its whole result except each voter's row
(``TallyResult.voters``, derived when read): the steps with their payments, every
Add1 attempt, the tie order, every unfunded item's reason. A figure, not an
assertion; not run by the test suite (``tests/test_pabulib.py`` checks the same
selections on small generated instances, untimed).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutual.core.pabulib import PbFile, format_pb, parse_pb, pb_from_tally_input, tally_input
from mutual.core.tally import Rule, TallyInput, TallyParameters, TallyProject, tally, tie_hash

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "pabulib"
RESULTS = ROOT / "load_tests" / "results" / "pabulib"
TARGET = 10.0  # issue 26 item 3: at least ten times faster than pabutools


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


def pabutools_rule(rule: Rule, seed: bytes = b"") -> Callable[[Any, Any], list[Any]]:
    """pabutools' rule for ``rule``, with our published tie order: lowest cost, most
    approvals, then ``SHA-256(seed || id)``; Add1 adds one currency unit per voter.
    Built once, so that timing a call times pabutools alone, not these imports."""
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

    def outcome(instance: Any, profile: Any) -> list[Any]:
        selected: list[Any]
        if rule == Rule.MES:
            selected = method_of_equal_shares(instance, profile, **mes)
        elif rule == Rule.MES_ADD1:
            selected = method_of_equal_shares(instance, profile, voter_budget_increment=1, **mes)
        elif rule == Rule.MES_ADD1_GREEDY:
            selected = completion_by_rule_combination(
                instance,
                profile,
                [method_of_equal_shares, greedy_utilitarian_welfare],
                [{**mes, "voter_budget_increment": 1}, greedy],
            )
        else:
            selected = greedy_utilitarian_welfare(instance, profile, **greedy)
        return selected

    return outcome


def pabutools_outcome(instance: Any, profile: Any, rule: Rule, seed: bytes = b"") -> list[Any]:
    """pabutools' selection for ``rule`` (``pabutools_rule``)."""
    return pabutools_rule(rule, seed)(instance, profile)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Per-call CPU seconds of each side (the best batch mean, and the median one), on
    one file, whether they select the same projects, and the rounds and batch sizes."""

    ours: float
    theirs: float
    ours_median: float
    theirs_median: float
    same: bool
    rounds: int
    ours_batch: int
    theirs_batch: int

    @property
    def ratio(self) -> float:
        return self.theirs / self.ours

    @property
    def ratio_median(self) -> float:
        return self.theirs_median / self.ours_median


def _batch(seconds: float, batch_seconds: float) -> int:
    """Calls per batch so that one batch lasts about ``batch_seconds`` (1 to 1,000)."""
    return max(1, min(1000, int(batch_seconds / max(seconds, 1e-7))))


def compare(path: Path, rule: Rule, min_seconds: float, batch_seconds: float) -> Comparison:
    """Both sides timed the same way: in alternating rounds, each runs a batch of calls
    lasting about as long as the slower side's one call, and at least
    ``batch_seconds`` (so that a sub-millisecond call is not timed alone, and neither
    side's best is a lucky single call while the other's is a mean); rounds go on
    until each side has ``min_seconds`` in all (at least 3)."""
    from pabutools.election import parse_pabulib

    data, _ = tally_input(parse_pb(path.read_bytes()), rule)
    instance, profile = parse_pabulib(str(path))

    def ours() -> set[str]:
        return set(tally(data).selected_ids)

    pabutools = pabutools_rule(rule)

    def theirs() -> set[str]:
        return {project.name for project in pabutools(instance, profile)}

    sides: list[tuple[Callable[[], set[str]], list[float]]] = [(ours, []), (theirs, [])]
    batches = [1, 1]
    totals = [0.0, 0.0]
    same = True
    rounds = 0
    while rounds < 3 or min(totals) < min_seconds:
        outcomes = []
        for side, (call, means) in enumerate(sides):
            started = time.process_time()
            for _ in range(batches[side]):
                outcome = call()
            seconds = time.process_time() - started
            outcomes.append(outcome)
            means.append(seconds / batches[side])
            totals[side] += seconds
        # Each batch lasts as long as the slower side's call (at least batch_seconds).
        pace = max(batch_seconds, *(min(means) for _, means in sides))
        batches = [_batch(min(means), pace) for _, means in sides]
        same = same and outcomes[0] == outcomes[1]
        rounds += 1
    (_, ours_means), (_, theirs_means) = sides
    return Comparison(
        ours=min(ours_means),
        theirs=min(theirs_means),
        ours_median=statistics.median(ours_means),
        theirs_median=statistics.median(theirs_means),
        same=same,
        rounds=rounds,
        ours_batch=batches[0],
        theirs_batch=batches[1],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rule", type=Rule, default=Rule.MES_ADD1_GREEDY)
    parser.add_argument("--voters", type=int, default=6000)
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--seeds", default="1,2", help="one generated instance per seed")
    parser.add_argument("--min-seconds", type=float, default=0.5, help="per side and file")
    parser.add_argument("--batch-seconds", type=float, default=0.02)
    parser.add_argument("--target", type=float, default=TARGET, help="the ratio to pass")
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
    print(
        f"rule {args.rule.value}; CPU ms per call, the best batch mean of alternating "
        f"rounds (median in brackets); pass: ratio >= {args.target:g}"
    )
    print(
        "| instance | voters | projects | mutual ms | pabutools ms | ratio | ratio of medians "
        "| >= target | same | rounds (batches) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    failed = []
    for path in paths:
        pb = parse_pb(path.read_bytes())
        found = compare(path, args.rule, args.min_seconds, args.batch_seconds)
        passed = found.same and found.ratio >= args.target
        if not passed:
            failed.append(path.stem)
        print(
            f"| {path.stem[:40]} | {len(pb.votes.rows)} | {len(pb.projects.rows)} "
            f"| {found.ours * 1e3:.4g} ({found.ours_median * 1e3:.4g}) "
            f"| {found.theirs * 1e3:.4g} ({found.theirs_median * 1e3:.4g}) "
            f"| {found.ratio:.1f} | {found.ratio_median:.1f} | {'PASS' if passed else 'FAIL'} "
            f"| {'yes' if found.same else 'NO'} "
            f"| {found.rounds} ({found.ours_batch} / {found.theirs_batch}) |",
            flush=True,
        )
    print(f"{len(paths) - len(failed)} of {len(paths)} pass", *failed, sep="; " if failed else "")


if __name__ == "__main__":
    main()
