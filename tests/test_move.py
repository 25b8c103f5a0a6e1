"""A ledger moved from the embedded SQLite database into PostgreSQL keeps its log root,
every balance and every row; the moved ledger verifies offline and goes on being
written (the log, the Merkle frontier and serial keys continue after the copy)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from mutual.cli.main import cli
from mutual.core.authority import Principal, Role
from mutual.core.ids import AccountId, TransactionId
from mutual.core.registry import Capacity
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.core.verify import Verifier
from mutual.settings import Settings
from mutual.store import ledger_reads
from mutual.store import timebank as timebank_store
from mutual.store.database import open_database
from mutual.store.move import MoveError, copy_store, differences
from mutual.store.tables import notifications
from mutual.usecases import exchanges, members, pledges
from mutual.usecases.export import export_lines
from mutual.usecases.flows import sign_and_record
from mutual.usecases.log import sign_checkpoint
from mutual.usecases.runtime import Runtime
from mutual.usecases.startup import open_runtime
from tests.conftest import OPERATOR, open_pool
from tests.wallet import ensure_key, record

NOW = datetime(2027, 1, 20, 12, tzinfo=UTC)


async def _member(rt: Runtime, name: str) -> tuple[Principal, AccountId]:
    applied = await members.apply(rt, members.Profile(name, None, {}, []))
    accepted = (await members.accept(rt, OPERATOR, applied.id)).member
    who = Principal(applied.id, frozenset({Role.MEMBER}))
    await ensure_key(rt, who.id)
    assert accepted.account_id is not None
    return who, AccountId(accepted.account_id)


async def _activity(rt: Runtime) -> None:
    """Members, a key, a commons gift, a pledge, a pending proposal (a notification)."""
    await ensure_key(rt, OPERATOR.id, Capacity.OPERATOR)
    alice, account = await _member(rt, "Alice")
    bob, _ = await _member(rt, "Bob")
    commons = await open_pool(rt)
    gift = Transaction(
        TransactionId(uuid.uuid4()),
        TransactionKind.COMMONS_GIFT,
        (Posting(account, TIME, -30), Posting(commons, TIME, 30)),
        alice.id,
    )
    [outcome] = await record(rt, alice, [gift], atomic=False)
    assert outcome.accepted, outcome.body
    key = await ensure_key(rt, alice.id)
    tx_id = uuid.uuid4()
    pledged = await sign_and_record(
        lambda s: pledges.pledge_hours(
            rt, alice, tx_id=tx_id, quarter="2027-Q1", minutes=120, member_id=None, signatures=s
        ),
        key,
    )
    assert pledged.accepted, pledged.body
    await exchanges.propose(
        rt,
        bob,
        proposal_id=None,
        receiver=alice.id,
        minutes=60,
        memo="",
        offer_id=None,
        category=None,
    )
    await sign_checkpoint(rt)


@pytest.mark.postgres
async def test_sqlite_ledger_moves_to_postgres(tmp_path: Path, pg_settings: Settings) -> None:
    """Same log size and root, same balances and versions, same rows; the export of the
    moved ledger verifies; a second move into it is refused; writing goes on."""
    embedded = Settings(data_dir=tmp_path / "embedded", checkpoint_interval_seconds=0)
    async with open_runtime(embedded) as rt:
        rt.clock = lambda: NOW
        await _activity(rt)
        verifier_key = rt.log.verifier_key
    source, target = open_database(embedded), open_database(pg_settings)
    try:
        assert (await differences(source, target))[0].startswith("log: size")
        async with source.reading() as conn:
            noticed = (await conn.execute(select(func.count()).select_from(notifications))).one()[0]
        counts = await copy_store(source, target)
        assert counts["log_entries"] == await ledger_reads.tree_size(source)
        assert counts["notifications"] == noticed >= 1
        assert await differences(source, target) == []
        with pytest.raises(MoveError, match="already holds a ledger"):
            await copy_store(source, target)
    finally:
        await source.dispose()
        await target.dispose()

    moved = pg_settings.model_copy(
        update={
            "log_signing_key_file": embedded.data_dir / "log-signing.key",
            "checkpoint_interval_seconds": 0,
        }
    )
    async with open_runtime(moved, migrate=False) as rt:
        rt.clock = lambda: NOW
        lines = [line async for line in export_lines(rt)]
        size = await ledger_reads.tree_size(rt.db)
        alice, _ = await _member(rt, "Carol")  # the log, accounts and keys go on
        assert await ledger_reads.tree_size(rt.db) > size
        async with rt.db.writing() as conn:
            await timebank_store.notify(
                conn, alice.id, "proposal_received", {}, source="after the move", now=NOW
            )
            seqs = (await conn.execute(select(func.count(), func.max(notifications.c.seq)))).one()
        # The feed's sequence goes on densely after the moved rows: no number taken twice.
        assert seqs[0] == seqs[1] > noticed
        await sign_checkpoint(rt)
        lines_after = [line async for line in export_lines(rt)]
    for export in (lines, lines_after):
        verifier = Verifier(verifier_key)
        for n, line in enumerate(export, start=1):
            verifier.feed(n, line)
        assert verifier.finish(len(export) + 1) == []


@pytest.mark.postgres
def test_migrate_store_command(tmp_path: Path, pg_settings: Settings) -> None:
    """`mutual migrate-store --to URL` copies the embedded ledger and says it matches; a
    second run into the same database is refused."""
    runner = CliRunner()
    env = {"MUTUAL_DATA_DIR": str(tmp_path)}
    made = runner.invoke(cli, ["token", "create", "--role", "operator"], env=env)
    assert made.exit_code == 0, made.output
    assert pg_settings.database_url is not None
    moved = runner.invoke(cli, ["migrate-store", "--to", pg_settings.database_url], env=env)
    assert moved.exit_code == 0, moved.output
    assert "same log root, balances and rows" in moved.output
    again = runner.invoke(cli, ["migrate-store", "--to", pg_settings.database_url], env=env)
    assert again.exit_code == 1
    assert "already holds a ledger" in again.output
