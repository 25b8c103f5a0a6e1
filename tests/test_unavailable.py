"""An unreachable database answers 503 with Retry-After, never a 500 or a hang."""

from __future__ import annotations

import uuid
from pathlib import Path

from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from mutual.api.app import create_app
from mutual.cli.main import cli
from mutual.settings import Settings
from mutual.usecases.runtime import open_runtime

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
            answers = [
                await client.get("/api/v1/health"),
                await client.get("/api/v1/accounts", headers={"Authorization": "Bearer x"}),
                await client.post(
                    "/api/v1/transactions",
                    json={"id": tx_id, "kind": "exchange", "postings": []},
                    headers={"Authorization": "Bearer x", "Idempotency-Key": tx_id},
                ),
            ]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "1"
        assert answer.json()["type"] == "service_unavailable"


def test_several_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    """SQLite has one writer, so `serve --workers 2` refuses to start on it."""
    result = CliRunner().invoke(
        cli, ["serve", "--workers", "2"], env={"MUTUAL_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert "SQLite has one writer" in result.output
