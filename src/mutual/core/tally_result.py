"""What a tally shows: the selection, the steps, the reasons and the voters' side.

``transcript_document`` turns a result into plain dicts, lists, strings, ints and bools
(fractions as ``"num/den"`` strings, always both parts), in a fixed order, so that
``transcript_bytes`` (RFC 8785 canonical JSON) is byte-identical for identical inputs.

Per voter: ``paid_*`` is what Equal Shares charged the voter's wallets; ``spent_*`` adds
an equal share, among its approvers free of conflict, of each item the greedy rule or
greedy completion funded (no one's wallet pays for those).

Reasons for an unfunded item, first that applies: ``no_approvals``;
``core_not_funded`` (an extension); ``exceeds_budget`` (costs more than a whole budget);
``budget_left_short`` (does not fit what the selection leaves); ``conflicted_supporters``
(every approver has a conflict of interest, so Equal Shares finds no payer);
``supporters_short`` (it fits, but its supporters' wallets could not pay for it).
Each comes with the numbers in both resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm
from operator import attrgetter
from typing import Any

from mutual.core.canonical import canonical_json
from mutual.core.tally_mes import PART_CORE, PART_EXTENSION, Item, MesRun, MesStep, VoterGroup


@dataclass(frozen=True, slots=True)
class CompletionStep:
    """One Add1 attempt: the starting share tried and what its outcome left."""

    share: Fraction
    selected_count: int
    left_eur: int
    left_hours: int
    feasible: bool
    exhaustive: bool


@dataclass(frozen=True, slots=True)
class GreedyStep:
    """One item taken greedily, and the budgets it leaves."""

    item: Item
    left_eur: int
    left_hours: int


@dataclass(frozen=True, slots=True)
class FundedProject:
    """A funded project: ``whole``, ``core`` only, or ``core+extension``."""

    project_id: str
    part: str
    cost_eur: int
    cost_hours: int


@dataclass(frozen=True, slots=True)
class UnfundedItem:
    """Why an item was not funded, with the numbers in both resources."""

    project_id: str
    part: str
    reason: str
    cost_eur: int
    cost_hours: int
    left_eur: int
    left_hours: int
    supporters_eur: Fraction
    supporters_hours: Fraction


@dataclass(frozen=True, slots=True)
class VoterResult:
    """One voter's side of the result."""

    voter_id: str
    funded: bool
    paid_eur: Fraction
    paid_hours: Fraction
    spent_eur: Fraction
    spent_hours: Fraction


@dataclass(frozen=True, slots=True)
class TallyResult:
    """The outcome of ``tally``: what is funded and why, step by step.

    ``voters`` (each voter's side) is derived from the groups, the run and the greedy
    steps when read, not stored: it is one row per voter, each a copy of its group's
    figures, and a caller after the selection alone (``mutual tally-pb``, a check
    against pabutools) need not build it. ``payers`` maps a project id to the indexes
    of the groups that approve it free of conflict (``EqualShares.payers``)."""

    selected: tuple[FundedProject, ...]
    total_eur: int
    total_hours: int
    run: MesRun
    completion: tuple[CompletionStep, ...]
    greedy_steps: tuple[GreedyStep, ...]
    unfunded: tuple[UnfundedItem, ...]
    groups: tuple[VoterGroup, ...]
    payers: Mapping[str, Sequence[int]]
    tie_order: tuple[tuple[str, str], ...]
    rule: str
    seed: bytes
    share_step: Fraction | None
    budget_eur: int
    budget_hours: int

    @property
    def selected_ids(self) -> tuple[str, ...]:
        return tuple(project.project_id for project in self.selected)

    @property
    def voters(self) -> tuple[VoterResult, ...]:
        """Each voter's side, by voter id (computed on each reading)."""
        return _voter_results(self)


def _funded(selected: Sequence[Item]) -> tuple[FundedProject, ...]:
    parts: dict[str, list[Item]] = {}
    for item in selected:
        parts.setdefault(item.project_id, []).append(item)
    funded = []
    for pid, bought in parts.items():
        kinds = {it.part for it in bought}
        part = "core+extension" if PART_EXTENSION in kinds else bought[0].part
        eur = sum(it.cost_eur for it in bought)
        hours = sum(it.cost_hours for it in bought)
        funded.append(FundedProject(pid, part, eur, hours))
    return tuple(funded)


def _reason(
    item: Item, chosen: set[Item], budgets: tuple[int, int], left: tuple[int, int], payable: bool
) -> str:
    cores = {it.project_id for it in chosen if it.part == PART_CORE}
    if item.approvals == 0:
        return "no_approvals"
    if item.part == PART_EXTENSION and item.project_id not in cores:
        return "core_not_funded"
    if item.cost_eur > budgets[0] or item.cost_hours > budgets[1]:
        return "exceeds_budget"
    if item.cost_eur > left[0] or item.cost_hours > left[1]:
        return "budget_left_short"
    return "supporters_short" if payable else "conflicted_supporters"


def _over_one_denominator(values: Sequence[Fraction]) -> tuple[list[int], int]:
    """Fractions as integer numerators over their least common denominator, so that a
    sum of many is a sum of integers (and one division at the end)."""
    den = lcm(*(value.denominator for value in values)) if values else 1
    return [value.numerator * (den // value.denominator) for value in values], den


def summarise(
    *,
    items: Sequence[Item],
    extensions: dict[str, Item],
    groups: Sequence[VoterGroup],
    payers: Mapping[str, Sequence[int]],
    budget_eur: int,
    budget_hours: int,
    run: MesRun,
    completion: tuple[CompletionStep, ...],
    greedy_steps: tuple[GreedyStep, ...],
    selected: tuple[Item, ...],
    tie_order: tuple[tuple[str, str], ...],
    rule: str,
    seed: bytes,
    share_step: Fraction | None,
) -> TallyResult:
    """Assemble the result: funded projects and why each other item is not (each
    voter's side is ``TallyResult.voters``)."""
    chosen = set(selected)
    total_eur = sum(it.cost_eur for it in selected)
    total_hours = sum(it.cost_hours for it in selected)
    left = (budget_eur - total_eur, budget_hours - total_hours)
    sizes = [len(group.voter_ids) for group in groups]
    wallets_eur, den_eur = _over_one_denominator(run.wallets_eur)
    wallets_hours, den_hours = _over_one_denominator(run.wallets_hours)
    unfunded = []
    for item in [*items, *extensions.values()]:
        if item in chosen:
            continue
        supporters = payers.get(item.project_id, ())
        sup_eur = sup_hours = Fraction(0)
        if run.wallets_eur:
            sup_eur = Fraction(sum(wallets_eur[g] * sizes[g] for g in supporters), den_eur)
            sup_hours = Fraction(sum(wallets_hours[g] * sizes[g] for g in supporters), den_hours)
        reason = _reason(item, chosen, (budget_eur, budget_hours), left, bool(supporters))
        unfunded.append(
            UnfundedItem(
                item.project_id,
                item.part,
                reason,
                item.cost_eur,
                item.cost_hours,
                left[0],
                left[1],
                sup_eur,
                sup_hours,
            )
        )
    unfunded.sort(key=lambda u: (u.project_id, u.part))
    return TallyResult(
        selected=_funded(selected),
        total_eur=total_eur,
        total_hours=total_hours,
        run=run,
        completion=completion,
        greedy_steps=greedy_steps,
        unfunded=tuple(unfunded),
        groups=tuple(groups),
        payers=payers,
        tie_order=tie_order,
        rule=rule,
        seed=seed,
        share_step=share_step,
        budget_eur=budget_eur,
        budget_hours=budget_hours,
    )


def _voter_results(result: TallyResult) -> tuple[VoterResult, ...]:
    """Each voter's side: what Equal Shares charged their group's wallets, plus an equal
    share of what greedy funded, and whether anything they approved is funded."""
    groups, run, payers = result.groups, result.run, result.payers
    sizes = [len(group.voter_ids) for group in groups]
    # A wallet only ever shrinks by its payments: what a group paid is its starting
    # wallet less what is left (the sum of its payments, without adding them up).
    paid = [[Fraction(0), Fraction(0)] for _ in groups]
    if run.wallets_eur:
        start_eur, start_hours = run.share * result.budget_eur, run.share * result.budget_hours
        paid = [
            [start_eur - eur, start_hours - hours]
            for eur, hours in zip(run.wallets_eur, run.wallets_hours, strict=True)
        ]
    spent = [list(pair) for pair in paid]
    for greedy in result.greedy_steps:
        supporters = payers.get(greedy.item.project_id, ())
        heads = sum(sizes[g] for g in supporters)
        for g in supporters:
            spent[g][0] += Fraction(greedy.item.cost_eur, heads)
            spent[g][1] += Fraction(greedy.item.cost_hours, heads)
    funded_ids = set(result.selected_ids)
    funded = [not group.approved.isdisjoint(funded_ids) for group in groups]
    voters = [
        VoterResult(voter, funded[g], paid[g][0], paid[g][1], spent[g][0], spent[g][1])
        for g, group in enumerate(groups)
        for voter in group.voter_ids
    ]
    voters.sort(key=attrgetter("voter_id"))
    return tuple(voters)


def fraction_text(value: Fraction) -> str:
    """``"num/den"``, always both parts, so a reader never guesses the type."""
    return f"{value.numerator}/{value.denominator}"


def _mes_step(step: MesStep, groups: Sequence[VoterGroup]) -> dict[str, Any]:
    item = step.item
    return {
        "project": item.project_id,
        "part": item.part,
        "rho": fraction_text(step.rho),
        "price_eur": fraction_text(step.rho * item.cost_eur),
        "price_hours": fraction_text(step.rho * item.cost_hours),
        "tied": [it.project_id for it in step.tied],
        "payments": [
            {
                "voters": list(groups[g].voter_ids),
                "eur": fraction_text(fraction * item.cost_eur),
                "hours": fraction_text(fraction * item.cost_hours),
            }
            for g, fraction in step.payments
        ],
        "wallets_left_eur": fraction_text(step.wallets_left_eur),
        "wallets_left_hours": fraction_text(step.wallets_left_hours),
    }


def transcript_document(result: TallyResult) -> dict[str, Any]:
    """The whole tally as plain data, in a fixed order."""
    step = result.share_step
    voters = result.voters
    return {
        "rule": result.rule,
        "seed": result.seed.hex(),
        "share_step": None if step is None else fraction_text(step),
        "budget": {"eur": result.budget_eur, "hours": result.budget_hours},
        "tie_order": [{"project": pid, "sha256": digest} for pid, digest in result.tie_order],
        "mes": {
            "share": fraction_text(result.run.share),
            "steps": [_mes_step(step, result.groups) for step in result.run.steps],
        },
        "completion": [
            {
                "share": fraction_text(c.share),
                "selected": c.selected_count,
                "left_eur": c.left_eur,
                "left_hours": c.left_hours,
                "feasible": c.feasible,
                "exhaustive": c.exhaustive,
            }
            for c in result.completion
        ],
        "greedy": [
            {
                "project": g.item.project_id,
                "part": g.item.part,
                "approvals": g.item.approvals,
                "left_eur": g.left_eur,
                "left_hours": g.left_hours,
            }
            for g in result.greedy_steps
        ],
        "selected": [
            {"project": p.project_id, "part": p.part, "eur": p.cost_eur, "hours": p.cost_hours}
            for p in result.selected
        ],
        "total": {"eur": result.total_eur, "hours": result.total_hours},
        "unfunded": [
            {
                "project": u.project_id,
                "part": u.part,
                "reason": u.reason,
                "cost_eur": u.cost_eur,
                "cost_hours": u.cost_hours,
                "left_eur": u.left_eur,
                "left_hours": u.left_hours,
                "supporters_eur": fraction_text(u.supporters_eur),
                "supporters_hours": fraction_text(u.supporters_hours),
            }
            for u in result.unfunded
        ],
        "voters": [
            {
                "voter": v.voter_id,
                "funded": v.funded,
                "paid_eur": fraction_text(v.paid_eur),
                "paid_hours": fraction_text(v.paid_hours),
                "spent_eur": fraction_text(v.spent_eur),
                "spent_hours": fraction_text(v.spent_hours),
            }
            for v in voters
        ],
        "summary": {
            "voters": len(voters),
            "voters_funded": sum(1 for v in voters if v.funded),
        },
    }


def transcript_bytes(result: TallyResult) -> bytes:
    """RFC 8785 canonical JSON of ``transcript_document``."""
    return canonical_json(transcript_document(result))
