"""The territories one deployment serves: a registry the operator edits with `mutual
territory ...`, and each territory's settings drawn from the deployment's.

A territory is a whole ledger of its own: its own log origin and signing key, and its own
tables (a PostgreSQL schema, or a SQLite file in its own folder). Nothing is shared between
two territories but the process and the database server, so a token, session, key or id of
one is unknown to the other: it is looked up in tables the other cannot read.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from mutual.settings import Settings

# Also the schema's name (after SCHEMA_PREFIX): lower case, so that PostgreSQL needs no quotes.
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
SCHEMA_PREFIX = "territory_"
KEY_FILE = "log-signing.key"


class TerritoryError(Exception):
    """A registry change refused (a bad or taken name or host), or an unknown territory."""


@dataclass(frozen=True, slots=True)
class Territory:
    name: str
    hosts: tuple[str, ...]
    origin: str
    public_url: str | None = None


def host_of(header: str) -> str:
    """The host name a Host header names: without its port, in lower case."""
    host = header.strip().lower()
    if host.startswith("["):  # an IPv6 literal keeps its colons
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def load(path: Path) -> dict[str, Territory]:
    """The registry's territories by name; a missing file is an empty registry."""
    if not path.exists():
        return {}
    document = json.loads(path.read_text())
    return {
        t["name"]: Territory(t["name"], tuple(t["hosts"]), t["origin"], t.get("public_url"))
        for t in document["territories"]
    }


def save(path: Path, territories: dict[str, Territory]) -> None:
    """Write the registry whole, through a new file renamed over the old one, so that a
    process starting meanwhile reads either registry, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    items = [asdict(t) | {"hosts": list(t.hosts)} for t in territories.values()]
    draft = path.with_name(path.name + ".new")
    draft.write_text(json.dumps({"territories": items}, indent=2) + "\n")
    draft.replace(path)


def added(
    territories: dict[str, Territory],
    name: str,
    hosts: list[str],
    origin: str | None,
    public_url: str | None,
) -> Territory:
    """A new territory for the registry, refused when its name or a host is bad or taken,
    or its origin is another's (checkpoints of two logs must never be confused)."""
    if not NAME.match(name):
        raise TerritoryError(f"{name!r}: a territory's name is a-z, 0-9 and _ (40 at most)")
    if name in territories:
        raise TerritoryError(f"the territory {name!r} exists already")
    if not hosts:
        raise TerritoryError("a territory needs at least one host name")
    taken = {h: t.name for t in territories.values() for h in t.hosts}
    for host in hosts:
        if not HOST.match(host):
            raise TerritoryError(f"{host!r} is not a host name")
        if host in taken:
            raise TerritoryError(f"the host {host} serves the territory {taken[host]!r}")
    chosen = origin or f"{hosts[0]}/mutual"
    if any(t.origin == chosen for t in territories.values()):
        raise TerritoryError(f"the log origin {chosen} is another territory's")
    return Territory(name, tuple(hosts), chosen, public_url)


def folder(deployment: Settings, name: str) -> Path:
    """Where a territory keeps its log key (and on SQLite its database)."""
    return deployment.data_dir / "territories" / name


def settings_for(deployment: Settings, territory: Territory) -> Settings:
    """The deployment's settings made this territory's: its own origin and key file, its
    own schema (PostgreSQL) or database file (SQLite); every other setting is shared."""
    own = folder(deployment, territory.name)
    postgres = deployment.sqlite_file() is None
    return deployment.model_copy(
        update={
            "territory": territory.name,
            "data_dir": own,
            "database_url": deployment.database_url if postgres else None,
            "database_schema": SCHEMA_PREFIX + territory.name if postgres else None,
            "log_origin": territory.origin,
            "log_signing_key": None,
            "log_signing_key_file": own / KEY_FILE,
            "public_url": territory.public_url,
        }
    )


def chosen(deployment: Settings) -> Settings:
    """The settings a command acts on: with a territories file and MUTUAL_TERRITORY, that
    territory's; otherwise the deployment's own (one territory, as ever)."""
    if deployment.territories_file is None or deployment.territory is None:
        return deployment
    territories = load(deployment.territories_file)
    if deployment.territory not in territories:
        raise TerritoryError(f"no territory {deployment.territory!r} in the registry")
    return settings_for(deployment, territories[deployment.territory])
