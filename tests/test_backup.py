"""A backup of the embedded ledger taken while it is written restores into an empty data
directory, and its export verifies offline against the checkpoints signed before the
backup; a restore never overwrites a ledger, and PostgreSQL is pointed to its own tools."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from mutual.cli.main import cli
from mutual.core.ids import TransactionId
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.core.verify import Verifier
from mutual.settings import Settings
from mutual.store import ledger_reads, log_reads
from mutual.store.backup import BackupError, backup_sqlite, restore_sqlite
from mutual.usecases.export import export_lines
from mutual.usecases.log import sign_checkpoint
from mutual.usecases.startup import open_runtime
from tests.conftest import member, open_member_account, open_pool
from tests.wallet import record


async def test_backup_restore_verify(tmp_path: Path) -> None:
    """What the backup holds is exactly the ledger at that moment: the restored export
    ends there, verifies with the log key, and keeps the checkpoints signed before."""
    live = Settings(data_dir=tmp_path / "live", checkpoint_interval_seconds=0)
    saved = tmp_path / "backup.sqlite3"
    live_file = live.sqlite_file()
    assert live_file is not None

    async with open_runtime(live) as rt:
        alice = member()
        account = await open_member_account(rt, alice)
        commons = await open_pool(rt)

        async def gift(minutes: int) -> None:
            tx = Transaction(
                TransactionId(uuid.uuid4()),
                TransactionKind.COMMONS_GIFT,
                (Posting(account, TIME, -minutes), Posting(commons, TIME, minutes)),
                alice.id,
            )
            [outcome] = await record(rt, alice, [tx], atomic=False)
            assert outcome.accepted, outcome.body

        for minutes in (30, 45, 60):
            await gift(minutes)
        signed = await sign_checkpoint(rt)
        backup_sqlite(live_file, saved)
        size_at_backup = await ledger_reads.tree_size(rt.db)
        await gift(15)  # after the backup: not in it
        assert await ledger_reads.tree_size(rt.db) == size_at_backup + 1
        verifier_key = rt.log.verifier_key

    restored = Settings(
        data_dir=tmp_path / "restored",
        checkpoint_interval_seconds=0,
        log_signing_key_file=live.data_dir / "log-signing.key",
    )
    restored_file = restored.sqlite_file()
    assert restored_file is not None
    restore_sqlite(saved, restored_file)
    async with open_runtime(restored) as rt:
        assert await ledger_reads.tree_size(rt.db) == size_at_backup
        assert [c.tree_size for c in await log_reads.read_checkpoints(rt.db)] == [signed.tree_size]
        lines = [line async for line in export_lines(rt)]
    verifier = Verifier(verifier_key)
    for n, line in enumerate(lines, start=1):
        verifier.feed(n, line)
    assert verifier.finish(len(lines) + 1) == []
    assert any(f'"tree_size":{signed.tree_size}' in line for line in lines)


def test_a_restore_never_overwrites_and_a_bad_file_is_refused(tmp_path: Path) -> None:
    """Restoring over an existing ledger, from a file that is not a mutual database, or
    backing up over an existing file is refused and changes nothing."""
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    target = tmp_path / "data" / "mutual.sqlite3"
    with pytest.raises(BackupError, match="not a mutual database"):
        restore_sqlite(junk, target)
    assert not target.exists()
    target.parent.mkdir()
    target.write_bytes(b"a ledger")
    with pytest.raises(BackupError, match="exists"):
        restore_sqlite(junk, target)
    with pytest.raises(BackupError, match="exists"):
        backup_sqlite(target, junk)
    assert target.read_bytes() == b"a ledger"


def test_backup_commands(tmp_path: Path) -> None:
    """`mutual backup` and `mutual restore` work on the embedded database and point a
    PostgreSQL ledger to pg_dump."""
    runner = CliRunner()
    source = {"MUTUAL_DATA_DIR": str(tmp_path / "a")}
    assert runner.invoke(cli, ["db", "upgrade"], env=source).exit_code == 0
    made = runner.invoke(cli, ["backup", str(tmp_path / "b.sqlite3")], env=source)
    assert made.exit_code == 0, made.output
    target = {"MUTUAL_DATA_DIR": str(tmp_path / "c")}
    back = runner.invoke(cli, ["restore", str(tmp_path / "b.sqlite3")], env=target)
    assert back.exit_code == 0, back.output
    assert (tmp_path / "c" / "mutual.sqlite3").exists()
    again = runner.invoke(cli, ["restore", str(tmp_path / "b.sqlite3")], env=target)
    assert again.exit_code == 1
    assert "move it aside" in again.output
    postgres = {"MUTUAL_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres"}
    refused = runner.invoke(cli, ["backup", str(tmp_path / "d.sqlite3")], env=postgres)
    assert refused.exit_code == 2
    assert "pg_dump" in refused.output
