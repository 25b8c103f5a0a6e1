"""Tally benchmark: CPU seconds per rule for 1,000 voters and 200 projects.

    .venv/bin/python -m load_tests.bench_tally [--voters 1000] [--projects 200] [--seed 7]
        [--rules mes-add1-greedy,mes]

Random approval ballots from a fixed seed (each voter approves 5 to 20 projects, popular
projects more often), costs 1,000 to 50,000 EUR in cents and 0 to 100 hours in minutes
(a third of the projects ask no hours), budgets of 1,000,000 EUR and 2,000 hours, one
project in ten with a minimum at half its ask. Add1 raises the share by 1% of the
starting share per step (``share_step = 1 / (100 n)``). Seconds are the process's CPU
time (``time.process_time``), so that a shared machine's load does not count. A figure,
not an assertion.
"""

from __future__ import annotations

import argparse
import random
import time
from fractions import Fraction

from mutual.core.tally import Rule, TallyInput, TallyParameters, TallyProject, tally

_RULES = (Rule.GREEDY, Rule.MES, Rule.MES_ADD1, Rule.MES_ADD1_GREEDY)


def make_input(voters: int, projects: int, seed: int, rule: Rule) -> TallyInput:
    rnd = random.Random(seed)
    items = []
    for index in range(projects):
        eur = rnd.randrange(1_000, 50_001) * 100
        hours = 0 if index % 3 == 0 else rnd.randrange(0, 101) * 60
        minimum = index % 10 == 0
        items.append(
            TallyProject(
                f"p{index:03d}",
                eur,
                hours,
                eur // 2 if minimum else None,
                hours // 2 if minimum else None,
            )
        )
    weights = [rnd.random() ** 2 for _ in items]
    ids = [p.project_id for p in items]
    ballots = {
        f"v{voter:04d}": frozenset(rnd.choices(ids, weights=weights, k=rnd.randrange(5, 21)))
        for voter in range(voters)
    }
    return TallyInput(
        projects=tuple(items),
        ballots=ballots,
        budget_eur=1_000_000 * 100,
        budget_hours=2_000 * 60,
        parameters=TallyParameters(rule, seed=b"bench", share_step=Fraction(1, 100 * voters)),
        conflicts={},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rules", default=",".join(rule.value for rule in _RULES))
    args = parser.parse_args()
    print(f"{args.voters} voters, {args.projects} projects, seed {args.seed}")
    for rule in (Rule(name) for name in args.rules.split(",")):
        data = make_input(args.voters, args.projects, args.seed, rule)
        started = time.process_time()
        result = tally(data)
        seconds = time.process_time() - started
        print(
            f"{rule.value:16} {seconds:7.2f} s  selected {len(result.selected):3d}  "
            f"EUR {result.total_eur / 100:12,.2f}  hours {result.total_hours / 60:7,.1f}  "
            f"Add1 shares {len(result.completion)}"
        )


if __name__ == "__main__":
    main()
