"""Throughput through one and through two service processes of one deployment with a
streaming standby: the deployment of ``tests/test_faults_deployment.py`` (a primary and
a standby of its own, two `mutual serve` processes on two test hosts behind one
address, Redis; root needed for the hosts' network namespaces), no fault, the same
closed-loop signed writers and statement readers (``load_tests/faults.py``'s ``Load``),
sent in turn to the one address in front of both processes and to the first process's
own address, so that both are measured at the same moments of a shared machine.

    .venv/bin/python -m load_tests.deployment [--seconds 10] [--clients 12] [--readers 4]
        [--rounds 2]

Prints a markdown table: acknowledged writes and statement reads per second, and the
standby's largest replay lag while the load ran.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import aiohttp
from tests.pg_clusters import new_primary, new_standby, workspace
from tests.test_api import API
from tests.test_faults_deployment import UNLIMITED, Watch, sample_lag
from tests.test_shared_state import RedisServer, two_processes

from load_tests.faults import FaultResult, Load
from load_tests.harness import open_territory
from mutual.settings import Settings


async def measure(args: argparse.Namespace) -> list[str]:
    rows = []
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
            one = deployment.servers[0].base
            connector = aiohttp.TCPConnector(
                limit=args.clients + args.readers + 8, force_close=True
            )
            async with aiohttp.ClientSession(connector=connector) as session:
                territory = await open_territory(session, front, deployment.operator, 20)
                for round_ in range(1, args.rounds + 1):
                    for label, base in (("two processes", front), ("one process", one)):
                        load = Load(base, territory, FaultResult("", "postgres"))
                        watch, stop = Watch(), asyncio.Event()
                        sampling = asyncio.create_task(sample_lag(primary, watch, stop))
                        await load.run(session, args.clients, args.readers, args.seconds)
                        stop.set()
                        await sampling
                        answers: Counter[str] = load.answers
                        assert set(answers) <= {"201"}, answers
                        assert set(load.reads) <= {"200"}, load.reads
                        rows.append(
                            f"| {round_} | {label} | {len(load.acknowledged) / args.seconds:.0f} "
                            f"| {load.reads['200'] / args.seconds:.0f} "
                            f"| {watch.lag_seconds * 1000:.0f} ms, "
                            f"{watch.lag_bytes / 1000:.0f} KB |"
                        )
                        print(rows[-1], flush=True)
    finally:
        redis.stop()
        standby.stop("immediate")
        primary.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=12, help="closed-loop writers")
    parser.add_argument("--readers", type=int, default=4, help="members reading statements")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    header = [
        "| round | through | acknowledged writes/s | statement reads/s | max standby lag |",
        "| --- | --- | --- | --- | --- |",
    ]
    print("\n".join(header), flush=True)
    rows = asyncio.run(measure(args))
    print("\n".join([*header, *rows]))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
