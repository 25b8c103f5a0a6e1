"""One run of the Method of Equal Shares over two resources (euros and hours), exactly.

Every voter group holds a euro wallet and an hours wallet. For a project (or a part of
one, an *item*) with costs ``cost_eur`` and ``cost_hours``, a voter's capacity is the
largest fraction of the item they could pay from both wallets at once::

    kappa_i = min(wallet_eur_i / cost_eur, wallet_hours_i / cost_hours)

(a term with cost 0 drops out). Paying a fraction ``f`` of the item costs ``f * cost_eur``
euros and ``f * cost_hours`` hours, so the scarcer resource binds. An item is
``rho``-affordable when ``sum_i min(kappa_i, rho) = 1`` over its paying supporters (the
approvers without a conflict of interest): each supporter pays the same fraction ``rho``
of the item, or everything they can if that is less. This is the Method of Equal Shares
with cost utilities in normalised units: with ``c = max(cost_eur / B_eur, cost_hours /
B_hours)`` and ``u_i = c``, ``rho * u_i`` is ``rho * c`` in normalised units, that is the
fraction ``rho`` of each resource's cost. With no hours (budget 0, all hour costs 0)
``kappa_i = wallet_i / cost`` and this is exactly pabutools' ``method_of_equal_shares``
with ``Cost_Sat``: its affordability factor is this ``rho``.

Each step buys the eligible item with the smallest ``rho`` (ties: the caller's tie key)
and charges its payers. Wallets only shrink, so an item's ``rho`` only grows: a ``rho``
computed earlier is a lower bound, and, as pabutools does, items whose bound already
exceeds the best ``rho`` of the step are not recomputed. All arithmetic is on
``fractions.Fraction``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

PART_WHOLE = "whole"
PART_CORE = "core"
PART_EXTENSION = "extension"

TieKey = tuple[Fraction, int, str, str, str]


@dataclass(frozen=True, slots=True)
class Item:
    """What a rule can select: a whole project, or the core or extension of one."""

    project_id: str
    part: str
    cost_eur: int
    cost_hours: int
    approvals: int
    normalised_cost: Fraction
    tie_key: TieKey


@dataclass(frozen=True, slots=True)
class VoterGroup:
    """Voters with the same ballot and conflicts: their wallets never differ."""

    voter_ids: tuple[str, ...]
    approved: frozenset[str]
    conflicted: frozenset[str]


@dataclass(frozen=True, slots=True)
class MesStep:
    """One purchase: each payer group pays ``fraction`` of the item per voter."""

    item: Item
    rho: Fraction
    payments: tuple[tuple[int, Fraction], ...]
    tied: tuple[Item, ...]
    wallets_left_eur: Fraction
    wallets_left_hours: Fraction


@dataclass(frozen=True, slots=True)
class MesRun:
    """The items bought at one starting share, in order, and the wallets left."""

    share: Fraction
    selected: tuple[Item, ...]
    steps: tuple[MesStep, ...]
    wallets_eur: tuple[Fraction, ...]
    wallets_hours: tuple[Fraction, ...]


def paying_groups(groups: Sequence[VoterGroup], project_id: str) -> tuple[int, ...]:
    """Indexes of the groups that approve the project and may pay for it."""
    return tuple(
        index
        for index, group in enumerate(groups)
        if project_id in group.approved and project_id not in group.conflicted
    )


def capacity(item: Item, wallet_eur: Fraction, wallet_hours: Fraction) -> Fraction:
    """The largest fraction of the item a voter can pay from both wallets."""
    if not item.cost_hours:
        return wallet_eur / item.cost_eur
    if not item.cost_eur:
        return wallet_hours / item.cost_hours
    return min(wallet_eur / item.cost_eur, wallet_hours / item.cost_hours)


def affordability(
    item: Item,
    payers: Sequence[int],
    sizes: Sequence[int],
    wallets_eur: Sequence[Fraction],
    wallets_hours: Sequence[Fraction],
) -> Fraction | None:
    """The smallest ``rho`` with ``sum min(kappa_i, rho) = 1``, or None if unaffordable."""
    capacities = sorted(
        (capacity(item, wallets_eur[g], wallets_hours[g]), sizes[g]) for g in payers
    )
    # If the loop ends without settling, the capacities sum to less than 1: had some
    # kappa >= remaining / rich, the rest alone would cover ``remaining``.
    remaining = Fraction(1)
    rich = sum(size for _, size in capacities)
    for kappa, size in capacities:
        rho = remaining / rich
        if kappa >= rho:
            return rho
        remaining -= kappa * size
        rich -= size
    return None


def run_equal_shares(
    items: Sequence[Item],
    extensions: Mapping[str, Item],
    groups: Sequence[VoterGroup],
    share: Fraction,
    budget_eur: int,
    budget_hours: int,
) -> MesRun:
    """Run MES with every voter starting at ``share`` of each budget.

    ``items`` are the whole projects and cores; ``extensions`` maps a project id to its
    extension, eligible once that project's core is bought.
    """
    sizes = [len(group.voter_ids) for group in groups]
    wallets_eur = [share * budget_eur for _ in groups]
    wallets_hours = [share * budget_hours for _ in groups]
    payers = {item.project_id: paying_groups(groups, item.project_id) for item in items}
    bound: dict[Item, Fraction] = {}
    candidates: set[Item] = set()

    def admit(item: Item) -> None:
        count = sum(sizes[g] for g in payers[item.project_id])
        if count:
            bound[item] = Fraction(1, count)
            candidates.add(item)

    for item in items:
        admit(item)
    selected: list[Item] = []
    steps: list[MesStep] = []
    left_eur = share * budget_eur * sum(sizes)
    left_hours = share * budget_hours * sum(sizes)
    while candidates:
        best: Fraction | None = None
        tied: list[Item] = []
        for item in sorted(candidates, key=lambda it: (bound[it], it.tie_key)):
            if best is not None and bound[item] > best:
                break
            rho = affordability(item, payers[item.project_id], sizes, wallets_eur, wallets_hours)
            if rho is None:
                candidates.discard(item)
                continue
            bound[item] = rho
            if best is None or rho < best:
                best, tied = rho, [item]
            elif rho == best:
                tied.append(item)
        if best is None:
            break
        tied.sort(key=lambda it: it.tie_key)
        chosen = tied[0]
        payments = []
        for g in payers[chosen.project_id]:
            fraction = min(capacity(chosen, wallets_eur[g], wallets_hours[g]), best)
            if chosen.cost_eur:
                paid = fraction * chosen.cost_eur
                wallets_eur[g] -= paid
                left_eur -= paid * sizes[g]
            if chosen.cost_hours:
                paid = fraction * chosen.cost_hours
                wallets_hours[g] -= paid
                left_hours -= paid * sizes[g]
            payments.append((g, fraction))
        candidates.discard(chosen)
        selected.append(chosen)
        steps.append(
            MesStep(
                item=chosen,
                rho=best,
                payments=tuple(payments),
                tied=tuple(tied) if len(tied) > 1 else (),
                wallets_left_eur=left_eur,
                wallets_left_hours=left_hours,
            )
        )
        if chosen.part == PART_CORE:
            extension = extensions[chosen.project_id]
            payers.setdefault(extension.project_id, payers[chosen.project_id])
            admit(extension)
    return MesRun(
        share=share,
        selected=tuple(selected),
        steps=tuple(steps),
        wallets_eur=tuple(wallets_eur),
        wallets_hours=tuple(wallets_hours),
    )
