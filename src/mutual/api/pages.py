"""Every list's page at the HTTP edge: ``{"items": [...], "next_cursor": ..., "next": ...}``.

``next`` is the following page's URL (this path and query, with ``cursor`` set), also
sent as ``Link: <...>; rel="next"`` (RFC 8288); ``next_cursor`` is the same cursor alone,
for a generated client that takes ``cursor`` as an argument. Both are null on a list's
last page. A feed (``/events``, ``/notifications``) has no last page: its cursor is where
to read on, never null, and ``caught_up`` says that nothing more was there yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.params import QueryParameter
from litestar.types import Message, Scope

from mutual.usecases.errors import InvalidRequest
from mutual.usecases.pagination import decode_index_cursor, encode_cursor

# The query parameters of every list; a list's own maximum page size may be smaller.
Cursor = Annotated[
    str | None,
    QueryParameter(max_length=200, description="From the previous page's next_cursor."),
]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Page size.")]
# The logs (events, the audit trail, webhook deliveries) are read in larger pages.
LogLimit = Annotated[int, QueryParameter(ge=1, le=1000, description="Page size.")]

UpdatedSince = Annotated[
    datetime | None,
    QueryParameter(
        description="Only those changed at or after this time (with its offset, e.g. "
        "2026-12-07T10:00:00Z): pass the latest updated_at you read, or the time you "
        "last started, less a minute: a change stamped just before a read may commit "
        "just after it, and an item seen twice is only read twice."
    ),
]

_NEXT_LINK = "next_link"


def aware(updated_since: datetime | None) -> datetime | None:
    """``updated_since`` as given; a time without an offset is ambiguous, so refused."""
    if updated_since is not None and updated_since.utcoffset() is None:
        raise InvalidRequest(
            "updated_since needs a time zone offset (e.g. Z)", field="updated_since"
        )
    return updated_since


def page_links(
    request: Request[Any, Any, Any], next_cursor: str | None, *, replaced: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``next_cursor`` and ``next`` for a page, the ``Link`` header to go with them: the
    request's query with the cursor set (and the ``replaced`` parameters it stands for
    taken out)."""
    if next_cursor is None:
        return {"next_cursor": None, "next": None}
    dropped = {"cursor", *replaced}
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in dropped]
    url = f"{request.url.path}?{urlencode([*query, ('cursor', next_cursor)])}"
    setattr(request.state, _NEXT_LINK, url)
    return {"next_cursor": next_cursor, "next": url}


def feed_position(kind: str, after: int | None, cursor: str | None, *, first: int) -> int:
    """Where a feed is read from: a cursor it gave, or ``after`` (the last log index or
    sequence number a client has seen, which the items carry); ``first`` with neither."""
    if after is not None and cursor is not None:
        raise InvalidRequest("pass either after or cursor, not both", field="cursor")
    decoded = decode_index_cursor(kind, cursor)
    if decoded is not None:
        return decoded
    return first if after is None else after


def feed_links(request: Request[Any, Any, Any], kind: str, position: int) -> dict[str, Any]:
    """A feed's ``next_cursor`` and ``next``: where to read on, never null (the cursor
    stands for ``after`` from then on)."""
    return page_links(request, encode_cursor(kind, str(position)), replaced=("after",))


async def link_header(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: the next page's link as a header, when a list set one."""
    url = scope.get("state", {}).get(_NEXT_LINK)
    if url is not None and message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message).add("Link", f'<{url}>; rel="next"')
