"""The tally of an allocation round: inputs, rules, completion, ties and results.

Rules (``Rule``):

- ``greedy``: items by most approvals (ties below), each taken if it still fits both
  budgets.
- ``mes``: the Method of Equal Shares over euros and hours (``core/tally_mes.py``), each
  voter starting with ``1/n`` of each budget (or ``share_start``).
- ``mes-add1``: pabutools' "Add1" completion (``voter_budget_increment``): run MES again
  with the starting share raised by ``share_step`` each time; stop at the first outcome
  that leaves no eligible item fitting both budgets (keep it) or at the first outcome
  over a budget (keep the one before). Every share is an attempt in the transcript;
  those a run proves select the same items are recorded without running them (exact:
  ``_add1``).
- ``mes-add1-greedy``: then add items greedily by approvals while they fit.

A project with a minimum is two items: its *core* (the minimum) and its *extension*
(ask minus minimum), eligible only once the core is selected. A project nobody approved
is never funded (pabutools' greedy rule would fund one with leftover money; we do not).

Ties are broken by the lowest normalised cost ``max(cost_eur/B_eur, cost_hours/B_hours)``,
then the most approvals, then ``SHA-256(seed || project id)`` in ascending hex order
(``tie_hash``), published with the seed when voting opens. With hours at zero every rule
selects exactly what pabutools selects when given this tie-breaking rule (tested on the
real Pabulib instances).

``n`` is the number of ballots given, empty ones included (as in pabutools). Approvals
count every approver, conflicted or not; a conflicted voter only cannot pay.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from itertools import chain

from mutual.core.tally_mes import (
    PART_CORE,
    PART_EXTENSION,
    PART_WHOLE,
    EqualShares,
    Item,
    MesRun,
    MesStep,
    Run,
    VoterGroup,
)
from mutual.core.tally_result import (
    CompletionStep,
    GreedyStep,
    TallyResult,
    summarise,
    transcript_bytes,
    transcript_document,
)

__all__ = [
    "CompletionStep",
    "GreedyStep",
    "Item",
    "MesStep",
    "Rule",
    "TallyError",
    "TallyInput",
    "TallyParameters",
    "TallyProject",
    "TallyResult",
    "tally",
    "tie_hash",
    "transcript_bytes",
    "transcript_document",
]


_PAUSE_MAX = 64  # the most shares Add1 runs unproven after a run that proved nothing


class TallyError(ValueError):
    """The tally's input is wrong; ``code`` is stable, ``field`` names the culprit."""

    def __init__(self, code: str, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = field


class Rule(StrEnum):
    MES_ADD1_GREEDY = "mes-add1-greedy"
    MES_ADD1 = "mes-add1"
    MES = "mes"
    GREEDY = "greedy"


@dataclass(frozen=True, slots=True)
class TallyProject:
    """A project's ask in EUR cents and minutes, with an optional minimum in each."""

    project_id: str
    cost_eur: int
    cost_hours: int
    min_eur: int | None = None
    min_hours: int | None = None


@dataclass(frozen=True, slots=True)
class TallyParameters:
    """The published parameters: rule, tie seed, starting share and step (Add1)."""

    rule: Rule
    seed: bytes = b""
    share_start: Fraction | None = None
    share_step: Fraction | None = None


@dataclass(frozen=True, slots=True)
class TallyInput:
    """Everything the tally reads: nothing else influences the result."""

    projects: tuple[TallyProject, ...]
    ballots: Mapping[str, frozenset[str]]
    budget_eur: int
    budget_hours: int
    parameters: TallyParameters
    conflicts: Mapping[str, frozenset[str]]


def tie_hash(seed: bytes, project_id: str) -> str:
    """The seeded tie order: SHA-256 over the seed then the UTF-8 project id, in hex."""
    return hashlib.sha256(seed + project_id.encode()).hexdigest()


def normalised_cost(cost_eur: int, cost_hours: int, budget_eur: int, budget_hours: int) -> Fraction:
    """``max(cost_r / B_r)`` over resources with a cost; a cost against a zero budget
    counts as the whole of that budget and more (the item can never be afforded)."""
    eur = _share_of(cost_eur, budget_eur)
    if not cost_hours:
        return eur
    hours = _share_of(cost_hours, budget_hours)
    return hours if hours > eur else eur


def _share_of(cost: int, budget: int) -> Fraction:
    if not cost:
        return Fraction(0)
    return Fraction(cost, budget) if budget else Fraction(cost + 1)


def _validate(data: TallyInput) -> None:
    if data.budget_eur < 0 or data.budget_hours < 0:
        raise TallyError("invalid_budget", "budgets cannot be negative", field="budget")
    seen: set[str] = set()
    for project in data.projects:
        pid = project.project_id
        if pid in seen:
            raise TallyError("duplicate_project", f"project {pid!r} twice", field="projects")
        seen.add(pid)
        if project.cost_eur < 0 or project.cost_hours < 0:
            raise TallyError("invalid_cost", f"{pid}: negative cost", field="projects")
        if project.cost_eur == 0 and project.cost_hours == 0:
            raise TallyError("invalid_cost", f"{pid}: asks for nothing", field="projects")
        min_eur, min_hours = _minimum(project)
        if not (0 <= min_eur <= project.cost_eur and 0 <= min_hours <= project.cost_hours):
            raise TallyError("invalid_minimum", f"{pid}: minimum not within the ask")
        if min_eur == 0 and min_hours == 0:
            raise TallyError("invalid_minimum", f"{pid}: the minimum asks for nothing")
    # One check over the distinct ballots (in C) instead of one per voter; the voter to
    # blame is looked for only when some project is unknown.
    if not seen.issuperset(chain.from_iterable(set(data.ballots.values()))):
        for voter, approved in data.ballots.items():
            if not approved <= seen:
                raise TallyError("unknown_project", f"{voter} approves {sorted(approved - seen)}")
    if data.parameters.rule in (Rule.MES_ADD1, Rule.MES_ADD1_GREEDY):
        step = data.parameters.share_step
        if step is None or step <= 0:
            raise TallyError("invalid_step", "Add1 needs a positive share_step", field="step")


def _minimum(project: TallyProject) -> tuple[int, int]:
    if project.min_eur is None and project.min_hours is None:
        return project.cost_eur, project.cost_hours
    return (
        project.cost_eur if project.min_eur is None else project.min_eur,
        project.cost_hours if project.min_hours is None else project.min_hours,
    )


def build_items(data: TallyInput) -> tuple[list[Item], dict[str, Item]]:
    """Whole projects and cores, then extensions by project id."""
    approvals: Counter[str] = Counter()
    for approved, voters in Counter(data.ballots.values()).items():  # distinct ballots
        for pid in approved:
            approvals[pid] += voters
    seed = data.parameters.seed

    def item(pid: str, part: str, eur: int, hours: int) -> Item:
        cost = normalised_cost(eur, hours, data.budget_eur, data.budget_hours)
        key = (cost, -approvals[pid], tie_hash(seed, pid), pid, part)
        return Item(pid, part, eur, hours, approvals[pid], cost, key)

    items: list[Item] = []
    extensions: dict[str, Item] = {}
    for project in data.projects:
        pid = project.project_id
        min_eur, min_hours = _minimum(project)
        if (min_eur, min_hours) == (project.cost_eur, project.cost_hours):
            items.append(item(pid, PART_WHOLE, project.cost_eur, project.cost_hours))
            continue
        items.append(item(pid, PART_CORE, min_eur, min_hours))
        extensions[pid] = item(
            pid, PART_EXTENSION, project.cost_eur - min_eur, project.cost_hours - min_hours
        )
    return items, extensions


def voter_groups(data: TallyInput) -> list[VoterGroup]:
    """Voters grouped by (ballot, conflicts on approved projects), in a canonical order:
    by their first voter id, each group's voters in order."""
    # Walking the voters in order makes each group's list sorted, and the groups come
    # out (dicts keep insertion order) by their first voter: no sort per group.
    ballots = data.ballots
    none: frozenset[str] = frozenset()
    if not data.conflicts:
        # The same in C, one loop per group: the distinct ballots by first voter, then the
        # voters (in order) by their ballot's rank, a stable sort.
        order = sorted(ballots)
        in_order = list(map(ballots.__getitem__, order))
        distinct = list(dict.fromkeys(in_order))
        if len(distinct) <= 1:
            return [VoterGroup(tuple(order), ballot, none) for ballot in distinct]
        rank = {ballot: index for index, ballot in enumerate(distinct)}
        ranks = list(map(rank.__getitem__, in_order))
        voters = list(map(order.__getitem__, sorted(range(len(order)), key=ranks.__getitem__)))
        counts = Counter(ranks)
        groups = []
        start = 0
        for index, ballot in enumerate(distinct):
            end = start + counts[index]
            groups.append(VoterGroup(tuple(voters[start:end]), ballot, none))
            start = end
        return groups
    declared: dict[tuple[frozenset[str], frozenset[str]], list[str]] = {}
    for voter in sorted(ballots):
        approved = ballots[voter]
        conflicts = data.conflicts.get(voter)
        conflicted = conflicts & approved if conflicts else none
        declared.setdefault((approved, conflicted), []).append(voter)
    return [
        VoterGroup(tuple(voters), approved, conflicted)
        for (approved, conflicted), voters in declared.items()
    ]


class _Ledger:
    """What is selected so far and the budgets it leaves."""

    def __init__(self, data: TallyInput, selected: tuple[Item, ...] = ()) -> None:
        self.left_eur = data.budget_eur - sum(it.cost_eur for it in selected)
        self.left_hours = data.budget_hours - sum(it.cost_hours for it in selected)
        self.selected = list(selected)

    def fits(self, item: Item) -> bool:
        return item.cost_eur <= self.left_eur and item.cost_hours <= self.left_hours

    def feasible(self) -> bool:
        return self.left_eur >= 0 and self.left_hours >= 0

    def eligible(self, items: list[Item], extensions: dict[str, Item]) -> list[Item]:
        chosen = set(self.selected)
        cores = {it.project_id for it in chosen if it.part == PART_CORE}
        pool = items + [extensions[pid] for pid in sorted(cores)]
        return [it for it in pool if it not in chosen and it.approvals > 0]


def _greedy(
    data: TallyInput,
    items: list[Item],
    extensions: dict[str, Item],
    start: tuple[Item, ...],
) -> tuple[tuple[Item, ...], tuple[GreedyStep, ...]]:
    """Most approvals first, each item taken if it fits; an extension once its core is."""
    ledger = _Ledger(data, start)
    steps: list[GreedyStep] = []
    while True:
        order = sorted(
            ledger.eligible(items, extensions), key=lambda it: (-it.approvals, it.tie_key)
        )
        chosen = next((it for it in order if ledger.fits(it)), None)
        if chosen is None:
            return tuple(ledger.selected), tuple(steps)
        ledger.selected.append(chosen)
        ledger.left_eur -= chosen.cost_eur
        ledger.left_hours -= chosen.cost_hours
        steps.append(GreedyStep(chosen, ledger.left_eur, ledger.left_hours))


def _mes_available(
    shares: EqualShares, items: list[Item], extensions: dict[str, Item]
) -> tuple[list[Item], dict[str, Item]]:
    """Items MES can buy at all: at least one approver without a conflict."""
    return (
        [it for it in items if shares.payable(it.project_id)],
        {pid: ext for pid, ext in extensions.items() if shares.payable(pid)},
    )


def _add1(
    data: TallyInput,
    shares: EqualShares,
    items: list[Item],
    extensions: dict[str, Item],
    start: Fraction,
) -> tuple[MesRun, tuple[CompletionStep, ...]]:
    """Raise the starting share by ``share_step`` until exhaustive or over a budget.

    Every share is tried, in order, as its own run of Equal Shares would be, but a run
    also proves how many following shares select the same items (``Run.same_for``, see
    ``core/tally_mes.py``): their attempts are then the same outcome at another share
    (same count, same budgets left, neither exhaustive nor over a budget, since those
    follow from the selection alone), recorded without running them."""
    step = data.parameters.share_step
    assert step is not None  # checked by _validate
    available, available_ext = _mes_available(shares, items, extensions)
    previous: Run | Fraction | None = None  # the last share tried: its run, if it ran
    # The k-th share is ``start + k * step`` over one denominator: one Fraction built
    # per share, not an addition of two (a few gcds each) per share.
    den = start.denominator * step.denominator
    first, unit = start.numerator * step.denominator, step.numerator * start.denominator
    attempt = 0
    share = start
    completion: list[CompletionStep] = []
    # Proving costs about half a run more, and on a large electorate some payer's
    # capped status changes at nearly every share, so that little is proven there: after
    # a run that proved nothing, the next 1, 2, 4, ... (at most 64) shares run unproven.
    # The result is the same either way (an unproven share is simply run next).
    pause = wait = 0
    while True:
        run = shares.run(share, None if pause else step)
        if pause:
            pause -= 1
        elif run.same_for:
            wait = 0
        else:
            pause = wait = min(max(2 * wait, 1), _PAUSE_MAX)
        ledger = _Ledger(data, tuple(run.selected))
        feasible = ledger.feasible()
        exhaustive = feasible and not any(
            ledger.fits(it) for it in ledger.eligible(available, available_ext)
        )
        completion.append(
            CompletionStep(
                share, len(run.selected), ledger.left_eur, ledger.left_hours, feasible, exhaustive
            )
        )
        if not feasible:
            if previous is None:
                return MesRun(start, (), (), (), ()), tuple(completion)
            if isinstance(previous, Fraction):
                previous = shares.run(previous)
            return previous.mes_run(), tuple(completion)
        if exhaustive:
            return run.mes_run(), tuple(completion)
        for _ in range(run.same_for or 0):
            attempt += 1
            share = Fraction(first + attempt * unit, den)
            completion.append(
                CompletionStep(
                    share, len(run.selected), ledger.left_eur, ledger.left_hours, True, False
                )
            )
        previous = share if run.same_for else run
        attempt += 1
        share = Fraction(first + attempt * unit, den)


def tally(data: TallyInput) -> TallyResult:
    """Run the round's rule on its input; deterministic, exact, pure."""
    _validate(data)
    items, extensions = build_items(data)
    groups = voter_groups(data)
    shares = EqualShares(items, extensions, groups, data.budget_eur, data.budget_hours)
    rule = data.parameters.rule
    start = data.parameters.share_start
    if start is None:
        start = Fraction(1, len(data.ballots)) if data.ballots else Fraction(0)
    run = MesRun(start, (), (), (), ())
    completion: tuple[CompletionStep, ...] = ()
    greedy_steps: tuple[GreedyStep, ...] = ()
    selected: tuple[Item, ...] = ()
    if rule == Rule.MES:
        run = shares.run(start).mes_run()
        selected = run.selected
    elif rule in (Rule.MES_ADD1, Rule.MES_ADD1_GREEDY):
        run, completion = _add1(data, shares, items, extensions, start)
        selected = run.selected
    if rule in (Rule.GREEDY, Rule.MES_ADD1_GREEDY):
        selected, greedy_steps = _greedy(data, items, extensions, selected)
    seed = data.parameters.seed
    tie_order = tuple(
        sorted(
            ((p.project_id, tie_hash(seed, p.project_id)) for p in data.projects),
            key=lambda pair: (pair[1], pair[0]),
        )
    )
    return summarise(
        items=items,
        extensions=extensions,
        groups=groups,
        payers=shares.payers,
        budget_eur=data.budget_eur,
        budget_hours=data.budget_hours,
        run=run,
        completion=completion,
        greedy_steps=greedy_steps,
        selected=selected,
        tie_order=tie_order,
        rule=str(rule),
        seed=seed,
        share_step=data.parameters.share_step,
    )
