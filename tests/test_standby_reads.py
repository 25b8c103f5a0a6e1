"""Reads from a real streaming standby (issue 27, item 1): a primary and a standby made
with ``pg_basebackup``, each a PostgreSQL cluster of the test's own on its own port.
Statements and lists are served by the standby; a principal's read right after their own
write sees it (the standby paused, the read goes to the primary); a standby stopped
mid-load costs no client an error; promoted after the primary's loss, it holds every
acknowledged write."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from mutual.api.app import create_app
from mutual.cli.log import run_export
from mutual.core.verify import Verifier
from mutual.settings import Settings
from mutual.store.database import Database, open_database
from mutual.store.replicas import Replica, lsn_value
from mutual.store.tables import transactions
from mutual.usecases.startup import open_runtime
from tests.pg_clusters import Cluster, make_synchronous, new_primary, new_standby, psql, workspace
from tests.test_api import API, Api, open_api
from tests.test_shared_state import RedisServer

pytestmark = pytest.mark.postgres


@contextmanager
def _pair() -> Iterator[tuple[Cluster, Cluster]]:
    folder = workspace()
    primary = new_primary(folder)
    standby: Cluster | None = None
    try:
        standby = new_standby(folder, primary, "standby1")
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            if cluster is not None:
                cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def shared_pair() -> Iterator[tuple[Cluster, Cluster]]:
    """One primary and standby for the module's tests that leave them standing."""
    with _pair() as pair:
        yield pair


@pytest.fixture
def clusters(request: pytest.FixtureRequest) -> Iterator[tuple[Cluster, Cluster]]:
    """A primary and its streaming standby, seen from a database of the test's own. A
    test marked ``synchronous`` (a commit waits for the standby's flush: with the standby
    stopped, such a primary would take no write at all) gets a pair of its own, which it
    may kill; the others share the module's, left as they found it: the standby running
    and replaying."""
    if request.node.get_closest_marker("synchronous"):
        with _pair() as (primary, standby):
            make_synchronous(primary)
            yield primary, standby
        return
    primary, standby = request.getfixturevalue("shared_pair")
    database = f"standby_{uuid.uuid4().hex[:12]}"
    psql(primary, f"CREATE DATABASE {database}")
    try:
        yield replace(primary, database=database), replace(standby, database=database)
    finally:
        if not standby.running():
            standby.start()
        psql(standby, "SELECT pg_wal_replay_resume()")


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _settings(primary: Cluster, standby: Cluster, tmp_path: Path) -> Settings:
    return Settings(
        database_url=primary.url,
        data_dir=tmp_path,
        replica_urls=[standby.url],
        replica_max_lag_seconds=2,
    )


@asynccontextmanager
async def _api(settings: Settings) -> AsyncIterator[Api]:
    async with open_runtime(settings):  # migrated once, before the app's own runtime
        pass
    async with open_api(settings) as api:
        yield api


def _standby_of(api: Api) -> Replica:
    replicas = api.client.app.state.runtime.db.replicas
    assert replicas is not None
    assert len(replicas.replicas) == 1
    found: Replica = replicas.replicas[0]
    return found


async def _until(condition: object, seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition did not hold in time")


async def _caught_up(replica: Replica, primary: Cluster) -> None:
    """Until the standby is in service and has replayed all the primary holds now (so that
    every write made so far, a key registration too, is on it)."""
    now = lsn_value(psql(primary, "SELECT pg_current_wal_lsn()"))
    await _until(lambda: replica.in_service and replica.replayed >= now)


async def _statement(api: Api, headers: dict[str, str], account: str) -> list[int]:
    answer = await api.client.get(f"{API}/accounts/{account}/postings", headers=headers)
    assert answer.status_code == 200, answer.text
    return [line["amount"] for line in answer.json()["items"]]


async def test_reads_come_from_the_standby_and_a_callers_own_write_is_seen(
    clusters: tuple[Cluster, Cluster], tmp_path: Path
) -> None:
    primary, standby = clusters
    async with _api(_settings(primary, standby, tmp_path)) as api:
        alice, a = await api.member()
        bob, b = await api.member()
        assert (await api.pay(alice, a, b, 30)).status_code == 201
        replica = _standby_of(api)
        await _caught_up(replica, primary)

        # The standby holds every write so far: Bob's statement comes from it.
        served = replica.reads
        assert await _statement(api, bob, b) == [30]
        assert replica.reads == served + 1
        # So is the event listing another tool syncs from.
        events = await api.client.get(f"{API}/events", headers=api.operator)
        assert events.status_code == 200, events.text
        assert "transaction.exchange" in {e["type"] for e in events.json()["items"]}
        assert replica.reads == served + 2
        served = replica.reads

        # The standby stops replaying: Alice's next payment is not on it, yet her own
        # statement right after shows it, read from the primary.
        psql(standby, "SELECT pg_wal_replay_pause()")
        assert (await api.pay(alice, a, b, 7)).status_code == 201
        served = replica.reads
        assert await _statement(api, alice, a) == [-30, -7]
        assert replica.reads == served, "a read before the standby replayed the write"

        # Lagging past the two seconds allowed, the standby is left out for everyone.
        await _until(lambda: not replica.in_service)
        assert await _statement(api, bob, b) == [30, 7]
        assert replica.reads == served

        # Replaying again, it comes back, and serves Alice once it holds her write.
        psql(standby, "SELECT pg_wal_replay_resume()")
        await _until(lambda: replica.in_service)
        assert await _statement(api, alice, a) == [-30, -7]
        assert replica.reads == served + 1


async def test_a_standby_stopped_mid_load_costs_no_client_an_error(
    clusters: tuple[Cluster, Cluster], tmp_path: Path
) -> None:
    primary, standby = clusters
    async with _api(_settings(primary, standby, tmp_path)) as api:
        people = [await api.member() for _ in range(4)]
        for (headers, account), (_, other) in zip(people, people[1:] + people[:1], strict=True):
            assert (await api.pay(headers, account, other, 5)).status_code == 201
        replica = _standby_of(api)
        await _caught_up(replica, primary)
        statuses: list[int] = []
        stop = asyncio.Event()

        async def reader(headers: dict[str, str], account: str) -> None:
            while not stop.is_set():
                answer = await api.client.get(f"{API}/accounts/{account}/postings", headers=headers)
                statuses.append(answer.status_code)
                # The test client answers within the loop's turn: give the others theirs.
                await asyncio.sleep(0.01)

        async def in_recovery_after_a_while(db: Database) -> bool:
            async with db.reading() as conn:
                query = "SELECT pg_is_in_recovery() FROM (SELECT pg_sleep(4)) AS slept"
                return bool(await conn.scalar(text(query)))

        readers = [asyncio.create_task(reader(h, acc)) for h, acc in people]
        await asyncio.sleep(1.5)
        before = replica.reads
        # A read under way on the standby when it stops (the window the readers above hit
        # only by chance): cut there, it is read again from the primary.
        db: Database = api.client.app.state.runtime.db
        # On the app's own loop (the test client runs it in a portal), as a request would.
        slow = asyncio.wrap_future(
            api.client.blocking_portal.start_task_soon(db.from_standby, in_recovery_after_a_while)
        )
        await _until(lambda: replica.reads > before)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(standby.stop, "immediate")
        assert await slow is False, "the cut read was not answered by the primary"
        await asyncio.sleep(1)
        stop.set()
        await asyncio.gather(*readers)
        assert before > 0, "the standby served nothing before it stopped"
        assert statuses
        assert set(statuses) == {200}, sorted(set(statuses))
        assert not replica.in_service
        # Reads go on from the primary.
        headers, account = people[0]
        served = replica.reads
        assert len(await _statement(api, headers, account)) == 2
        assert replica.reads == served


async def test_a_write_through_one_process_is_seen_by_a_read_through_another(
    clusters: tuple[Cluster, Cluster], tmp_path: Path, redis: RedisServer
) -> None:
    """Two processes (two apps, each with its own replica watcher) sharing one Redis: the
    position of a write made through one sends the writer's read through the other to
    the primary while the standby has not replayed it."""
    primary, standby = clusters
    settings = _settings(primary, standby, tmp_path).model_copy(update={"redis_url": redis.url})
    async with _api(settings) as one, AsyncTestClient(create_app(settings)) as other:
        alice, a = await one.member()
        bob, b = await one.member()
        assert (await one.pay(alice, a, b, 30)).status_code == 201
        elsewhere: Replica = other.app.state.runtime.db.replicas.replicas[0]
        await _caught_up(elsewhere, primary)
        psql(standby, "SELECT pg_wal_replay_pause()")
        assert (await one.pay(alice, a, b, 7)).status_code == 201
        served = elsewhere.reads
        answer = await other.get(f"{API}/accounts/{a}/postings", headers=alice)
        assert answer.status_code == 200, answer.text
        assert [line["amount"] for line in answer.json()["items"]] == [-30, -7]
        assert elsewhere.reads == served, "read from a standby that lacks the write"
        # Bob wrote nothing: his read through the other process goes to the standby.
        answer = await other.get(f"{API}/accounts/{b}/postings", headers=bob)
        assert answer.status_code == 200, answer.text
        assert elsewhere.reads == served + 1


async def test_an_export_is_read_from_the_standby_and_verifies(
    clusters: tuple[Cluster, Cluster], tmp_path: Path
) -> None:
    """`mutual export` reads from the standby that has replayed the most: with its replay
    paused, the export holds the log as the standby has it (one payment fewer than the
    primary) and verifies; `--primary` (or no standby left) exports the whole log."""
    primary, standby = clusters
    settings = _settings(primary, standby, tmp_path)
    async with _api(settings) as api:
        alice, a = await api.member()
        _, b = await api.member()
        assert (await api.pay(alice, a, b, 30)).status_code == 201
        await _caught_up(_standby_of(api), primary)
        psql(standby, "SELECT pg_wal_replay_pause()")
        assert (await api.pay(alice, a, b, 7)).status_code == 201
        whole = await api.log_size()
        log_key = api.client.app.state.runtime.log.verifier_key

    def exported(path: Path) -> list[str]:
        lines = path.read_text().splitlines(keepends=True)
        verifier = Verifier(log_key)
        for n, line in enumerate(lines, start=1):
            verifier.feed(n, line)
        assert verifier.finish(len(lines) + 1) == []
        return lines

    from_standby = tmp_path / "standby.ndjson"
    assert await run_export(settings, str(from_standby)) == whole - 1
    assert not any('"amount":-7' in line for line in exported(from_standby))
    from_primary = tmp_path / "primary.ndjson"
    assert await run_export(settings, str(from_primary), primary=True) == whole
    assert any('"amount":-7' in line for line in exported(from_primary))
    standby.stop("immediate")
    assert await run_export(settings, str(tmp_path / "left.ndjson")) == whole


@pytest.mark.synchronous
async def test_promoted_after_the_primarys_loss_the_standby_holds_every_acknowledged_write(
    clusters: tuple[Cluster, Cluster], tmp_path: Path
) -> None:
    primary, standby = clusters
    acknowledged: list[str] = []
    async with _api(_settings(primary, standby, tmp_path)) as api:
        people = [await api.member() for _ in range(3)]
        for i in range(30):
            (headers, account), (_, other) = people[i % 3], people[(i + 1) % 3]
            answer = await api.pay(headers, account, other, 1)
            assert answer.status_code == 201, answer.text
            acknowledged.append(answer.json()["id"])
        primary.kill()
    standby.promote()
    db = open_database(Settings(database_url=standby.url, data_dir=tmp_path))
    try:
        async with db.reading() as conn:
            held = {str(i) for i in (await conn.execute(select(transactions.c.id))).scalars()}
    finally:
        await db.dispose()
    missing = [tx for tx in acknowledged if tx not in held]
    assert not missing, f"{len(missing)} acknowledged writes missing after the promotion"


async def test_a_write_whose_position_cannot_be_read_is_still_acknowledged(
    clusters: tuple[Cluster, Cluster], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The primary goes away between a write's commit and the reading of its WAL position
    (a restart, as ``tests/test_faults_deployment.py`` found): the write is answered 201,
    not 500, and the writer's next reads go to the primary, which surely holds it."""
    primary, standby = clusters
    async with _api(_settings(primary, standby, tmp_path)) as api:
        alice, a = await api.member()
        _, b = await api.member()
        replica = _standby_of(api)
        await _caught_up(replica, primary)
        replicas = api.client.app.state.runtime.db.replicas

        async def shutting_down() -> int:
            raise OperationalError("SELECT pg_current_wal_lsn()", {}, OSError("shutting down"))

        monkeypatch.setattr(replicas, "primary_position", shutting_down)
        answer = await api.pay(alice, a, b, 3)
        assert answer.status_code == 201, answer.text
        monkeypatch.undo()
        await _caught_up(replica, primary)
        served = replica.reads
        assert await _statement(api, alice, a) == [-3]
        assert replica.reads == served, "read from a standby though the position was unknown"
