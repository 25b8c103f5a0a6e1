"""`mutual territory ...`: the operator's commands for the territories one deployment serves
(MUTUAL_TERRITORIES_FILE): create, list, export, move to a deployment of its own, delete.

A running service reads the registry when it starts: restart it after a change.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mutual.settings import Settings
    from mutual.territories import Territory

# Settings and the registry are imported inside the commands, so that `mutual verify`
# still loads neither pydantic nor a database module.


def _deployment() -> Settings:
    from mutual.settings import Settings

    return Settings()


def _registry(deployment: Settings) -> Path:
    if deployment.territories_file is None:
        raise click.UsageError("set MUTUAL_TERRITORIES_FILE: the registry of the territories")
    return deployment.territories_file


def _one(deployment: Settings, name: str) -> Territory:
    from mutual.territories import load

    territories = load(_registry(deployment))
    if name not in territories:
        raise click.UsageError(f"no territory {name!r} in {deployment.territories_file}")
    return territories[name]


@click.group()
def territory() -> None:
    """The territories this deployment serves, each chosen by the request's host name."""


@territory.command("create")
@click.argument("name")
@click.option("--host", "hosts", multiple=True, required=True, help="A host name (repeatable).")
@click.option("--origin", default=None, help="The log's origin (default: HOST/mutual).")
@click.option("--public-url", default=None, help="The address its e-mails' links give.")
def create(name: str, hosts: tuple[str, ...], origin: str | None, public_url: str | None) -> None:
    """Add a territory: its log key is made, its schema (or database file) migrated."""
    from mutual.cli.main import _upgrade
    from mutual.territories import TerritoryError, added, load, save, settings_for
    from mutual.usecases.log_key import load_log_signer

    deployment = _deployment()
    path = _registry(deployment)
    territories = load(path)
    try:
        new = added(territories, name, [h.lower() for h in hosts], origin, public_url)
    except TerritoryError as exc:
        raise click.UsageError(str(exc)) from exc
    own = settings_for(deployment, new)
    if own.log_signing_key_file is not None and own.log_signing_key_file.exists():
        raise click.UsageError(f"{own.data_dir} holds a log key already: a deleted territory's?")
    # Made here, once, in the territory's folder: the service then only reads it.
    signer = load_log_signer(own.model_copy(update={"log_signing_key_file": None}))
    asyncio.run(_upgrade(own))
    save(path, {**territories, name: new})
    click.echo(f"territory {name}: hosts {', '.join(new.hosts)}, log {new.origin}")
    click.echo(f"its verifier key (for auditors): {signer.verifier_key_text()}")
    click.echo("restart the service to serve it")


@territory.command("list")
def list_territories() -> None:
    """Each territory: its name, hosts and log origin."""
    from mutual.territories import load

    for each in load(_registry(_deployment())).values():
        click.echo(f"{each.name}\t{','.join(each.hosts)}\t{each.origin}")


@territory.command("export")
@click.argument("name")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), default="-", help="File (default stdout)."
)
def export(name: str, output: str) -> None:
    """Stream the territory's signed ledger as NDJSON (contracts/export.md)."""
    from mutual.cli.log import run_export
    from mutual.territories import settings_for

    deployment = _deployment()
    asyncio.run(run_export(settings_for(deployment, _one(deployment, name)), output))


@territory.command("move")
@click.argument("name")
@click.option("--to", "target_url", required=True, help="The PostgreSQL database (empty).")
def move(name: str, target_url: str) -> None:
    """Copy the territory's ledger into an empty PostgreSQL database of its own deployment,
    and check the copy (same log root, balances and rows; exit 1 otherwise). Stop serving
    it first; once the new deployment serves it, `mutual territory delete` it here."""
    from mutual.cli.main import _move
    from mutual.settings import Settings
    from mutual.territories import settings_for

    deployment = _deployment()
    chosen = _one(deployment, name)
    source = settings_for(deployment, chosen)
    target = Settings(database_url=target_url, data_dir=source.data_dir)
    if target.sqlite_file() is not None:
        raise click.UsageError("--to must name a PostgreSQL database")
    counts, found = asyncio.run(_move(source, target))
    click.echo(f"copied {sum(counts.values())} rows ({counts.get('log_entries', 0)} log entries)")
    for line in found:
        click.echo(f"DIFFERS: {line}")
    if found:
        raise SystemExit(1)
    click.echo("the copy has the same log root, balances and rows; serve it with")
    click.echo(f"  MUTUAL_DATABASE_URL={target_url}")
    click.echo(f"  MUTUAL_LOG_ORIGIN={chosen.origin}")
    click.echo(f"  MUTUAL_LOG_SIGNING_KEY_FILE=(a copy of {source.log_signing_key_file})")


@territory.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Confirm: its ledger and log key are destroyed.")
def delete(name: str, yes: bool) -> None:
    """Remove a territory from the registry and destroy its ledger (schema or database
    file) and log key. Export or move it first: nothing of it remains."""
    from mutual.store.database import open_database
    from mutual.store.migrate import drop_schema
    from mutual.territories import folder, load, save, settings_for

    if not yes:
        raise click.UsageError("deleting destroys the territory's ledger: add --yes")
    deployment = _deployment()
    path = _registry(deployment)
    territories = load(path)
    if name not in territories:
        raise click.UsageError(f"no territory {name!r} in {path}")
    own = settings_for(deployment, territories.pop(name))
    # Out of the registry first: a service starting meanwhile no longer serves it.
    save(path, territories)
    if own.database_schema is not None:
        db = open_database(own)
        try:
            asyncio.run(drop_schema(db))
        finally:
            asyncio.run(db.dispose())
    shutil.rmtree(folder(deployment, name), ignore_errors=True)
    click.echo(f"territory {name} deleted")
