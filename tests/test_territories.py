"""Two territories on one deployment, served by one process, on SQLite and PostgreSQL:
created, exported and deleted with `mutual territory ...`; the time bank's flow in each
at once through the Host dispatcher, while the ledger's reference model runs against
further territories of the same deployment; no row of one readable from the other, by any
read operation; each export verifying against its own log key only."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from mutual.api.territories import Territories, running
from mutual.cli.main import cli
from mutual.core.authority import Role
from mutual.settings import Settings
from mutual.store.database import open_database
from mutual.store.log_reads import read_tree_size
from mutual.store.migrate import upgrade_database
from mutual.territories import added, load, settings_for
from mutual.usecases.access import issue_token
from mutual.usecases.log_key import load_log_signer
from mutual.usecases.startup import open_runtime
from tests import test_ledger_model
from tests.conftest import BACKENDS, _pg_admin, _pg_url
from tests.test_api import API, Api
from tests.test_timebank import balance, confirm, join, propose, verified_export

HOSTS = {"alpha": "alpha.example", "beta": "beta.example"}


def mutual(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(params=BACKENDS)
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a deployment with territories alpha and beta, made by the CLI."""
    env = {
        "MUTUAL_DATA_DIR": str(tmp_path / "var"),
        "MUTUAL_TERRITORIES_FILE": str(tmp_path / "territories.json"),
        "MUTUAL_CHECKPOINT_INTERVAL_SECONDS": "0",
    }
    name = None
    if request.param == "postgres":
        # One database for the whole deployment: each territory a schema in it.
        name = f"mutual_terr_{uuid.uuid4().hex[:12]}"
        asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
        env["MUTUAL_DATABASE_URL"] = _pg_url(name)
    for territory, host in HOSTS.items():
        out = mutual(env, "territory", "create", territory, "--host", host)
        assert f"log {host}/mutual" in out
    yield env
    if name is not None:
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def of(env: dict[str, str]) -> Settings:
    return Settings(
        data_dir=Path(env["MUTUAL_DATA_DIR"]),
        territories_file=Path(env["MUTUAL_TERRITORIES_FILE"]),
        database_url=env.get("MUTUAL_DATABASE_URL"),
        checkpoint_interval_seconds=0,
    )


@asynccontextmanager
async def territory_api(app: Territories, settings: Settings, host: str) -> AsyncIterator[Api]:
    """An operator of one territory, reaching it through the deployment's dispatcher."""
    async with open_runtime(settings, migrate=False) as rt:
        issued = await issue_token(rt, roles=[Role.OPERATOR])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            api = Api(client, rt.db, {"Authorization": f"Bearer {issued.token}"}, runtime=rt)  # type: ignore[arg-type]
            api.origin = (await client.get(f"{API}/log")).json()["origin"]
            api.operator_key = await api.register(
                api.operator, str(issued.principal_id), "operator"
            )
            yield api


async def bank(api: Api) -> list[str]:
    """The time bank's flow: two members join, one helps the other, it is confirmed, a
    second proposal is rejected; the export verifies. The ids it made are returned."""
    anne = await join(api, "Anne")
    bruno = await join(api, "Bruno")
    for minutes in (90, 30):
        proposal = await propose(api, anne, bruno, minutes)
        answer = await confirm(api, bruno, proposal)
        assert answer.status_code == 201, answer.text
    assert await balance(api, anne.account) == 120
    assert await balance(api, bruno.account) == -120
    rejected = await propose(api, bruno, anne, 15)
    refused = await api.client.post(
        f"{API}/proposals/{rejected['id']}/reject", json={"reason": "non"}, headers=anne.headers
    )
    assert refused.status_code == 200, refused.text
    await verified_export(api)
    return [anne.id, anne.account, bruno.id, bruno.account, rejected["id"], proposal["id"]]


def model_in_fresh_territories(deployment: Settings, failures: list[BaseException]) -> None:
    """The ledger's reference model, each example in a new territory of the deployment."""
    made = iter(range(1000))

    def fresh() -> Settings:
        registry = load(deployment.territories_file or Path())
        n = next(made)
        territory = added(registry, f"model{n}", [f"model{n}.example"], None, None)
        own = settings_for(deployment, territory)
        load_log_signer(own.model_copy(update={"log_signing_key_file": None}))

        async def migrate() -> None:
            db = open_database(own)
            try:
                await upgrade_database(db)
            finally:
                await db.dispose()

        asyncio.run(migrate())
        return own

    test_ledger_model.FRESH["make"] = fresh
    machine = test_ledger_model.LedgerMachine.TestCase
    machine.settings = hypothesis_settings(
        max_examples=4,
        stateful_step_count=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    try:
        machine().runTest()
    except BaseException as exc:  # handed to the test's thread, which fails with it
        failures.append(exc)


def get_operations() -> list[str]:
    document = json.loads((Path(__file__).parents[1] / "contracts" / "openapi.json").read_text())
    return sorted(path for path, ops in document["paths"].items() if "get" in ops)


def filled(path: str, ids: list[str]) -> list[str]:
    """The path with each of its parameters given each of the other territory's ids (a
    size or a count given 1)."""
    if "{" not in path:
        return [path]
    numeric = {"size", "first", "second", "index", "log_index", "tree_size"}

    def given(value: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1) in numeric else value, path)

    return [given(i) for i in ids]


async def no_crossing(app: Territories, apis: dict[str, Api], ids: dict[str, list[str]]) -> None:
    """Every read operation: a territory's token at the other's host is unknown there
    (401, or what a public operation answers anyone), and at its own host the other's ids
    name nothing; no answer holds any id of the other territory."""
    document = json.loads((Path(__file__).parents[1] / "contracts" / "openapi.json").read_text())
    checked = 0
    for mine, theirs in (("alpha", "beta"), ("beta", "alpha")):
        token = apis[mine].operator
        for template in get_operations():
            public = document["paths"][template]["get"].get("security") == []
            if template.endswith("/events/stream"):
                continue  # an open stream; its listing (/events) is read below
            for path in filled(template, ids[theirs]):
                at_theirs = await apis[theirs].client.get(path, headers=token)
                if not public:
                    assert at_theirs.status_code == 401, (template, at_theirs.text)
                at_mine = await apis[mine].client.get(path, headers=token)
                assert at_mine.status_code < 500, (template, at_mine.text)
                # A problem names the path asked for (its ``instance``): that is no row.
                answers = [at_mine] if public else [at_mine, at_theirs]
                for answer in (a.text.replace(path, "") for a in answers):
                    assert not any(i in answer for i in ids[theirs]), (template, answer[:300])
                checked += 1
    assert checked > 100


def test_two_territories_on_one_deployment(deployment: dict[str, str], tmp_path: Path) -> None:
    """Bank flows in alpha and beta at once through one dispatcher while the reference model
    runs in further territories; then isolation through every read, and the exports."""
    settings = of(deployment)
    registry = load(settings.territories_file or Path())
    assert [(t.name, t.hosts) for t in registry.values()] == [
        ("alpha", ("alpha.example",)),
        ("beta", ("beta.example",)),
    ]
    failures: list[BaseException] = []

    async def serve_both() -> dict[str, list[str]]:
        app = Territories(settings, registry)
        async with running(app), AsyncExitStackOf(app, settings, registry) as apis:
            unknown = await apis["alpha"].client.get(
                f"{API}/health", headers={"Host": "gamma.example"}
            )
            assert unknown.status_code == 404
            assert unknown.json()["code"] == "not_found"
            for name, api in apis.items():
                info = (await api.client.get(f"{API}/log")).json()
                assert (info["territory"], info["origin"]) == (name, f"{HOSTS[name]}/mutual")
            model = threading.Thread(
                target=model_in_fresh_territories, args=(settings, failures), daemon=True
            )
            model.start()
            made = await asyncio.gather(*(bank(api) for api in apis.values()))
            await asyncio.to_thread(model.join)
            ids = dict(zip(apis, made, strict=True))
            await no_crossing(app, apis, ids)
            return ids

    ids = asyncio.run(serve_both())
    if failures:
        raise failures[0]
    # Each export verifies against its own territory's key, and not against the other's.
    keys = {
        name: mutual({**deployment, "MUTUAL_TERRITORY": name}, "log-key").strip() for name in HOSTS
    }
    assert keys["alpha"] != keys["beta"]
    for name, other in (("alpha", "beta"), ("beta", "alpha")):
        export = tmp_path / f"{name}.ndjson"
        mutual(deployment, "territory", "export", name, "-o", str(export))
        text = export.read_text()
        assert not any(i in text for i in ids[other])
        ok = CliRunner().invoke(cli, ["verify", str(export), "--log-key", keys[name]])
        assert ok.exit_code == 0, ok.output
        assert f"log {HOSTS[name]}/mutual: " in ok.output
        wrong = CliRunner().invoke(cli, ["verify", str(export), "--log-key", keys[other]])
        assert wrong.exit_code == 1
        assert "wrong_origin" in wrong.output


@asynccontextmanager
async def AsyncExitStackOf(
    app: Territories, settings: Settings, registry: dict[str, Any]
) -> AsyncIterator[dict[str, Api]]:
    async with (
        territory_api(app, settings_for(settings, registry["alpha"]), HOSTS["alpha"]) as alpha,
        territory_api(app, settings_for(settings, registry["beta"]), HOSTS["beta"]) as beta,
    ):
        yield {"alpha": alpha, "beta": beta}


def test_territory_commands(deployment: dict[str, str]) -> None:
    """The registry refuses a taken name, host or origin; delete removes a territory and
    its ledger; one alone, with no territories file, is served as ever."""
    settings = of(deployment)
    for args in (
        ["alpha", "--host", "other.example"],
        ["gamma", "--host", "alpha.example"],
        ["gamma", "--host", "gamma.example", "--origin", "beta.example/mutual"],
        ["Bad-Name", "--host", "bad.example"],
    ):
        refused = CliRunner().invoke(cli, ["territory", "create", *args], env=deployment)
        assert refused.exit_code == 2, refused.output
    listed = mutual(deployment, "territory", "list").splitlines()
    assert listed == [
        "alpha\talpha.example\talpha.example/mutual",
        "beta\tbeta.example\tbeta.example/mutual",
    ]
    beta = settings_for(settings, load(settings.territories_file or Path())["beta"])
    assert CliRunner().invoke(cli, ["territory", "delete", "beta"], env=deployment).exit_code == 2
    mutual(deployment, "territory", "delete", "beta", "--yes")
    assert list(load(settings.territories_file or Path())) == ["alpha"]
    assert not beta.data_dir.exists()
    if beta.database_schema is not None:

        async def schemas() -> set[str]:
            db = open_database(settings)
            try:
                async with db.reading() as conn:
                    rows = await conn.exec_driver_sql("SELECT nspname FROM pg_namespace")
                    return {r[0] for r in rows}
            finally:
                await db.dispose()

        assert {"territory_alpha"} <= asyncio.run(schemas())
        assert "territory_beta" not in asyncio.run(schemas())
    # A command naming a territory the registry lacks is refused, not run on the default.
    gone = CliRunner().invoke(cli, ["log-key"], env={**deployment, "MUTUAL_TERRITORY": "beta"})
    assert gone.exit_code == 2
    assert "no territory 'beta'" in gone.output


@pytest.mark.postgres  # the deployment it moves to is PostgreSQL's
def test_a_territory_moves_to_a_deployment_of_its_own(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    """The demo loaded into one territory (MUTUAL_TERRITORY picks it for any command), moved
    into an empty PostgreSQL database: served there alone with its own origin and key, its
    export verifies with the key it had, and its rows are the same."""
    alpha = {**deployment, "MUTUAL_TERRITORY": "alpha"}
    mutual(alpha, "demo")
    key = mutual(alpha, "log-key").strip()
    target = f"mutual_moved_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f"CREATE DATABASE {target}"))
    try:
        moved = mutual(deployment, "territory", "move", "alpha", "--to", _pg_url(target))
        assert "same log root, balances and rows" in moved
        own = of(deployment)
        key_file = settings_for(own, load(own.territories_file or Path())["alpha"])
        alone = {
            "MUTUAL_DATA_DIR": str(tmp_path / "alone"),
            "MUTUAL_DATABASE_URL": _pg_url(target),
            "MUTUAL_LOG_ORIGIN": "alpha.example/mutual",
            "MUTUAL_LOG_SIGNING_KEY_FILE": str(key_file.log_signing_key_file),
            "MUTUAL_CHECKPOINT_INTERVAL_SECONDS": "0",
        }
        assert f"MUTUAL_LOG_ORIGIN={alone['MUTUAL_LOG_ORIGIN']}" in moved
        assert mutual(alone, "log-key").strip() == key
        mutual(alone, "checkpoint")
        export = tmp_path / "moved.ndjson"
        mutual(alone, "export", "-o", str(export))
        verified = CliRunner().invoke(cli, ["verify", str(export), "--log-key", key])
        assert verified.exit_code == 0, verified.output
        assert "log alpha.example/mutual: " in verified.output
        # The other territory of the deployment is untouched: still empty of the demo.
        beta = settings_for(own, load(own.territories_file or Path())["beta"])
        assert asyncio.run(tree_size(beta)) == 0
    finally:
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)"))


async def tree_size(settings: Settings) -> int:
    db = open_database(settings)
    try:
        return await read_tree_size(db)
    finally:
        await db.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_mutual_serve_answers_each_territory_at_its_host(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    """`mutual serve` (two worker processes on PostgreSQL) serves each territory at its
    host: its own log, a token of one refused by the other, an unknown host refused."""
    token = mutual(
        {**deployment, "MUTUAL_TERRITORY": "alpha"}, "token", "create", "--role", "operator"
    )
    bearer = {"Authorization": f"Bearer {token.split()[0]}"}
    port = _free_port()
    postgres = "MUTUAL_DATABASE_URL" in deployment
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTUAL_")} | deployment
    env["MUTUAL_RATE_LIMIT_WRITES"] = "0"
    workers = ["--workers", "2"] if postgres else []
    command = [sys.executable, "-m", "mutual", "serve", "--port", str(port), *workers]
    errors = tmp_path / "serve.log"
    with (
        errors.open("w") as log,
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log) as process,
    ):
        try:
            url = f"http://127.0.0.1:{port}/api/v1"

            def get(path: str, host: str, **headers: str) -> httpx.Response:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        return httpx.get(url + path, headers={"Host": host, **headers})
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)

            for name, host in HOSTS.items():
                info = get("/log", f"{host}:{port}").json()
                assert (info["territory"], info["origin"]) == (name, f"{host}/mutual")
            assert get("/accounts", "alpha.example", **bearer).status_code == 200
            assert get("/accounts", "beta.example", **bearer).status_code == 401
            assert get("/health", "gamma.example").status_code == 404
        finally:
            process.terminate()
            # uvicorn ends on SIGTERM by the signal itself, after its graceful shutdown,
            # which ran every territory's (each its writer and checkpoint timer).
            assert process.wait(timeout=30) in (0, -15)
    assert "Traceback" not in errors.read_text()
