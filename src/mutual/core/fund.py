"""The co-responsibility fund in ``EUR`` (cents): contributions, deposits, repayments,
grants and disbursements as transactions between these accounts:

    partner(p)   owned by p's principal, balance_max 0: minus what p gave as gifts
    deposit(c)   owned by the depositor, bounds [-amount, 0]: minus what is still owed
    fund         the commons' fund (commons_pool), balance_min 0
    project(P)   P's EUR account (opened with the project), balance_min 0
    payees       the outside world the projects pay (suppliers, venues...)

    contribution   partner(p) -X → fund +X      signed by p (a gift)
    deposit        deposit(c) -X → fund +X      signed by p (savings lent to the fund)
    repayment      fund -Y → deposit(c) +Y      signed by an operator
    grant          fund -X → project(P) +X      signed by an operator (a recorded decision)
    disbursement   project(P) -X → payees +X    signed by P's lead, on P's behalf

The ledger's bounds hold the hard rules even under concurrency: a deposit is never
repaid beyond what it lent (deposit(c) never rises above 0), the fund and a project
never spend more than they hold. The *available* balance is stricter than the fund's
balance: deposits due by the end of the next quarter are kept aside for repayment.
Tracing ("where did my money go") follows each contribution through grants and
disbursements in proportion, with exact fractions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final
from uuid import UUID

from mutual.core import derived
from mutual.core.accounts import Account, OwnerKind, open_account
from mutual.core.errors import LedgerError
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.quarters import quarter_of
from mutual.core.roles import AccountRole, RoleName
from mutual.core.transactions import Transaction, TransactionKind, transfer_transaction
from mutual.core.units import EUR

FUND_OWNER: Final = "fund"
PAYEES_OWNER: Final = "payees"


class FundError(LedgerError):
    code = "fund_error"


class NotADeposit(FundError):
    """Only a deposit is repaid; a gift belongs to the fund."""

    code = "not_a_deposit"


class ExceedsOwed(FundError):
    code = "exceeds_owed"


class ExceedsAvailable(FundError):
    code = "exceeds_available"


class PartnerKind(StrEnum):
    CITY = "city"
    FOUNDATION = "foundation"
    COMPANY = "company"
    ASSOCIATION = "association"
    RESIDENT = "resident"

    @property
    def owner_kind(self) -> OwnerKind:
        """A resident gives as a member; every other partner as an organisation."""
        return OwnerKind.MEMBER if self is PartnerKind.RESIDENT else OwnerKind.ORGANISATION


class ContributionKind(StrEnum):
    GIFT = "gift"
    DEPOSIT = "deposit"


# Account ids are derived from what the account is for (core.derived), so a resent
# request composes the same openings and an opening already done is an identical replay.
fund_account_id = derived.fund_account_id
payees_account_id = derived.payees_account_id
partner_account_id = derived.partner_account_id
deposit_account_id = derived.deposit_account_id


def fund_account() -> Account:
    return open_account(
        fund_account_id(),
        EUR,
        OwnerKind.COMMONS_POOL,
        FUND_OWNER,
        0,
        None,
        AccountRole(RoleName.FUND),
    )


def payees_account() -> Account:
    return open_account(
        payees_account_id(),
        EUR,
        OwnerKind.OUTSIDE_WORLD,
        PAYEES_OWNER,
        None,
        None,
        AccountRole(RoleName.PAYEES),
    )


def partner_account(partner_id: UUID, kind: PartnerKind, principal_id: PrincipalId) -> Account:
    """What the partner gave: only ever debited, so its balance is minus its gifts."""
    return open_account(
        partner_account_id(partner_id),
        EUR,
        kind.owner_kind,
        str(principal_id),
        None,
        0,
        AccountRole(RoleName.PARTNER, partner=partner_id),
    )


def deposit_account(
    contribution_id: UUID,
    kind: PartnerKind,
    principal_id: PrincipalId,
    amount: int,
    repayment_due: date | None,
    partner_id: UUID,
) -> Account:
    """One deposit's debt: from -amount (all owed) up to 0 (repaid), never beyond. Its
    repayment date is part of its role, so the fund's available balance can be folded
    from the log alone."""
    role = AccountRole(
        RoleName.DEPOSIT,
        partner=partner_id,
        contribution=contribution_id,
        repayment_due=repayment_due,
    )
    return open_account(
        deposit_account_id(contribution_id),
        EUR,
        kind.owner_kind,
        str(principal_id),
        -amount,
        0,
        role,
    )


def contribution_transaction(
    tx_id: TransactionId,
    initiator: PrincipalId,
    partner_id: UUID,
    kind: ContributionKind,
    amount: int,
    repayment_due: date | None,
) -> Transaction:
    """A gift from the partner's account, or a deposit from its own deposit account.

    A deposit's repayment date is a reference, so an auditor can recompute from the log
    alone what the fund owes and when.
    """
    references = {"partner": str(partner_id)}
    if kind is ContributionKind.GIFT:
        payer = partner_account_id(partner_id)
        tx_kind = TransactionKind.CONTRIBUTION
    else:
        payer = deposit_account_id(tx_id)
        tx_kind = TransactionKind.DEPOSIT
        if repayment_due is not None:
            references["repayment_due"] = repayment_due.isoformat()
    return transfer_transaction(
        tx_id, tx_kind, EUR, payer, fund_account_id(), amount, initiator, references
    )


def repayment_transaction(
    tx_id: TransactionId, initiator: PrincipalId, contribution_id: UUID, amount: int
) -> Transaction:
    return transfer_transaction(
        tx_id,
        TransactionKind.REPAYMENT,
        EUR,
        fund_account_id(),
        deposit_account_id(contribution_id),
        amount,
        initiator,
        {"contribution": str(contribution_id)},
    )


def grant_transaction(
    tx_id: TransactionId,
    initiator: PrincipalId,
    project_id: UUID,
    project_eur_account: AccountId,
    amount: int,
) -> Transaction:
    """Euros from the fund to a project (a decision by the coordination group; the
    quarterly round's execution composes the same transaction)."""
    return transfer_transaction(
        tx_id,
        TransactionKind.GRANT,
        EUR,
        fund_account_id(),
        project_eur_account,
        amount,
        initiator,
        {"project": str(project_id)},
    )


def disbursement_transaction(
    tx_id: TransactionId,
    initiator: PrincipalId,
    project_id: UUID,
    project_eur_account: AccountId,
    amount: int,
) -> Transaction:
    """A project pays someone outside; who and the receipt stay out of the log."""
    return transfer_transaction(
        tx_id,
        TransactionKind.DISBURSEMENT,
        EUR,
        project_eur_account,
        payees_account_id(),
        amount,
        initiator,
        {"project": str(project_id)},
    )


# --- The available balance -----------------------------------------------------------


def end_of_next_quarter(today: date) -> date:
    """The last day of the calendar quarter after the one ``today`` is in."""
    return quarter_of(today).next.last_day


@dataclass(frozen=True, slots=True)
class Deposit:
    """A deposit as the ledger holds it: what is still owed (≥ 0) and when it is due."""

    contribution_id: UUID
    owed: int
    repayment_due: date | None


def due_soon(deposit: Deposit, today: date) -> bool:
    """Due by the end of the next quarter (a deposit without a date is not due)."""
    return deposit.repayment_due is not None and deposit.repayment_due <= end_of_next_quarter(today)


def owed_due_soon(deposits: Iterable[Deposit], today: date) -> int:
    return sum(d.owed for d in deposits if due_soon(d, today))


def available(fund_balance: int, deposits: Iterable[Deposit], today: date) -> int:
    """What a grant may take: the fund's balance minus what it must soon repay.

    It is negative only when time passes over deposits already granted on; the flows
    never make it negative themselves (see ``check_grant`` and ``check_repayment``).
    """
    return fund_balance - owed_due_soon(deposits, today)


def check_grant(amount: int, available_now: int) -> None:
    if amount > available_now:
        raise ExceedsAvailable(
            f"the fund has {max(available_now, 0)} cents available, less than {amount}",
            field="amount_cents",
        )


def check_repayment(amount: int, deposit: Deposit, available_now: int, today: date) -> None:
    """Never more than owed; and a deposit repaid early (not due soon) is repaid only
    from what is available, so the money kept aside for due deposits stays there."""
    if amount > deposit.owed:
        raise ExceedsOwed(
            f"the fund owes {deposit.owed} cents on this deposit, less than {amount}",
            field="amount_cents",
        )
    if not due_soon(deposit, today) and amount > available_now:
        raise ExceedsAvailable(
            f"this deposit is not due yet and only {max(available_now, 0)} cents are "
            "available; repay it later or from a grant-free balance",
            field="amount_cents",
        )
