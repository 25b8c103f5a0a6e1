"""When the database refuses a batch the core accepted (a bug, simulated here by a core
that lets an unbalanced transaction through), only the culprit fails: the batch is
retried command by command and every other request lands."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from mutual.core import fold, ledger
from mutual.core.ids import TransactionId
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.store.errors import LedgerInvariantViolated
from mutual.usecases.runtime import Runtime, new_id
from mutual.usecases.transactions import prepare
from tests.conftest import OPERATOR, member, open_member_account, open_pool
from tests.ledger_checks import check_ledger
from tests.wallet import ensure_key, record, sign


async def test_a_refused_batch_is_isolated_to_its_culprit(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """One corrupted transaction in a batch fails alone; the others are committed."""
    pool = await open_pool(runtime)
    givers = [member() for _ in range(8)]
    accounts = [await open_member_account(runtime, g) for g in givers]
    for g in givers:  # keys first: their registrations are writes of their own
        await ensure_key(runtime, g.id)
    txs = [
        Transaction(
            TransactionId(new_id()),
            TransactionKind.COMMONS_GIFT,
            (Posting(a, TIME, -10), Posting(pool, TIME, 10)),
            g.id,
        )
        for g, a in zip(givers, accounts, strict=True)
    ]
    culprit = txs[3].id
    honest = ledger.apply_transaction

    def buggy(tx: Transaction, *args: Any, **kwargs: Any) -> ledger.Applied:
        applied = honest(tx, *args, **kwargs)
        if tx.id != culprit:
            return applied
        # Credit one minute too many: the core "forgot" to check the balance.
        first, second = applied.postings
        wrong = dataclasses.replace(second, amount=11, balance_after=second.balance_after + 1)
        return dataclasses.replace(applied, postings=(first, wrong))

    # Signed and checked first, so that all eight reach the writer's queue together.
    writes = [
        await prepare(runtime, g, await sign(runtime, tx))
        for g, tx in zip(givers, txs, strict=True)
    ]
    # The writer applies transactions through the one fold of the log (core.fold).
    monkeypatch.setattr(fold, "apply_transaction", buggy)
    results = await asyncio.gather(
        *(
            runtime.journal.submit([write], atomic=False, recorded_at=runtime.clock())
            for write in writes
        ),
        return_exceptions=True,
    )
    assert "database refused a batch of 8; isolating" in caplog.text
    failures = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert failures == [3]
    assert isinstance(results[3], LedgerInvariantViolated)
    assert all(r[0].accepted for i, r in enumerate(results) if i != 3 and isinstance(r, list))
    monkeypatch.setattr(fold, "apply_transaction", honest)
    balances = await check_ledger(runtime.db)
    assert balances[pool] == 70
    # The culprit left no trace, so sending it again (now honestly) lands.
    [retry] = await record(runtime, OPERATOR, [txs[3]], atomic=False)
    assert retry.accepted
