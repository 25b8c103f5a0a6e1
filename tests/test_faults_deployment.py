"""The fault scenarios with a whole deployment (issue 27): a PostgreSQL primary and a
streaming standby (clusters of the test's own, ``tests/pg_clusters.py``), two `mutual
serve` processes on two test hosts behind one address (``two_processes``), sharing one
Redis, reading from the standby. Signed writes and statement reads go through the one
address (``load_tests/faults.py``'s closed-loop clients, which retry a write that got no
definite answer with the same id) while, mid-load:

- sigkill: one service process is killed with SIGKILL and started again;
- primary-restart: the primary PostgreSQL is restarted (``pg_ctl restart -m fast``);
- standby-stop: the standby is stopped (``-m immediate``, as a crashed host).

After each, every acknowledged write is read back through the API and found in the
export (`mutual export`, read from the standby when it is up, verified offline by
`mutual verify`), the ledger's stored invariants hold, writes that failed were answered
503 with Retry-After (or not at all, by the killed process) and were retried, never a
500; with the standby lost, no client saw anything but success. The primary's loss with
the standby promoted is ``tests/test_standby_reads.py``'s.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from load_tests.faults import FaultResult, Load, read_back
from load_tests.harness import open_territory, verify_export, wait_healthy

from mutual.settings import Settings
from mutual.store.database import open_database
from tests.ledger_checks import check_ledger
from tests.pg_clusters import Cluster, psql
from tests.test_api import API
from tests.test_shared_state import Deployment, RedisServer, redis_server, two_processes
from tests.test_standby_reads import clusters, shared_pair

# Fixtures shared with the standby and shared-state tests (pytest finds them here).
__all__ = ["clusters", "redis_server", "shared_pair"]

pytestmark = pytest.mark.postgres

SECONDS = 6.0
CLIENTS = 12
READERS = 4
MEMBERS = 10
# Deployed as for load: the flood guards off (the load is one principal's many writes).
UNLIMITED = {
    "MUTUAL_RATE_LIMIT_WRITES": "0",
    "MUTUAL_RATE_LIMIT_ADDRESS_WRITES": "0",
    "MUTUAL_RATE_LIMIT_ANONYMOUS": "0",
}


@dataclass
class Cast:
    """What the scenarios run on: the two clusters and the deployment."""

    primary: Cluster
    standby: Cluster
    deployment: Deployment


async def _kill_a_process(cast: Cast, session: aiohttp.ClientSession) -> float:
    """The second host's process killed (the front passes it over meanwhile), then
    started again: seconds until it answers its health check."""
    server = cast.deployment.servers[1]
    server.kill()
    await asyncio.sleep(0.5)
    began = time.perf_counter()
    server.start()
    await wait_healthy(session, server.base, seconds=60)
    return time.perf_counter() - began


async def _restart_the_primary(cast: Cast, session: aiohttp.ClientSession) -> float:
    """Seconds from the restart's start until both processes answer healthy again."""
    began = time.perf_counter()
    await asyncio.to_thread(cast.primary.restart, "fast")
    for server in cast.deployment.servers:
        await wait_healthy(session, server.base, seconds=60)
    return time.perf_counter() - began


async def _stop_the_standby(cast: Cast, session: aiohttp.ClientSession) -> float:
    await asyncio.to_thread(cast.standby.stop, "immediate")
    return 0.0


STRIKES: dict[str, Callable[[Cast, aiohttp.ClientSession], Awaitable[float]]] = {
    "sigkill": _kill_a_process,
    "primary-restart": _restart_the_primary,
    "standby-stop": _stop_the_standby,
}


@dataclass
class Watch:
    """The standby seen from both ends during the load: its replay lag as the primary
    reports it, and how many statement reads it served (scans of ``postings`` on it:
    the replica watchers' polls touch no table)."""

    lag_seconds: float = 0.0
    lag_bytes: int = 0
    standby_scans: int = 0


async def sample_lag(primary: Cluster, watch: Watch, stop: asyncio.Event) -> None:
    query = (
        "SELECT coalesce(max(extract(epoch FROM replay_lag)), 0)::float,"
        " coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint"
        " FROM pg_stat_replication"
    )
    while not stop.is_set():
        try:
            conn = await asyncpg.connect(primary.dsn)
            try:
                while not stop.is_set():
                    row = await conn.fetchrow(query)
                    assert row is not None  # an aggregate: always one row
                    watch.lag_seconds = max(watch.lag_seconds, float(row[0]))
                    watch.lag_bytes = max(watch.lag_bytes, int(row[1]))
                    await asyncio.sleep(0.25)
            finally:
                await conn.close()
        except (
            OSError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            # asyncpg's protocol breaks this way on a connection cut mid-query.
            asyncpg.InternalClientError,
        ):
            await asyncio.sleep(0.25)  # the primary restarting: ask again once it is back


def _standby_scans(cast: Cast) -> int:
    query = (
        "SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)"
        " FROM pg_stat_user_tables WHERE relname = 'postings'"
    )
    return int(psql(cast.standby, query))


def _caught_up(cast: Cast) -> None:
    """Until the standby has replayed everything the primary has written."""
    now = psql(cast.primary, "SELECT pg_current_wal_lsn()")
    query = f"SELECT pg_last_wal_replay_lsn() >= '{now}'::pg_lsn"
    deadline = time.monotonic() + 30
    while psql(cast.standby, query) != "t":
        assert time.monotonic() < deadline, "the standby did not catch up"
        time.sleep(0.1)


async def run_phase(
    fault: str, cast: Cast, session: aiohttp.ClientSession, load: Load
) -> tuple[FaultResult, Watch]:
    """The load for ``SECONDS`` with ``fault`` striking a third of the way in, then every
    write sent so far (in the earlier phases too) read back, and the export verified."""
    result, watch = FaultResult(fault, "postgres"), Watch()
    load.result, load.answers, load.reads = result, Counter(), Counter()
    scans = _standby_scans(cast)
    stop = asyncio.Event()
    sampling = asyncio.create_task(sample_lag(cast.primary, watch, stop))
    running = asyncio.create_task(load.run(session, CLIENTS, READERS, SECONDS))
    await asyncio.sleep(SECONDS / 3)
    watch.standby_scans = _standby_scans(cast) - scans
    result.recovery_seconds = round(await STRIKES[fault](cast, session), 2)
    await running
    stop.set()
    await sampling
    result.answers, result.reads = dict(load.answers), dict(load.reads)
    if cast.standby.running():
        # The operator's reads below may come from the standby, up to the lag allowed
        # behind; the export too, which must then hold everything.
        await asyncio.to_thread(_caught_up, cast)
    await read_back(session, load, result)
    result.verify = await asyncio.to_thread(verify_export, cast.deployment.servers[0])
    return result, watch


def _missing_from_export(cast: Cast, acknowledged: set[str]) -> list[str]:
    """The acknowledged transactions whose id the export written by ``verify_export``
    does not hold (a transaction's id is a fresh UUID: found, it is its entry's)."""
    export = (cast.deployment.servers[0].data_dir / "export.ndjson").read_text()
    return sorted(tx for tx in acknowledged if tx not in export)


def _check_phase(fault: str, result: FaultResult, watch: Watch, summary: str) -> None:
    assert result.acknowledged > 0, summary
    assert result.passed, summary
    assert watch.standby_scans > 0, f"the standby served no read before the fault: {summary}"
    answers, reads = set(result.answers), set(result.reads)
    if fault == "standby-stop":
        # The standby's loss costs clients nothing: reads move to the primary.
        assert answers == {"201"}, summary
        assert reads == {"200"}, summary
    else:
        # Writes that failed were refused cleanly (503) or cut with the killed process,
        # and retried with the same id until answered.
        assert answers <= {"201", "503", "no answer"}, summary
        assert reads <= {"200", "503", "no answer"}, summary
        assert answers != {"201"}, f"the fault did not strike: {summary}"
        assert result.retried > 0, summary


async def test_nothing_acknowledged_is_lost_through_three_faults_in_a_row(
    clusters: tuple[Cluster, Cluster],
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    """One deployment, one territory, the three faults one after the other: each phase
    reads back every write of the phases before it too."""
    primary, standby = clusters
    settings = Settings(database_url=primary.url, data_dir=tmp_path)
    async with two_processes(
        settings, tmp_path, redis_server.url, replica_urls=[standby.url], env=UNLIMITED
    ) as deployment:
        cast = Cast(primary, standby, deployment)
        base = deployment.front_url + API
        # A new connection per request: the front hands requests to each host in turn.
        connector = aiohttp.TCPConnector(limit=CLIENTS + READERS + 8, force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            territory = await open_territory(session, base, deployment.operator, MEMBERS)
            load = Load(base, territory, FaultResult("", "postgres"))
            for fault in STRIKES:
                result, watch = await run_phase(fault, cast, session, load)
                summary = json.dumps(asdict(result) | asdict(watch))
                print(summary)  # the figures SCALING.md quotes come from these lines (-s)
                _check_phase(fault, result, watch, summary)
                missing = _missing_from_export(cast, load.acknowledged)
                assert not missing, f"acknowledged writes not in the export: {missing[:5]}"
                db = open_database(settings)
                try:
                    await check_ledger(db)
                finally:
                    await db.dispose()
