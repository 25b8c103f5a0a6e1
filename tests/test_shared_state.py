"""Two `mutual serve` processes, each on a test host of its own (a network namespace, over
its own link; ``tests/netns_hosts.py``), behind one address, on one PostgreSQL database and
one Redis (issue 27, item 2):
a principal's rate limit holds across both, a token revoked through one is refused by the
other at once (with a token cache long enough that only the announcement can explain it),
and with Redis stopped mid-test the service behaves as ``api/shared_state.py`` states:
writes and sign-in refused (503), reads served, and everything back once Redis is."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import redis
from load_tests.harness import Server, free_port, operator_token, wait_healthy
from sqlalchemy.engine import make_url

from mutual.settings import Settings
from tests.netns_hosts import Host, Relay, namespaces
from tests.test_api import API

pytestmark = pytest.mark.postgres

WRITES_PER_MINUTE = 6
# Far longer than the test: a revocation seen by the other process is the announcement's
# doing, not the cache's expiry.
TOKEN_CACHE_SECONDS = 600


class RedisServer:
    """A private redis-server on its own port, so the test may stop and start it."""

    def __init__(self, tmp_path: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (Debian package redis-server)")
        self.binary = binary
        self.port = free_port()
        self.dir = tmp_path / "redis"
        self.dir.mkdir()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.dir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# The settings these tests deploy with, beside the database's, Redis's and the data's.
LIMITED = {
    # The suite turns limits off (tests/conftest.py): on again, as deployed.
    "MUTUAL_RATE_LIMIT_WRITES": str(WRITES_PER_MINUTE),
    "MUTUAL_RATE_LIMIT_ADDRESS_WRITES": "1000",
    "MUTUAL_RATE_LIMIT_ANONYMOUS": "20",
    "MUTUAL_TOKEN_CACHE_SECONDS": str(TOKEN_CACHE_SECONDS),
}


def _server(
    urls: dict[str, str], tmp_path: Path, host: Host, port: int, settings: Mapping[str, str]
) -> Server:
    env = {
        **os.environ,
        **urls,
        # One data directory: both processes sign with the territory's one log key.
        "MUTUAL_DATA_DIR": str(tmp_path / "data"),
        **settings,
    }
    return Server(
        "postgres",
        env,
        port,
        log_path=tmp_path / f"{host.name}.log",
        host=host.address,
        prefix=tuple(host.command([])),
    )


@dataclass
class Deployment:
    """Two hosts' processes: a client for each, one for the address in front of both
    (a new connection per request, so that the front hands requests to each in turn),
    the front itself, and the operator's token."""

    first: httpx.AsyncClient
    second: httpx.AsyncClient
    front: httpx.AsyncClient
    balancer: Relay
    operator: str
    # The two `mutual serve` processes (to kill and start again), and the front's address.
    servers: tuple[Server, Server]
    front_url: str


def _via(url: str, gateway: str) -> str:
    """``url`` (the database's or Redis's, on this machine's loopback) as a host reaches
    it: at its gateway, where a relay forwards to the loopback."""
    return str(make_url(url).set(host=gateway))


@asynccontextmanager
async def two_processes(
    settings: Settings,
    tmp_path: Path,
    redis_url: str,
    *,
    replica_urls: Sequence[str] = (),
    env: Mapping[str, str] = LIMITED,
) -> AsyncIterator[Deployment]:
    """Two service processes, each its own `mutual serve` on a host of its own (a network
    namespace), reaching PostgreSQL (its standbys too) and Redis over its link, with one
    address in front of both; healthy. ``env``: the rest of their settings."""
    assert settings.database_url is not None
    port = free_port()  # each host has its own network: both listen on the same port
    with ExitStack() as hosts_stack:
        hosts = hosts_stack.enter_context(namespaces(2))
        for host in hosts:
            for url in map(make_url, (settings.database_url, redis_url, *replica_urls)):
                assert url.host is not None
                assert url.port is not None
                target = (url.host, url.port)
                hosts_stack.enter_context(Relay((host.gateway, url.port), [target]))
        first, second = (
            _server(
                {
                    "MUTUAL_DATABASE_URL": _via(settings.database_url, host.gateway),
                    "MUTUAL_REDIS_URL": _via(redis_url, host.gateway),
                    "MUTUAL_REPLICA_URLS": json.dumps(
                        [_via(url, host.gateway) for url in replica_urls]
                    ),
                },
                tmp_path,
                host,
                port,
                env,
            )
            for host in hosts
        )
        token = operator_token(first)  # creates the log key before either process starts
        front_port = free_port()
        balancer = hosts_stack.enter_context(
            Relay(("127.0.0.1", front_port), [(host.address, port) for host in hosts])
        )
        front_url = f"http://127.0.0.1:{front_port}"
        async with AsyncExitStack() as stack:
            for server in (first, second):
                server.start()
                stack.callback(server.stop)
            async with aiohttp.ClientSession() as session:
                for server in (first, second):
                    await wait_healthy(session, server.base, seconds=120)
            first_client, second_client = [
                await stack.enter_async_context(
                    httpx.AsyncClient(base_url=server.base.removesuffix(API), timeout=30)
                )
                for server in (first, second)
            ]
            front = await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=front_url,
                    timeout=30,
                    limits=httpx.Limits(max_keepalive_connections=0),
                )
            )
            yield Deployment(
                first_client, second_client, front, balancer, token, (first, second), front_url
            )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _service_client(client: httpx.AsyncClient, operator: str, name: str) -> tuple[str, str]:
    """A service client reading the ledger: its token and the token's id."""
    made = await client.post(
        f"{API}/service-clients",
        json={"name": name, "scopes": ["ledger:read"]},
        headers=_bearer(operator),
    )
    assert made.status_code == 201, made.text
    listed = await client.get(f"{API}/service-clients", headers=_bearer(operator))
    assert listed.status_code == 200, listed.text
    body: Any = listed.json()
    rows = body["items"] if isinstance(body, dict) else body
    token_id = next(r["id"] for r in rows if r["principal_id"] == made.json()["principal_id"])
    return made.json()["token"], token_id


async def test_a_principals_rate_limit_holds_across_two_processes(
    pg_settings: Settings, tmp_path: Path, redis_server: RedisServer
) -> None:
    async with two_processes(pg_settings, tmp_path, redis_server.url) as deployment:
        # Writes by one principal through the one address, which hands each to the two
        # hosts in turn: each process alone would allow six; together they allow six, and
        # the seventh is refused wherever it goes.
        answers = []
        for i in range(WRITES_PER_MINUTE + 1):
            answers.append(
                await deployment.front.post(
                    f"{API}/service-clients",
                    json={"name": f"limit-{i}", "scopes": ["ledger:read"]},
                    headers=_bearer(deployment.operator),
                )
            )
        statuses = [a.status_code for a in answers]
        assert statuses == [201] * WRITES_PER_MINUTE + [429], statuses
        assert min(deployment.balancer.handed) >= WRITES_PER_MINUTE // 2, "one host took all"
        assert (
            answers[-1]
            .json()["code" if "code" in answers[-1].json() else "type"]
            .endswith("too_many_requests")
        )
        assert int(answers[-1].headers["Retry-After"]) >= 1


async def test_a_token_revoked_through_one_process_is_refused_by_the_other_at_once(
    pg_settings: Settings, tmp_path: Path, redis_server: RedisServer
) -> None:
    async with two_processes(pg_settings, tmp_path, redis_server.url) as deployment:
        first, second, op = deployment.first, deployment.second, deployment.operator
        token, token_id = await _service_client(first, op, "reader")
        # The second process has verified the token and caches it for ten minutes.
        for _ in range(3):
            answer = await second.get(f"{API}/accounts", headers=_bearer(token))
            assert answer.status_code == 200, answer.text
        revoked = await first.delete(
            f"{API}/service-clients/tokens/{token_id}", headers=_bearer(op)
        )
        assert revoked.status_code == 204, revoked.text
        refused = await second.get(f"{API}/accounts", headers=_bearer(token))
        assert refused.status_code == 401, refused.text


async def test_with_redis_stopped_writes_and_sign_in_are_refused_and_reads_go_on(
    pg_settings: Settings, tmp_path: Path, redis_server: RedisServer
) -> None:
    async with two_processes(pg_settings, tmp_path, redis_server.url) as deployment:
        first, second, op = deployment.first, deployment.second, deployment.operator
        token, token_id = await _service_client(first, op, "reader")
        assert (await second.get(f"{API}/accounts", headers=_bearer(token))).status_code == 200

        redis_server.stop()
        write = await first.post(
            f"{API}/service-clients",
            json={"name": "while-down", "scopes": ["ledger:read"]},
            headers=_bearer(op),
        )
        assert write.status_code == 503, write.text
        sign_in = await second.post(
            f"{API}/sign-in", json={"login": "nobody", "password": "not-this-one"}
        )
        assert sign_in.status_code == 503, sign_in.text
        listed = await first.get(f"{API}/service-clients", headers=_bearer(op))
        body: Any = listed.json()
        rows = body["items"] if isinstance(body, dict) else body
        assert all(r["name"] != "while-down" for r in rows), "a refused write was written"
        for client in (first, second):
            read = await client.get(f"{API}/accounts", headers=_bearer(token))
            assert read.status_code == 200, read.text
        redis_server.start()
        for _ in range(100):
            back = await first.post(
                f"{API}/service-clients",
                json={"name": "after", "scopes": ["ledger:read"]},
                headers=_bearer(op),
            )
            if back.status_code != 503:
                break
            await asyncio.sleep(0.1)
        assert back.status_code == 201, back.text
        # Back: a revocation through one process holds in the other from the next request.
        assert (await second.get(f"{API}/accounts", headers=_bearer(token))).status_code == 200
        gone = await first.delete(f"{API}/service-clients/tokens/{token_id}", headers=_bearer(op))
        assert gone.status_code == 204, gone.text
        assert (await second.get(f"{API}/accounts", headers=_bearer(token))).status_code == 401
