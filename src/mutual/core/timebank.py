"""Time-bank rules with no I/O: exchange proposals and their life, durations, limit warnings.

A provider's "I provided N hours to X" is a *proposal*: it moves nothing until the
receiver signs the transaction it describes. It may be rejected with a reason, and it
expires after a delay; it is never accepted on anyone's behalf by the passing of time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from mutual.core.accounts import Account
from mutual.core.errors import LedgerError
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME

# Life slices and resource themes of the Mulhouse action plan (domain.md): the seed of
# every territory's taxonomy of offers and requests (migration 0027 copies them into the
# territory's own list, which its coordinators edit: core.territory_lists).
CATEGORIES: tuple[str, ...] = (
    "childhood",
    "youth",
    "work",
    "citizenship",
    "family",
    "lifelong_learning",
    "elderly",
    "culture_sport",
    "health",
    "social_reintegration",
    "energy",
    "land_buildings",
    "time",
    "money",
    "information",
)


class ProposalNotYours(LedgerError):
    code = "proposal_not_yours"


class ProposalNotPending(LedgerError):
    code = "proposal_not_pending"


class ProposalExpired(LedgerError):
    code = "proposal_expired"


class InvalidDuration(LedgerError):
    code = "invalid_duration"


class SelfExchange(LedgerError):
    code = "self_exchange"


class ImplausibleAmount(LedgerError):
    """An amount no one means (a slip of the keyboard): refused before anything is
    written. The page asks for a confirmation well below these, at USUAL_*."""

    code = "implausible_amount"


# What a person plausibly enters, in minutes: beyond USUAL_* the page asks "are you
# sure?"; beyond *_MAX the service refuses. One exchange is at most a day; a pledge at
# most 500 h a quarter (a full-time job's 35 h a week for 13 weeks is 455 h); a
# balance limit at most 1,000 h either way.
USUAL_EXCHANGE_MINUTES = 8 * 60
USUAL_PLEDGE_MINUTES = 40 * 60
USUAL_LIMIT_MINUTES = 200 * 60
EXCHANGE_MINUTES_MAX = 24 * 60
PLEDGE_MINUTES_MAX = 500 * 60
LIMIT_MINUTES_MAX = 1000 * 60


def check_plausible(minutes: int | None, most: int, *, field: str) -> None:
    """Refuse an amount of time (or a bound, either sign) beyond ``most`` minutes."""
    if minutes is not None and abs(minutes) > most:
        raise ImplausibleAmount(
            f"{minutes} minutes is beyond the {most} this accepts",
            field=field,
            facts={"unit": "TIME", "amount": abs(minutes), "most": most},
        )


class ProposalStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Proposal:
    """A provider's claim of hours given; ``id`` is the id of the transaction it proposes."""

    id: TransactionId
    provider: PrincipalId
    receiver: PrincipalId
    provider_account: AccountId
    receiver_account: AccountId
    minutes: int
    created_at: datetime
    expires_at: datetime
    status: ProposalStatus = ProposalStatus.PENDING
    memo: str = ""
    memo_salt: bytes = b""
    offer_id: UUID | None = None
    category: str | None = None
    reason: str | None = None
    # The group exchange this proposal is one share of (its id is then derived from it).
    group: UUID | None = None

    def status_at(self, now: datetime) -> ProposalStatus:
        """The status as of ``now``: a pending proposal past its expiry is expired even
        before a sweep has recorded it."""
        if self.status is ProposalStatus.PENDING and now >= self.expires_at:
            return ProposalStatus.EXPIRED
        return self.status


def check_duration(minutes: int, *, step: int, field: str = "minutes") -> None:
    """A duration is a positive whole number of steps (a quarter of an hour by default)."""
    if minutes <= 0:
        raise InvalidDuration("a duration is more than zero minutes", field=field)
    if minutes % step:
        raise InvalidDuration(f"durations are counted in steps of {step} minutes", field=field)


def check_parties(provider: PrincipalId, receiver: PrincipalId, *, field: str = "receiver") -> None:
    if provider == receiver:
        raise SelfExchange("the provider and the receiver are two members", field=field)


def check_decidable(proposal: Proposal, actor: PrincipalId, now: datetime) -> None:
    """Refuse unless ``actor`` is the receiver and the proposal is still open."""
    if actor != proposal.receiver:
        raise ProposalNotYours("only the receiver confirms or rejects a proposal", field="id")
    status = proposal.status_at(now)
    if status is ProposalStatus.EXPIRED:
        raise ProposalExpired("the proposal expired before it was answered", field="id")
    if status is not ProposalStatus.PENDING:
        raise ProposalNotPending(f"the proposal is already {status.value}", field="id")


def proposal_transaction(proposal: Proposal) -> Transaction:
    """The transaction the receiver signs to confirm: their account pays the provider's."""
    references = {"proposal": str(proposal.id)}
    if proposal.offer_id is not None:
        references["offer"] = str(proposal.offer_id)
    if proposal.category is not None:
        references["category"] = proposal.category
    if proposal.group is not None:
        references["group"] = str(proposal.group)
    return Transaction(
        proposal.id,
        TransactionKind.EXCHANGE,
        (
            Posting(proposal.receiver_account, TIME, -proposal.minutes),
            Posting(proposal.provider_account, TIME, proposal.minutes),
        ),
        proposal.provider,
        proposal.memo,
        references,
        None,
        proposal.memo_salt,
    )


class LimitState(StrEnum):
    WITHIN = "within"
    NEAR_MIN = "near_min"
    NEAR_MAX = "near_max"
    PAST_MIN = "past_min"
    PAST_MAX = "past_max"


def limit_state(account: Account, *, warning_margin: int) -> LimitState:
    """Where a balance stands against its bounds: within ``warning_margin`` of one is
    "near" (the soft threshold); at or beyond it is "past" (nothing more can move that
    way; a bound lowered below a balance leaves it beyond)."""
    low, high, balance = account.balance_min, account.balance_max, account.balance
    if low is not None and balance <= low:
        return LimitState.PAST_MIN
    if high is not None and balance >= high:
        return LimitState.PAST_MAX
    if low is not None and balance - low <= warning_margin:
        return LimitState.NEAR_MIN
    if high is not None and high - balance <= warning_margin:
        return LimitState.NEAR_MAX
    return LimitState.WITHIN


def format_duration(minutes: int, language: str) -> str:
    """Minutes as people read them: "1 h 30" in French, "1 h 30 min" in English."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if not hours:
        return f"{sign}{rest} min"
    if not rest:
        return f"{sign}{hours} h"
    return f"{sign}{hours} h {rest:02d}" if language == "fr" else f"{sign}{hours} h {rest} min"
