"""Fixtures: every ledger test runs on SQLite and on PostgreSQL, each test on a fresh database.

Each database is cloned from a template migrated once per session (PostgreSQL
``CREATE DATABASE ... TEMPLATE``, a file copy for SQLite), so tests start empty and fast.
PostgreSQL tests are skipped only outside CI; with ``MUTUAL_REQUIRE_POSTGRES=1`` (set by
``.ci/run``) an unreachable server fails the run instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from mutual.api import problems
from mutual.core.accounts import OwnerKind
from mutual.core.authority import Principal, Role
from mutual.core.ids import AccountId, PrincipalId
from mutual.settings import Settings
from mutual.store.database import open_database
from mutual.store.migrate import upgrade_database
from mutual.store.principals import ensure_principal
from mutual.usecases.accounts import create_account
from mutual.usecases.runtime import Runtime, new_id
from mutual.usecases.startup import open_runtime

PG_ADMIN_URL = os.environ.get(
    "MUTUAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("MUTUAL_REQUIRE_POSTGRES") == "1"
# Tests write far faster than people do: rate limits stay off unless a test sets them
# (tests/test_rate_limits.py), and servers the tests start inherit this.
for _limit in ("WRITES", "ADDRESS_WRITES", "ANONYMOUS"):
    os.environ.setdefault(f"MUTUAL_RATE_LIMIT_{_limit}", "0")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


async def _pg_admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _migrate(settings: Settings) -> None:
    db = open_database(settings)
    try:
        await upgrade_database(db)
    finally:
        await db.dispose()


@dataclass(frozen=True)
class Templates:
    sqlite_file: Path
    pg_database: str | None


@pytest.fixture(autouse=True)
def every_problem_declared() -> Iterator[None]:
    """Any test whose requests (to an app in this process) were answered with a problem
    code the operation does not declare fails: contracts/openapi.json would be wrong for
    generated clients. Declare the code in the route's ``problem_responses``."""
    before = set(problems.UNDECLARED)
    yield
    new = sorted(problems.UNDECLARED - before)
    assert not new, f"answered with problem codes their operations do not declare: {new}"


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    folder = tmp_path_factory.mktemp("template")
    asyncio.run(_migrate(Settings(data_dir=folder)))
    name = f"mutual_tmpl_{os.getpid()}"
    pg_name: str | None = name
    try:
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name}"))
        asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
        asyncio.run(_migrate(Settings(database_url=_pg_url(name))))
    except (OSError, asyncpg.PostgresError) as exc:
        if REQUIRE_PG:
            raise RuntimeError(f"PostgreSQL is required but unreachable: {exc}") from exc
        pg_name = None
    yield Templates(folder / "mutual.sqlite3", pg_name)
    if pg_name is not None:
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {pg_name}"))


def _fresh(backend: str, templates: Templates, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at a new, migrated, empty database of ``backend``."""
    if backend == "sqlite":
        shutil.copy(templates.sqlite_file, tmp_path / "mutual.sqlite3")
        yield Settings(data_dir=tmp_path)
        return
    if templates.pg_database is None:
        pytest.skip("PostgreSQL is not reachable (set MUTUAL_REQUIRE_POSTGRES=1 to fail instead)")
    name = f"mutual_t_{uuid.uuid4().hex[:16]}"
    asyncio.run(_pg_admin(f"CREATE DATABASE {name} TEMPLATE {templates.pg_database}"))
    yield Settings(database_url=_pg_url(name), db_pool_size=20)
    asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(params=BACKENDS)
def backend_settings(
    request: pytest.FixtureRequest, templates: Templates, tmp_path: Path
) -> Iterator[Settings]:
    """Fresh settings, once per backend."""
    yield from _fresh(request.param, templates, tmp_path)


@pytest.fixture
def pg_settings(templates: Templates, tmp_path: Path) -> Iterator[Settings]:
    """Fresh settings on PostgreSQL only (for the concurrency tests)."""
    yield from _fresh("postgres", templates, tmp_path)


@pytest.fixture
def fresh_database(templates: Templates, tmp_path: Path) -> Iterator[Callable[[str], Settings]]:
    """A factory of fresh databases, for tests (such as hypothesis ones) that need many."""
    cleanups: list[Iterator[Settings]] = []

    def make(backend: str) -> Settings:
        folder = tmp_path / uuid.uuid4().hex
        folder.mkdir()
        gen = _fresh(backend, templates, folder)
        cleanups.append(gen)
        return next(gen)

    yield make
    for gen in cleanups:
        for _ in gen:
            pass


@pytest.fixture
async def runtime(backend_settings: Settings) -> AsyncIterator[Runtime]:
    async with open_runtime(backend_settings, migrate=False) as rt:
        yield rt


OPERATOR = Principal(PrincipalId(uuid.UUID(int=1)), frozenset({Role.OPERATOR}))


def member() -> Principal:
    return Principal(PrincipalId(new_id()), frozenset({Role.MEMBER}))


async def open_member_account(
    rt: Runtime,
    owner: Principal,
    *,
    unit: str = "TIME",
    balance_min: int | None = -1200,
    balance_max: int | None = 2400,
) -> AccountId:
    await ensure_principal(rt.db, owner.id, owner.roles, now=rt.clock())
    account, _ = await create_account(
        rt,
        OPERATOR,
        account_id=None,
        unit=unit,
        owner_kind=OwnerKind.MEMBER,
        owner_id=str(owner.id),
        balance_min=balance_min,
        balance_max=balance_max,
    )
    return account.id


async def open_pool(
    rt: Runtime,
    *,
    unit: str = "TIME",
    owner_kind: OwnerKind = OwnerKind.COMMONS_POOL,
    owner_id: str = "commons",
) -> AccountId:
    """An unbounded shared account: the commons pool unless told otherwise."""
    account, _ = await create_account(
        rt,
        OPERATOR,
        account_id=None,
        unit=unit,
        owner_kind=owner_kind,
        owner_id=owner_id,
        balance_min=None,
        balance_max=None,
    )
    return account.id
