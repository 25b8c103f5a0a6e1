"""The Method of Equal Shares over two resources (euros and hours), exactly.

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
exceeds the best ``rho`` of the step are not recomputed (this never changes the result:
such an item's ``rho`` is above the best, so it is neither bought nor tied).

Exact arithmetic on integers. Within one run every wallet is an integer over one common
denominator ``den``; a purchase multiplies ``den`` (and every wallet) by the factor that
makes its payments whole, so comparing a capacity with ``rho`` is an integer comparison
and nothing is rounded. Groups whose wallets are equal (all at the start; later, those
that paid the same) share one stored *wallet state*, so that rescaling costs one
multiplication per state. Results leave as ``fractions.Fraction`` (``MesRun``).

Stability in the share (used by the Add1 completion, ``core/tally.py``). Along one run,
as long as every decision the run takes is the same, each wallet, capacity and ``rho`` is
an affine function of the starting share ``s``: the run's arithmetic only adds, subtracts
and scales by constants. So a run can carry each quantity's derivative in ``s`` next to
its value, and every decision becomes a condition ``value + slope * (s - share) >= 0``
(or ``> 0``) that holds at ``share``; while all hold, a run at ``s`` takes the same
decisions and selects the same items. ``Run.same_for`` is the number of following
shares ``share + k * step`` at which every condition is proven to hold. The conditions:

- for the item bought, which resource binds each payer's capacity and which payers are
  capped (``kappa_i < rho``): these make its ``rho`` and payments the same affine
  functions of ``s``;
- for every other candidate, that it still loses: a lower bound on its ``rho`` stays above
  the bought item's ``rho`` (at or above it when the tie key favours the bought one). Any
  set ``C`` of payers with capacities replaced by any of their terms gives a lower bound
  ``(1 - sum_C size_i * term_i) / (N - |C|)`` (see ``Run._price``), so the bound computed
  at the share, or at an earlier step, holds at every ``s`` without conditions of its own;
- for an item found unaffordable, that its payers' capacities still sum to less than one
  (each capacity is at most the term used, so no condition on which term binds).
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import repeat
from math import lcm
from operator import itemgetter, mul

PART_WHOLE = "whole"
PART_CORE = "core"
PART_EXTENSION = "extension"

TieKey = tuple[Fraction, int, str, str, str]

_PASSES = 4  # filtering passes over an item's payers before sorting them (``Run._price``)


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

    def __hash__(self) -> int:
        # A project's parts are distinct items, and hashing its id and part alone spares
        # hashing a Fraction (items are set members and dict keys throughout).
        return hash((self.project_id, self.part))


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


@dataclass(frozen=True, slots=True)
class _Spec:
    """An item as a run sees it: its payers and the scale of its capacities.

    A payer's capacity is ``K / (den * scale)`` with the integer ``K`` being
    ``min(wallet_eur * cost_hours, wallet_hours * cost_eur)`` when the item asks both
    resources (``scale = cost_eur * cost_hours``), else the one wallet it asks
    (``scale`` = that cost).
    """

    item: Item
    rank: int
    payers: tuple[int, ...]
    gather: Callable[[Sequence[int]], tuple[int, ...]]  # the payers' entries of a list
    sizes: tuple[int, ...]
    count: int
    scale: int
    extension: int | None


# The run's own records below are not frozen: a frozen dataclass sets each field through
# ``object.__setattr__``, three times the cost of building a plain one, and these are
# built at every price and purchase (they are never changed once built).


@dataclass(slots=True)
class _Price:
    """An item's ``rho = num / den`` at the current wallets, with ``d rho / d share =
    slope / den`` (0 when not tracking), the payers' capacities ``K`` and which of them
    are capped."""

    num: int
    slope: int
    den: int
    rich: int
    capacities: list[int]
    capped: list[int]


class _Queued:
    """A candidate in the run's queue, ordered by its bound ``num / den`` (compared
    exactly by cross-multiplying, cheaper than ``Fraction``), then its tie rank."""

    __slots__ = ("den", "index", "num", "rank")

    def __init__(self, num: int, den: int, rank: int, index: int) -> None:
        self.num, self.den, self.rank, self.index = num, den, rank, index

    def __lt__(self, other: _Queued) -> bool:
        left, right = self.num * other.den, other.num * self.den
        return left < right or (left == right and self.rank < other.rank)


@dataclass(slots=True)
class _Bound:
    """A lower bound on a candidate's ``rho``, affine in the share: ``num / den`` at the
    run's share, ``slope / den`` its derivative."""

    num: int
    slope: int
    den: int


@dataclass(slots=True)
class _RawStep:
    """A purchase as integers; turned into a ``MesStep`` only when the run is kept."""

    chosen: int
    rho: Fraction
    capped: tuple[tuple[int, int, int], ...]  # (position among payers, num, den)
    tied: tuple[int, ...]
    left_eur: int
    left_hours: int
    den: int


def _gather(indexes: tuple[int, ...]) -> Callable[[Sequence[int]], tuple[int, ...]]:
    """``seq -> tuple(seq[i] for i in indexes)``, in C (``itemgetter`` of one index
    returns the entry itself, not a tuple)."""
    if len(indexes) == 1:
        (index,) = indexes
        return lambda seq: (seq[index],)
    if not indexes:
        return lambda seq: ()
    return itemgetter(*indexes)


class EqualShares:
    """One electorate and its items: each item's payers found once, then any number of
    runs at different starting shares."""

    def __init__(
        self,
        items: Sequence[Item],
        extensions: Mapping[str, Item],
        groups: Sequence[VoterGroup],
        budget_eur: int,
        budget_hours: int,
    ) -> None:
        self.groups = tuple(groups)
        self.budget_eur = budget_eur
        self.budget_hours = budget_hours
        self.sizes = [len(group.voter_ids) for group in groups]
        members: dict[str, list[int]] = {}
        for index, group in enumerate(groups):
            for pid in group.approved - group.conflicted:
                members.setdefault(pid, []).append(index)
        ranks = {
            id(item): rank
            for rank, item in enumerate(
                sorted([*items, *extensions.values()], key=lambda it: it.tie_key)
            )
        }
        specs: list[_Spec] = []

        def spec(item: Item, extension: int | None) -> int:
            payers = tuple(members.get(item.project_id, ()))  # in group order
            sizes = tuple(self.sizes[g] for g in payers)
            eur, hours = item.cost_eur, item.cost_hours
            scale = eur * hours if eur and hours else eur or hours
            specs.append(
                _Spec(
                    item,
                    ranks[id(item)],
                    payers,
                    _gather(payers),
                    sizes,
                    sum(sizes),
                    scale,
                    extension,
                )
            )
            return len(specs) - 1

        self.initial: list[int] = []
        for item in items:
            ext = extensions.get(item.project_id) if item.part == PART_CORE else None
            ext_index = spec(ext, None) if ext is not None else None
            self.initial.append(spec(item, ext_index))
        self.specs = specs
        self.payers: Mapping[str, tuple[int, ...]] = {
            pid: tuple(indexes) for pid, indexes in members.items()
        }

    def payable(self, project_id: str) -> bool:
        """Whether anyone can pay for the project: an approver free of conflict."""
        return project_id in self.payers

    def run(self, share: Fraction, step: Fraction | None = None) -> Run:
        """Equal Shares with every voter starting at ``share`` of each budget; with a
        ``step``, also how many following shares ``share + k * step`` surely select the
        same items (``Run.same_for``)."""
        run = Run(self, share, step)
        run.execute()
        return run


class Run:
    """One run of Equal Shares at one starting share (see the module docstring)."""

    def __init__(self, shares: EqualShares, share: Fraction, step: Fraction | None) -> None:
        self.shares = shares
        self.share = share
        count = len(shares.groups)
        # Wallets as integers over ``den``; their derivatives in the share likewise. Groups
        # with the same wallets share one *state* (all of them at the start, and most
        # later: a wallet is what is left after the same payments), so that a purchase
        # rescales one number per state, not per group. ``state[g]`` is group g's.
        self.den = share.denominator
        self.state = [0] * count
        self.members = [count]  # groups per state
        self.eur = [share.numerator * shares.budget_eur]
        self.hours = [share.numerator * shares.budget_hours]
        self.tracking = step is not None and step > 0
        self.step = step if step is not None else Fraction(0)
        self.eur_slope = [shares.budget_eur * self.den] if self.tracking else []
        self.hours_slope = [shares.budget_hours * self.den] if self.tracking else []
        voters = sum(shares.sizes)
        self.left_eur = share.numerator * shares.budget_eur * voters
        self.left_hours = share.numerator * shares.budget_hours * voters
        self.selected: list[Item] = []
        self.raw_steps: list[_RawStep] = []
        # The number of following shares at which every condition holds: None when not
        # proving, or while no condition limits it (``_add1`` then skips nothing).
        self.same_for: int | None = None

    # --- the conditions ------------------------------------------------------------------

    def _holds_while(self, value: int, slope: int, *, strict: bool) -> None:
        """Record the condition ``value + slope * (s - share) >= 0`` (``> 0`` if strict),
        true at the share (``value``, ``slope`` over one positive denominator)."""
        if slope >= 0:
            return  # it only grows with s
        # s - share may reach value / -slope, that is k steps of ``step``:
        limit = value * self.step.denominator
        per_step = -slope * self.step.numerator
        steps, rest = divmod(limit, per_step)
        if strict and rest == 0:
            steps -= 1  # at exactly the limit it fails
        if self.same_for is None or steps < self.same_for:
            self.same_for = steps
            if steps == 0:
                self.tracking = False  # nothing more to prove: the next share must run

    def _capacity_slope(self, spec: _Spec, k: int) -> int:
        """The derivative of the capacity ``K`` of wallet state ``k`` (its binding term)."""
        eur, hours = spec.item.cost_eur, spec.item.cost_hours
        if not hours:
            return self.eur_slope[k]
        if not eur:
            return self.hours_slope[k]
        if self.eur[k] * hours <= self.hours[k] * eur:
            return self.eur_slope[k] * hours
        return self.hours_slope[k] * eur

    # --- prices --------------------------------------------------------------------------

    def _price(self, spec: _Spec) -> _Price | None:
        """The item's ``rho``, or None if its payers cannot afford it.

        The capped payers are those whose capacity is below ``rho``: they pay all they
        can, the others the equal fraction ``rho = remaining / rich`` of what the capped
        leave. In integers, with ``kappa = K / (den * scale)`` and ``remaining = R /
        (den * scale)``, ``kappa < remaining / rich`` is ``K * rich < R``. For any set
        of capped payers, and any term in place of each capacity, ``(1 - sum_C size *
        term) / rich`` is at most the true ``rho``: were ``rho`` smaller, ``sum
        min(kappa, rho)`` would fall short of 1 (the lower bounds of ``Run``)."""
        eur_cost, hours_cost = spec.item.cost_eur, spec.item.cost_hours
        states = spec.gather(self.state)
        if eur_cost and hours_cost:
            capacities = list(
                map(
                    min,
                    map(mul, map(self.eur.__getitem__, states), repeat(hours_cost)),
                    map(mul, map(self.hours.__getitem__, states), repeat(eur_cost)),
                )
            )
        else:
            wallets = self.eur if eur_cost else self.hours
            capacities = list(map(wallets.__getitem__, states))
        remaining = self.den * spec.scale
        rich = spec.count
        sizes = spec.sizes
        # Capped are the payers below the final rho. Those below the current
        # ``remaining / rich`` are below it (rho only rises as payers drop out), so each
        # pass caps all of them at once; none left below means ``rho`` is found. Mostly
        # nobody is capped and one pass over the capacities is all. Past a few passes,
        # the rest is walked in increasing capacity (bounded work on any input).
        capped: list[int] = []
        rest: Sequence[int] = range(len(capacities))
        if min(capacities) * rich < remaining:  # else nobody is capped: one C-level pass
            for _ in range(_PASSES):
                threshold = -(-remaining // rich)  # K < threshold  <=>  K * rich < remaining
                below = [position for position in rest if capacities[position] < threshold]
                if not below:
                    break
                for position in below:
                    remaining -= capacities[position] * sizes[position]
                    rich -= sizes[position]
                capped += below
                if not rich:
                    break
                rest = [position for position in rest if capacities[position] >= threshold]
            else:
                for position in sorted(rest, key=capacities.__getitem__):
                    capacity = capacities[position]
                    if capacity * rich >= remaining:
                        break
                    remaining -= capacity * sizes[position]
                    rich -= sizes[position]
                    capped.append(position)
        slope = 0
        if self.tracking:
            slope = -sum(sizes[p] * self._capacity_slope(spec, states[p]) for p in capped)
        if not rich:
            if self.tracking:
                # The capacities (each at most the term used) sum to less than one.
                self._holds_while(remaining, slope, strict=True)
            return None
        den = self.den * spec.scale * rich
        return _Price(remaining, slope, den, rich, capacities, capped)

    # --- the run -------------------------------------------------------------------------

    def execute(self) -> None:
        specs = self.shares.specs
        bounds: dict[int, _Bound] = {}
        heap: list[_Queued] = []

        def admit(index: int) -> None:
            spec = specs[index]
            if spec.count:
                bounds[index] = _Bound(1, 0, spec.count)
                heapq.heappush(heap, _Queued(1, spec.count, spec.rank, index))

        for index in self.shares.initial:
            admit(index)
        while heap:
            best: _Price | None = None
            computed: list[tuple[int, _Price]] = []
            # Bounds up to the best rho found so far (cross-multiplied: exact).
            while heap and (best is None or heap[0].num * best.den <= best.num * heap[0].den):
                index = heapq.heappop(heap).index
                price = self._price(specs[index])
                if price is None:
                    del bounds[index]  # wallets only shrink: never affordable again
                    continue
                computed.append((index, price))
                if best is None or price.num * best.den < best.num * price.den:
                    best = price
            if best is None:
                break
            if len(computed) == 1:
                ((chosen, chosen_price),) = computed
                tied = [chosen]
            else:
                tied = sorted(
                    (i for i, p in computed if p.num * best.den == best.num * p.den),
                    key=lambda i: specs[i].rank,
                )
                chosen = tied[0]
                chosen_price = next(p for i, p in computed if i == chosen)
            for index, price in computed:
                if index != chosen:
                    bounds[index] = _Bound(price.num, price.slope, price.den)
                    heapq.heappush(heap, _Queued(price.num, price.den, specs[index].rank, index))
            del bounds[chosen]
            if self.tracking:
                self._others_lose(chosen, chosen_price, bounds)
            if self.tracking:
                self._same_purchase(specs[chosen], chosen_price)
            self._buy(chosen, chosen_price, tuple(tied) if len(tied) > 1 else ())
            extension = specs[chosen].extension
            if extension is not None:
                admit(extension)

    def _others_lose(self, chosen: int, price: _Price, bounds: Mapping[int, _Bound]) -> None:
        """Every other candidate's bound stays above the bought item's ``rho``."""
        specs = self.shares.specs
        rank = specs[chosen].rank
        for index, bound in bounds.items():
            value = bound.num * price.den - price.num * bound.den
            slope = bound.slope * price.den - price.slope * bound.den
            self._holds_while(value, slope, strict=specs[index].rank < rank)
            if not self.tracking:
                return

    def _same_purchase(self, spec: _Spec, price: _Price) -> None:
        """Each payer's binding resource, and whether it is capped, stay as they are (once
        per wallet state: payers in one state have the same conditions)."""
        eur_cost, hours_cost = spec.item.cost_eur, spec.item.cost_hours
        capped = set(price.capped)
        seen: set[int] = set()
        for position, k in enumerate(spec.gather(self.state)):
            if k in seen:
                continue
            seen.add(k)
            if eur_cost and hours_cost:
                margin = self.hours[k] * eur_cost - self.eur[k] * hours_cost
                margin_slope = self.hours_slope[k] * eur_cost - self.eur_slope[k] * hours_cost
                if margin < 0:
                    margin, margin_slope = -margin, -margin_slope
                self._holds_while(margin, margin_slope, strict=False)
            # kappa <= rho for a capped payer, kappa >= rho for the others.
            value = price.capacities[position] * price.rich - price.num
            slope = self._capacity_slope(spec, k) * price.rich - price.slope
            if position in capped:
                value, slope = -value, -slope
            self._holds_while(value, slope, strict=False)
            if not self.tracking:
                return

    def _buy(self, chosen: int, price: _Price, tied: tuple[int, ...]) -> None:
        """Charge the payers: capped ones all of their binding wallet (and the same
        fraction of the other), the others ``rho`` of the item each. Payers in one
        wallet state pay alike (same wallets, same capacity, so all capped or none):
        they move together to one new state, or keep theirs if it holds no one else."""
        spec = self.shares.specs[chosen]
        eur_cost, hours_cost = spec.item.cost_eur, spec.item.cost_hours
        both = bool(eur_cost and hours_cost)
        # ``factor`` makes every payment below a whole multiple of 1 / (den * factor):
        # rho * cost needs rich * (the other cost), a capped payer's other resource
        # needs the binding cost.
        factor = price.rich * lcm(eur_cost, hours_cost) if both else price.rich
        self._rescale(factor)
        # rho * cost in the new units: num * cost * factor / (scale * rich); the
        # uncapped payers number ``rich`` voters.
        unit = spec.scale * price.rich
        pay_eur = price.num * eur_cost * factor // unit
        pay_hours = price.num * hours_cost * factor // unit
        slope_eur = price.slope * eur_cost * factor // unit
        slope_hours = price.slope * hours_cost * factor // unit
        self.left_eur -= pay_eur * price.rich
        self.left_hours -= pay_hours * price.rich
        tracking = self.tracking
        eur, hours, eur_slope, hours_slope = self.eur, self.hours, self.eur_slope, self.hours_slope
        members = self.members
        states = spec.gather(self.state)
        # Payers in one state pay alike, so the work is per state (``paying``, in order
        # of first payer), and only the payers of a state that splits are written to.
        paying = Counter(states)
        capped_states = {states[position] for position in price.capped}
        moved: dict[int, int] = {}  # a state before paying -> the new one, if it split
        paid: dict[int, tuple[int, int, int, int]] = {}  # capped state -> eur, hours, num, den
        slope_left_eur = slope_left_hours = 0  # the new slopes, when proving
        for k, count in paying.items():
            if k not in capped_states:
                left_eur, left_hours = eur[k] - pay_eur, hours[k] - pay_hours
                if tracking:
                    slope_left_eur = eur_slope[k] - slope_eur
                    slope_left_hours = hours_slope[k] - slope_hours
            elif not hours_cost or (eur_cost and eur[k] * hours_cost <= hours[k] * eur_cost):
                paid_hours = eur[k] * hours_cost // eur_cost
                paid[k] = (eur[k], paid_hours, eur[k], self.den * eur_cost)
                left_eur, left_hours = 0, hours[k] - paid_hours
                if tracking:
                    slope_left_eur = 0
                    slope_left_hours = hours_slope[k] - eur_slope[k] * hours_cost // eur_cost
            else:
                paid_eur = hours[k] * eur_cost // hours_cost
                paid[k] = (paid_eur, hours[k], hours[k], self.den * hours_cost)
                left_eur, left_hours = eur[k] - paid_eur, 0
                if tracking:
                    slope_left_eur = eur_slope[k] - hours_slope[k] * eur_cost // hours_cost
                    slope_left_hours = 0
            # Written out per array, not looped over them: this runs for every state of
            # every purchase (most of a large electorate's run).
            if members[k] == count:  # nobody stays behind: the state itself moves
                eur[k], hours[k] = left_eur, left_hours
                if tracking:
                    eur_slope[k], hours_slope[k] = slope_left_eur, slope_left_hours
            else:  # the payers move to a new state
                members[k] -= count
                moved[k] = len(members)
                members.append(count)
                eur.append(left_eur)
                hours.append(left_hours)
                if tracking:
                    eur_slope.append(slope_left_eur)
                    hours_slope.append(slope_left_hours)
        if moved:
            # ``state[g] = moved.get(k, k)`` for every payer, in C.
            deque(map(self.state.__setitem__, spec.payers, map(moved.get, states, states)), 0)
        capped_payments: list[tuple[int, int, int]] = []
        for position in sorted(price.capped):
            paid_eur, paid_hours, num, den = paid[states[position]]
            capped_payments.append((position, num, den))
            self.left_eur -= paid_eur * spec.sizes[position]
            self.left_hours -= paid_hours * spec.sizes[position]
        self.selected.append(spec.item)
        self.raw_steps.append(
            _RawStep(
                chosen,
                Fraction(price.num, price.den),
                tuple(capped_payments),
                tied,
                self.left_eur,
                self.left_hours,
                self.den,
            )
        )

    def _rescale(self, factor: int) -> None:
        """Multiply the common denominator, and so every numerator (one per wallet
        state), by ``factor``. A resource without budget has only zero wallets."""
        if factor == 1:
            return
        self.den *= factor
        self.left_eur *= factor
        self.left_hours *= factor
        if self.shares.budget_eur:
            self.eur = list(map(mul, self.eur, repeat(factor)))
            if self.tracking:
                self.eur_slope = list(map(mul, self.eur_slope, repeat(factor)))
        if self.shares.budget_hours:
            self.hours = list(map(mul, self.hours, repeat(factor)))
            if self.tracking:
                self.hours_slope = list(map(mul, self.hours_slope, repeat(factor)))

    def _payments(self, raw: _RawStep) -> tuple[tuple[int, Fraction], ...]:
        """Each payer group and the fraction of the item it paid: ``rho``, or, capped,
        all it could."""
        capped = {position: Fraction(num, den) for position, num, den in raw.capped}
        payers = self.shares.specs[raw.chosen].payers
        return tuple((g, capped.get(position, raw.rho)) for position, g in enumerate(payers))

    def mes_run(self) -> MesRun:
        """The run as exact fractions, for the transcript."""
        specs = self.shares.specs
        steps = tuple(
            MesStep(
                item=specs[raw.chosen].item,
                rho=raw.rho,
                payments=self._payments(raw),
                tied=tuple(specs[i].item for i in raw.tied),
                wallets_left_eur=Fraction(raw.left_eur, raw.den),
                wallets_left_hours=Fraction(raw.left_hours, raw.den),
            )
            for raw in self.raw_steps
        )
        return MesRun(
            share=self.share,
            selected=tuple(self.selected),
            steps=steps,
            wallets_eur=tuple(Fraction(self.eur[k], self.den) for k in self.state),
            wallets_hours=tuple(Fraction(self.hours[k], self.den) for k in self.state),
        )
