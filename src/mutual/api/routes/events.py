"""``/events`` and ``/webhooks``: every log entry as a typed event, read by cursor, followed
as server-sent events, or pushed to the territory's tools (contracts/events.md)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Annotated, Any
from uuid import UUID

from litestar import Litestar, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.event_schemas import (
    EventOut,
    EventPageOut,
    ReplayIn,
    SecretRollIn,
    WebhookCreatedOut,
    WebhookDeliveryOut,
    WebhookDeliveryPage,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    WebhookPatchIn,
)
from mutual.api.pages import Cursor, Limit, LogLimit, feed_links, feed_position, page_links
from mutual.api.problems import problem_responses
from mutual.api.schemas import MAX_INDEX
from mutual.store.webhooks import Subscription
from mutual.usecases import events as usecase
from mutual.usecases import webhooks
from mutual.usecases.errors import InvalidRequest
from mutual.usecases.events import Event, LogWatch
from mutual.usecases.pagination import cut_page, decode_id_cursor, page_in_memory
from mutual.usecases.runtime import Runtime

Types = Annotated[
    list[str] | None,
    QueryParameter(
        description="Only these event types or families (repeated, or comma-separated)."
    ),
]


@asynccontextmanager
async def serving(app: Litestar, rt: Runtime) -> AsyncIterator[None]:
    """What the event stream and webhooks need while the app serves: the watch that wakes
    streams when the log grows, and the webhook deliverer (stopped on shutdown)."""
    watch = LogWatch(rt.journal)
    app.state.event_watch = watch
    try:
        async with webhooks.delivering(rt) as deliverer:
            app.state.webhooks = deliverer
            yield
    finally:
        watch.close()


def _event_out(event: Event) -> EventOut:
    return EventOut.model_validate(event.document())


@get(
    "/events",
    operation_id="listEvents",
    responses=problem_responses(),
    summary="Log entries as typed events, in log order, after a cursor (the log index)",
)
async def list_events(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    types: Types = None,
    after: Annotated[
        int | None,
        QueryParameter(
            ge=-1,
            le=MAX_INDEX,
            description="The last index seen (-1: from the first); or pass a cursor.",
        ),
    ] = None,
    cursor: Cursor = None,
    limit: LogLimit = 100,
) -> EventPageOut:
    # The filter is part of the cursor's kind: a cursor read past entries of other types.
    # By digest: the types a family names (domain events among them) would make it long.
    chosen = ",".join(sorted(usecase.parse_types(types) or ()))
    kind = "events:" + hashlib.sha256(chosen.encode()).hexdigest()[:16]
    page = await usecase.read_page(
        runtime_of(state),
        after=feed_position(kind, after, cursor, first=-1),
        limit=limit,
        types=usecase.parse_types(types),
        from_standby=True,
    )
    return EventPageOut(
        items=[_event_out(e) for e in page.items],
        caught_up=page.caught_up,
        **feed_links(request, kind, page.next_after),
    )


@get(
    "/events/stream",
    operation_id="streamEvents",
    responses={
        **problem_responses(),
        200: ResponseSpec(
            str,
            generate_examples=False,
            media_type="text/event-stream",
            description="Server-sent events: each message's data is an event as listEvents "
            "gives it, its id the event's log index",
        ),
    },
    summary="Follow the events as server-sent events: each one's SSE id is its log index",
    media_type="text/event-stream",
)
async def stream_events(
    state: State,
    principal: CurrentPrincipal,
    after: Annotated[
        int,
        QueryParameter(
            ge=-1,
            le=MAX_INDEX,
            description="The last index seen (-1: from the first; the log's size − 1: only "
            "new events). A reconnecting client's Last-Event-ID takes precedence.",
        ),
    ],
    types: Types = None,
    last_event_id: Annotated[
        str | None, HeaderParameter(name="Last-Event-ID", max_length=20)
    ] = None,
) -> ServerSentEvent:
    rt = runtime_of(state)
    start = after if last_event_id is None else _resume_index(last_event_id)
    # Checked before the stream starts: a refusal after the 200 would be invisible.
    admitted = usecase.parse_types(types)
    watch: LogWatch = state.event_watch

    async def messages() -> AsyncIterator[ServerSentEventMessage]:
        async for event in usecase.follow(
            rt,
            watch,
            after=start,
            types=admitted,
            heartbeat=rt.settings.events_heartbeat_seconds,
        ):
            if event is None:
                yield ServerSentEventMessage(data=None, comment="keep-alive")
            else:
                # Only an entry's last event carries the id (its index): a client that
                # reconnects in the middle of an entry's events resumes at the entry's
                # first (Last-Event-ID is the previous entry's), never past one.
                found, ends_entry = event
                yield ServerSentEventMessage(
                    data=found.body().decode(), id=found.index if ends_entry else None
                )

    return ServerSentEvent(messages())


def _resume_index(last_event_id: str) -> int:
    try:
        index = int(last_event_id)
    except ValueError:
        index = -2
    if not -1 <= index <= MAX_INDEX:
        raise InvalidRequest("Last-Event-ID is the log index of an event", field="Last-Event-ID")
    return index


def _webhook_out(subscription: Subscription) -> WebhookOut:
    # WebhookOut has no secret field: the secret is left out, never shown again.
    return WebhookOut(**asdict(subscription))


@post(
    "/webhooks",
    operation_id="createWebhook",
    responses=problem_responses("idempotency_key_reused"),
    summary="Subscribe a URL to the events; the signing secret is shown once",
    status_code=201,
)
async def create_webhook(
    data: JSONBody[WebhookIn],
    state: State,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        HeaderParameter(
            name="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="The same request again with the same key answers the first "
            "creation (with Idempotent-Replayed: true) instead of a second subscription; "
            "another request with the key is refused (idempotency_key_reused).",
        ),
    ] = None,
) -> Response[WebhookCreatedOut]:
    created = await webhooks.create(
        runtime_of(state),
        principal,
        url=data.url,
        event_types=data.event_types,
        after=data.after,
        idempotency_key=idempotency_key,
    )
    state.webhooks.kick()
    return Response(
        WebhookCreatedOut(**asdict(created.subscription)),
        status_code=201,
        headers={"Idempotent-Replayed": "true"} if created.replayed else {},
    )


@get(
    "/webhooks/{webhook_id:uuid}",
    operation_id="getWebhook",
    responses=problem_responses("not_found"),
    summary="One webhook subscription (never its secret)",
)
async def get_webhook(
    webhook_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> WebhookOut:
    return _webhook_out(await webhooks.find(runtime_of(state), principal, webhook_id))


@patch(
    "/webhooks/{webhook_id:uuid}",
    operation_id="updateWebhook",
    responses=problem_responses("not_found"),
    summary="Change a webhook's URL or filter, or enable or disable it",
)
async def update_webhook(
    webhook_id: FromPath[UUID],
    data: JSONBody[WebhookPatchIn],
    state: State,
    principal: CurrentPrincipal,
) -> WebhookOut:
    changed = await webhooks.change(
        runtime_of(state),
        principal,
        webhook_id,
        url=data.url,
        event_types=data.event_types,
        # An explicit null filter is "every event"; an absent one leaves it as it is.
        every_event="event_types" in data.model_fields_set and data.event_types is None,
        enabled=data.enabled,
    )
    state.webhooks.kick()
    return _webhook_out(changed)


@post(
    "/webhooks/{webhook_id:uuid}/secret",
    operation_id="rollWebhookSecret",
    responses=problem_responses("not_found"),
    summary="A new signing secret, shown once; the previous one also signs for an overlap",
    status_code=200,
)
async def roll_webhook_secret(
    webhook_id: FromPath[UUID],
    data: JSONBody[SecretRollIn],
    state: State,
    principal: CurrentPrincipal,
) -> WebhookCreatedOut:
    rolled = await webhooks.roll_secret(
        runtime_of(state), principal, webhook_id, overlap_seconds=data.overlap_seconds
    )
    return WebhookCreatedOut(**asdict(rolled))


@get(
    "/webhooks",
    operation_id="listWebhooks",
    responses=problem_responses(),
    summary="Webhook subscriptions: a service client's own, every one for operators",
)
async def list_webhooks(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> WebhookPage:
    found = await webhooks.visible(runtime_of(state), principal)
    # A territory's subscriptions are a handful: read whole, paged in id order.
    page = page_in_memory("webhooks", found, cursor, limit, lambda s: str(s.id))
    return WebhookPage(
        items=[_webhook_out(s) for s in page.items], **page_links(request, page.next_cursor)
    )


@delete(
    "/webhooks/{webhook_id:uuid}",
    operation_id="disableWebhook",
    responses=problem_responses("not_found"),
    summary="Disable a webhook subscription: nothing more is delivered to it",
    status_code=204,
)
async def disable_webhook(
    webhook_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> Response[None]:
    await webhooks.disable(runtime_of(state), principal, webhook_id)
    return Response(None, status_code=204)


@get(
    "/webhooks/{webhook_id:uuid}/deliveries",
    operation_id="listWebhookDeliveries",
    responses=problem_responses("not_found"),
    summary="Every delivery attempt of a webhook, oldest first",
)
async def list_deliveries(
    request: Request[Any, Any, Any],
    webhook_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: LogLimit = 100,
) -> WebhookDeliveryPage:
    kind = f"deliveries:{webhook_id}"
    found = await webhooks.deliveries(
        runtime_of(state),
        principal,
        webhook_id,
        after=decode_id_cursor(kind, cursor),
        limit=limit + 1,
    )
    page = cut_page(kind, found, limit, lambda d: str(d.id))
    return WebhookDeliveryPage(
        items=[WebhookDeliveryOut(**asdict(d)) for d in page.items],
        **page_links(request, page.next_cursor),
    )


@post(
    "/webhooks/{webhook_id:uuid}/replay",
    operation_id="replayWebhook",
    responses=problem_responses("not_found"),
    summary="Deliver a webhook's events again from a log index on",
    status_code=202,
)
async def replay_webhook(
    webhook_id: FromPath[UUID],
    data: JSONBody[ReplayIn],
    state: State,
    principal: CurrentPrincipal,
) -> WebhookOut:
    rewound = await webhooks.replay(runtime_of(state), principal, webhook_id, data.from_index)
    state.webhooks.kick()
    return _webhook_out(rewound)


ROUTES: list[HTTPRouteHandler] = [
    list_events,
    stream_events,
    create_webhook,
    list_webhooks,
    get_webhook,
    update_webhook,
    roll_webhook_secret,
    disable_webhook,
    list_deliveries,
    replay_webhook,
]
