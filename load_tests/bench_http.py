"""HTTP write-path benchmark: transactions/s and latency at 64 clients.

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
        [--store postgres|sqlite] [--workers N] [--batching-only] [--client wrk|aiohttp]

The clients are wrk's (C, with a Lua script sending the pre-signed bodies, each once:
load_tests/signed_posts.lua), installed from Debian when missing: a Python client on
this machine takes most of a core from the server it measures. ``--client aiohttp``
keeps the Python client.

PostgreSQL by default; ``--workers 2`` runs two server processes behind one port
(each with its own batching writer, serialised by the ledger-wide lock on the log head).

The ceilings: after the ledger's cases, the same wrk client sends the same signed bodies
with the same connections for the same time to an empty litestar route on the same
uvicorn with the same process count (``load_tests/ceiling.py``), then to the same route
checking each body's Ed25519 signature as the service does (and nothing else: no
database, no log), and each case is reported as a ratio of that run's requests/s and p99
(``--no-ceiling`` skips them). The second tells what no design of the ledger on this
framework and machine could pass, since it cannot skip the signature.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp

from load_tests.harness import (
    ROOT,
    Territory,
    check_ledger,
    free_port,
    new_server,
    open_territory,
    operator_token,
    percentile_ms,
    signed_transfer,
    wait_healthy,
)
from load_tests.speed import speed_check
from load_tests.system_packages import ensure_package

MEMBERS = 200
WARM_UP_SECONDS = 2.0
MAX_REQUESTS = 200_000
LUA = Path(__file__).with_name("signed_posts.lua")


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


def _signed_bodies(territory: Territory, case: str, count: int) -> list[tuple[int, str, bytes]]:
    """``count`` signed requests (payer index, id, body), as residents' devices send them."""
    rng = random.Random(7)
    writes = (
        signed_transfer(territory, rng.randrange(MEMBERS), to_pool=case == "b", rng=rng)
        for _ in range(count)
    )
    return [(w.payer, w.tx_id, w.body) for w in writes]


@dataclass
class Measured:
    accepted: int  # created while measuring
    overall: int  # created in all, warm-up included (for the ledger check)
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: Counter[str]
    seconds: float


async def _drive(
    base: str,
    territory: Territory,
    *,
    case: str,
    clients: int,
    seconds: float,
    client: str,
    read_back: bool = True,
    per_second: int = 2500,
) -> Measured:
    count = int((seconds + WARM_UP_SECONDS) * per_second)
    if read_back:
        bodies = _signed_bodies(territory, case, count)
    else:
        # The ceiling answers far faster and keeps nothing: the same signed bodies, sent
        # again and again, are as large and as costly to parse as new ones.
        some = _signed_bodies(territory, case, min(count, 5000))
        bodies = (some * (count // len(some) + 1))[:count]
    if client == "wrk":
        return await asyncio.to_thread(_wrk, base, territory, bodies, clients, seconds, read_back)
    # Pre-built per-member headers keep the client's own CPU cost low.
    auth = [
        {"Authorization": f"Bearer {t}", "Content-Type": "application/json"}
        for t, _ in territory.members
    ]
    # A session of its own, opened after the signing: the server drops connections left
    # idle for five seconds, and the signing takes longer than that.
    connector = aiohttp.TCPConnector(limit=clients + 8)
    async with aiohttp.ClientSession(connector=connector) as session:
        return await _clients(session, base, auth, bodies, clients=clients, seconds=seconds)


def _wrk(
    base: str,
    territory: Territory,
    bodies: list[tuple[int, str, bytes]],
    clients: int,
    seconds: float,
    read_back: bool = True,
) -> Measured:
    """The same closed loop driven by wrk: C and Lua cost the machine a fraction of
    what a Python client does, leaving the server and PostgreSQL the CPU they would
    have on their own host. A first short run warms up; the second is measured."""
    wrk = ensure_package(Path("/usr/bin/wrk"), "wrk")
    if wrk is None:
        raise SystemExit("wrk is missing and could not be installed: use --client aiohttp")
    warm_count = int(WARM_UP_SECONDS * 2500)
    statuses: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="mutual-wrk-") as folder:
        run = partial(_wrk_once, wrk, Path(folder), base, territory, clients, statuses, read_back)
        _, warm_present = run("warm", bodies[:warm_count], WARM_UP_SECONDS)
        result, present = run("run", bodies[warm_count:], seconds)
    statuses.update({k: int(v) for k, v in result["statuses"].items()})
    statuses.update({f"wrk {k}": v for k, v in result["errors"].items() if v})
    return Measured(
        int(result["statuses"].get("201", 0)),
        warm_present + present,
        round(result["p50_us"] / 1000, 1),
        round(result["p95_us"] / 1000, 1),
        round(result["p99_us"] / 1000, 1),
        statuses,
        result["duration_us"] / 1e6,
    )


def _wrk_once(
    wrk: str,
    folder: Path,
    base: str,
    territory: Territory,
    clients: int,
    statuses: Counter[str],
    read_back: bool,
    name: str,
    part: list[tuple[int, str, bytes]],
    duration: float,
) -> tuple[dict[str, Any], int]:
    """One wrk run over ``part``: wrk's RESULT line, and how many of the bodies it sent
    the ledger holds (an acknowledged one missing is counted in ``statuses``)."""
    threads = 2
    prefix = folder / name
    files = [open(f"{prefix}.{i}", "w") for i in range(threads)]  # noqa: SIM115
    for n, (payer, tx_id, body) in enumerate(part):
        files[n % threads].write(f"{territory.members[payer][0]}\t{tx_id}\t{body.decode()}\n")
    for file in files:
        file.close()
    origin, path = base.split("/api/v1", 1)[0], "/api/v1/transactions"
    command = [
        wrk, "-t", str(threads), "-c", str(clients), "-d", f"{duration:.0f}s",
        "--timeout", "30s", "-s", str(LUA), origin, "--", str(prefix), path,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.split("RESULT ", 1)[1])
    created = int(result["statuses"].get("201", 0))
    if not read_back:  # the ceiling keeps nothing to read back
        return result, created
    # wrk stops with requests in flight and never reads their answers; the server may
    # still record them. What the ledger holds is read back by id.
    sent = [tx_id for i, n in enumerate(result["sent"]) for _, tx_id, _ in part[i::threads][:n]]
    present = asyncio.run(_present(base, territory, sent))
    if present < created:
        statuses["lost acknowledged writes"] += created - present
    return result, present


async def _present(base: str, territory: Territory, ids: list[str]) -> int:
    """How many of ``ids`` the ledger holds."""
    found = 0
    todo = iter(ids)

    async def reader(session: aiohttp.ClientSession) -> None:
        nonlocal found
        for tx_id in todo:
            async with session.get(f"{base}/transactions/{tx_id}", headers=territory.operator) as r:
                await r.read()
                if r.status not in (200, 404):
                    raise RuntimeError(f"reading transaction {tx_id} answered {r.status}")
                found += r.status == 200

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(reader(session) for _ in range(16)))
    return found


async def _clients(
    session: aiohttp.ClientSession,
    base: str,
    auth: list[dict[str, str]],
    bodies: list[tuple[int, str, bytes]],
    *,
    clients: int,
    seconds: float,
) -> Measured:
    """Closed-loop Python clients; only requests started after the warm-up are timed."""
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
    latencies.sort()
    return Measured(
        accepted,
        accepted_overall,
        percentile_ms(latencies, 0.50),
        percentile_ms(latencies, 0.95),
        percentile_ms(latencies, 0.99),
        statuses,
        measured,
    )


async def _run_configuration(
    batching: bool, cases: list[str], args: argparse.Namespace
) -> list[CaseResult]:
    clients, seconds = args.clients, args.seconds
    server = await new_server(
        args.store, {"MUTUAL_WRITER_BATCHING": "true" if batching else "false"}
    )
    token = operator_token(server)
    server.start(workers=args.workers)
    results = []
    try:
        base = server.base
        connector = aiohttp.TCPConnector(limit=clients + 8)
        async with aiohttp.ClientSession(connector=connector) as session:
            await wait_healthy(session, base)
            territory = await open_territory(session, base, token, MEMBERS)
            gifts = 0
            for case in cases:
                m = await _drive(
                    base,
                    territory,
                    case=case,
                    clients=clients,
                    seconds=seconds,
                    client=args.client,
                )
                gifts += m.overall * (case == "b")
                results.append(
                    CaseResult(
                        batching=batching,
                        case=case,
                        seconds=round(m.seconds, 2),
                        accepted=m.accepted,
                        tps=round(m.accepted / m.seconds, 1),
                        p50_ms=m.p50_ms,
                        p95_ms=m.p95_ms,
                        p99_ms=m.p99_ms,
                        errors={k: v for k, v in m.statuses.items() if k != "201"},
                        invariant=await check_ledger(session, base, territory, gifts=gifts),
                    )
                )
            if args.ceiling and batching:
                results.append(await _ceiling(territory, args, checked=False))
                results.append(await _ceiling(territory, args, checked=True))
    finally:
        await server.drop()
    return results


def _keys_file(territory: Territory) -> Path:
    """The log's origin and the members' public keys, for the checked route."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as keys:
        document = {
            "origin": territory.origin,
            "keys": {k.key_id: k.public_key.hex() for k in territory.keys},
        }
        json.dump(document, keys)
    return Path(keys.name)


async def _ceiling(territory: Territory, args: argparse.Namespace, *, checked: bool) -> CaseResult:
    """The empty route's run, with the hot pool's bodies (the same size as case b's);
    ``checked``: the route that also verifies each body's signature (``ceiling.py``)."""
    port = free_port()
    command = [sys.executable, "-m", "load_tests.ceiling", "--port", str(port)]
    command += ["--workers", str(args.workers)]
    keys = await asyncio.to_thread(_keys_file, territory)
    if checked:
        command += ["--keys", str(keys)]
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        async with aiohttp.ClientSession() as session:
            await wait_healthy(session, base)
        m = await _drive(
            base,
            territory,
            case="b",
            clients=args.clients,
            seconds=args.seconds,
            client=args.client,
            read_back=False,
            per_second=20_000,
        )
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
        await asyncio.to_thread(keys.unlink)
    return CaseResult(
        batching=True,
        case="checked" if checked else "ceiling",
        seconds=round(m.seconds, 2),
        accepted=m.accepted,
        tps=round(m.accepted / m.seconds, 1),
        p50_ms=m.p50_ms,
        p95_ms=m.p95_ms,
        p99_ms=m.p99_ms,
        errors={k: v for k, v in m.statuses.items() if k != "201"},
        invariant="(route checking the signature)" if checked else "(empty route)",
    )


def _ratio(value: float, of: CaseResult | None, *, p99: bool = False) -> str:
    base = None if of is None else (of.p99_ms if p99 else of.tps)
    return f"{value / base:.2f}" if base else "n/a"


def _markdown(results: list[CaseResult], args: argparse.Namespace) -> str:
    clients = args.clients
    lines = [
        f"{args.store}, {args.workers} server process(es), {args.client} client:",
        "",
        "| batching | case | clients | tx/s | p50 ms | p95 ms | p99 ms | × ceiling tx/s "
        "| × ceiling p99 | × checked route tx/s | errors | ledger check |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    names = {
        "a": "(a) random members",
        "b": "(b) hot pool",
        "ceiling": "empty route",
        "checked": "route checking the signature",
    }
    ceiling = next((r for r in results if r.case == "ceiling"), None)
    checked = next((r for r in results if r.case == "checked"), None)
    for r in results:
        lines.append(
            f"| {'on' if r.batching else 'off'} | {names[r.case]} | {clients} | {r.tps:.0f} "
            f"| {r.p50_ms} | {r.p95_ms} | {r.p99_ms} | {_ratio(r.tps, ceiling)} "
            f"| {_ratio(r.p99_ms, ceiling, p99=True)} | {_ratio(r.tps, checked)} "
            f"| {r.errors or 'none'} | {r.invariant} |"
        )
    return "\n".join(lines) + "\n"


async def main_async(args: argparse.Namespace) -> list[CaseResult]:
    results = []
    for batching in (True, False) if not args.batching_only else (True,):
        results.extend(await _run_configuration(batching, list(args.cases), args))
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
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument(
        "--no-ceiling",
        dest="ceiling",
        action="store_false",
        help="skip the empty route's run that the ratios are taken against",
    )
    parser.add_argument("--cases", default="ab", help="a: random members, b: hot pool")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    parser.add_argument(
        "--client",
        choices=["wrk", "aiohttp"],
        default="wrk",
        help="wrk (C, installed from Debian when missing) or the Python client",
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "load_tests" / "results" / "bench_http"
    )
    args = parser.parse_args()
    before = speed_check()
    print(before, flush=True)
    results = asyncio.run(main_async(args))
    table = f"{before}\n{speed_check()}\n\n{_markdown(results, args)}"
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output = args.output.with_name(f"{args.output.name}-{args.store}-w{args.workers}")
    args.output.with_suffix(".json").write_text(json.dumps([asdict(r) for r in results], indent=2))
    args.output.with_suffix(".md").write_text(table)


if __name__ == "__main__":
    main()
