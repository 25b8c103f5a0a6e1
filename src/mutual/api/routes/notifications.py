"""``/notifications``: the caller's feed, with a cursor, for the web page or a gateway."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.datastructures import State
from litestar.params import HeaderParameter, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.problems import problem_responses
from mutual.api.schemas import MAX_INDEX
from mutual.api.timebank_schemas import NotificationOut, NotificationPage
from mutual.core.messages import choose_language
from mutual.usecases.notifications import feed

# A notification feed's cursor and page, shared with the gateway's outbox (sign_in).
FeedAfter = Annotated[
    int, QueryParameter(ge=0, le=MAX_INDEX, description="The last seq already read.")
]
FeedLimit = Annotated[int, QueryParameter(ge=1, le=500)]
AcceptLanguage = Annotated[str | None, HeaderParameter(name="Accept-Language", required=False)]


@get(
    "/notifications",
    operation_id="myNotifications",
    responses=problem_responses(422),
    summary="One's notifications after a cursor, oldest first",
)
async def notifications(
    state: State,
    principal: CurrentPrincipal,
    after: FeedAfter = 0,
    limit: FeedLimit = 100,
    accept_language: AcceptLanguage = None,
) -> NotificationPage:
    items = await feed(
        runtime_of(state),
        principal,
        after=after,
        limit=limit,
        language=choose_language(accept_language),
    )
    return NotificationPage(
        items=[
            NotificationOut(
                seq=n.seq, kind=n.kind, data=n.data, message=n.message, created_at=n.created_at
            )
            for n in items
        ],
        next_cursor=items[-1].seq if items else after,
    )
