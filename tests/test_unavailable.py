"""An unreachable database answers 503 with Retry-After, never a 500 or a hang."""

from __future__ import annotations

import uuid
from pathlib import Path

from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from mutual.api.app import create_app
from mutual.cli.main import cli
from mutual.settings import Settings
from mutual.usecases.startup import open_runtime

# Port 9 (discard) on loopback: nothing listens there, so connections are refused at once.
UNREACHABLE = Settings(
    database_url="postgresql://postgres@127.0.0.1:9/none",
    db_timeout_seconds=2,
    writer_batching=False,
)


async def test_unreachable_database_answers_503() -> None:
    """Health, reads and writes all answer 503 problems with Retry-After."""
    async with open_runtime(UNREACHABLE, migrate=False) as rt:
        app = create_app(UNREACHABLE, runtime=rt)
        async with AsyncTestClient(app) as client:
            tx_id = str(uuid.uuid4())
            live = await client.get("/api/v1/health/live")
            answers = [
                await client.get("/api/v1/health"),
                await client.get("/api/v1/health/ready"),
                await client.get("/api/v1/accounts", headers={"Authorization": "Bearer x"}),
                await client.post(
                    "/api/v1/transactions",
                    json={"id": tx_id, "kind": "exchange", "postings": []},
                    headers={"Authorization": "Bearer x", "Idempotency-Key": tx_id},
                ),
            ]
    assert live.status_code == 200, "the process itself is alive"
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "1"
        assert answer.json()["code"] == "service_unavailable"


async def test_not_ready_once_the_writer_stopped(tmp_path: Path) -> None:
    """With the database up but the ledger's writer stopped, readiness answers 503 (with
    Retry-After) while liveness still answers 200."""
    settings = Settings(data_dir=tmp_path)
    async with open_runtime(settings) as rt:
        app = create_app(settings, runtime=rt)
        async with AsyncTestClient(app) as client:
            assert (await client.get("/api/v1/health/ready")).status_code == 200
            await rt.journal.stop()
            ready = await client.get("/api/v1/health/ready")
            live = await client.get("/api/v1/health/live")
    assert (ready.status_code, ready.headers["retry-after"]) == (503, "1")
    assert ready.json()["detail"] == "the ledger's writer is not running"
    assert live.status_code == 200


def test_several_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    """SQLite has one writer, so `serve --workers 2` refuses to start on it."""
    result = CliRunner().invoke(
        cli, ["serve", "--workers", "2"], env={"MUTUAL_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert "SQLite has one writer" in result.output


def test_production_refuses_unsafe_settings(tmp_path: Path) -> None:
    """In production, `serve` refuses a log key made on the spot and the default origin,
    naming both; with a key file and the territory's origin these settings may serve."""
    production = {"MUTUAL_DATA_DIR": str(tmp_path), "MUTUAL_ENVIRONMENT": "production"}
    result = CliRunner().invoke(cli, ["serve"], env=production)
    assert result.exit_code == 2
    assert "MUTUAL_LOG_SIGNING_KEY" in result.output
    assert "MUTUAL_LOG_ORIGIN" in result.output
    assert not (tmp_path / "mutual.sqlite3").exists()
    safe = Settings(
        data_dir=tmp_path,
        environment="production",
        log_signing_key_file=tmp_path / "log.key",
        log_origin="mulhouse.example/mutual",
    )
    assert safe.unsafe_for(workers=1) == []
    assert Settings(data_dir=tmp_path).unsafe_for(workers=1) == []
