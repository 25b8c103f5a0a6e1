"""A first end-to-end check of the write path on both backends."""

from __future__ import annotations

from mutual.core.ids import TransactionId
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.usecases.runtime import Runtime, new_id
from tests.conftest import member, open_member_account
from tests.wallet import record


async def test_exchange_moves_minutes(runtime: Runtime) -> None:
    """An exchange debits the receiver and credits the provider by the same minutes."""
    alice, bob = member(), member()
    a = await open_member_account(runtime, alice)
    b = await open_member_account(runtime, bob)
    tx = Transaction(
        TransactionId(new_id()),
        TransactionKind.EXCHANGE,
        (Posting(a, TIME, -90), Posting(b, TIME, 90)),
        alice.id,
        "Réparation de vélo",
    )
    [outcome] = await record(runtime, alice, [tx], atomic=False)
    assert outcome.accepted
    assert [(x["balance"], x["version"]) for x in outcome.body["balances"]] == [(-90, 1), (90, 1)]
    [again] = await record(runtime, alice, [tx], atomic=False)
    assert again.replayed
    assert again.body == outcome.body
