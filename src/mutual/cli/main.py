"""``mutual``: serve, migrate, issue tokens and load the demo territory.

Every command acts on ``MUTUAL_DATABASE_URL``, or on the SQLite file in
``MUTUAL_DATA_DIR`` (default ``./var``).
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mutual.cli.tally import tally_pb, tally_round
from mutual.cli.territory import territory
from mutual.cli.verify import verify, verify_inclusion
from mutual.core.authority import Role

if TYPE_CHECKING:
    from mutual.settings import Settings

# Service modules are imported inside the commands that need them, so that `mutual
# verify` runs on the pure core alone (a test checks that no database module loads).


class _LazySettings:
    """Builds the settings from the environment on first use, not for `verify`."""

    def __init__(self) -> None:
        self._settings: Settings | None = None

    def deployment(self) -> Settings:
        if self._settings is None:
            from mutual.settings import Settings

            self._settings = Settings()
        return self._settings

    def get(self) -> Settings:
        """The settings of the territory MUTUAL_TERRITORY names in the territories file,
        or the deployment's own when it serves one territory."""
        from mutual.territories import TerritoryError, chosen

        try:
            return chosen(self.deployment())
        except TerritoryError as exc:
            raise click.UsageError(str(exc)) from exc


pass_settings = click.make_pass_decorator(_LazySettings, ensure=True)


@click.group()
@click.version_option(package_name="mutual")
def cli() -> None:
    """Time bank and mutualisation ledger for territories of co-responsibility."""


cli.add_command(verify)
cli.add_command(verify_inclusion)
cli.add_command(tally_pb)
cli.add_command(tally_round)
cli.add_command(territory)


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default MUTUAL_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (default MUTUAL_PORT).")
@click.option("--demo", is_flag=True, help="Load the demo territory first (once).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    help="Server processes (PostgreSQL only: each runs its own batching writer).",
)
@pass_settings
def serve(
    lazy: _LazySettings, host: str | None, port: int | None, demo: bool, workers: int
) -> None:
    """Apply migrations and serve the HTTP API."""
    import uvicorn

    if demo:
        # The demo shows the whole public page, unless told otherwise; set in the
        # environment so that several workers, which read it again, show it too.
        os.environ.setdefault("MUTUAL_PUBLIC_PAGE_ITEMS", DEMO_PUBLIC_PAGE)
    settings = lazy.get()
    deployment = lazy.deployment()

    from mutual.api.asgi import tune_collector
    from mutual.api.observability import configure_logging
    from mutual.api.territories import create_deployment

    unsafe = deployment.unsafe_for(workers=workers)
    if unsafe:
        raise click.UsageError("; ".join(unsafe))
    host = host or settings.host
    port = port or settings.port
    url = f"http://{host}:{port}/api/v1"
    if demo:
        from mutual.cli.demo import load_demo, way_in

        click.echo("loading the demo territory ...")
        loaded = asyncio.run(load_demo(settings, _echo))
        click.echo(f"demo operator token (for the API): {loaded.token}")
        click.echo(f"mutual is serving on {url} (health: {url}/health, schema: {url}/schema)")
        for line in way_in(loaded, _page(host, port)):
            click.echo(line)
    else:
        click.echo(f"mutual is serving on {url} (health: {url}/health, schema: {url}/schema)")
    if workers > 1:
        # Migrate once here, so the workers do not race to apply the same revisions.
        for each in _served(deployment):
            asyncio.run(_upgrade(each))
        uvicorn.run(
            "mutual.api.asgi:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            log_config=None,
            # The app reads X-Forwarded-For itself, from trusted_proxies only (uvicorn
            # would trust any peer on 127.0.0.1 by default).
            proxy_headers=False,
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
        return
    app = create_deployment(deployment)
    tune_collector()
    configure_logging(settings.log_level)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )


def _served(deployment: Settings) -> list[Settings]:
    """The settings of every territory the deployment serves (itself when one)."""
    from mutual.territories import load, settings_for

    if deployment.territories_file is None:
        return [deployment]
    return [settings_for(deployment, t) for t in load(deployment.territories_file).values()]


def _echo(line: str) -> None:
    click.echo(line)


def _page(host: str, port: int) -> str:
    """The page's address (what a person opens), reachable from this machine."""
    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
    return f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/app/"


# An event stream stays open until its client leaves: on a stop signal, open connections
# get this long before the server closes them and shuts down anyway.
SHUTDOWN_GRACE_SECONDS = 5
DEMO_PUBLIC_PAGE = "fund,rounds,projects,checkpoint,pact"


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@pass_settings
def db_upgrade(lazy: _LazySettings) -> None:
    """Bring the database to the newest schema."""
    asyncio.run(_upgrade(lazy.get()))
    click.echo("database is at the newest schema")


@db.command("check")
@pass_settings
def db_check(lazy: _LazySettings) -> None:
    """Check that the database's schema is the one the code declares (exit 1 if not)."""
    differences = asyncio.run(_drift(lazy.get()))
    for line in differences:
        click.echo(line)
    if differences:
        raise SystemExit(1)
    click.echo("the database schema matches the code")


async def _drift(settings: Settings) -> list[str]:
    from mutual.store.database import open_database
    from mutual.store.schema import schema_drift

    database = open_database(settings)
    try:
        return await schema_drift(database)
    finally:
        await database.dispose()


async def _upgrade(settings: Settings) -> None:
    from mutual.store.database import open_database
    from mutual.store.migrate import upgrade_database

    database = open_database(settings)
    try:
        await upgrade_database(database)
    finally:
        await database.dispose()


@cli.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@pass_settings
def backup(lazy: _LazySettings, target: Path) -> None:
    """Write a consistent snapshot of the SQLite ledger to TARGET, even while serving."""
    from mutual.store.backup import BackupError, backup_sqlite

    database = _sqlite_file(lazy.get())
    try:
        backup_sqlite(database, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {database} to {target}")


@cli.command()
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@pass_settings
def restore(lazy: _LazySettings, source: Path) -> None:
    """Restore the SQLite ledger from a backup into an empty data directory."""
    from mutual.store.backup import BackupError, restore_sqlite

    database = _sqlite_file(lazy.get())
    try:
        restore_sqlite(source, database)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {source} as {database}; `mutual serve` brings it to the newest schema")


def _sqlite_file(settings: Settings) -> Path:
    database = settings.sqlite_file()
    if database is None:
        raise click.UsageError(
            "the ledger is in PostgreSQL: back it up with pg_dump or point-in-time recovery "
            "(see README)"
        )
    return database


@cli.command("migrate-store")
@click.option("--to", "target_url", required=True, help="The PostgreSQL database (empty).")
@pass_settings
def migrate_store(lazy: _LazySettings, target_url: str) -> None:
    """Copy this SQLite ledger into an empty PostgreSQL database and check the copy: same
    log size and root, same balances, same rows (exit 1 otherwise). Stop serving first."""
    settings = lazy.get()
    _sqlite_file(settings)
    from mutual.settings import Settings

    target = Settings(database_url=target_url, data_dir=settings.data_dir)
    if target.sqlite_file() is not None:
        raise click.UsageError("--to must name a PostgreSQL database")
    counts, found = asyncio.run(_move(settings, target))
    click.echo(f"copied {sum(counts.values())} rows ({counts.get('log_entries', 0)} log entries)")
    for line in found:
        click.echo(f"DIFFERS: {line}")
    if found:
        raise SystemExit(1)
    click.echo("the PostgreSQL ledger has the same log root, balances and rows")


async def _move(source: Settings, target: Settings) -> tuple[dict[str, int], list[str]]:
    from mutual.store.database import open_database
    from mutual.store.migrate import upgrade_database
    from mutual.store.move import MoveError, copy_store, differences

    old, new = open_database(source), open_database(target)
    try:
        await upgrade_database(old)
        await upgrade_database(new)
        try:
            counts = await copy_store(old, new)
        except MoveError as exc:
            raise click.ClickException(str(exc)) from exc
        return counts, await differences(old, new)
    finally:
        await old.dispose()
        await new.dispose()


@cli.group()
def token() -> None:
    """Bearer tokens."""


@token.command("create")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="A role of the principal (repeatable).",
)
@click.option("--principal", default=None, help="Existing principal id (default: a new one).")
@click.option("--expires-in", type=int, default=None, help="Lifetime in seconds.")
@pass_settings
def token_create(
    lazy: _LazySettings, roles: tuple[str, ...], principal: str | None, expires_in: int | None
) -> None:
    """Issue a token and print it (it is shown once)."""
    from uuid import UUID

    from mutual.core.ids import PrincipalId
    from mutual.usecases.access import issue_token
    from mutual.usecases.startup import open_runtime

    async def run() -> str:
        async with open_runtime(lazy.get()) as rt:
            issued = await issue_token(
                rt,
                roles=[Role(r) for r in roles],
                principal_id=None if principal is None else PrincipalId(UUID(principal)),
                ttl=None if expires_in is None else timedelta(seconds=expires_in),
            )
            return f"{issued.token}\nprincipal: {issued.principal_id}"

    click.echo(asyncio.run(run()))


@cli.command()
@pass_settings
def demo(lazy: _LazySettings) -> None:
    """Load the demo territory (once) and print an operator token and its logins."""
    from mutual.cli.demo import load_demo, way_in

    settings = lazy.get()
    loaded = asyncio.run(load_demo(settings, _echo))
    click.echo(f"demo operator token (for the API): {loaded.token}")
    for line in way_in(loaded, _page(settings.host, settings.port)):
        click.echo(line)


@cli.command("export")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), default="-", help="File (default stdout)."
)
@click.option(
    "--primary",
    is_flag=True,
    help="Read from the primary even when standbys are set (MUTUAL_REPLICA_URLS).",
)
@pass_settings
def export(lazy: _LazySettings, output: str, primary: bool) -> None:
    """Stream the whole signed ledger as NDJSON (contracts/export.md), from the standby
    that has replayed the most when standbys are set."""
    from mutual.cli.log import run_export

    asyncio.run(run_export(lazy.get(), output, primary=primary))


@cli.command("log-key")
@pass_settings
def log_key(lazy: _LazySettings) -> None:
    """Print the log's verifier key (C2SP vkey): give it to auditors out of band."""
    from mutual.usecases.log_key import load_log_signer

    click.echo(load_log_signer(lazy.get()).verifier_key_text())


@cli.command("checkpoint")
@pass_settings
def checkpoint(lazy: _LazySettings) -> None:
    """Sign a checkpoint of the log now and print it (C2SP signed note)."""
    from mutual.cli.log import run_checkpoint

    click.echo(asyncio.run(run_checkpoint(lazy.get())), nl=False)
