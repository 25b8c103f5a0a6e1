"""``mutual demo``: the demo territory, opened on the configured database."""

from __future__ import annotations

from mutual.settings import Settings
from mutual.usecases.demo import load_demo_territory
from mutual.usecases.startup import open_runtime


async def load_demo(settings: Settings) -> str:
    async with open_runtime(settings) as rt:
        return await load_demo_territory(rt)
