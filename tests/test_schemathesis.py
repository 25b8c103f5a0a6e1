"""Schemathesis against contracts/openapi.json on a live server, on both databases,
bounded in examples and time: no 5xx, no answer outside its documented status codes,
content type or schema; and, as a principal the permission matrix refuses, every
operation it may not call answers 401/403 and the database is left exactly as it was."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mutual.core.authority import Principal, Role
from mutual.core.ids import PrincipalId
from mutual.core.permissions import MATRIX
from mutual.settings import Settings
from mutual.store.database import open_database
from mutual.store.schema import metadata
from tests.conftest import BACKENDS
from tests.test_serve import _free_port

CONTRACT = Path(__file__).resolve().parents[1] / "contracts" / "openapi.json"
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
ST = [sys.executable, "-m", "schemathesis.cli"]


def _env(settings: Settings) -> dict[str, str]:
    # No checkpoint timer: the service's own checkpoints would blur "nothing written".
    env = {
        **os.environ,
        "MUTUAL_DATA_DIR": str(settings.data_dir),
        "MUTUAL_CHECKPOINT_INTERVAL_SECONDS": "0",
    }
    env.pop("MUTUAL_DATABASE_URL", None)
    if settings.database_url:
        env["MUTUAL_DATABASE_URL"] = settings.database_url
    return env


@contextmanager
def live_server(
    settings: Settings, extra: dict[str, str] | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    """``mutual serve`` on ``settings``' database, with ``extra`` environment variables."""
    port = _free_port()
    env = {**_env(settings), **(extra or {})}
    with subprocess.Popen(
        [sys.executable, "-m", "mutual", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    ) as process:
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.3)
            yield f"http://127.0.0.1:{port}", env
        finally:
            process.terminate()
            process.wait(timeout=15)


def token(env: dict[str, str], role: str) -> str:
    printed = subprocess.run(
        [sys.executable, "-m", "mutual", "token", "create", "--role", role],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"mutual_[A-Za-z0-9_-]+", printed)
    assert found is not None, printed
    return found.group(0)


def schemathesis(contract: Path, url: str, bearer: str | None, seconds: int) -> str:
    command = [
        *ST,
        "run",
        str(contract),
        "--url",
        url,
        "--checks",
        CHECKS,
        "--max-examples",
        "8",
        "--max-time",
        str(seconds),
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "20261129",
        "-w",
        "1",
        # An event stream answers until its client leaves: each call would spend the
        # whole request timeout; tests/test_events.py covers it.
        "--exclude-operation-id",
        "streamEvents",
    ]
    if bearer is not None:
        command += ["-H", f"Authorization: Bearer {bearer}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    failures = done.stdout.find("= FAILURES =")
    assert done.returncode == 0, done.stdout[max(failures, 0) :][:8000] + done.stderr[-2000:]
    return done.stdout


def undeclared_problems(url: str, bearer: str) -> list[str]:
    """The (operation, code) pairs the server answered without declaring, from /metrics."""
    request = urllib.request.Request(
        f"{url}/api/v1/metrics", headers={"Authorization": f"Bearer {bearer}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        text = answer.read().decode()
    return [line for line in text.splitlines() if line.startswith("mutual_problems_undeclared{")]


async def row_counts(settings: Settings) -> dict[str, int]:
    db = open_database(settings)
    try:
        async with db.reading() as conn:
            return {
                name: int((await conn.execute(select(func.count()).select_from(t))).scalar_one())
                for name, t in sorted(metadata.tables.items())
            }
    finally:
        await db.dispose()


def refused_contract(tmp: Path, principal: Principal) -> Path:
    """The contract cut down to the operations the matrix refuses ``principal``."""
    document = json.loads(CONTRACT.read_text())
    for path in list(document["paths"]):
        kept = {
            method: op
            for method, op in document["paths"][path].items()
            if not MATRIX[op["operationId"]].allows(principal)
        }
        if kept:
            document["paths"][path] = kept
        else:
            del document["paths"][path]
    out = tmp / "refused.json"
    out.write_text(json.dumps(document))
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_schemathesis_finds_nothing(
    backend: str, fresh_database: Callable[[str], Settings], tmp_path: Path
) -> None:
    settings = fresh_database(backend)
    with live_server(settings) as (url, env):
        operator = token(env, "operator")
        report = schemathesis(CONTRACT, url, operator, seconds=90)
        assert "Tested:" in report
        # Every problem the fuzzed operations answered is one their entry declares.
        undeclared = undeclared_problems(url, operator)
        assert not undeclared, "\n".join(undeclared)
        # A partner may call few operations: all the others, fuzzed, write nothing.
        partner = token(env, "partner")
        before = asyncio.run(row_counts(settings))
        stranger = Principal(PrincipalId(uuid.uuid4()), frozenset({Role.PARTNER}))
        schemathesis(refused_contract(tmp_path, stranger), url, partner, seconds=30)
        after = asyncio.run(row_counts(settings))
        assert after == before
