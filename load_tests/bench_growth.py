"""How each operation's cost grows with the ledger: 10k, 100k, 1M transactions.

A real `mutual serve` on a fresh database (SQLite or PostgreSQL) is filled through the
API with signed transactions (members' exchanges and gifts to the commons pool, posted
by each payer in batches of 500, as a device that was offline would). At each size the
filling stops and one client measures, one request at a time so that only the
operation's own cost shows: a member's statement page (the newest 50 lines), a member's
balance, an inclusion proof for a random earlier transaction, and the log's latest
checkpoint. Then the
ledger is exported and verified offline (up to ``--export-up-to`` transactions, since
both are linear). Database size per transaction is reported too.

    .venv/bin/python -m load_tests.bench_growth [--store sqlite|postgres]
        [--sizes 10000 100000 1000000] [--samples 200] [--export-up-to 100000]

Writes load_tests/results/growth-<store>.{md,json}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp

from load_tests.harness import (
    MUTUAL,
    ROOT,
    Server,
    Store,
    Territory,
    check_ledger,
    new_server,
    open_territory,
    operator_token,
    percentile_ms,
    signed_transfer,
    wait_healthy,
)

MEMBERS = 100
BATCH = 500
SENDERS = 4


@dataclass
class SizeResult:
    transactions: int
    fill_tps: float
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    database_bytes_per_tx: float = 0.0
    export_seconds: float | None = None
    verify_seconds: float | None = None
    invariant: str = ""


@dataclass
class Filler:
    """Signs and posts transfers; remembers a sample of accepted ids for the proofs."""

    server: Server
    territory: Territory
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    recorded: int = 0
    gifts: int = 0
    sample: list[str] = field(default_factory=list)

    async def fill_to(self, session: aiohttp.ClientSession, target: int) -> float:
        began = time.perf_counter()
        start = self.recorded
        queue: asyncio.Queue[tuple[int, list[bytes], list[str], int]] = asyncio.Queue(
            maxsize=SENDERS * 2
        )
        senders = [asyncio.create_task(self._sender(session, queue)) for _ in range(SENDERS)]
        planned = self.recorded
        while planned < target:
            payer = self.rng.randrange(MEMBERS)
            count = min(BATCH, target - planned)
            writes = [
                signed_transfer(
                    self.territory, payer, to_pool=self.rng.random() < 0.5, rng=self.rng
                )
                for _ in range(count)
            ]
            gifts = sum(w.gift for w in writes)
            await queue.put((payer, [w.body for w in writes], [w.tx_id for w in writes], gifts))
            planned += count
        for _ in senders:
            await queue.put((-1, [], [], 0))
        await asyncio.gather(*senders)
        return round((self.recorded - start) / (time.perf_counter() - began), 1)

    async def _sender(
        self,
        session: aiohttp.ClientSession,
        queue: asyncio.Queue[tuple[int, list[bytes], list[str], int]],
    ) -> None:
        while True:
            payer, bodies, ids, gifts = await queue.get()
            if payer < 0:
                return
            body = b'{"atomic": true, "transactions": [' + b",".join(bodies) + b"]}"
            headers = {
                "Authorization": f"Bearer {self.territory.members[payer][0]}",
                "Content-Type": "application/json",
            }
            async with session.post(
                f"{self.server.base}/transactions", data=body, headers=headers
            ) as answer:
                result = await answer.json()
                if answer.status != 200 or not result["committed"]:
                    raise RuntimeError(f"a batch was refused: {answer.status} {str(result)[:300]}")
            self.recorded += len(ids)
            self.gifts += gifts
            self.sample.extend(ids[:: max(1, BATCH // 5)])


async def _timed(samples: int, call: Callable[[], Awaitable[None]]) -> dict[str, float]:
    latencies = []
    for _ in range(samples):
        began = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - began)
    latencies.sort()
    return {"p50": percentile_ms(latencies, 0.5), "p95": percentile_ms(latencies, 0.95)}


async def _get(session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> None:
    async with session.get(url, headers=headers) as answer:
        await answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{url} answered {answer.status}")


async def _measure(
    session: aiohttp.ClientSession, filler: Filler, samples: int
) -> dict[str, dict[str, float]]:
    base = filler.server.base
    members = filler.territory.members
    rng = random.Random(9)

    def member() -> tuple[str, dict[str, str]]:
        token, account = members[rng.randrange(len(members))]
        return account, {"Authorization": f"Bearer {token}"}

    async def statement() -> None:
        account, auth = member()
        url = f"{base}/accounts/{account}/postings?limit=50&order=newest_first"
        await _get(session, url, auth)

    async def balance() -> None:
        account, auth = member()
        await _get(session, f"{base}/accounts/{account}", auth)

    async def proof() -> None:
        tx_id = filler.sample[rng.randrange(len(filler.sample))]
        await _get(session, f"{base}/log/proofs/inclusion?id={tx_id}", filler.territory.operator)

    async def checkpoint() -> None:
        await _get(session, f"{base}/log/checkpoint", {})

    cases = {
        "statement page": statement,
        "balance": balance,
        "inclusion proof": proof,
        "checkpoint": checkpoint,
    }
    return {name: await _timed(samples, call) for name, call in cases.items()}


def _export_and_verify(server: Server) -> tuple[float, float]:
    export = server.data_dir / "export.ndjson"
    began = time.perf_counter()
    server.cli("export", "--output", str(export))
    exported = time.perf_counter() - began
    key = server.cli("log-key").strip()
    began = time.perf_counter()
    subprocess.run(
        [*MUTUAL, "verify", str(export), "--log-key", key, "--quiet"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    verified = time.perf_counter() - began
    export.unlink()
    return round(exported, 1), round(verified, 1)


async def run(store: Store, sizes: list[int], samples: int, export_up_to: int) -> list[SizeResult]:
    server = await new_server(store, {"MUTUAL_CHECKPOINT_INTERVAL_SECONDS": "5"})
    token = operator_token(server)
    server.start()
    results = []
    try:
        # The server closes connections idle for 5 s (between phases they are): the
        # client lets them go first, rather than reuse one the server just closed.
        connector = aiohttp.TCPConnector(keepalive_timeout=2)
        timeout = aiohttp.ClientTimeout(total=600)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await wait_healthy(session, server.base)
            territory = await open_territory(session, server.base, token, MEMBERS)
            filler = Filler(server, territory)
            for size in sorted(sizes):
                tps = await filler.fill_to(session, size)
                await asyncio.sleep(6)  # let the timer sign a checkpoint covering them
                result = SizeResult(size, tps, await _measure(session, filler, samples))
                result.database_bytes_per_tx = round(await server.database_bytes() / size, 1)
                result.invariant = await check_ledger(
                    session, server.base, territory, gifts=filler.gifts
                )
                if size <= export_up_to:
                    result.export_seconds, result.verify_seconds = await asyncio.to_thread(
                        _export_and_verify, server
                    )
                results.append(result)
                print(json.dumps(asdict(result)), flush=True)
    finally:
        await server.drop()
    return results


def markdown(store: str, results: list[SizeResult]) -> str:
    names = list(results[0].latency_ms) if results else []
    head = " | ".join(f"{n} p50 / p95 ms" for n in names)
    lines = [
        f"| store | transactions | fill tx/s | {head} | bytes/tx | export s | verify s "
        "| invariants |",
        "| --- " * (8 + len(names) - 1) + "|",
    ]
    for r in results:
        cells = " | ".join(f"{r.latency_ms[n]['p50']} / {r.latency_ms[n]['p95']}" for n in names)
        lines.append(
            f"| {store} | {r.transactions:,} | {r.fill_tps:,.0f} | {cells} "
            f"| {r.database_bytes_per_tx:,.0f} | {r.export_seconds or '-'} "
            f"| {r.verify_seconds or '-'} | {r.invariant} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--export-up-to", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=ROOT / "load_tests" / "results")
    args = parser.parse_args()
    results = asyncio.run(run(args.store, args.sizes, args.samples, args.export_up_to))
    table = markdown(args.store, results)
    print(table)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / f"growth-{args.store}.json").write_text(
        json.dumps([asdict(r) for r in results], indent=2)
    )
    (args.output / f"growth-{args.store}.md").write_text(table)


if __name__ == "__main__":
    main()
