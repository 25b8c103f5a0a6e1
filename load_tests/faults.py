"""Faults under load: nothing acknowledged is lost, nothing unacknowledged half-exists.

Each scenario starts `mutual serve` on a fresh database, opens a territory through the
API, and runs closed-loop clients that send signed transactions (gifts to the commons
pool and exchanges between members) while the fault strikes. A client keeps every write
it sent and retries a write that got no definite answer (no answer, or 503) with the
same id and body until it gets one, as a resident's device does. Afterwards, with the
service recovered, it reads every write back and checks:

- every acknowledged (201) write is present, and a write is either whole or absent;
- the pool holds exactly one minute per distinct gift present (no duplicate effect);
- every balance sums to zero;
- the export verifies offline (`mutual verify`) against the log key alone;
- clients saw refusals as 503 with Retry-After, never a 500, and no request hung.

Scenarios (`--fault`): sigkill (the service killed with SIGKILL mid-load, then started
again), postgres-restart (the PostgreSQL server restarted mid-load), disk-full (the
SQLite file cannot grow for a while, then can again: the service must recover by
itself), pool-exhausted (one database connection, held by a query waiting on a lock
another client holds for 3 s, and a short wait for it),
slow-clients (200 connections trickling their headers while the load runs).

    .venv/bin/python -m load_tests.faults [--fault F ...] [--store sqlite|postgres ...]
        [--seconds 12] [--clients 32] [--members 40]

Writes the summary table to stdout and to load_tests/results/faults.{md,json}.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import resource
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from load_tests.harness import (
    ROOT,
    Server,
    SignedWrite,
    Store,
    Territory,
    check_ledger,
    new_server,
    open_territory,
    operator_token,
    signed_transfer,
    verify_export,
    wait_healthy,
)

REQUEST_TIMEOUT_SECONDS = 30.0
FAULTS: dict[str, tuple[Store, ...]] = {
    "sigkill": ("sqlite", "postgres"),
    "postgres-restart": ("postgres",),
    "disk-full": ("sqlite",),
    "pool-exhausted": ("postgres",),
    "slow-clients": ("sqlite", "postgres"),
}


@dataclass
class FaultResult:
    fault: str
    store: str
    sent: int = 0
    acknowledged: int = 0
    acknowledged_found: int = 0
    unacknowledged_present: int = 0
    retried: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    reads: dict[str, int] = field(default_factory=dict)
    hangs: int = 0
    slowest_answer_s: float = 0.0
    missing_retry_after: int = 0
    # 503s whose body was not a problem document (application/problem+json with a code).
    not_a_problem: int = 0
    recovery_seconds: float = 0.0
    invariant: str = ""
    verify: str = ""

    @property
    def passed(self) -> bool:
        return (
            self.acknowledged_found == self.acknowledged
            and self.hangs == 0
            and self.missing_retry_after == 0
            and self.not_a_problem == 0
            and not any(k.startswith("5") and k != "503" for k in self.answers)
            and not any(k.startswith("5") and k != "503" for k in self.reads)
            and self.invariant == "ok"
            and self.verify == "ok"
        )


@dataclass
class Load:
    """Closed-loop writers that retry unanswered writes with the same id, through
    ``base`` (one server's API, or the one address in front of several)."""

    base: str
    territory: Territory
    result: FaultResult
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    acknowledged: set[str] = field(default_factory=set)
    sent: dict[str, SignedWrite] = field(default_factory=dict)
    answers: Counter[str] = field(default_factory=Counter)
    reads: Counter[str] = field(default_factory=Counter)

    async def run(
        self, session: aiohttp.ClientSession, clients: int, readers: int, seconds: float
    ) -> None:
        """``clients`` writers and ``readers`` residents reading statements."""
        stop = time.perf_counter() + seconds
        await asyncio.gather(
            *(self._client(session, stop) for _ in range(clients)),
            *(self._reader(session, stop) for _ in range(readers)),
        )

    async def _reader(self, session: aiohttp.ClientSession, stop: float) -> None:
        while time.perf_counter() < stop:
            token, account = self.territory.members[self.rng.randrange(len(self.territory.members))]
            status = await self._request(
                session,
                "GET",
                f"{self.base}/accounts/{account}/postings?limit=50",
                headers={"Authorization": f"Bearer {token}"},
            )
            if status is None:
                # The connection failed or was cut: the service (or the host it reached)
                # is down. Counted, so that a scenario can require that none was.
                self.reads["no answer"] += 1
                await asyncio.sleep(0.2)
                continue
            self.reads[str(status or "timeout")] += 1

    async def _request(
        self, session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
    ) -> int | None:
        """The answer's status; 0 when none came in time (a hang, counted), None when
        the connection failed (the service is down)."""
        try:
            async with session.request(
                method,
                url,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
                **kwargs,
            ) as answer:
                body = await answer.read()
                if answer.status == 503:
                    if "Retry-After" not in answer.headers:
                        self.result.missing_retry_after += 1
                    if not _is_problem(answer.content_type, body):
                        self.result.not_a_problem += 1
                return answer.status
        except TimeoutError:
            self.result.hangs += 1
            return 0
        except aiohttp.ClientError:
            return None

    async def _client(self, session: aiohttp.ClientSession, stop: float) -> None:
        members = len(self.territory.members)
        while time.perf_counter() < stop:
            write = signed_transfer(
                self.territory,
                self.rng.randrange(members),
                to_pool=self.rng.random() < 0.5,
                rng=self.rng,
            )
            self.sent[write.tx_id] = write
            # Retry until a definite answer, even past the stop: an abandoned write
            # would be neither acknowledged nor known refused.
            if not await self._send(session, write):
                self.result.retried += 1
                await self._until_definite(session, write)

    async def _until_definite(self, session: aiohttp.ClientSession, write: SignedWrite) -> None:
        for _ in itertools.count():
            await asyncio.sleep(0.2)
            if await self._send(session, write):
                return

    async def _send(self, session: aiohttp.ClientSession, write: SignedWrite) -> bool:
        """Send once; True when the answer is definite (accepted or refused for good)."""
        token = self.territory.members[write.payer][0]
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": write.tx_id,
        }
        began = time.perf_counter()
        status = await self._request(
            session, "POST", f"{self.base}/transactions", data=write.body, headers=headers
        )
        if not status:
            self.answers["no answer" if status is None else "timeout"] += 1
            return False
        took = time.perf_counter() - began
        self.result.slowest_answer_s = max(self.result.slowest_answer_s, round(took, 2))
        self.answers[str(status)] += 1
        if status == 201:
            self.acknowledged.add(write.tx_id)
        return status != 503


def _is_problem(content_type: str, body: bytes) -> bool:
    """A problem document (RFC 9457) with the service's stable code."""
    if content_type != "application/problem+json":
        return False
    try:
        return bool(json.loads(body).get("code"))
    except (ValueError, AttributeError):
        return False


async def _present(
    session: aiohttp.ClientSession, base: str, operator: dict[str, str], tx_id: str
) -> bool:
    while True:
        async with session.get(f"{base}/transactions/{tx_id}", headers=operator) as answer:
            if answer.status == 503:  # a pool kept small on purpose; ask again
                await asyncio.sleep(0.1)
                continue
            if answer.status == 404:
                return False
            body = await answer.json()
            if answer.status != 200 or len(body["postings"]) != 2:
                raise RuntimeError(f"{tx_id} half-exists or unreadable: {answer.status} {body}")
            return True


async def read_back(session: aiohttp.ClientSession, load: Load, result: FaultResult) -> None:
    """Every write sent, read back through the API: which acknowledged ones are there,
    whether any unacknowledged one is, and the balances' check."""
    present: set[str] = set()
    ids = list(load.sent)
    operator = load.territory.operator
    for start in range(0, len(ids), 50):
        chunk = ids[start : start + 50]
        found = await asyncio.gather(*(_present(session, load.base, operator, i) for i in chunk))
        present.update(i for i, f in zip(chunk, found, strict=True) if f)
    result.sent = len(ids)
    result.acknowledged = len(load.acknowledged)
    result.acknowledged_found = len(load.acknowledged & present)
    result.unacknowledged_present = len(present - load.acknowledged)
    gifts = sum(1 for i in present if load.sent[i].gift)
    result.invariant = await check_ledger(session, load.base, load.territory, gifts=gifts)


async def _restart_after_kill(server: Server, session: aiohttp.ClientSession) -> float:
    server.kill()
    await asyncio.sleep(0.5)
    server.start()
    return await wait_healthy(session, server.base)


async def _restart_postgres(server: Server, session: aiohttp.ClientSession) -> float:
    cluster = (await asyncio.to_thread(lambda: next(Path("/etc/postgresql").iterdir()))).name
    began = time.perf_counter()
    restart = await asyncio.create_subprocess_exec(
        *("/usr/bin/pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main"),
        *("restart", "-m", "fast"),
    )
    if await restart.wait() != 0:
        raise RuntimeError("pg_ctlcluster could not restart PostgreSQL")
    await wait_healthy(session, server.base)
    return time.perf_counter() - began


async def _fill_disk(server: Server, session: aiohttp.ClientSession) -> float:
    """No file of the service may grow for 3 s, then they may again: the service must
    answer 503 meanwhile and recover without a restart. The process's file-size limit
    drops to 64 KiB, below every database file, so any write that needs new space fails
    (CPython ignores SIGXFSZ, so it fails with EFBIG, which SQLite reports as a full disk)
    while pages already allocated can still be rewritten, as on a full file system."""
    assert server.process is not None
    pid = server.process.pid
    # The soft limit only: the same user may raise it back without privileges.
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
    await asyncio.sleep(3)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    return await wait_healthy(session, server.base)


async def _trickle(port: int, stop: float) -> None:
    """A client that opens a connection and sends its headers a byte at a time."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return
    request = b"POST /api/v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
    try:
        for byte in request:
            if time.perf_counter() > stop or reader.at_eof():
                break
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.5)
    except OSError:
        pass
    finally:
        writer.close()


async def _slow_clients(server: Server, session: aiohttp.ClientSession) -> float:
    stop = time.perf_counter() + 6
    await asyncio.gather(*(_trickle(server.port, stop) for _ in range(200)))
    return 0.0


async def _hold_the_pool(server: Server, session: aiohttp.ClientSession) -> float:
    """For 3 s another client holds a lock every request needs (the accounts table), so
    the service's one connection stays taken by a waiting query and the requests behind
    it find the pool exhausted; then the lock goes and the service must recover."""
    holder = await asyncpg.connect(server.env["MUTUAL_DATABASE_URL"])
    try:
        async with holder.transaction():
            await holder.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")
            await asyncio.sleep(3)
    finally:
        await holder.close()
    return await wait_healthy(session, server.base)


STRIKES: dict[str, Callable[[Server, aiohttp.ClientSession], Awaitable[float]]] = {
    "sigkill": _restart_after_kill,
    "postgres-restart": _restart_postgres,
    "disk-full": _fill_disk,
    "pool-exhausted": _hold_the_pool,
    "slow-clients": _slow_clients,
}


async def run_fault(
    fault: str, store: Store, *, seconds: float, clients: int, members: int
) -> FaultResult:
    # One connection for as many readers as writers, and little patience: requests must
    # queue for the pool and some must give up, as 503s.
    exhausted = fault == "pool-exhausted"
    extra = {"MUTUAL_DB_POOL_SIZE": "1", "MUTUAL_DB_TIMEOUT_SECONDS": "0.2"}
    server = await new_server(store, extra if exhausted else None)
    readers = clients if exhausted else max(1, clients // 4)
    result = FaultResult(fault, store)
    token = operator_token(server)
    server.start(quiet=fault == "disk-full")
    try:
        connector = aiohttp.TCPConnector(limit=clients + 16)
        async with aiohttp.ClientSession(connector=connector) as session:
            await wait_healthy(session, server.base)
            territory = await open_territory(session, server.base, token, members)
            load = Load(server.base, territory, result)
            running = asyncio.create_task(load.run(session, clients, readers, seconds))
            await asyncio.sleep(seconds / 3)
            result.recovery_seconds = round(await STRIKES[fault](server, session), 2)
            await running
            result.answers = dict(load.answers)
            result.reads = dict(load.reads)
            await read_back(session, load, result)
        server.stop()
        result.verify = verify_export(server)
    finally:
        await server.drop()
    return result


def markdown(results: list[FaultResult]) -> str:
    lines = [
        "| fault | store | writes sent | retried | acknowledged | acknowledged found "
        "| unacknowledged present | write answers | statement reads | hangs | slowest answer s "
        "| recovery s | invariants | verify |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r.answers.items()))
        reads = ", ".join(f"{k}: {v}" for k, v in sorted(r.reads.items()))
        lines.append(
            f"| {r.fault} | {r.store} | {r.sent} | {r.retried} | {r.acknowledged} "
            f"| {r.acknowledged_found} "
            f"| {r.unacknowledged_present} | {answers} | {reads} | {r.hangs} "
            f"| {r.slowest_answer_s} | {r.recovery_seconds} "
            f"| {r.invariant} | {r.verify} |"
        )
    return "\n".join(lines) + "\n"


async def main_async(args: argparse.Namespace) -> list[FaultResult]:
    results = []
    for fault in args.fault or list(FAULTS):
        for store in FAULTS[fault]:
            if args.store and store not in args.store:
                continue
            results.append(
                await run_fault(
                    fault, store, seconds=args.seconds, clients=args.clients, members=args.members
                )
            )
            print(markdown(results[-1:]).splitlines()[-1], flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fault", action="append", choices=list(FAULTS))
    parser.add_argument("--store", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--seconds", type=float, default=12.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=32, help="closed-loop writers")
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--output", type=Path, default=ROOT / "load_tests" / "results" / "faults")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    table = markdown(results)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(
        json.dumps([asdict(r) | {"passed": r.passed} for r in results], indent=2)
    )
    args.output.with_suffix(".md").write_text(table)
    raise SystemExit(0 if all(r.passed for r in results) else 1)


if __name__ == "__main__":
    main()
