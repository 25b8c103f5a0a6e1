"""The ledger's rules for everyday exchanges, as properties of the one fold over raw signed
transactions: whatever exchange anyone signs ("I received", a group's share, or neither),
what the fold accepts debits a member only with that member's signature, an "I received"
only from the receiver it names, and a group's share only as one transfer under the id
derived from the group and its two accounts (so a member pays a share of a group once)."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from mutual.core import derived
from mutual.core.accounts import OwnerKind, open_account
from mutual.core.errors import LedgerError
from mutual.core.fold import LedgerState, LogKey, TransactionEntry, apply_entry
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyRecord, Registry
from mutual.core.signing import Signature
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME

MEMBERS = [PrincipalId(uuid.UUID(int=n)) for n in (11, 12, 13)]
ACCOUNTS = [AccountId(uuid.UUID(int=n)) for n in (101, 102, 103)]
OWNER = dict(zip(ACCOUNTS, MEMBERS, strict=True))
KEYS = {m: Keypair(bytes([n]) * 32) for n, m in enumerate(MEMBERS, start=1)}
GROUPS = [uuid.UUID(int=n) for n in (201, 202)]
LOG_KEY = LogKey("mutual.test/everyday", bytes(32))


def state() -> LedgerState:
    registry = Registry(
        {
            KEYS[m].key_id: KeyRecord(
                KEYS[m].key_id, m, KEYS[m].public_key, Capacity.MEMBER, None, -1
            )
            for m in MEMBERS
        }
    )
    accounts = {
        a: open_account(a, TIME, OwnerKind.MEMBER, str(OWNER[a]), -1200, 2400) for a in ACCOUNTS
    }
    return LedgerState(accounts=accounts, registry=registry)


@st.composite
def raw_exchanges(draw: st.DrawFn) -> tuple[Transaction, tuple[Signature, ...]]:
    """Any exchange between the members' accounts: two or three postings, any marks
    (received by anyone, any group), under a fresh id or a share's derived id, signed
    by any of the members."""
    accounts = draw(st.permutations(ACCOUNTS))[: draw(st.integers(2, 3))]
    minutes = draw(st.integers(1, 8)) * 15
    postings: tuple[Posting, ...]
    if len(accounts) == 2:
        postings = (Posting(accounts[0], TIME, -minutes), Posting(accounts[1], TIME, minutes))
    else:
        postings = (
            Posting(accounts[0], TIME, -2 * minutes),
            Posting(accounts[1], TIME, minutes),
            Posting(accounts[2], TIME, minutes),
        )
    references: dict[str, str] = {}
    if draw(st.booleans()):
        references["received"] = str(draw(st.sampled_from(MEMBERS)))
    group = draw(st.sampled_from(GROUPS))
    if draw(st.booleans()):
        references["group"] = str(group)
    if draw(st.booleans()):
        payer, payee = draw(st.permutations(ACCOUNTS))[:2]
        tx_id = derived.exchange_share_id(draw(st.sampled_from(GROUPS)), payer, payee)
    else:
        tx_id = TransactionId(uuid.UUID(int=draw(st.integers(1, 2**64)), version=4))
    tx = Transaction(tx_id, TransactionKind.EXCHANGE, postings, MEMBERS[0], references=references)
    signers = draw(st.lists(st.sampled_from(MEMBERS), min_size=1, max_size=3, unique=True))
    return tx, tuple(Signature(KEYS[m].key_id, bytes(64)) for m in signers)


@given(raw_exchanges())
def test_what_the_fold_accepts_of_a_raw_exchange(
    case: tuple[Transaction, tuple[Signature, ...]],
) -> None:
    """An accepted exchange debits only signers' accounts; "I received" debits only the
    receiver it names, in one transfer; a group's share is one transfer under its
    derived id; and a derived id is only ever a share's."""
    tx, signatures = case
    signers = {
        str(record.principal) for s in signatures if (record := state().registry.keys.get(s.key_id))
    }
    try:
        apply_entry(
            state(), TransactionEntry(tx, signatures), log_index=1, on=None, log_key=LOG_KEY
        )
    except LedgerError:
        return
    debits = [p for p in tx.postings if p.amount < 0]
    assert all(str(OWNER[p.account_id]) in signers for p in debits)
    if "received" in tx.references:
        assert len(tx.postings) == 2
        assert [str(OWNER[p.account_id]) for p in debits] == [tx.references["received"]]
    if "group" in tx.references:
        [credit] = [p for p in tx.postings if p.amount > 0]
        group = uuid.UUID(tx.references["group"])
        assert tx.id == derived.exchange_share_id(group, debits[0].account_id, credit.account_id)
    if derived.is_derived(tx.id):
        assert "group" in tx.references


def test_a_share_is_paid_once_per_group() -> None:
    """The same two accounts in the same group name the same share; in another group or
    the other way round, another one."""
    a, b = ACCOUNTS[0], ACCOUNTS[1]
    one = derived.exchange_share_id(GROUPS[0], a, b)
    assert one == derived.exchange_share_id(GROUPS[0], a, b)
    assert (
        len(
            {
                one,
                derived.exchange_share_id(GROUPS[1], a, b),
                derived.exchange_share_id(GROUPS[0], b, a),
            }
        )
        == 3
    )
