"""The service-side log commands: export and checkpoint (they open the database)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import TextIO

from mutual.settings import Settings
from mutual.usecases.export import export_lines
from mutual.usecases.log import sign_checkpoint
from mutual.usecases.startup import open_runtime


def _quiet(settings: Settings) -> Settings:
    # A one-off command signs what it needs itself; no background timer.
    return settings.model_copy(update={"checkpoint_interval_seconds": 0})


async def run_export(settings: Settings, output: str) -> None:
    async with open_runtime(_quiet(settings)) as rt:
        target: TextIO
        with (
            nullcontext(sys.stdout)
            if output == "-"
            else open(output, "w", encoding="utf-8", newline="\n")  # noqa: ASYNC230
        ) as target:
            async for line in export_lines(rt):
                target.write(line)


async def run_checkpoint(settings: Settings) -> str:
    async with open_runtime(_quiet(settings)) as rt:
        return (await sign_checkpoint(rt)).note_with_cosignatures()
