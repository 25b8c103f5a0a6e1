"""``/notifications``: the caller's feed, with a cursor, for the web page or a gateway; and
how the caller's notices reach them by e-mail (``/members/me/notification-preferences``)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, put
from litestar.datastructures import State
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, feed_links, feed_position
from mutual.api.problems import problem_responses
from mutual.api.schemas import MAX_INDEX
from mutual.api.timebank_schemas import (
    NotificationOut,
    NotificationPage,
    NotificationPreferencesIn,
    NotificationPreferencesOut,
)
from mutual.core.mail import NoticeDelivery
from mutual.core.messages import choose_language
from mutual.usecases import mail
from mutual.usecases.notifications import feed

# A notification feed's cursor and page, shared with the gateway's outbox (sign_in).
FeedAfter = Annotated[
    int | None,
    QueryParameter(ge=0, le=MAX_INDEX, description="The last seq already read; or a cursor."),
]
AcceptLanguage = Annotated[str | None, HeaderParameter(name="Accept-Language", required=False)]


@get(
    "/notifications",
    operation_id="myNotifications",
    responses=problem_responses(),
    summary="One's notifications after a cursor, oldest first",
)
async def notifications(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    after: FeedAfter = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    accept_language: AcceptLanguage = None,
) -> NotificationPage:
    position = feed_position("notifications", after, cursor, first=0)
    items = await feed(
        runtime_of(state),
        principal,
        after=position,
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
        caught_up=len(items) < limit,
        **feed_links(request, "notifications", items[-1].seq if items else position),
    )


def _preferences_out(found: mail.MailPreferences) -> NotificationPreferencesOut:
    return NotificationPreferencesOut(
        notices=found.notices.value, email=found.address, email_enabled=found.enabled
    )


@get(
    "/members/me/notification-preferences",
    operation_id="getMyNotificationPreferences",
    responses=problem_responses("not_found"),
    summary="How one's notices reach one by e-mail",
)
async def get_notification_preferences(
    state: State, principal: CurrentPrincipal
) -> NotificationPreferencesOut:
    return _preferences_out(await mail.preferences(runtime_of(state), principal))


@put(
    "/members/me/notification-preferences",
    operation_id="setMyNotificationPreferences",
    responses=problem_responses("not_found"),
    summary="Choose how one's notices reach one by e-mail: immediately, a daily digest, or never",
)
async def set_notification_preferences(
    data: JSONBody[NotificationPreferencesIn], state: State, principal: CurrentPrincipal
) -> NotificationPreferencesOut:
    """What waits for a digest follows the new choice: sent now for `immediate`, never
    for `never`."""
    chosen = await mail.choose(runtime_of(state), principal, NoticeDelivery(data.notices))
    return _preferences_out(chosen)
