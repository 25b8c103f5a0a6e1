"""The ``mutual`` command line on the embedded default and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mutual.cli.main import cli
from mutual.core.notes import format_verifier_key, verifier_key_of
from mutual.settings import Settings
from mutual.store.migrate import migrations_dir
from mutual.usecases.access import Authenticator
from mutual.usecases.runtime import Runtime
from mutual.usecases.startup import open_runtime
from tests.test_tampering import entry_of, loosened, rewrite, witnessed


def _run(args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_migrations_are_found() -> None:
    """The migrations folder is found from the installed package."""
    assert (migrations_dir() / "env.py").is_file()


def test_db_upgrade_is_repeatable(tmp_path: Path) -> None:
    """`mutual db upgrade` creates the schema, and running it again changes nothing."""
    env = {"MUTUAL_DATA_DIR": str(tmp_path)}
    assert "newest schema" in _run(["db", "upgrade"], env)
    assert "newest schema" in _run(["db", "upgrade"], env)
    with sqlite3.connect(tmp_path / "mutual.sqlite3") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (NEWEST_SCHEMA,)
        ]


@pytest.mark.postgres
def test_db_upgrade_on_postgres(pg_settings: Settings, tmp_path: Path) -> None:
    """`mutual db upgrade` works on the database named by MUTUAL_DATABASE_URL."""
    assert pg_settings.database_url is not None
    env = {"MUTUAL_DATABASE_URL": pg_settings.database_url, "MUTUAL_DATA_DIR": str(tmp_path)}
    assert "newest schema" in _run(["db", "upgrade"], env)
    assert not (tmp_path / "mutual.sqlite3").exists()


def test_token_create_prints_a_working_token(tmp_path: Path) -> None:
    """The printed token authenticates as a principal with the requested roles."""
    env = {"MUTUAL_DATA_DIR": str(tmp_path)}
    output = _run(["token", "create", "--role", "operator", "--role", "auditor"], env)
    token = output.splitlines()[0]

    async def roles() -> set[str]:
        async with open_runtime(Settings(data_dir=tmp_path), migrate=False) as rt:
            principal = await Authenticator(rt).authenticate(f"Bearer {token}")
            return {r.value for r in principal.roles}

    assert asyncio.run(roles()) == {"operator", "auditor"}


NEWEST_SCHEMA = "0029"


def test_demo_loads_once(tmp_path: Path) -> None:
    """The demo territory loads through the write path, and loading it again changes nothing."""
    env = {"MUTUAL_DATA_DIR": str(tmp_path)}

    def snapshot() -> tuple[Any, ...]:
        with sqlite3.connect(tmp_path / "mutual.sqlite3") as db:
            return tuple(
                db.execute(query).fetchall()
                for query in (
                    # Volunteers' allocations apart: how many depends on the hours drawn
                    # for the quarter the test runs in.
                    "SELECT owner_kind, count(*) FROM accounts"
                    " WHERE role IS NULL OR role NOT LIKE '%\"allocated\"%' GROUP BY 1 ORDER BY 1",
                    "SELECT count(*) FROM accounts WHERE role LIKE '%\"allocated\"%'",
                    "SELECT kind, count(*) FROM transactions GROUP BY 1 ORDER BY 1",
                    "SELECT sum(balance) FROM accounts",
                    "SELECT id, balance FROM accounts ORDER BY id",
                    "SELECT status, count(*) FROM members GROUP BY 1",
                    "SELECT status, count(*) FROM proposals GROUP BY 1 ORDER BY 1",
                    "SELECT count(DISTINCT category), count(*) FROM offers",
                    "SELECT count(*) FROM accounts WHERE owner_kind = 'member'"
                    " AND unit = 'TIME' AND balance BETWEEN -600 AND 600",
                    "SELECT kind, count(*) FROM round_entries GROUP BY 1 ORDER BY 1",
                    "SELECT count(*) FROM group_entries",
                    "SELECT project_id, quarter, assessment FROM project_followups ORDER BY 1, 2",
                    "SELECT project_id, name, target FROM project_indicators ORDER BY 1, 2",
                    "SELECT id, status, group_id FROM projects ORDER BY 1",
                )
            )

    assert "token" in _run(["demo"], env)
    first = snapshot()
    (
        accounts,
        [(allocated,)],
        kinds,
        [(total,)],
        _,
        people,
        proposals,
        [(categories, offers)],
        [(within,)],
        steps,
        [(group_entries,)],
        followups,
        indicators,
        projects,
    ) = first
    # Members: 300 TIME accounts, 160 pledge promises (60 last quarter, 60 this one, 40
    # the next), a resident partner's EUR account. Pools: the commons, 160 pledges held,
    # the fund. Projects: 8 of their own, and the volunteers' allocations over two quarters
    # (as many as the hours drawn for the quarter give). Points: the goods' shelves,
    # intakes, gifts and loans. Organisations: five fund partners and the association of
    # the time bank.
    assert accounts == [
        ("collection_point", 75),
        ("commons_pool", 162),
        ("member", 461),
        ("organisation", 6),
        ("outside_world", 1),
        ("project", 8),
    ]
    assert allocated > 10
    assert people == [("active", 300)]
    counts = dict(kinds)
    assert counts["exchange"] > 2000
    assert counts["commons_gift"] > 50
    assert counts["correction"] >= 3
    pooling = "pledge allocation delivery contribution deposit repayment grant disbursement"
    goods = "good_deposit loan return give good_transfer"
    assert all(counts[kind] > 0 for kind in f"{pooling} {goods}".split())
    assert total == 0
    assert dict(proposals).keys() == {"pending", "expired"}
    # The demo's offers, one a resident, and the six intake recorded (demo_intake).
    assert (categories, offers) == (15, 306)
    assert within > 200, "most balances end within ±10 h"
    # Two rounds: last quarter's, executed after its ballot; this quarter's, still voting.
    assert dict(steps) == {
        "draft": 2,
        "submission": 6,
        "snapshot": 2,
        "proposal": 2,
        "stance": 75,
        "consent_closed": 2,
        "ballot": 51,
        "ballot_closed": 1,
        "executed": 1,
    }
    # Each project's group (its creation, its people, its facilitator), its sheet, the
    # indicators its group agreed, and last quarter's follow-up co-evaluated; and intake's
    # neighbourhood group (its creation, the first resident joining: usecases.demo_intake).
    assert group_entries == (1 + 5 + 1) + 2 * (1 + 4 + 1) + (1 + 1)
    assert len(followups) == 3
    assert all(assessment is not None for _, _, assessment in followups)
    assert len(indicators) == 4
    assert all(group is not None for _, _, group in projects)
    _run(["demo"], env)
    assert snapshot() == first


def test_export_then_verify_offline(tmp_path: Path) -> None:
    """`mutual export` writes the demo ledger; `mutual verify` with `mutual log-key` passes
    it (its pact entries among the rest), and fails (exit 1, findings printed) once one
    line is changed."""
    env = {"MUTUAL_DATA_DIR": str(tmp_path)}
    _run(["demo"], env)
    export = tmp_path / "export.ndjson"
    _run(["export", "--output", str(export)], env)
    log_key = _run(["log-key"], env).strip()
    ok = CliRunner().invoke(cli, ["verify", str(export), "--log-key", log_key])
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output
    lines = export.read_text().splitlines(keepends=True)
    # The demo's pact is in the export, verified with the rest; a signature whose
    # signatory is changed (without the log key) is caught at its own index.
    pact = [i for i, line in enumerate(lines) if '"type":"pact"' in line]
    assert len(pact) > 40
    signed = next(i for i in pact if '"action":"signed"' in lines[i])
    forged = tmp_path / "forged-pact.ndjson"
    doc = json.loads(lines[signed])
    body = doc["entry"]["payload"]["body"]
    body["signatory"] = doc["entry"]["payload"]["by"] = str(uuid.uuid4())
    forged.write_text(
        "".join(lines[:signed])
        + json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        + "\n"
        + "".join(lines[signed + 1 :])
    )
    caught = CliRunner().invoke(cli, ["verify", str(forged), "--log-key", log_key])
    assert caught.exit_code == 1
    assert caught.output.startswith(f"log index {doc['index']} "), caught.output
    n = next(i for i, line in enumerate(lines) if '"amount":-' in line)
    index = json.loads(lines[n])["index"]
    lines[n] = lines[n].replace('"amount":-', '"amount":-1', 1)
    export.write_text("".join(lines))
    bad = CliRunner().invoke(cli, ["verify", str(export), "--log-key", log_key])
    assert bad.exit_code == 1
    assert bad.output.startswith(f"log index {index} "), bad.output
    # Signatures checked in worker processes (the default on several cores) or inline:
    # the same first finding.
    for jobs in ("0", "2"):
        again = CliRunner().invoke(
            cli, ["verify", str(export), "--log-key", log_key, "--jobs", jobs]
        )
        assert again.exit_code == 1
        assert again.output.splitlines()[0] == bad.output.splitlines()[0], (jobs, again.output)


def test_verify_runs_on_the_pure_core_alone(tmp_path: Path) -> None:
    """`mutual verify` loads no database, web or settings module: it trusts nothing of
    the service but the key it is given."""
    env = {"MUTUAL_DATA_DIR": str(tmp_path)}
    _run(["demo"], env)
    export = tmp_path / "export.ndjson"
    _run(["export", "--output", str(export)], env)
    log_key = _run(["log-key"], env).strip()
    probe = (
        "import sys\n"
        "from mutual.cli.main import cli\n"
        f"try:\n    cli(['verify', {str(export)!r}, '--log-key', {log_key!r}])\n"
        "except SystemExit as e:\n    code = e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy', 'litestar', 'pydantic', 'asyncpg', 'aiosqlite'} "
        "or m.startswith(('mutual.store', 'mutual.usecases', 'mutual.api', 'mutual.settings')))\n"
        "print('EXIT', code, 'HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert "EXIT 0 HEAVY []" in out, out


def test_upgrading_a_first_release_ledger_with_unsigned_history_is_refused(
    tmp_path: Path,
) -> None:
    """An empty database goes from the first migration to the newest; one holding
    unsigned accounts from the first release is refused with a clear message, unchanged."""
    from alembic import command
    from sqlalchemy import create_engine

    from mutual.store.migrate import alembic_config

    for holds_history in (False, True):
        path = tmp_path / f"{holds_history}.sqlite3"
        engine = create_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0001")
            if holds_history:
                conn.exec_driver_sql(
                    "INSERT INTO accounts (id, unit, owner_kind, owner_id, balance, version,"
                    " created_at) VALUES ('00000000000000000000000000000001', 'TIME',"
                    " 'commons_pool', 'commons', 0, 0, '2026-11-01 00:00:00')"
                )
        engine.dispose()
        env = {"MUTUAL_DATABASE_URL": f"sqlite:///{path}", "MUTUAL_DATA_DIR": str(tmp_path)}
        result = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
        with sqlite3.connect(path) as db:
            version = db.execute("SELECT version_num FROM alembic_version").fetchall()
        if holds_history:
            assert result.exit_code != 0
            assert "cannot be upgraded in place" in str(result.exception)
            assert version == [("0001",)]
        else:
            assert result.exit_code == 0, result.output
            assert version == [(NEWEST_SCHEMA,)]


async def test_verify_asks_the_witnesses_given(runtime: Runtime, tmp_path: Path) -> None:
    """`mutual verify --witness KEY --witnesses-min 1` passes a cosigned export and says
    how many cosignatures it checked; it names the history re-signed under the log key
    that `--log-key` alone passes; asking more cosignatures than witnesses is refused."""
    lines, witness = await witnessed(runtime)
    index, _ = entry_of(lines, lambda e: e["payload"].get("balance_min") == -1200)
    log_key = runtime.log.verifier_key_text()
    options = ["--log-key", log_key, "--jobs", "0"]
    witnessed_by = ["--witness", format_verifier_key(verifier_key_of(witness))]
    honest, forged = tmp_path / "honest.ndjson", tmp_path / "forged.ndjson"
    honest.write_text("".join(lines))
    forged.write_text("".join(rewrite(runtime, lines, index, loosened)))
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify", str(honest), *options, *witnessed_by])
    assert ok.exit_code == 0, ok.output
    assert "1 cosignatures checked (1 by the 1 witnesses given)" in ok.output
    assert ok.output.rstrip().endswith("verified")
    fooled = runner.invoke(cli, ["verify", str(forged), *options])
    assert fooled.exit_code == 0, fooled.output
    for jobs in ("0", "2"):
        caught = runner.invoke(
            cli,
            [
                "verify",
                str(forged),
                *options,
                *witnessed_by,
                "--witnesses-min",
                "1",
                "--jobs",
                jobs,
            ],
        )
        assert caught.exit_code == 1, caught.output
        assert caught.output.startswith("log index 0 "), caught.output
        assert "missing_cosignatures" in caught.output
    refused = runner.invoke(
        cli, ["verify", str(honest), *options, *witnessed_by, "--witnesses-min", "2"]
    )
    assert refused.exit_code == 2
    assert "--witnesses-min" in refused.output
