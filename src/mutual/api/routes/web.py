"""The web page people use: static HTML, CSS and ES modules from ``mutual/web``, served
by the same process as the API and calling it with the signed-in session.

Nothing here is part of the API: the routes sit outside ``/api/v1``, so neither the
permission guard nor the OpenAPI document sees them. The page holds no secret; what it
may do is decided by the API it calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Response, Router, get
from litestar.datastructures import CacheControlHeader, State
from litestar.file_system import BaseLocalFileSystem
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import PathType
from litestar.types.file_types import FileInfo

from mutual.api.dependencies import runtime_of
from mutual.core.derived import contract_document
from mutual.core.problem_words import words_document
from mutual.core.territory_lists import ListKind
from mutual.usecases import territory_lists

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
APP_PATH = "/app"

# The page loads only its own files and talks only to its own origin: an injected
# script could otherwise use the session and the resident's signing key.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def _secure(response: Response[object]) -> Response[object]:
    response.headers.update(SECURITY_HEADERS)
    return response


class _WebFiles(BaseLocalFileSystem):
    """The page's files; a path the system cannot look up at all (a NUL byte, a name
    too long) names no file: litestar would answer such an ``OSError`` or ``ValueError``
    with a 500."""

    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        try:
            return await super().info(path, **kwargs)
        except (FileNotFoundError, PermissionError):
            raise
        except (OSError, ValueError) as exc:
            raise FileNotFoundError(str(path)) from exc


@get("/", include_in_schema=False, name="web-home")
async def home() -> Redirect:
    return Redirect(f"{APP_PATH}/")


@get(
    f"{APP_PATH}/derived-ids.json",
    include_in_schema=False,
    name="web-derived-ids",
    after_request=_secure,
    cache_control=CacheControlHeader(no_cache=True),
)
async def derived_ids() -> dict[str, Any]:
    """The derivations the page recomputes account ids with, from the service's own
    table (contracts/derived-ids.json is the same document), so the page holds no
    namespace of its own."""
    return contract_document()


@get(
    f"{APP_PATH}/words.json",
    include_in_schema=False,
    name="web-words",
    after_request=_secure,
    cache_control=CacheControlHeader(no_cache=True),
)
async def words(state: State) -> dict[str, Any]:
    """What the service's codes (problems, the fields they point at, categories) say to
    people in each language, from the service's own catalogue (core.problem_words) and
    the territory's own lists: the page spells none of them itself, so no code can drift
    between the two. ``offered`` names, per list, the entries a new row may take (the
    others are retired: still named on old rows)."""
    document = words_document()
    rt = runtime_of(state)
    offered: dict[str, list[str]] = {}
    for kind, name in (
        (ListKind.CATEGORY, "categories"),
        (ListKind.NEIGHBOURHOOD, "neighbourhoods"),
    ):
        found = await territory_lists.entries(rt, kind)
        document[name] = {e.code: {"fr": e.label_fr, "en": e.label_en} for e in found}
        offered[kind.value] = [e.code for e in found if e.offered]
    document["offered"] = offered
    return document


def web_router() -> Router:
    """``/`` and ``/app/...``; ``no-cache`` makes a browser revalidate after an upgrade,
    so a page and the modules it imports never come from two versions."""
    files = create_static_files_router(
        path=APP_PATH,
        directories=[WEB_DIR],
        file_system=_WebFiles(),
        html_mode=True,
        name="web",
        cache_control=CacheControlHeader(no_cache=True),
        after_request=_secure,
        include_in_schema=False,
    )
    return Router(
        path="/", route_handlers=[home, derived_ids, words, files], include_in_schema=False
    )
