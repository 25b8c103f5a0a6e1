"""``/public``: the territory's public page, read without signing in."""

from __future__ import annotations

from litestar import get
from litestar.datastructures import State

from mutual.api.dependencies import runtime_of
from mutual.api.problems import problem_responses
from mutual.api.public_schemas import PublicPageOut
from mutual.usecases.public_page import public_page


@get(
    "/public",
    operation_id="getPublicPage",
    responses=problem_responses(),
    summary="The fund, rounds, projects and checkpoint the territory chose to publish",
    exclude_from_auth=True,
)
async def public(state: State) -> PublicPageOut:
    """No token needed; each item is null unless `MUTUAL_PUBLIC_PAGE_ITEMS` names it."""
    return PublicPageOut.model_validate(await public_page(runtime_of(state)))
