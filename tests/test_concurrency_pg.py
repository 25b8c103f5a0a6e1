"""The bank test on real PostgreSQL: many concurrent clients, two writer processes' worth
of journals (each with its own connection pool), a hot pool account, racing reversals.
Totals must be exact afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest

from mutual.core.accounts import OwnerKind
from mutual.core.authority import Principal
from mutual.core.ids import AccountId, TransactionId
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.settings import Settings
from mutual.store.errors import StoreUnavailable
from mutual.store.outcomes import Outcome
from mutual.usecases.runtime import Runtime, new_id
from mutual.usecases.startup import open_runtime
from tests.conftest import OPERATOR, member, open_member_account, open_pool
from tests.ledger_checks import check_ledger
from tests.wallet import ensure_key, record, reverse

pytestmark = pytest.mark.postgres


@pytest.fixture(params=[True, False], ids=["batching", "no-batching"])
async def runtimes(
    request: pytest.FixtureRequest, pg_settings: Settings
) -> AsyncIterator[list[Runtime]]:
    """Two runtimes on one database, as two server processes would be."""
    settings = pg_settings.model_copy(update={"writer_batching": request.param})
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(open_runtime(settings, migrate=False)) for _ in range(2)
        ]


async def submit(rt: Runtime, who: Principal, tx: Transaction) -> Outcome:
    """Submit like a well-behaved client: on 503, wait and retry the same request."""
    for _ in range(100):
        try:
            [outcome] = await record(rt, who, [tx], atomic=False)
        except StoreUnavailable:
            await asyncio.sleep(0.2)
            continue
        return outcome
    raise AssertionError("the ledger never became available")


async def _fund(rt: Runtime, account: AccountId, amount: int) -> None:
    world = await open_pool(rt, owner_kind=OwnerKind.OUTSIDE_WORLD, owner_id="world")
    tx = Transaction(
        TransactionId(new_id()),
        TransactionKind.EXCHANGE,
        (Posting(world, TIME, -amount), Posting(account, TIME, amount)),
        OPERATOR.id,
    )
    [outcome] = await record(rt, OPERATOR, [tx], atomic=False)
    assert outcome.accepted


async def test_64_clients_cannot_overspend_one_account(runtimes: list[Runtime]) -> None:
    """64 concurrent spends of 10 from an account holding 200 (balance_min 0): exactly 20 land."""
    rt = runtimes[0]
    payer = member()
    source = await open_member_account(rt, payer, balance_min=0, balance_max=None)
    sink = await open_pool(rt)
    await _fund(rt, source, 200)

    def spend() -> Transaction:
        return Transaction(
            TransactionId(new_id()),
            TransactionKind.COMMONS_GIFT,
            (Posting(source, TIME, -10), Posting(sink, TIME, 10)),
            payer.id,
        )

    txs = [spend() for _ in range(64)]
    outcomes: list[list[Outcome]] = await asyncio.gather(
        *(record(runtimes[i % 2], payer, [tx], atomic=False) for i, tx in enumerate(txs)),
        # Each client also retries its request at once: the retry must not apply twice.
        *(record(runtimes[(i + 1) % 2], payer, [tx], atomic=False) for i, tx in enumerate(txs)),
    )
    firsts = [o[0] for o in outcomes[:64]]
    accepted_ids = {
        tx.id
        for tx, o, r in zip(txs, firsts, [o[0] for o in outcomes[64:]], strict=True)
        if o.accepted or r.accepted
    }
    assert len(accepted_ids) == 20
    refused = {o.body["code"] for o in firsts if not o.accepted}
    assert refused == {"exceeds_balance_min"}
    balances = await check_ledger(rt.db)
    assert balances[source] == 0
    assert balances[sink] == 200


async def test_2000_concurrent_gifts_to_one_pool_all_land(runtimes: list[Runtime]) -> None:
    """2,000 gifts from distinct members to one pool, all at once: all land, total exact."""
    rt = runtimes[0]
    pool = await open_pool(rt)
    givers = [member() for _ in range(2000)]
    accounts = []
    for giver in givers:
        accounts.append(await open_member_account(rt, giver, balance_min=-100, balance_max=100))
    # Keys first (the second runtime replays the registrations), so that the gifts alone
    # take the next log indexes.
    for runtime in runtimes:
        for start in range(0, len(givers), 50):
            chunk = givers[start : start + 50]
            await asyncio.gather(*(ensure_key(runtime, giver.id) for giver in chunk))
    gifts = [
        (
            giver,
            Transaction(
                TransactionId(new_id()),
                TransactionKind.COMMONS_GIFT,
                (Posting(account, TIME, -(1 + i % 7)), Posting(pool, TIME, 1 + i % 7)),
                giver.id,
            ),
        )
        for i, (giver, account) in enumerate(zip(givers, accounts, strict=True))
    ]
    outcomes = await asyncio.gather(
        *(submit(runtimes[i % 2], giver, tx) for i, (giver, tx) in enumerate(gifts))
    )
    assert all(o.accepted for o in outcomes)
    balances = await check_ledger(rt.db)
    assert balances[pool] == sum(1 + i % 7 for i in range(2000))
    log_indexes = sorted(o.body["log_index"] for o in outcomes)
    assert log_indexes[-1] - log_indexes[0] == 1999


async def test_racing_reversals_succeed_once(runtimes: list[Runtime]) -> None:
    """Two different reversals of one transaction at once: exactly one lands."""
    rt = runtimes[0]
    alice, bob = member(), member()
    a = await open_member_account(rt, alice)
    b = await open_member_account(rt, bob)
    originals = []
    for _ in range(10):
        tx = Transaction(
            TransactionId(new_id()),
            TransactionKind.EXCHANGE,
            (Posting(a, TIME, -30), Posting(b, TIME, 30)),
            alice.id,
        )
        [outcome] = await record(rt, alice, [tx], atomic=False)
        assert outcome.accepted
        originals.append(tx.id)
    results = await asyncio.gather(
        *(
            reverse(
                runtimes[k], OPERATOR, tx_id, reversal_id=TransactionId(new_id()), memo="erreur"
            )
            for tx_id in originals
            for k in (0, 1)
        )
    )
    for pair in zip(results[::2], results[1::2], strict=True):
        assert sorted(o.accepted for o in pair) == [False, True]
        assert [o.body["code"] for o in pair if not o.accepted] == ["already_reversed"]
    balances = await check_ledger(rt.db)
    assert (balances[a], balances[b]) == (0, 0)
