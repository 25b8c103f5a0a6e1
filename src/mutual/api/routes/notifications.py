"""``/notifications``: the caller's feed, with a cursor, for the web page or a gateway; and
how the caller's notices reach them by e-mail (``/members/me/notification-preferences``)."""

from __future__ import annotations

from typing import Annotated

from litestar import get, put
from litestar.datastructures import State
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
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


def _preferences_out(found: mail.MailPreferences) -> NotificationPreferencesOut:
    return NotificationPreferencesOut(
        notices=found.notices.value, email=found.address, email_enabled=found.enabled
    )


@get(
    "/members/me/notification-preferences",
    operation_id="getMyNotificationPreferences",
    responses=problem_responses(404),
    summary="How one's notices reach one by e-mail",
)
async def get_notification_preferences(
    state: State, principal: CurrentPrincipal
) -> NotificationPreferencesOut:
    return _preferences_out(await mail.preferences(runtime_of(state), principal))


@put(
    "/members/me/notification-preferences",
    operation_id="setMyNotificationPreferences",
    responses=problem_responses(404),
    summary="Choose how one's notices reach one by e-mail: immediately, a daily digest, or never",
)
async def set_notification_preferences(
    data: JSONBody[NotificationPreferencesIn], state: State, principal: CurrentPrincipal
) -> NotificationPreferencesOut:
    """What waits for a digest follows the new choice: sent now for `immediate`, never
    for `never`."""
    chosen = await mail.choose(runtime_of(state), principal, NoticeDelivery(data.notices))
    return _preferences_out(chosen)
