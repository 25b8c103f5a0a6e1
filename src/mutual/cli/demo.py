"""``mutual demo`` and ``mutual serve --demo``: the demo territory, opened on the
configured database, its progress and its way in printed."""

from __future__ import annotations

from collections.abc import Callable

from mutual.settings import Settings
from mutual.usecases.demo import DemoLoaded, load_demo_territory
from mutual.usecases.demo_logins import DEMO_PASSWORD
from mutual.usecases.startup import open_runtime


async def load_demo(settings: Settings, progress: Callable[[str], None]) -> DemoLoaded:
    async with open_runtime(settings) as rt:
        return await load_demo_territory(rt, progress)


def way_in(loaded: DemoLoaded, page: str) -> list[str]:
    """What the demo prints last: one login per role, the password, the page's address."""
    width = max(len(x.what) for x in loaded.logins)
    login_width = max(len(x.login) for x in loaded.logins)
    lines = ["", "Demo logins (role, login, who, roles held):"]
    lines += [
        f"  {x.what:<{width}}  {x.login:<{login_width}}  {x.name} [{', '.join(x.roles)}]"
        for x in loaded.logins
    ]
    lines += [
        f"Password for every demo login: {DEMO_PASSWORD}",
        "",
        f"Open {page} and sign in with one of these logins.",
    ]
    return lines
