"""The ledger rules of the pure core, one worked example each, then as properties."""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutual.core import errors
from mutual.core.accounts import Account, OwnerKind, open_account
from mutual.core.authority import Principal, Role
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.ledger import apply_transaction
from mutual.core.registry import Capacity, KeyRecord, Registry
from mutual.core.signing import Signature
from mutual.core.transactions import Posting, Transaction, TransactionKind, inverse_postings
from mutual.core.units import AMOUNT_LIMIT, EUR, TIME, Unit, good_unit, parse_unit

ALICE = Principal(PrincipalId(uuid.UUID(int=11)), frozenset({Role.MEMBER}))
BOB = Principal(PrincipalId(uuid.UUID(int=12)), frozenset({Role.MEMBER}))
OPERATOR = Principal(PrincipalId(uuid.UUID(int=13)), frozenset({Role.OPERATOR}))
A, B, POOL, CASH = (AccountId(uuid.UUID(int=n)) for n in (101, 102, 103, 104))
CAPACITY = {ALICE: Capacity.MEMBER, BOB: Capacity.MEMBER, OPERATOR: Capacity.OPERATOR}
KEYS = {p: Keypair(bytes([n]) * 32) for n, p in enumerate(CAPACITY, start=1)}
# Registered before the first index these tests use; signatures themselves are checked
# by ``signing`` before the fold, so the fold only sees who signed.
REGISTRY = Registry(
    {
        KEYS[p].key_id: KeyRecord(KEYS[p].key_id, p.id, KEYS[p].public_key, c, None, -1)
        for p, c in CAPACITY.items()
    }
)


def sigs(principal: Principal) -> tuple[Signature, ...]:
    return (Signature(KEYS[principal].key_id, bytes(64)),)


def ledger() -> dict[AccountId, Account]:
    return {
        A: open_account(A, TIME, OwnerKind.MEMBER, str(ALICE.id), -1200, 2400),
        B: open_account(B, TIME, OwnerKind.MEMBER, str(BOB.id), -1200, 2400),
        POOL: open_account(POOL, TIME, OwnerKind.COMMONS_POOL, "commons", None, None),
        CASH: open_account(CASH, EUR, OwnerKind.OUTSIDE_WORLD, "world", None, None),
    }


def tx(*postings: tuple[AccountId, Unit, int], **kw: object) -> Transaction:
    kind = kw.get("kind", TransactionKind.EXCHANGE)
    reverses = kw.get("reverses")
    assert isinstance(kind, TransactionKind)
    assert reverses is None or isinstance(reverses, uuid.UUID)
    return Transaction(
        TransactionId(uuid.uuid4()),
        kind,
        tuple(Posting(a, u, n) for a, u, n in postings),
        ALICE.id,
        reverses=None if reverses is None else TransactionId(reverses),
    )


def code_of(t: Transaction, principal: Principal = ALICE, **state: object) -> str | None:
    accounts = state.get("accounts", ledger())
    assert isinstance(accounts, dict)
    try:
        apply_transaction(
            t,
            sigs(principal),
            registry=REGISTRY,
            accounts=accounts,
            originals={},
            reversed_ids=set(),
            log_index=0,
        )
    except errors.LedgerError as exc:
        return exc.code
    return None


def test_units_are_named_and_goods_have_their_own() -> None:
    """TIME, PLEDGE, EUR and GOOD.<slug> are units; anything else is refused."""
    assert parse_unit("PLEDGE") == "PLEDGE"
    assert good_unit("perceuse") == "GOOD.perceuse"
    with pytest.raises(errors.InvalidUnit):
        parse_unit("USD")


def test_exchange_applies_with_running_balances() -> None:
    """An exchange records each account's new version and balance."""
    applied = apply_transaction(
        tx((A, TIME, -90), (B, TIME, 90)),
        sigs(ALICE),
        registry=REGISTRY,
        accounts=ledger(),
        originals={},
        reversed_ids=set(),
        log_index=7,
    )
    assert [(p.balance_after, p.account_version) for p in applied.postings] == [(-90, 1), (90, 1)]
    assert applied.log_index == 7


@pytest.mark.parametrize(
    ("postings", "expected"),
    [
        ([(A, TIME, 0), (B, TIME, 0)], "amount_zero"),
        ([(A, TIME, -(AMOUNT_LIMIT + 1)), (B, TIME, AMOUNT_LIMIT + 1)], "amount_out_of_range"),
        ([(A, TIME, -5)], "too_few_postings"),
        ([(A, TIME, -5), (A, TIME, 5)], "duplicate_account"),
        ([(A, TIME, -5), (B, TIME, 4)], "transaction_not_balanced"),
        ([(A, TIME, -5), (CASH, EUR, 5)], "transaction_not_balanced"),
        ([(A, EUR, -5), (CASH, EUR, 5)], "unit_mismatch"),
        ([(A, TIME, -5), (AccountId(uuid.uuid4()), TIME, 5)], "account_not_found"),
        ([(B, TIME, -5), (A, TIME, 5)], "signature_required"),
        ([(A, TIME, -1201), (B, TIME, 1201)], "exceeds_balance_min"),
        ([(A, TIME, -60), (B, TIME, 60)], None),
    ],
)
def test_each_rule_has_its_code(
    postings: list[tuple[AccountId, Unit, int]], expected: str | None
) -> None:
    """Each broken rule is reported with its stable code."""
    assert code_of(tx(*postings)) == expected


def test_credit_above_balance_max_is_refused() -> None:
    """A credit that would lift a balance above balance_max is refused."""
    assert code_of(tx((POOL, TIME, -2401), (A, TIME, 2401)), OPERATOR) == "exceeds_balance_max"


def test_shape_errors_come_before_ledger_errors() -> None:
    """Precedence: an unbalanced transaction on an unknown account reports the imbalance."""
    ghost = AccountId(uuid.uuid4())
    assert code_of(tx((ghost, TIME, -5), (B, TIME, 4))) == "transaction_not_balanced"


def test_errors_name_the_field() -> None:
    """The error names the offending posting's field."""
    with pytest.raises(errors.SignatureRequired) as info:
        apply_transaction(
            tx((A, TIME, 5), (B, TIME, -5)),
            sigs(ALICE),
            registry=REGISTRY,
            accounts=ledger(),
            originals={},
            reversed_ids=set(),
            log_index=0,
        )
    assert info.value.field == "postings[1].account_id"


def test_bounds_hold_only_in_the_worsening_direction() -> None:
    """An account already below balance_min may still receive, and may not spend further."""
    accounts = ledger()
    accounts[A] = Account(A, TIME, OwnerKind.MEMBER, str(ALICE.id), -100, 2400, -500, 3)
    assert code_of(tx((B, TIME, -60), (A, TIME, 60)), BOB, accounts=accounts) is None
    assert code_of(tx((A, TIME, -1), (B, TIME, 1)), accounts=accounts) == "exceeds_balance_min"


def test_reversal_is_exact_inverse_once() -> None:
    """A correction must exactly invert its original, and only once."""
    original = tx((A, TIME, -90), (B, TIME, 90))
    originals = {original.id: original.postings}
    inverse = inverse_postings(original.postings)
    good = Transaction(
        TransactionId(uuid.uuid4()),
        TransactionKind.CORRECTION,
        inverse,
        OPERATOR.id,
        reverses=original.id,
    )
    accounts = ledger()

    def code(t: Transaction, reversed_ids: set[TransactionId]) -> str | None:
        try:
            apply_transaction(
                t,
                sigs(OPERATOR),
                registry=REGISTRY,
                accounts=accounts,
                originals=originals,
                reversed_ids=reversed_ids,
                log_index=1,
            )
        except errors.LedgerError as exc:
            return exc.code
        return None

    assert code(good, set()) is None
    assert code(good, {original.id}) == "already_reversed"
    half = tx((B, TIME, -45), (A, TIME, 45), kind=TransactionKind.CORRECTION, reverses=original.id)
    assert code(half, set()) == "reversal_not_inverse"
    orphan = tx(
        (B, TIME, -45), (A, TIME, 45), kind=TransactionKind.CORRECTION, reverses=uuid.uuid4()
    )
    assert code(orphan, set()) == "transaction_not_found"
    assert (
        code_of(tx((A, TIME, -5), (B, TIME, 5), reverses=original.id)) == "reversal_kind_mismatch"
    )


def test_account_bounds_must_be_ordered() -> None:
    """An account whose balance_min exceeds its balance_max cannot be opened."""
    with pytest.raises(errors.InvalidBounds):
        open_account(A, TIME, OwnerKind.MEMBER, "x", 10, -10)


amounts = st.integers(min_value=-(2**60), max_value=2**60)


@given(st.lists(st.tuples(st.sampled_from([A, B, POOL]), amounts), min_size=0, max_size=6))
def test_accepted_transactions_balance_and_respect_bounds(
    legs: list[tuple[AccountId, int]],
) -> None:
    """Whatever the postings, an accepted transaction sums to zero per unit and keeps bounds."""
    t = tx(*[(a, TIME, n) for a, n in legs])
    accounts = ledger()
    try:
        applied = apply_transaction(
            t,
            sigs(ALICE) + sigs(BOB) + sigs(OPERATOR),
            registry=REGISTRY,
            accounts=accounts,
            originals={},
            reversed_ids=set(),
            log_index=0,
        )
    except errors.LedgerError:
        return
    totals: dict[str, int] = defaultdict(int)
    for p in applied.postings:
        totals[p.unit] += p.amount
        assert abs(p.amount) <= AMOUNT_LIMIT
        assert p.amount != 0
    assert set(totals.values()) == {0}
    for account in applied.accounts:
        before = accounts[account.id]
        moved = account.balance - before.balance
        if moved < 0 and account.balance_min is not None:
            assert account.balance >= account.balance_min
        if moved > 0 and account.balance_max is not None:
            assert account.balance <= account.balance_max
