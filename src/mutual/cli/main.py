"""``mutual``: serve, migrate, issue tokens and load the demo territory.

Every command acts on ``MUTUAL_DATABASE_URL``, or on the SQLite file in
``MUTUAL_DATA_DIR`` (default ``./var``).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import click

from mutual.core.authority import Role
from mutual.core.ids import PrincipalId
from mutual.settings import Settings
from mutual.store.database import open_database
from mutual.store.migrate import upgrade_database
from mutual.usecases.access import issue_token
from mutual.usecases.runtime import open_runtime


@click.group()
@click.version_option(package_name="mutual")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Time bank and mutualisation ledger for territories of co-responsibility."""
    ctx.obj = Settings()


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
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, demo: bool, workers: int) -> None:
    """Apply migrations and serve the HTTP API."""
    import uvicorn

    from mutual.api.app import create_app
    from mutual.api.asgi import tune_collector

    if workers > 1 and settings.resolved_database_url().startswith("sqlite"):
        raise click.UsageError("SQLite has one writer: run one worker, or use PostgreSQL")
    host = host or settings.host
    port = port or settings.port
    if demo:
        from mutual.cli.demo import load_demo

        token = asyncio.run(load_demo(settings))
        click.echo(f"demo operator token: {token}")
    url = f"http://{host}:{port}/api/v1"
    click.echo(f"mutual is serving on {url} (health: {url}/health, schema: {url}/schema)")
    if workers > 1:
        # Migrate once here, so the workers do not race to apply the same revisions.
        asyncio.run(_upgrade(settings))
        uvicorn.run(
            "mutual.api.asgi:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
        return
    app = create_app(settings)
    tune_collector()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Bring the database to the newest schema."""

    asyncio.run(_upgrade(settings))
    click.echo("database is at the newest schema")


async def _upgrade(settings: Settings) -> None:
    database = open_database(settings)
    try:
        await upgrade_database(database)
    finally:
        await database.dispose()


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
@click.pass_obj
def token_create(
    settings: Settings, roles: tuple[str, ...], principal: str | None, expires_in: int | None
) -> None:
    """Issue a token and print it (it is shown once)."""
    from uuid import UUID

    async def run() -> str:
        async with open_runtime(settings) as rt:
            issued = await issue_token(
                rt,
                roles=[Role(r) for r in roles],
                principal_id=None if principal is None else PrincipalId(UUID(principal)),
                ttl=None if expires_in is None else timedelta(seconds=expires_in),
            )
            return f"{issued.token}\nprincipal: {issued.principal_id}"

    click.echo(asyncio.run(run()))


@cli.command()
@click.pass_obj
def demo(settings: Settings) -> None:
    """Load the demo territory (once) and print an operator token."""
    from mutual.cli.demo import load_demo

    click.echo(f"demo operator token: {asyncio.run(load_demo(settings))}")
