"""Giving hours to the commons pot, and the coordination paying people from it.

The rules are the ledger's (``core.commons``, ``core.kinds``, ``core.authority``): a
gift is signed by the giver and stays within their limits; a payment is signed on the
commons' behalf by a coordinator the log appointed, and never exceeds what the pot
holds. These flows compose the transaction (the pot is opened with the first one) and
check early what they can, so that a person hears the reason in words before signing;
the same transaction sent raw to ``POST /transactions`` meets the same rules.

A description travels as the transaction's memo: the signed bytes hold SHA-256(salt ||
memo), with the salt the client chose, so the page can check the digest before signing
and the memo itself stays erasable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from mutual.core import derived
from mutual.core.accounts import Account
from mutual.core.authority import Principal, Role
from mutual.core.commons import commons_principal, pot_account
from mutual.core.errors import ExceedsPot
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.registry import KeyAction, KeyEvent
from mutual.core.signing import Signature
from mutual.core.timebank import EXCHANGE_MINUTES_MAX, check_duration, check_plausible
from mutual.core.transactions import Posting, Transaction, TransactionKind, check_shape
from mutual.core.units import TIME
from mutual.store import accounts as account_store
from mutual.store import commons as store
from mutual.store.outcomes import Outcome, raise_refusal
from mutual.usecases.accounts import account_write
from mutual.usecases.errors import Forbidden, InvalidRequest
from mutual.usecases.flows import Composed, is_recorded, record_composed
from mutual.usecases.keys import vouched_write
from mutual.usecases.members import active_member, require_coordinator
from mutual.usecases.runtime import Runtime, chosen_id

# A payment for territorial work is a day's work at most, like an exchange; a gift
# more than that in one go is a mistake more often than a wish.
GIFT_MINUTES_MAX = EXCHANGE_MINUTES_MAX
PAYMENT_MINUTES_MAX = EXCHANGE_MINUTES_MAX


@dataclass(frozen=True, slots=True)
class Coordinator:
    member_id: UUID
    display_name: str | None


@dataclass(frozen=True, slots=True)
class PotView:
    account: Account
    coordinators: list[Coordinator]


async def read_pot(rt: Runtime) -> PotView:
    """The pot's account (at zero before its first gift) and who may pay from it."""
    stored = await account_store.get_account(rt.db, derived.commons_account_id(TIME))
    async with rt.db.reading() as conn:
        found = await store.custodians_of(conn, commons_principal())
    return PotView(
        stored if stored is not None else pot_account(),
        [Coordinator(member, name) for member, name in found],
    )


async def appoint_coordinator(rt: Runtime, caller: Principal, member_id: UUID) -> PotView:
    """An operator appoints a member of the coordination as a custodian of the commons:
    from then on their signature on its behalf pays from the pot. Opens the pot if it is
    not yet; appointing the same member again is a replay."""
    if not caller.has(Role.OPERATOR):
        raise Forbidden("only an operator appoints who pays from the commons pot")
    await active_member(rt, member_id, field="member_id")
    event = KeyEvent(
        derived.commons_appointment_id(member_id),
        KeyAction.APPOINT_CUSTODIAN,
        commons_principal(),
        by=caller.id,
        custodian=PrincipalId(member_id),
    )
    outcomes = await rt.journal.submit(
        [account_write(rt, pot_account()), vouched_write(rt, event)],
        atomic=True,
        recorded_at=rt.clock(),
    )
    raise_refusal(outcomes)
    return await read_pot(rt)


def _memo(memo: str, *, required: bool) -> str:
    text = memo.strip()
    if required and not text:
        raise InvalidRequest("a payment from the pot says what the work was", field="memo")
    return text


def _check_minutes(rt: Runtime, minutes: int, most: int) -> None:
    check_duration(minutes, step=rt.settings.duration_step_minutes)
    check_plausible(minutes, most, field="minutes")


async def give(
    rt: Runtime,
    caller: Principal,
    *,
    tx_id: UUID | None,
    minutes: int,
    memo: str,
    memo_salt: bytes,
    signatures: Sequence[Signature],
) -> Outcome:
    """The caller gives ``minutes`` of their own time account to the commons pot; they
    sign it (answered ``unsigned`` with the payload first)."""
    _check_minutes(rt, minutes, GIFT_MINUTES_MAX)
    giver = await active_member(rt, caller.id, field="member")
    assert giver.account_id is not None
    pot = pot_account()
    tx = Transaction(
        TransactionId(chosen_id(tx_id)),
        TransactionKind.COMMONS_GIFT,
        (Posting(AccountId(giver.account_id), TIME, -minutes), Posting(pot.id, TIME, minutes)),
        caller.id,
        _memo(memo, required=False),
        {},
        memo_salt=memo_salt,
    )
    check_shape(tx)
    return await record_composed(rt, caller, Composed(tx, (pot,)), signatures)


async def pay(
    rt: Runtime,
    caller: Principal,
    *,
    tx_id: UUID | None,
    member_id: UUID,
    minutes: int,
    memo: str,
    memo_salt: bytes,
    signatures: Sequence[Signature],
) -> Outcome:
    """A coordinator pays ``minutes`` from the pot to a member for territorial work,
    saying what it was; signed on the commons' behalf by an appointed coordinator."""
    require_coordinator(caller)
    _check_minutes(rt, minutes, PAYMENT_MINUTES_MAX)
    paid = await active_member(rt, member_id, field="member_id")
    assert paid.account_id is not None
    pid = TransactionId(chosen_id(tx_id))
    pot = pot_account()
    tx = Transaction(
        pid,
        TransactionKind.COMMONS_PAYMENT,
        (Posting(pot.id, TIME, -minutes), Posting(AccountId(paid.account_id), TIME, minutes)),
        caller.id,
        _memo(memo, required=True),
        {},
        memo_salt=memo_salt,
    )
    check_shape(tx)
    if not await is_recorded(rt, pid):
        # Said before signing; the ledger's own rule (core.kinds) decides under its lock.
        held = (await read_pot(rt)).account.balance
        if minutes > held:
            raise ExceedsPot(
                f"the commons pot holds {held} minutes, less than {minutes}",
                field="minutes",
                facts={"held": held, "asked": minutes, "unit": TIME},
            )
    return await record_composed(rt, caller, Composed(tx, (pot,)), signatures)
