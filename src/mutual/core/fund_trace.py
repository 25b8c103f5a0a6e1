"""Where a partner's money went: each contribution followed through the fund's grants,
repayments and the projects' payments, in proportion, with exact fractions.

Money in the fund is one pool: a grant takes from every contribution still in it in
proportion to what each has left; a repayment takes from its own deposit first; a
project's payment takes from the grants it received in proportion to what is left of
each. Amounts are rounded to cents only for display.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from uuid import UUID


@dataclass(frozen=True, slots=True)
class FundIn:
    """Money entering the fund: a contribution (``source`` is its id) or anything else
    (a correction, a transfer): ``source`` None, an untraced share."""

    tx_id: UUID
    amount: int
    source: UUID | None


@dataclass(frozen=True, slots=True)
class Repaid:
    tx_id: UUID
    contribution_id: UUID
    amount: int


@dataclass(frozen=True, slots=True)
class Granted:
    tx_id: UUID
    project_id: UUID
    amount: int


@dataclass(frozen=True, slots=True)
class FundOut:
    """Money leaving the fund otherwise (a correction): drawn from every share alike."""

    tx_id: UUID
    amount: int


@dataclass(frozen=True, slots=True)
class Disbursed:
    """A project's payment; ``balance_before`` is the project's EUR balance just before
    it, so money the project got from elsewhere takes its share of the payment."""

    tx_id: UUID
    project_id: UUID
    amount: int
    balance_before: int


FundEvent = FundIn | Repaid | Granted | FundOut | Disbursed


@dataclass(slots=True)
class ContributionTrace:
    contribution_id: UUID
    amount: int
    grants: dict[UUID, Fraction] = field(default_factory=dict)
    disbursements: dict[UUID, Fraction] = field(default_factory=dict)
    repaid: Fraction = Fraction(0)
    other_out: Fraction = Fraction(0)
    in_fund: Fraction = Fraction(0)


@dataclass(frozen=True, slots=True)
class Trace:
    contributions: dict[UUID, ContributionTrace]
    grant_projects: dict[UUID, UUID]
    disbursement_projects: dict[UUID, UUID]


def trace(events: Sequence[FundEvent]) -> Trace:
    """Follow each contribution in log order, in proportion, exactly.

    A contribution adds a share; a repayment takes from its own deposit's share, and
    any shortfall (the deposit's share was already granted on) from all other shares
    in proportion; a grant draws from every share in proportion to the shares at that
    moment; a disbursement draws from what remains of each grant to its project, in
    proportion to the project's whole balance. For every contribution,
    sum(grants) + repaid + other_out + in_fund == amount.
    """
    shares: dict[UUID | None, Fraction] = {}
    out: dict[UUID, ContributionTrace] = {}
    # What remains at each project of each (contribution, grant) draw.
    at_project: dict[UUID, dict[tuple[UUID, UUID], Fraction]] = {}
    grant_projects: dict[UUID, UUID] = {}
    disbursement_projects: dict[UUID, UUID] = {}

    def draw(amount: Fraction, exclude: UUID | None = None) -> dict[UUID | None, Fraction]:
        pool = {k: v for k, v in shares.items() if v and (exclude is None or k != exclude)}
        total = sum(pool.values(), Fraction(0))
        if total == 0:
            return {}
        taken = {k: v * amount / total if amount < total else v for k, v in pool.items()}
        for k, v in taken.items():
            shares[k] -= v
        return taken

    for event in events:
        if isinstance(event, FundIn):
            shares[event.source] = shares.get(event.source, Fraction(0)) + event.amount
            if event.source is not None:
                out.setdefault(
                    event.source, ContributionTrace(event.source, 0)
                ).amount += event.amount
        elif isinstance(event, Repaid):
            own = min(shares.get(event.contribution_id, Fraction(0)), Fraction(event.amount))
            taken: dict[UUID | None, Fraction] = {}
            if own:
                shares[event.contribution_id] -= own
                taken[event.contribution_id] = own
            for k, v in draw(event.amount - own, exclude=event.contribution_id).items():
                taken[k] = taken.get(k, Fraction(0)) + v
            for k, v in taken.items():
                if k is not None:
                    out[k].repaid += v
        elif isinstance(event, Granted):
            grant_projects[event.tx_id] = event.project_id
            pool = at_project.setdefault(event.project_id, {})
            for k, v in draw(Fraction(event.amount)).items():
                if k is not None:
                    out[k].grants[event.tx_id] = v
                    pool[(k, event.tx_id)] = pool.get((k, event.tx_id), Fraction(0)) + v
        elif isinstance(event, FundOut):
            for k, v in draw(Fraction(event.amount)).items():
                if k is not None:
                    out[k].other_out += v
        else:
            pool = at_project.get(event.project_id, {})
            traced = sum(pool.values(), Fraction(0))
            whole = max(Fraction(event.balance_before), traced)
            if whole == 0:
                continue
            disbursement_projects[event.tx_id] = event.project_id
            ratio = min(Fraction(event.amount) / whole, Fraction(1))
            for (k, _grant), v in pool.items():
                paid = v * ratio
                pool[(k, _grant)] = v - paid
                if paid:
                    slot = out[k].disbursements
                    slot[event.tx_id] = slot.get(event.tx_id, Fraction(0)) + paid
    for k, trace_of in out.items():
        trace_of.in_fund = shares.get(k, Fraction(0))
    return Trace(out, grant_projects, disbursement_projects)


def floor_cents(value: Fraction) -> int:
    """Display rounding: floor to the cent; the caller reports what rounding left over."""
    return value.numerator // value.denominator
