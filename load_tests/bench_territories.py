"""What territories cost one `mutual serve` process on PostgreSQL: start-up, memory and
connections with 1, 10 and 30 territories made by `mutual territory create` (SCALING.md).

    .venv/bin/python -m load_tests.bench_territories
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

SERVER = os.environ.get("MUTUAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SRC = Path(__file__).resolve().parents[1] / "src"
CASES = ((1, 10), (10, 10), (30, 2))  # territories, MUTUAL_DB_POOL_SIZE


async def admin(statement: str) -> list[Any]:
    conn = await asyncpg.connect(SERVER)
    try:
        return list(await conn.fetch(statement))
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def measure(count: int, pool: int, folder: Path) -> dict[str, float]:
    name = f"mutual_bench_territories_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(f"CREATE DATABASE {name}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUTUAL_")} | {
        "PYTHONPATH": str(SRC),
        "MUTUAL_DATA_DIR": str(folder / name),
        "MUTUAL_TERRITORIES_FILE": str(folder / name / "territories.json"),
        "MUTUAL_DATABASE_URL": SERVER.rsplit("/", 1)[0] + "/" + name,
        "MUTUAL_DB_POOL_SIZE": str(pool),
    }
    mutual = [sys.executable, "-m", "mutual"]
    try:
        began = time.monotonic()
        for i in range(count):
            create = [*mutual, "territory", "create", f"t{i}", "--host", f"t{i}.example"]
            subprocess.run(create, env=env, check=True, capture_output=True)
        created = (time.monotonic() - began) / count
        port = free_port()
        serve = [*mutual, "serve", "--port", str(port)]
        with subprocess.Popen(serve, env=env, stderr=subprocess.DEVNULL) as process:
            try:
                return _serving(process, port, count, created, name) | {"pool": pool}
            finally:
                process.terminate()
                process.wait(30)
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _serving(
    process: subprocess.Popen[bytes], port: int, count: int, created: float, name: str
) -> dict[str, float]:
    url = f"http://127.0.0.1:{port}/api/v1/health/ready"
    began = time.monotonic()
    while True:
        try:
            httpx.get(url, headers={"Host": "t0.example"})
            break
        except httpx.TransportError:
            time.sleep(0.05)
    started = time.monotonic() - began
    times = []
    with httpx.Client() as client:
        for _ in range(5):
            for i in range(count):
                sent = time.perf_counter()
                answer = client.get(url, headers={"Host": f"t{i}.example"})
                times.append(time.perf_counter() - sent)
                answer.raise_for_status()
    times.sort()
    status = Path(f"/proc/{process.pid}/status").read_text()
    rss = int(status.split("VmRSS:")[1].split()[0]) / 1024
    query = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'"
    connections = asyncio.run(admin(query))[0][0]
    return {
        "territories": count,
        "create_s_each": round(created, 2),
        "startup_s": round(started, 2),
        "rss_mib": round(rss),
        "pg_connections": connections,
        "ready_p50_ms": round(times[len(times) // 2] * 1000, 1),
        "ready_p99_ms": round(times[int(len(times) * 0.99)] * 1000, 1),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for count, pool in CASES:
            print(json.dumps(measure(count, pool, Path(folder))), flush=True)


if __name__ == "__main__":
    main()
