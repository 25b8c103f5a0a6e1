"""Request and response bodies of the event stream and webhooks (contracts/events.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, StrictInt, StringConstraints

from mutual.api.schemas import MAX_INDEX, FeedPageOut, PageOut, _In, _Out
from mutual.core.events import EVENT_TYPES, FAMILIES

EventTypes = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=64)]],
    Field(max_length=len(EVENT_TYPES)),
]


class EventOut(_Out):
    id: str = Field(
        description="The id of what the entry records (unique in the log; the id of "
        "/log/proofs/inclusion): consumers deduplicate by it."
    )
    index: int = Field(description="The log index: the cursor.")
    type: str = Field(description="Among: " + ", ".join(EVENT_TYPES))
    recorded_at: datetime
    entry: dict[str, Any] = Field(
        description="The entry document as the log holds it: type, payload, signatures."
    )


class EventPageOut(FeedPageOut):
    items: list[EventOut]


class WebhookIn(_In):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="Where events are posted: http:// or https://."
    )
    event_types: EventTypes | None = Field(
        default=None,
        description="Only these event types, or families of them ("
        + ", ".join(FAMILIES)
        + "); every event when absent.",
    )
    after: Annotated[StrictInt, Field(ge=-1, le=MAX_INDEX)] | None = Field(
        default=None,
        description="Deliver the events past this log index (-1: from the first); when "
        "absent, from the events logged after the subscription.",
    )


class WebhookOut(_Out):
    id: UUID
    owner_id: UUID
    url: str
    event_types: list[str] | None = Field(description="The exact types delivered; null: all.")
    cursor: int = Field(description="The last log index delivered or passed over by the filter.")
    failures: int = Field(description="Failed attempts in a row at the next event.")
    next_attempt_at: datetime | None
    created_at: datetime
    disabled_at: datetime | None


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="Shown once: the key of each delivery's signature.")


class ReplayIn(_In):
    from_index: Annotated[StrictInt, Field(ge=0, le=MAX_INDEX)] = Field(
        description="Deliver again from this log index on (at most the next one to deliver)."
    )


class WebhookDeliveryOut(_Out):
    id: UUID
    event_id: str
    log_index: int
    attempt: int = Field(description="1 for the first attempt at this event, then 2, 3…")
    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's status; null: no answer.")
    error: str | None = Field(description="Why there was no answer (refused, timed out…).")
    duration_ms: int
    replay: bool = Field(description="A delivery again of an event the receiver acknowledged.")


class WebhookPage(PageOut):
    items: list[WebhookOut]


class WebhookDeliveryPage(PageOut):
    items: list[WebhookDeliveryOut] = Field(description="Oldest first.")
