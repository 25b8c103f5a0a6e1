"""HTTP write-path benchmark on PostgreSQL: transactions/s and latency at 64 clients.

Every transaction is signed by its payer's registered Ed25519 key and verified by the
service (canonical JSON, signature, key validity, authority) before it is recorded and
appended to the Merkle log. The signing happens on residents' devices in real life, so
the bodies are signed before the timed run (on this same machine, it would otherwise
take CPU from the server being measured); the server's work is all measured.

Cases: (a) transfers between random members, (b) every transaction credits the one
commons pool (the hot account). Each runs with the journal's batching on and off, each
configuration on a fresh database and a fresh server process, for a bounded time and
a bounded number of requests. Afterwards the ledger is checked through the API: the
pool's balance equals the number of accepted gifts, and member balances sum to zero.

    .venv/bin/python -m load_tests.bench_http [--seconds 20] [--clients 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.core.signing import b64encode
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get(
    "MUTUAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
MEMBERS = 200
WARM_UP_SECONDS = 2.0
MAX_REQUESTS = 200_000


@dataclass
class CaseResult:
    batching: bool
    case: str
    seconds: float
    accepted: int
    tps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    invariant: str = ""


@dataclass
class Territory:
    members: list[tuple[str, str]]  # (token, account id)
    pool: str
    operator: dict[str, str]
    keys: list[Keypair] = field(default_factory=list)
    origin: str = ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))] * 1000


async def _wait_healthy(session: aiohttp.ClientSession, base: str) -> None:
    for _ in range(300):
        try:
            async with session.get(f"{base}/health") as answer:
                if answer.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the server did not become healthy")


async def _post(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    async with session.post(url, json=body, headers=headers) as answer:
        data: dict[str, Any] = await answer.json(content_type=None)
        if answer.status >= 300:
            raise RuntimeError(f"{url} answered {answer.status}: {data}")
        return data


async def _register_key(
    session: aiohttp.ClientSession, base: str, origin: str, token: str, principal: str
) -> Keypair:
    """The member registers their own key (signed by it; the log key vouches)."""
    key = Keypair(os.urandom(32))
    event = KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        PrincipalId(uuid.UUID(principal)),
        by=PrincipalId(uuid.UUID(principal)),
        public_key=key.public_key,
        capacity=Capacity.MEMBER,
    )
    body = {
        "id": str(event.id),
        "action": "register",
        "principal": principal,
        "by": principal,
        "public_key": b64encode(key.public_key),
        "capacity": "member",
        "signatures": [key.sign_key_event(origin, event).document()],
    }
    await _post(session, f"{base}/key-events", body, {"Authorization": f"Bearer {token}"})
    return key


async def _open_territory(session: aiohttp.ClientSession, base: str, token: str) -> Territory:
    operator = {"Authorization": f"Bearer {token}"}
    async with session.get(f"{base}/log") as answer:
        origin = (await answer.json())["origin"]
    members = []
    keys = []
    for _ in range(MEMBERS):
        issued = await _post(session, f"{base}/tokens", {"roles": ["member"]}, operator)
        keys.append(
            await _register_key(session, base, origin, issued["token"], issued["principal_id"])
        )
        account = await _post(
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
        members.append((issued["token"], account["id"]))
    pool = await _post(
        session,
        f"{base}/accounts",
        {"unit": "TIME", "owner_kind": "commons_pool", "owner_id": "commons"},
        operator,
    )
    return Territory(members, pool["id"], operator, keys, origin)


def _signed_bodies(territory: Territory, case: str, count: int) -> list[tuple[int, str, bytes]]:
    """``count`` signed requests (payer index, id, body), as residents' devices send them."""
    rng = random.Random(7)
    out = []
    for _ in range(count):
        payer = rng.randrange(MEMBERS)
        if case == "b":
            payee, kind = territory.pool, TransactionKind.COMMONS_GIFT
        else:
            payee = territory.members[(payer + 1 + rng.randrange(MEMBERS - 1)) % MEMBERS][1]
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
        out.append((payer, str(tx.id), json.dumps(body).encode()))
    return out


async def _drive(
    base: str,
    territory: Territory,
    *,
    case: str,
    clients: int,
    seconds: float,
) -> tuple[int, int, list[float], Counter[str], float]:
    """Closed-loop clients; only requests started after the warm-up are timed.

    Returns the accepted count while measuring, the accepted count overall (for the
    ledger check), latencies, statuses and the measured seconds.
    """
    # Pre-built per-member headers keep the client's own CPU cost low.
    auth = [
        {"Authorization": f"Bearer {t}", "Content-Type": "application/json"}
        for t, _ in territory.members
    ]
    bodies = _signed_bodies(territory, case, int((seconds + WARM_UP_SECONDS) * 2500))
    # A session of its own, opened after the signing: the server drops connections left
    # idle for five seconds, and the signing takes longer than that.
    connector = aiohttp.TCPConnector(limit=clients + 8)
    async with aiohttp.ClientSession(connector=connector) as session:
        return await _clients(session, base, auth, bodies, clients=clients, seconds=seconds)


async def _clients(
    session: aiohttp.ClientSession,
    base: str,
    auth: list[dict[str, str]],
    bodies: list[tuple[int, str, bytes]],
    *,
    clients: int,
    seconds: float,
) -> tuple[int, int, list[float], Counter[str], float]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    accepted = 0
    accepted_overall = 0
    sent = 0
    start = time.perf_counter()
    counted_from = start + WARM_UP_SECONDS
    stop = counted_from + seconds

    async def client() -> None:
        nonlocal accepted, accepted_overall, sent
        while time.perf_counter() < stop and sent < min(MAX_REQUESTS, len(bodies)):
            payer, tx_id, body = bodies[sent]
            sent += 1
            headers = {**auth[payer], "Idempotency-Key": tx_id}
            began = time.perf_counter()
            async with session.post(f"{base}/transactions", data=body, headers=headers) as answer:
                await answer.read()
                status = answer.status
            accepted_overall += status == 201
            if began < counted_from:
                continue
            latencies.append(time.perf_counter() - began)
            statuses[str(status)] += 1
            if status == 201:
                accepted += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    measured = time.perf_counter() - counted_from
    return accepted, accepted_overall, latencies, statuses, measured


async def _check(
    session: aiohttp.ClientSession, base: str, territory: Territory, *, case: str, gifts: int
) -> str:
    """Read back the ledger: the pool holds every accepted gift; member balances sum to 0."""
    total = 0
    pool_balance = 0
    cursor: str | None = None
    while True:
        url = f"{base}/accounts?unit=TIME&limit=500" + (f"&cursor={cursor}" if cursor else "")
        async with session.get(url, headers=territory.operator) as answer:
            page = await answer.json()
        for account in page["items"]:
            total += account["balance"]
            if account["id"] == territory.pool:
                pool_balance = account["balance"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    if total != 0:
        return f"FAILED: balances sum to {total}"
    if pool_balance != gifts:
        return f"FAILED: the pool holds {pool_balance}, {gifts} gifts were acknowledged"
    return f"ok (sum 0, pool = {gifts} acknowledged gifts)"


async def _run_configuration(
    batching: bool, cases: list[str], clients: int, seconds: float
) -> list[CaseResult]:
    database = f"mutual_bench_{uuid.uuid4().hex[:12]}"
    await _admin(f"CREATE DATABASE {database}")
    port = _free_port()
    env = {
        **os.environ,
        "MUTUAL_DATABASE_URL": PG_ADMIN.rsplit("/", 1)[0] + "/" + database,
        # The log signing key is created there on first start.
        "MUTUAL_DATA_DIR": tempfile.mkdtemp(prefix="mutual-bench-"),
        "MUTUAL_WRITER_BATCHING": "true" if batching else "false",
        "MUTUAL_DB_POOL_SIZE": "20",
        # The benchmark measures throughput: the rate limits (a flood guard) stay off.
        "MUTUAL_RATE_LIMIT_WRITES": "0",
        "MUTUAL_RATE_LIMIT_ADDRESS_WRITES": "0",
    }
    mutual = [sys.executable, "-m", "mutual"]
    issuer = await asyncio.create_subprocess_exec(
        *mutual,
        "token",
        "create",
        "--role",
        "operator",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await issuer.communicate()
    token = output.decode().split()[0]
    server = await asyncio.create_subprocess_exec(
        *mutual,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    results = []
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        connector = aiohttp.TCPConnector(limit=clients + 8)
        async with aiohttp.ClientSession(connector=connector) as session:
            await _wait_healthy(session, base)
            territory = await _open_territory(session, base, token)
            gifts = 0
            for case in cases:
                accepted, overall, latencies, statuses, measured = await _drive(
                    base, territory, case=case, clients=clients, seconds=seconds
                )
                latencies.sort()
                gifts += overall * (case == "b")
                results.append(
                    CaseResult(
                        batching=batching,
                        case=case,
                        seconds=round(measured, 2),
                        accepted=accepted,
                        tps=round(accepted / measured, 1),
                        p50_ms=round(_percentile(latencies, 0.50), 1),
                        p95_ms=round(_percentile(latencies, 0.95), 1),
                        p99_ms=round(_percentile(latencies, 0.99), 1),
                        errors={k: v for k, v in statuses.items() if k != "201"},
                        invariant=await _check(session, base, territory, case=case, gifts=gifts),
                    )
                )
    finally:
        server.terminate()
        try:
            await asyncio.wait_for(server.wait(), 20)
        except TimeoutError:
            server.kill()
            await server.wait()
        await _admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    return results


def _markdown(results: list[CaseResult], clients: int) -> str:
    lines = [
        "| batching | case | clients | tx/s | p50 ms | p95 ms | p99 ms | errors | ledger check |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    names = {"a": "(a) random members", "b": "(b) hot pool"}
    for r in results:
        lines.append(
            f"| {'on' if r.batching else 'off'} | {names[r.case]} | {clients} | {r.tps:.0f} "
            f"| {r.p50_ms} | {r.p95_ms} | {r.p99_ms} | {r.errors or 'none'} | {r.invariant} |"
        )
    return "\n".join(lines) + "\n"


async def main_async(args: argparse.Namespace) -> list[CaseResult]:
    results = []
    for batching in (True, False) if not args.batching_only else (True,):
        results.extend(await _run_configuration(batching, ["a", "b"], args.clients, args.seconds))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per case")
    parser.add_argument("--clients", type=int, default=64, help="concurrent closed-loop clients")
    parser.add_argument(
        "--batching-only", action="store_true", help="skip the runs with batching off"
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "load_tests" / "results" / "bench_http"
    )
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    table = _markdown(results, args.clients)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps([asdict(r) for r in results], indent=2))
    args.output.with_suffix(".md").write_text(table)


if __name__ == "__main__":
    main()
