"""What each transaction kind means, as one rule per kind, checked by the ledger's fold.

The ledger's generic rules (balanced postings, authority, bounds) let any signer move
value between any accounts they may debit; a kind gives those moves their meaning. A
pledge moves a member's own promise into their own held share for that quarter; a
delivery comes out of what was allocated to that member for that project; a grant
stays within the fund's available balance; a loan within the member's open-loan
limit; a round's execution equals its recorded decision. Each rule is a function
here, called by ``core.fold`` before a transaction is accepted, by the journal's
writer (under the ledger's lock, so a rule holding across requests holds across
processes too) and by the offline verifier alike.

An account's role is its derived id (``core.derived``): the promise account of member
m for quarter Q is the account whose id is ``promise_account_id(m, Q)``, and only the
service opens accounts, so checking a role is recomputing an id from the transaction's
references and its accounts' owners. The facts a rule needs beyond the accounts it
touches (deposits and their due dates, each member's loans, the rounds' decisions)
are in ``Facts``, which the fold keeps as it applies transactions.

A rule refuses with its kind's own code (``invalid_<kind>``) when the accounts or the
references are not what the kind means, and with a state code (``exceeds_available``,
``loan_limit_reached``, ``quarter_ended``, ...) when they are but the ledger's state
forbids the move.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from mutual.core import derived
from mutual.core.accounts import Account, OwnerKind
from mutual.core.errors import (
    ExceedsPot,
    ExecutionMismatch,
    InvalidAllocation,
    InvalidCommonsGift,
    InvalidCommonsPayment,
    InvalidContribution,
    InvalidCorrection,
    InvalidDelivery,
    InvalidDeposit,
    InvalidDisbursement,
    InvalidExchange,
    InvalidGive,
    InvalidGoodDeposit,
    InvalidGoodTransfer,
    InvalidGrant,
    InvalidLoan,
    InvalidPledge,
    InvalidRelease,
    InvalidRepayment,
    InvalidReturn,
    KindRuleBroken,
)
from mutual.core.fund import Deposit, ExceedsAvailable, ExceedsOwed, available, due_soon
from mutual.core.goods import LoanLimitReached, NotBorrowed
from mutual.core.ids import AccountId, TransactionId
from mutual.core.pledges import QuarterEnded, QuarterNotEnded
from mutual.core.quarters import InvalidQuarter, Quarter, parse_quarter
from mutual.core.roles import AccountRole, RoleName
from mutual.core.round_state import Phase, RoundState
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import EUR, PLEDGE, TIME

GOOD_PREFIX = "GOOD."


@dataclass(slots=True)
class Facts:
    """What the kinds' rules read beyond the accounts a transaction touches: every
    deposit account (the fund's available balance), each member's loan accounts (the
    open-loan limit), and the round executions recorded. The accounts they name are in
    the state's accounts, with their balances."""

    deposits: set[AccountId] = field(default_factory=set)
    member_loans: dict[UUID, set[AccountId]] = field(default_factory=dict)
    executions: set[TransactionId] = field(default_factory=set)

    def copy(self) -> Facts:
        return Facts(
            set(self.deposits),
            {m: set(a) for m, a in self.member_loans.items()},
            set(self.executions),
        )

    def opened(self, account: Account) -> None:
        """Note an account a rule will read beyond the transactions touching it."""
        role = account.role
        if role is None:
            return
        if role.name is RoleName.DEPOSIT:
            self.deposits.add(account.id)
        elif role.name is RoleName.LOAN and role.member is not None:
            self.member_loans.setdefault(role.member, set()).add(account.id)


@dataclass(frozen=True, slots=True)
class Context:
    """The ledger as a rule sees it: the accounts (those touched, and those ``Facts``
    names), the facts, the rounds whose state is known and the day of the write (None
    when unknown: an export without it; the rules of time are then not checked)."""

    accounts: Mapping[AccountId, Account]
    facts: Facts
    rounds: Mapping[UUID, RoundState]
    on: date | None


# --- Reading a transaction ---------------------------------------------------------------


def _debits(tx: Transaction) -> list[Posting]:
    return [p for p in tx.postings if p.amount < 0]


def _credits(tx: Transaction) -> list[Posting]:
    return [p for p in tx.postings if p.amount > 0]


def _transfer(tx: Transaction, error: type[KindRuleBroken]) -> tuple[Posting, Posting]:
    """The debit and the credit of a kind made of exactly one of each."""
    debits, credits = _debits(tx), _credits(tx)
    if len(tx.postings) != 2 or len(debits) != 1 or len(credits) != 1:
        raise error(f"a {tx.kind.value} moves from one account to one other", field="postings")
    return debits[0], credits[0]


def _role(ctx: Context, posting: Posting) -> AccountRole | None:
    return ctx.accounts[posting.account_id].role


def _require(
    ctx: Context,
    tx: Transaction,
    posting: Posting,
    name: RoleName,
    error: type[KindRuleBroken],
    what: str,
) -> AccountRole:
    role = _role(ctx, posting)
    if role is None or role.name is not name:
        raise error(f"a {what} is expected here", field=_field(tx, posting))
    return role


def _field(tx: Transaction, posting: Posting) -> str:
    return f"postings[{tx.postings.index(posting)}]"


def _ref_quarter(tx: Transaction, error: type[KindRuleBroken]) -> Quarter:
    value = tx.references.get("quarter", "")
    try:
        return parse_quarter(value, field="references.quarter")
    except InvalidQuarter as exc:
        raise error(f"a {tx.kind.value} names its quarter", field="references.quarter") from exc


def _open_quarter(quarter: Quarter, ctx: Context) -> None:
    if ctx.on is not None and quarter.ended(ctx.on):
        raise QuarterEnded(f"{quarter} has ended", field="references.quarter")


def _only_plain(
    tx: Transaction, ctx: Context, error: type[KindRuleBroken], *, pot: bool = False
) -> None:
    """The generic kinds never touch an account the pooling tools give a meaning to,
    but a project's TIME account, with which a project takes part in the time bank (and
    the commons pot, when ``pot``: a correction undoing a gift or a payment)."""
    for p in tx.postings:
        role = _role(ctx, p)
        if role is None or (role.name is RoleName.PROJECT and p.unit == TIME):
            continue
        if not (pot and role.name is RoleName.COMMONS):
            raise error(
                f"a {tx.kind.value} does not touch the pooling tools' accounts (this one is "
                f"a {role.name.value} account)",
                field=_field(tx, p),
            )


# --- Time bank -----------------------------------------------------------------------------


def _exchange(tx: Transaction, ctx: Context) -> None:
    """Who signs an exchange is the generic rule (``core.authority``): hours leave an
    account only with its owner's signature, so the receiver's own signature is what
    moves hours into their debt, whoever recorded it ("I received" as well as a
    confirmed proposal), and nobody's signature moves another member into debt. A share
    of a group exchange is in addition one payer's share and nothing else."""
    _only_plain(tx, ctx, InvalidExchange)
    if "received" in tx.references:
        _received(tx, ctx)
    if "group" in tx.references:
        _group_share(tx)


def _received(tx: Transaction, ctx: Context) -> None:
    """An exchange the receiver recorded ("I received"; ``references.received`` names
    them): TIME from their own account, and theirs only, to one provider's. The mark
    cannot make an exchange that debits someone else look like their own record. The
    receiver may be an association (its own account; a member it appointed signs for it,
    which ``core.authority`` checks)."""
    debit, _ = _transfer(tx, InvalidExchange)
    receiver = _uuid_or_none(tx, "received")
    payer = ctx.accounts[debit.account_id]
    owns = (
        receiver is not None
        and payer.role is None
        and payer.owner_kind in _PEOPLE
        and payer.owner_id == str(receiver)
    )
    if debit.unit != TIME or not owns:
        raise InvalidExchange(
            "an exchange recorded as received debits the receiver's own TIME account",
            field="references.received",
            facts={"variant": "received"},
        )


def _uuid_or_none(tx: Transaction, key: str) -> UUID | None:
    try:
        return UUID(tx.references.get(key, ""))
    except ValueError:
        return None


def _group_share(tx: Transaction) -> None:
    """One share of a group exchange (a workshop's receiver paying its provider, or a
    receiver paying one of several providers): a transfer of TIME from one account to
    one other, under the id derived from the group and the two accounts, so that a
    member pays a given share of a group once (a second share between the same two
    accounts is that share's replay) and the shares stay linked by the group's id."""
    debit, credit = _transfer(tx, InvalidExchange)
    if debit.unit != TIME or credit.unit != TIME:
        raise InvalidExchange(
            "a group exchange's share moves TIME", field="postings", facts={"variant": "share"}
        )
    if _share_id(tx) != tx.id:
        raise InvalidExchange(
            "a group exchange's share has the id derived from the group and its two accounts",
            field="id",
            facts={"variant": "share"},
        )


def _share_id(tx: Transaction) -> TransactionId | None:
    """The id a share of the group its references name has, if it is shaped as one."""
    debits, credits = _debits(tx), _credits(tx)
    if len(tx.postings) != 2 or len(debits) != 1 or len(credits) != 1:
        return None
    group = _uuid_or_none(tx, "group")
    if group is None:
        raise InvalidExchange(
            "references.group is the group exchange's id",
            field="references.group",
            facts={"variant": "share"},
        )
    return derived.exchange_share_id(group, debits[0].account_id, credits[0].account_id)


# Whose time accounts give to the pot and are paid from it: people and organisations
# (an association takes part in the time bank like a resident).
_PEOPLE = frozenset({OwnerKind.MEMBER, OwnerKind.ORGANISATION})


def _is_pot(ctx: Context, posting: Posting) -> bool:
    role = _role(ctx, posting)
    return role is not None and role.name is RoleName.COMMONS


def _persons_time(
    tx: Transaction, ctx: Context, posting: Posting, error: type[KindRuleBroken], what: str
) -> None:
    account = ctx.accounts[posting.account_id]
    if account.role is not None or account.owner_kind not in _PEOPLE or posting.unit != TIME:
        raise error(
            f"{what} is a member's or an organisation's own TIME account",
            field=_field(tx, posting),
        )


def _commons_gift(tx: Transaction, ctx: Context) -> None:
    """A gift to the territory's commons pot moves hours from one person's own time
    account to the pot (the giver signs: authority; within their limits: bounds). A gift
    to a pool an operator opened without a role keeps the generic rule."""
    if not any(_is_pot(ctx, p) for p in tx.postings):
        _only_plain(tx, ctx, InvalidCommonsGift)
        return
    debit, credit = _transfer(tx, InvalidCommonsGift)
    if not _is_pot(ctx, credit) or credit.unit != TIME:
        raise InvalidCommonsGift("a gift goes into the TIME commons pot", field=_field(tx, credit))
    _persons_time(tx, ctx, debit, InvalidCommonsGift, "the giver's account")


def _commons_payment(tx: Transaction, ctx: Context) -> None:
    """The coordination pays a person for territorial work from the commons pot: one
    debit of the pot (signed for the commons by a custodian the log appointed: authority),
    never more than the pot holds, one credit to a person's own time account."""
    debit, credit = _transfer(tx, InvalidCommonsPayment)
    if not _is_pot(ctx, debit) or debit.unit != TIME:
        raise InvalidCommonsPayment(
            "a payment comes out of the TIME commons pot", field=_field(tx, debit)
        )
    _persons_time(tx, ctx, credit, InvalidCommonsPayment, "the paid account")
    held = ctx.accounts[debit.account_id].balance
    if credit.amount > held:
        raise ExceedsPot(
            f"the commons pot holds {max(held, 0)} minutes, less than {credit.amount}",
            field="minutes",
            facts={"held": max(held, 0), "asked": credit.amount, "unit": TIME},
        )


def _correction(tx: Transaction, ctx: Context) -> None:
    """A correction (an operator may sign one alone) undoes a time-bank mistake, a gift
    to the commons pot or a payment from it included; the pooling tools' movements are
    undone by their own flows (a release, a repayment, a return), whose rules keep the
    fund, the pledges and the goods whole."""
    _only_plain(tx, ctx, InvalidCorrection, pot=True)


# --- Volunteer time ------------------------------------------------------------------------


def _pledge(tx: Transaction, ctx: Context) -> None:
    debit, credit = _transfer(tx, InvalidPledge)
    quarter = _ref_quarter(tx, InvalidPledge)
    promise = _require(ctx, tx, debit, RoleName.PROMISE, InvalidPledge, "member's promise")
    held = _require(ctx, tx, credit, RoleName.HELD, InvalidPledge, "held share")
    if (promise.member, promise.quarter) != (held.member, str(quarter)) or (
        held.member,
        held.quarter,
    ) != (promise.member, str(quarter)):
        raise InvalidPledge(
            "a pledge moves a member's own promise into their own held share for the "
            "quarter it names",
            field="postings",
        )
    _open_quarter(quarter, ctx)


def _per_member(
    tx: Transaction,
    ctx: Context,
    quarter: Quarter,
    source: RoleName,
    target: RoleName,
    error: type[KindRuleBroken],
) -> dict[UUID | None, int]:
    """Per member, what the transaction moves (debits from their ``source`` account,
    credits to their ``target`` accounts, all of the quarter named): zero for each member
    when it only moves a member's minutes between their own accounts."""
    net: dict[UUID | None, int] = {}
    for p in tx.postings:
        name = source if p.amount < 0 else target
        role = _require(ctx, tx, p, name, error, f"{name.value} account")
        if role.quarter != str(quarter):
            raise error("every account is of the quarter named", field=_field(tx, p))
        net[role.member] = net.get(role.member, 0) + p.amount
    return net


def _allocation(tx: Transaction, ctx: Context) -> None:
    quarter = _ref_quarter(tx, InvalidAllocation)
    if not tx.references.get("decision"):
        raise InvalidAllocation("an allocation names its decision", field="references.decision")
    balance = _per_member(tx, ctx, quarter, RoleName.HELD, RoleName.ALLOCATED, InvalidAllocation)
    if any(balance.values()):
        raise InvalidAllocation(
            "an allocation gives each member's projects exactly what it takes from their "
            "held share",
            field="postings",
        )
    if "round" not in tx.references:
        _open_quarter(quarter, ctx)


def _delivery(tx: Transaction, ctx: Context) -> None:
    debit, credit = _transfer(tx, InvalidDelivery)
    quarter = _ref_quarter(tx, InvalidDelivery)
    allocated = _require(ctx, tx, debit, RoleName.ALLOCATED, InvalidDelivery, "member's allocation")
    project = _require(ctx, tx, credit, RoleName.PROJECT, InvalidDelivery, "project's account")
    if (
        allocated.project != project.project
        or credit.unit != PLEDGE
        or allocated.quarter != str(quarter)
        or tx.references.get("member") != str(allocated.member)
    ):
        raise InvalidDelivery(
            "a delivery comes out of what was allocated to that member for that project "
            "and quarter, into that project's PLEDGE account",
            field="postings",
        )


def _release(tx: Transaction, ctx: Context) -> None:
    quarter = _ref_quarter(tx, InvalidRelease)
    if tx.id != derived.release_id(quarter):
        raise InvalidRelease("a quarter's release has the id derived from it", field="id")
    balance = _per_member(tx, ctx, quarter, RoleName.HELD, RoleName.PROMISE, InvalidRelease)
    for p in _debits(tx):
        if ctx.accounts[p.account_id].balance != -p.amount:
            raise InvalidRelease(
                "a release gives back all a held share still holds", field=_field(tx, p)
            )
    if any(balance.values()):
        raise InvalidRelease(
            "a release gives each member's held minutes back to their own promise",
            field="postings",
        )
    if ctx.on is not None and not quarter.ended(ctx.on):
        raise QuarterNotEnded(f"{quarter} ends on {quarter.ends_on}", field="references.quarter")


# --- The fund ------------------------------------------------------------------------------


def available_at(ctx: Context, on: date) -> int:
    """The fund's available balance as the ledger holds it on day ``on``."""
    fund = ctx.accounts.get(derived.fund_account_id())
    return available(0 if fund is None else fund.balance, _deposits(ctx), on)


def _deposits(ctx: Context) -> list[Deposit]:
    found = []
    for account_id in ctx.facts.deposits:
        account = ctx.accounts[account_id]
        assert account.role is not None  # only deposit accounts are in ``deposits``
        found.append(Deposit(account.id, -account.balance, account.role.repayment_due))
    return found


def _fund_side(
    ctx: Context, tx: Transaction, posting: Posting, error: type[KindRuleBroken]
) -> None:
    _require(ctx, tx, posting, RoleName.FUND, error, "the fund")


def _contribution(tx: Transaction, ctx: Context) -> None:
    debit, credit = _transfer(tx, InvalidContribution)
    partner = _require(ctx, tx, debit, RoleName.PARTNER, InvalidContribution, "partner's account")
    _fund_side(ctx, tx, credit, InvalidContribution)
    if tx.references.get("partner") != str(partner.partner):
        raise InvalidContribution("a gift names its partner", field="references.partner")


def _deposit(tx: Transaction, ctx: Context) -> None:
    debit, credit = _transfer(tx, InvalidDeposit)
    deposit = _require(ctx, tx, debit, RoleName.DEPOSIT, InvalidDeposit, "deposit account")
    _fund_side(ctx, tx, credit, InvalidDeposit)
    if deposit.contribution != tx.id or tx.references.get("partner") != str(deposit.partner):
        raise InvalidDeposit(
            "a deposit is lent from its own deposit account, by its partner", field="postings"
        )


def _repayment(tx: Transaction, ctx: Context) -> None:
    debit, credit = _transfer(tx, InvalidRepayment)
    _fund_side(ctx, tx, debit, InvalidRepayment)
    deposit = _require(ctx, tx, credit, RoleName.DEPOSIT, InvalidRepayment, "deposit account")
    if tx.references.get("contribution") != str(deposit.contribution):
        raise InvalidRepayment(
            "a repayment names the deposit it repays", field="references.contribution"
        )
    owed = -ctx.accounts[credit.account_id].balance
    if credit.amount > owed:
        raise ExceedsOwed(
            f"the fund owes {owed} cents on this deposit, less than {credit.amount}",
            field="amount_cents",
        )
    state = Deposit(credit.account_id, owed, deposit.repayment_due)
    if ctx.on is not None and not due_soon(state, ctx.on):
        left = available_at(ctx, ctx.on)
        if credit.amount > left:
            raise ExceedsAvailable(
                f"this deposit is not due yet and only {max(left, 0)} cents are available",
                field="amount_cents",
            )


def _grant(tx: Transaction, ctx: Context) -> None:
    debits = _debits(tx)
    if len(debits) != 1:
        raise InvalidGrant("a grant is paid from the fund alone", field="postings")
    _fund_side(ctx, tx, debits[0], InvalidGrant)
    for p in _credits(tx):
        project = _require(ctx, tx, p, RoleName.PROJECT, InvalidGrant, "project's account")
        if p.unit != EUR or (
            "project" in tx.references and tx.references["project"] != str(project.project)
        ):
            raise InvalidGrant(
                "a grant goes to the EUR account of the project named", field="postings"
            )
    if ctx.on is not None:
        left = available_at(ctx, ctx.on)
        if -debits[0].amount > left:
            raise ExceedsAvailable(
                f"the fund has {max(left, 0)} cents available, less than {-debits[0].amount}",
                field="amount_cents",
            )


def _disbursement(tx: Transaction, ctx: Context) -> None:
    debit, credit = _transfer(tx, InvalidDisbursement)
    project = _require(ctx, tx, debit, RoleName.PROJECT, InvalidDisbursement, "project's account")
    _require(ctx, tx, credit, RoleName.PAYEES, InvalidDisbursement, "payees' account")
    if tx.references.get("project") != str(project.project):
        raise InvalidDisbursement("a payment names its project", field="references.project")


# --- Shared goods --------------------------------------------------------------------------


def _goods(
    tx: Transaction,
    ctx: Context,
    error: type[KindRuleBroken],
    source: RoleName,
    target: RoleName,
    *,
    same_point: bool = True,
) -> tuple[AccountRole, AccountRole]:
    debit, credit = _transfer(tx, error)
    if not debit.unit.startswith(GOOD_PREFIX):
        raise error("goods move in a GOOD.<kind> unit", field="postings")
    a = _require(ctx, tx, debit, source, error, f"{source.value} account")
    b = _require(ctx, tx, credit, target, error, f"{target.value} account")
    if same_point != (a.point == b.point) or tx.references.get("point") != str(a.point):
        raise error(
            f"a {tx.kind.value} moves items between the accounts of the point it names",
            field="postings",
        )
    return a, b


def _good_deposit(tx: Transaction, ctx: Context) -> None:
    _goods(tx, ctx, InvalidGoodDeposit, RoleName.INTAKE, RoleName.STOCK)


def _loan(tx: Transaction, ctx: Context) -> None:
    _, loan = _goods(tx, ctx, InvalidLoan, RoleName.STOCK, RoleName.LOAN)
    credit = _credits(tx)[0]
    if loan.member is None or tx.references.get("member") != str(loan.member):
        raise InvalidLoan("a loan names the member who borrows", field="references.member")
    limit = ctx.accounts[credit.account_id].balance_max
    held = sum(ctx.accounts[a].balance for a in ctx.facts.member_loans.get(loan.member, ()))
    if limit is not None and held + credit.amount > limit:
        # The reason told: too many asked at once, or what the member already holds.
        variant = "none" if held == 0 else ("full" if held >= limit else "some")
        raise LoanLimitReached(
            f"the member holds {held} items on loan and asks {credit.amount}; "
            f"at most {limit} at once",
            field="count",
            facts={
                "variant": variant,
                "held": held,
                "asked": credit.amount,
                "limit": limit,
                "left": max(limit - held, 0),
            },
        )


def _return(tx: Transaction, ctx: Context) -> None:
    _goods(tx, ctx, InvalidReturn, RoleName.LOAN, RoleName.STOCK)
    debit = _debits(tx)[0]
    out = ctx.accounts[debit.account_id].balance
    if -debit.amount > out:
        raise NotBorrowed(
            f"the loan has {out} items out, not {-debit.amount}",
            field="count",
            facts={"out": out, "asked": -debit.amount},
        )


def _give(tx: Transaction, ctx: Context) -> None:
    _goods(tx, ctx, InvalidGive, RoleName.STOCK, RoleName.GIVEN)


def _good_transfer(tx: Transaction, ctx: Context) -> None:
    debit, credit = _transfer(tx, InvalidGoodTransfer)
    a = _require(ctx, tx, debit, RoleName.STOCK, InvalidGoodTransfer, "stock account")
    b = _require(ctx, tx, credit, RoleName.STOCK, InvalidGoodTransfer, "stock account")
    if a.point == b.point or tx.references.get("point") != str(a.point):
        raise InvalidGoodTransfer(
            "a transfer moves items from the stock of the point it names to another point's",
            field="postings",
        )
    # The receiving point a reader is shown is the one credited, not a name beside it.
    if tx.references.get("to_point", str(b.point)) != str(b.point):
        raise InvalidGoodTransfer(
            "references.to_point names the point whose stock the transfer credits",
            field="references",
        )


# --- Rounds --------------------------------------------------------------------------------


def check_execution(tx: Transaction, ctx: Context) -> None:
    """A transaction naming a round is that round's execution, exactly as decided."""
    try:
        round_id = UUID(tx.references["round"])
    except ValueError as exc:
        raise ExecutionMismatch("references.round is a round's id", field="references") from exc
    state = ctx.rounds.get(round_id)
    if state is None or state.phase is not Phase.DECIDED:
        raise ExecutionMismatch("the round named is not decided", field="references.round")
    if tx.references.get("decision") != state.decision_sha256:
        raise ExecutionMismatch("the decision named is not the round's", field="references")
    credits: dict[UUID | None, int] = {}
    if tx.kind is TransactionKind.GRANT:
        resource, wanted = "eur", {ln.project_id: ln.eur for ln in state.decision if ln.eur}
    elif tx.kind is TransactionKind.ALLOCATION:
        resource, wanted = "hours", {ln.project_id: ln.hours for ln in state.decision if ln.hours}
        if tx.references.get("quarter") != str(state.config.quarter):
            raise ExecutionMismatch("the hours are the round's quarter's", field="references")
    else:
        raise ExecutionMismatch("a round is executed by a grant and an allocation", field="kind")
    if tx.id != derived.execution_id(round_id, resource):
        raise ExecutionMismatch("an execution has the id derived from its round", field="id")
    for p in _credits(tx):
        role = _role(ctx, p)
        project = None if role is None else role.project
        credits[project] = credits.get(project, 0) + p.amount
    if credits != wanted:
        raise ExecutionMismatch(
            f"the round decided {sorted((str(k), v) for k, v in wanted.items())}, this "
            f"transaction gives {sorted((str(k), v) for k, v in credits.items())}",
            field="postings",
        )


def check_executed(state: RoundState, facts: Facts) -> None:
    """A round's ``executed`` entry lists exactly its execution transactions, recorded."""
    expected = {
        derived.execution_id(state.round_id, resource)
        for resource, present in (
            ("eur", any(ln.eur for ln in state.decision)),
            ("hours", any(ln.hours for ln in state.decision)),
        )
        if present
    }
    listed = {TransactionId(t) for t in state.executed}
    if listed != expected or not listed <= facts.executions:
        raise ExecutionMismatch(
            "the execution lists the round's own transactions, each recorded",
            field="transactions",
        )


# --- The table -----------------------------------------------------------------------------

CHECKS: dict[TransactionKind, Callable[[Transaction, Context], None]] = {
    TransactionKind.EXCHANGE: _exchange,
    TransactionKind.COMMONS_GIFT: _commons_gift,
    TransactionKind.COMMONS_PAYMENT: _commons_payment,
    TransactionKind.PLEDGE: _pledge,
    TransactionKind.ALLOCATION: _allocation,
    TransactionKind.DELIVERY: _delivery,
    TransactionKind.PLEDGE_RELEASE: _release,
    TransactionKind.CONTRIBUTION: _contribution,
    TransactionKind.DEPOSIT: _deposit,
    TransactionKind.REPAYMENT: _repayment,
    TransactionKind.GRANT: _grant,
    TransactionKind.DISBURSEMENT: _disbursement,
    TransactionKind.GOOD_DEPOSIT: _good_deposit,
    TransactionKind.LOAN: _loan,
    TransactionKind.RETURN: _return,
    TransactionKind.GIVE: _give,
    TransactionKind.GOOD_TRANSFER: _good_transfer,
    TransactionKind.CORRECTION: _correction,
}
"""Every kind's rule; a correction is also the exact inverse of a transaction not yet
reversed (``core.ledger.check_reversal``, which runs before)."""


def check_kind(tx: Transaction, ctx: Context) -> None:
    """Refuse ``tx`` unless it is what its kind means, given the ledger's state."""
    if "round" in tx.references:
        check_execution(tx, ctx)
        if tx.kind is TransactionKind.GRANT:
            _grant(tx, ctx)
        else:
            _allocation(tx, ctx)
        return
    check = CHECKS.get(tx.kind)
    if check is not None:
        check(tx, ctx)


def check_reserved_id(tx: Transaction) -> None:
    """A transaction's id is in the derived namespace only when it is the derivation
    the service makes for it: its quarter's release, its round's execution, a group
    exchange's share."""
    if not derived.is_derived(tx.id):
        return
    quarter = tx.references.get("quarter", "")
    round_id = tx.references.get("round", "")
    allowed = set()
    if tx.kind is TransactionKind.PLEDGE_RELEASE:
        allowed.add(derived.release_id(quarter))
    if tx.kind is TransactionKind.EXCHANGE and "group" in tx.references:
        share = _share_id(tx)
        if share is not None:
            allowed.add(share)
    try:
        for resource in ("eur", "hours"):
            allowed.add(derived.execution_id(UUID(round_id), resource))
    except ValueError:
        pass
    if tx.id not in allowed:
        derived.check_client_id(tx.id)


def record(tx: Transaction, facts: Facts) -> None:
    """Note what an accepted transaction adds to the facts."""
    if "round" in tx.references:
        facts.executions.add(tx.id)
