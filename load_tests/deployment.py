"""The deployment of ``tests/test_faults_deployment.py`` measured: a primary and a
streaming standby of its own, two `mutual serve` processes on two test hosts behind one
address, Redis (root needed for the hosts' network namespaces), and the same closed-loop
signed writers and statement readers (``load_tests/faults.py``'s ``Load``).

- ``compare`` (the default): no fault; the load sent in turn to the one address in front
  of both processes and to the first process's own address, so that both are measured
  at the same moments of a shared machine.
- ``failover``: the standby made synchronous, the primary killed with SIGKILL a third
  of the way into the load, the standby promoted, and both processes started again on
  it at once, or one after the other with ``--one-at-a-time`` (their
  ``MUTUAL_DATABASE_URL`` now the promoted standby's); the
  times to the promotion, to the first process and to both serving again, and every
  acknowledged write read back and the export verified afterwards.

    .venv/bin/python -m load_tests.deployment [compare|failover] [--seconds 10]
        [--clients 12] [--readers 4] [--rounds 2] [--one-at-a-time]

Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy.engine import make_url
from tests.pg_clusters import Cluster, make_synchronous, new_primary, new_standby, workspace
from tests.test_api import API
from tests.test_faults_deployment import UNLIMITED, Watch, sample_lag
from tests.test_shared_state import Deployment, RedisServer, two_processes

from load_tests.faults import FaultResult, Load, read_back
from load_tests.harness import Server, Territory, open_territory, verify_export, wait_healthy
from mutual.settings import Settings


@dataclass
class Deployed:
    primary: Cluster
    standby: Cluster
    deployment: Deployment
    session: aiohttp.ClientSession
    territory: Territory


@asynccontextmanager
async def deployed(args: argparse.Namespace) -> AsyncIterator[Deployed]:
    folder, scratch = workspace(), Path(tempfile.mkdtemp(prefix="mutual-deployment-"))
    primary = new_primary(folder)
    standby = new_standby(folder, primary, "standby1")
    redis = RedisServer(scratch)
    redis.start()
    try:
        settings = Settings(database_url=primary.url, data_dir=scratch)
        async with two_processes(
            settings, scratch, redis.url, replica_urls=[standby.url], env=UNLIMITED
        ) as deployment:
            front = deployment.front_url + API
            limit = args.clients + args.readers + 8
            connector = aiohttp.TCPConnector(limit=limit, force_close=True)
            async with aiohttp.ClientSession(connector=connector) as session:
                territory = await open_territory(session, front, deployment.operator, 20)
                yield Deployed(primary, standby, deployment, session, territory)
    finally:
        redis.stop()
        standby.stop("immediate")
        primary.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


async def compare(args: argparse.Namespace) -> list[str]:
    rows = [
        "| round | through | acknowledged writes/s | statement reads/s | max standby lag |",
        "| --- | --- | --- | --- | --- |",
    ]
    async with deployed(args) as d:
        front, one = d.deployment.front_url + API, d.deployment.servers[0].base
        for round_ in range(1, args.rounds + 1):
            for label, base in (("two processes", front), ("one process", one)):
                load = Load(base, d.territory, FaultResult("", "postgres"))
                watch, stop = Watch(), asyncio.Event()
                sampling = asyncio.create_task(sample_lag(d.primary, watch, stop))
                await load.run(d.session, args.clients, args.readers, args.seconds)
                stop.set()
                await sampling
                assert set(load.answers) <= {"201"}, load.answers
                assert set(load.reads) <= {"200"}, load.reads
                rows.append(
                    f"| {round_} | {label} | {len(load.acknowledged) / args.seconds:.0f} "
                    f"| {load.reads['200'] / args.seconds:.0f} "
                    f"| {watch.lag_seconds * 1000:.0f} ms, {watch.lag_bytes / 1000:.0f} KB |"
                )
                print(rows[-1], flush=True)
    return rows


async def _fail_over(d: Deployed, one_at_a_time: bool) -> tuple[float, float, float]:
    """The primary killed, the standby promoted, both processes started again on it, at
    once (with the primary gone, neither can take a write anyway) or one after the other
    (two starts at once compete for a small machine's cores): seconds from the kill to
    the promotion, to the first and to both serving again."""
    d.primary.kill()
    began = time.perf_counter()
    await asyncio.to_thread(d.standby.promote)
    promoted = time.perf_counter() - began

    async def restarted(server: Server) -> float:
        old = make_url(server.env["MUTUAL_DATABASE_URL"])
        # The host reaches the standby at its gateway, as it reached the primary.
        server.env["MUTUAL_DATABASE_URL"] = str(old.set(port=d.standby.port))
        server.env["MUTUAL_REPLICA_URLS"] = "[]"
        await asyncio.to_thread(server.stop)
        server.start()
        await wait_healthy(d.session, server.base, seconds=120)
        return time.perf_counter() - began

    if one_at_a_time:
        serving = [await restarted(server) for server in d.deployment.servers]
    else:
        serving = sorted(await asyncio.gather(*map(restarted, d.deployment.servers)))
    return promoted, serving[0], serving[1]


async def failover(args: argparse.Namespace) -> list[str]:
    rows = [
        "| round | promoted s | first process serving s | both serving s | writes "
        "acknowledged | acknowledged found | write answers | statement reads | export |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for round_ in range(1, args.rounds + 1):
        async with deployed(args) as d:
            make_synchronous(d.primary)
            front = d.deployment.front_url + API
            result = FaultResult("failover", "postgres")
            load = Load(front, d.territory, result)
            running = asyncio.create_task(
                load.run(d.session, args.clients, args.readers, args.seconds)
            )
            await asyncio.sleep(args.seconds / 3)
            promoted, first, both = await _fail_over(d, args.one_at_a_time)
            await running
            result.answers, result.reads = dict(load.answers), dict(load.reads)
            await read_back(d.session, load, result)
            result.verify = await asyncio.to_thread(verify_export, d.deployment.servers[0])
            rows.append(
                f"| {round_} | {promoted:.2f} | {first:.2f} | {both:.2f} "
                f"| {result.acknowledged} | {result.acknowledged_found} "
                f"| {json.dumps(result.answers)} | {json.dumps(result.reads)} "
                f"| {result.verify}, ledger {result.invariant} |"
            )
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", nargs="?", choices=["compare", "failover"], default="compare")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=12, help="closed-loop writers")
    parser.add_argument("--readers", type=int, default=4, help="members reading statements")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--one-at-a-time", action="store_true", help="failover: restart the processes in turn"
    )
    args = parser.parse_args()
    rows = asyncio.run((compare if args.what == "compare" else failover)(args))
    print("\n".join(rows))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
