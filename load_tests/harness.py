"""What every load and fault script shares: a real `mutual serve` process on a fresh
database (SQLite or PostgreSQL), a territory opened through the API with members who
registered their own Ed25519 keys, bodies signed the way residents' devices sign them,
and the read-back checks run after the load (acknowledged writes present, balances
summing to zero, the export verifying offline).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import aiohttp
import asyncpg

from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.signing import Domain
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get(
    "MUTUAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
MUTUAL = [sys.executable, "-m", "mutual"]
Store = Literal["sqlite", "postgres"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def percentile_ms(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return round(sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))] * 1000, 1)


async def admin_sql(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@dataclass
class Server:
    """One `mutual serve` process on its own fresh database, restartable in place."""

    store: Store
    env: dict[str, str]
    port: int
    database: str | None = None  # the PostgreSQL database's name
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    # Where it listens, and what it runs under: another host's network namespace, say
    # (``ip netns exec NAME``), with that host's address.
    host: str = "127.0.0.1"
    prefix: tuple[str, ...] = ()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}/api/v1"

    @property
    def data_dir(self) -> Path:
        return Path(self.env["MUTUAL_DATA_DIR"])

    def cli(self, *args: str) -> str:
        """Run a `mutual` command against this server's database; its stdout."""
        done = subprocess.run(
            [*MUTUAL, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"mutual {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout

    def start(self, *, quiet: bool = False, workers: int = 1) -> None:
        """Serve; its log goes to ``log_path``, or nowhere when ``quiet`` (a process whose
        file writes are capped must not need to grow a log file)."""
        assert self.log_path is not None
        log = open(os.devnull, "wb") if quiet else self.log_path.open("ab")  # noqa: SIM115
        serve = ["serve", "--host", self.host, "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*self.prefix, *MUTUAL, *serve, "--workers", str(workers)],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as when the host loses power."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def peak_rss_mib(self) -> float:
        """The serving process's peak resident memory (VmHWM), while it runs."""
        if self.process is None:
            return float("nan")
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass
        return float("nan")

    async def database_bytes(self) -> int:
        if self.store == "sqlite":
            return sum(p.stat().st_size for p in self.data_dir.glob("mutual.sqlite3*"))
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            size: int = await conn.fetchval("SELECT pg_database_size($1)", self.database)
            return size
        finally:
            await conn.close()

    async def drop(self) -> None:
        self.stop()
        if self.database is not None:
            await admin_sql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")


async def new_server(store: Store, extra_env: Mapping[str, str] | None = None) -> Server:
    """A fresh database and the environment of a server on it (not started yet)."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"mutual-load-{store}-"))
    env = {
        **os.environ,
        # The log signing key is created there on first start.
        "MUTUAL_DATA_DIR": str(data_dir),
        "MUTUAL_DB_POOL_SIZE": "20",
        # The load measures throughput and recovery: the flood guards stay off.
        "MUTUAL_RATE_LIMIT_WRITES": "0",
        "MUTUAL_RATE_LIMIT_ADDRESS_WRITES": "0",
        "MUTUAL_RATE_LIMIT_ANONYMOUS": "0",
        **(extra_env or {}),
    }
    database = None
    if store == "postgres":
        database = f"mutual_load_{uuid.uuid4().hex[:12]}"
        await admin_sql(f"CREATE DATABASE {database}")
        env["MUTUAL_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
    else:
        env.pop("MUTUAL_DATABASE_URL", None)
    return Server(store, env, free_port(), database, log_path=data_dir / "serve.log")


async def wait_healthy(session: aiohttp.ClientSession, base: str, seconds: float = 60) -> float:
    """Seconds until the service answers its health check."""
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        try:
            async with session.get(f"{base}/health") as answer:
                if answer.status == 200:
                    return time.perf_counter() - began
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the server did not become healthy within {seconds} s")


async def post_json(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any], headers: Mapping[str, str]
) -> dict[str, Any]:
    """POST and return the answer; a 503 (a scenario's deliberately small pool) is asked
    again: every body posted here is safe to repeat."""
    for _ in range(100):
        async with session.post(url, json=body, headers=dict(headers)) as answer:
            data: dict[str, Any] = await answer.json(content_type=None)
            if answer.status == 503:
                await asyncio.sleep(0.2)
                continue
            if answer.status >= 300:
                raise RuntimeError(f"{url} answered {answer.status}: {data}")
            return data
    raise RuntimeError(f"{url} stayed unavailable")


@dataclass
class Territory:
    members: list[tuple[str, str]]  # (token, TIME account id)
    pool: str
    operator: dict[str, str]
    keys: list[Keypair] = field(default_factory=list)
    origin: str = ""


async def register_key(
    session: aiohttp.ClientSession,
    base: str,
    origin: str,
    token: str,
    principal: str,
    capacity: Capacity = Capacity.MEMBER,
) -> Keypair:
    """The principal registers their own key (signed by it; the log key vouches): a
    member's, or an operator's that signs the service's own flows (grants, a round's
    execution)."""
    key = Keypair(os.urandom(32))
    event = KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        PrincipalId(uuid.UUID(principal)),
        by=PrincipalId(uuid.UUID(principal)),
        public_key=key.public_key,
        capacity=capacity,
    )
    body = key.key_event_request(origin, event)
    await post_json(session, f"{base}/key-events", body, {"Authorization": f"Bearer {token}"})
    return key


def operator_token(server: Server) -> str:
    return server.cli("token", "create", "--role", "operator").split()[0]


async def open_territory(
    session: aiohttp.ClientSession, base: str, token: str, members: int
) -> Territory:
    operator = {"Authorization": f"Bearer {token}"}
    async with session.get(f"{base}/log") as answer:
        origin = (await answer.json())["origin"]
    opened = []
    keys = []
    for _ in range(members):
        issued = await post_json(session, f"{base}/tokens", {"roles": ["member"]}, operator)
        keys.append(
            await register_key(session, base, origin, issued["token"], issued["principal_id"])
        )
        account = await post_json(
            session,
            f"{base}/accounts",
            {
                "unit": "TIME",
                "owner_kind": "member",
                "owner_id": issued["principal_id"],
                "balance_min": -100_000_000,
                "balance_max": 100_000_000,
            },
            operator,
        )
        opened.append((issued["token"], account["id"]))
    pool = await post_json(
        session,
        f"{base}/accounts",
        {"unit": "TIME", "owner_kind": "commons_pool", "owner_id": "commons"},
        operator,
    )
    return Territory(opened, pool["id"], operator, keys, origin)


@dataclass(frozen=True)
class Resident:
    """A member who joined as people do: applied, accepted, and registered a device key."""

    id: str
    token: str
    account: str  # their TIME account, opened by the acceptance at the default bounds
    key: Keypair

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def join_member(
    session: aiohttp.ClientSession,
    base: str,
    operator: Mapping[str, str],
    origin: str,
    profile: Mapping[str, Any],
) -> Resident:
    """Apply with ``profile`` (no token), be accepted by a coordinator, register a key."""
    applied = await post_json(session, f"{base}/members/applications", dict(profile), {})
    accepted = await post_json(session, f"{base}/members/{applied['id']}/accept", {}, operator)
    token = accepted["token"]["token"]
    key = await register_key(session, base, origin, token, applied["id"])
    return Resident(applied["id"], token, accepted["member"]["account_id"], key)


def sign_composed(
    key: Keypair,
    payload: Mapping[str, Any],
    *,
    domain: Domain = Domain.TRANSACTION,
    on_behalf_of: str | None = None,
) -> dict[str, Any]:
    """The signature document over what a flow's ``unsigned`` answer composed."""
    behalf = None if on_behalf_of is None else PrincipalId(uuid.UUID(on_behalf_of))
    document: dict[str, Any] = key.sign_payload(
        domain, dict(payload), on_behalf_of=behalf
    ).document()
    return document


@dataclass(frozen=True)
class SignedWrite:
    """One signed transaction as a device sends it: who sends it and the exact body."""

    payer: int
    tx_id: str
    body: bytes
    gift: bool


def signed_transfer(
    territory: Territory, payer: int, *, to_pool: bool, rng: random.Random
) -> SignedWrite:
    """One minute from ``payer`` to the pool (a gift) or to another random member."""
    count = len(territory.members)
    if to_pool:
        payee, kind = territory.pool, TransactionKind.COMMONS_GIFT
    else:
        payee = territory.members[(payer + 1 + rng.randrange(count - 1)) % count][1]
        kind = TransactionKind.EXCHANGE
    tx = Transaction(
        TransactionId(uuid.uuid4()),
        kind,
        (
            Posting(AccountId(uuid.UUID(territory.members[payer][1])), TIME, -1),
            Posting(AccountId(uuid.UUID(payee)), TIME, 1),
        ),
        PrincipalId(uuid.UUID(int=0)),
    )
    signature = territory.keys[payer].sign_transaction(territory.origin, tx)
    body = {
        "id": str(tx.id),
        "kind": kind.value,
        "postings": [
            {"account_id": str(p.account_id), "unit": p.unit, "amount": p.amount}
            for p in tx.postings
        ],
        "signatures": [signature.document()],
    }
    return SignedWrite(payer, str(tx.id), json.dumps(body).encode(), to_pool)


async def time_balances(
    session: aiohttp.ClientSession, base: str, operator: Mapping[str, str]
) -> dict[str, int]:
    """Every TIME account's balance, read through the API."""
    return await unit_balances(session, base, operator, "TIME")


async def unit_balances(
    session: aiohttp.ClientSession, base: str, operator: Mapping[str, str], unit: str
) -> dict[str, int]:
    """Every balance of one unit's accounts, read through the API."""
    balances: dict[str, int] = {}
    cursor: str | None = None
    while True:
        url = f"{base}/accounts?unit={unit}&limit=500" + (f"&cursor={cursor}" if cursor else "")
        async with session.get(url, headers=dict(operator)) as answer:
            if answer.status == 503:  # a pool kept small on purpose: ask again
                await asyncio.sleep(0.1)
                continue
            page = await answer.json()
        for account in page["items"]:
            balances[account["id"]] = account["balance"]
        cursor = page["next_cursor"]
        if cursor is None:
            return balances


async def check_ledger(
    session: aiohttp.ClientSession, base: str, territory: Territory, *, gifts: int
) -> str:
    """Balances sum to zero and the pool holds exactly ``gifts`` minutes; "ok" or why not."""
    balances = await time_balances(session, base, territory.operator)
    total = sum(balances.values())
    if total != 0:
        return f"FAILED: balances sum to {total}"
    if balances.get(territory.pool) != gifts:
        return f"FAILED: the pool holds {balances.get(territory.pool)}, expected {gifts}"
    return "ok"


async def units_balance(
    session: aiohttp.ClientSession, base: str, operator: Mapping[str, str], units: list[str]
) -> str:
    """Each unit's balances sum to zero (double entry); "ok" or the first that does not."""
    for unit in units:
        total = sum((await unit_balances(session, base, operator, unit)).values())
        if total != 0:
            return f"FAILED: {unit} balances sum to {total}"
    return "ok"


def verify_export(server: Server) -> str:
    """Export the ledger with the CLI and verify it offline against the log key alone."""
    export = server.data_dir / "export.ndjson"
    server.cli("export", "--output", str(export))
    key = server.cli("log-key").strip()
    done = subprocess.run(
        [*MUTUAL, "verify", str(export), "--log-key", key],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return "FAILED: " + (done.stdout + done.stderr).strip().splitlines()[-1][:200]
    return "ok"
