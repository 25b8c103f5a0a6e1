"""The service-side log commands: export and checkpoint (they open the database)."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from typing import TextIO

from mutual.settings import Settings
from mutual.store.replicas import safe_url
from mutual.usecases.export import export_lines
from mutual.usecases.log import sign_checkpoint
from mutual.usecases.startup import open_runtime


def _quiet(settings: Settings) -> Settings:
    # A one-off command signs what it needs itself; no background timer.
    return settings.model_copy(update={"checkpoint_interval_seconds": 0})


async def run_export(settings: Settings, output: str, *, primary: bool = False) -> int:
    """The export, from the standby that has replayed the most when standbys are set
    (``MUTUAL_REPLICA_URLS``) and ``primary`` is not asked for: an auditor's export of a
    large log then costs the primary nothing but a checkpoint. Returns its tree size."""
    async with open_runtime(_quiet(settings)) as rt:
        replicas = rt.db.replicas
        standby = None if primary or replicas is None else await replicas.furthest()
        source = "the primary" if standby is None else f"standby {safe_url(standby.url)}"
        size = 0
        target: TextIO
        with (
            nullcontext(sys.stdout)
            if output == "-"
            else open(output, "w", encoding="utf-8", newline="\n")  # noqa: ASYNC230
        ) as target:
            async for line in export_lines(rt, source=None if standby is None else standby.engine):
                if not size:
                    size = json.loads(line)["tree_size"]
                target.write(line)
        print(f"exported {size} entries from {source}", file=sys.stderr)
        return size


async def run_checkpoint(settings: Settings) -> str:
    async with open_runtime(_quiet(settings)) as rt:
        return (await sign_checkpoint(rt)).note_with_cosignatures()
