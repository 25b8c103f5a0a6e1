"""Request and response bodies of the event stream and webhooks (contracts/events.md)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StrictInt,
    StringConstraints,
    model_serializer,
)

from mutual.api.schemas import MAX_INDEX, FeedPageOut, PageOut, _In, _Out
from mutual.core.domain_events import DomainEventType
from mutual.core.events import EVENT_TYPES, FAMILIES
from mutual.core.round_state import Phase

# The names a filter admits: every event type and every family, an enum in the document
# so that a generated client offers them. Built from the core's lists, so it cannot drift;
# mypy sees the strings it is made of.
EVENT_FILTER_NAMES = sorted({*EVENT_TYPES, *FAMILIES})
if TYPE_CHECKING:
    EventTypeName = str
else:
    EventTypeName = StrEnum("EventTypeName", {name: name for name in EVENT_FILTER_NAMES})
EventTypes = Annotated[list[EventTypeName], Field(max_length=len(EVENT_FILTER_NAMES))]


# --- Domain events' data: one model per type (contracts/events.md) -------------------


class MemberAcceptedData(_Out):
    event_type: Literal["member.accepted"] = Field(
        description="The event's type (the union's discriminator)."
    )
    member_id: UUID = Field(description="The member (their principal id).")
    account_id: UUID = Field(description="Their TIME account, opened on acceptance.")


class MemberProfileChangedData(_Out):
    event_type: Literal["member.profile_changed"] = Field(
        description="The event's type (the union's discriminator)."
    )
    member_id: UUID = Field(
        description="The member whose profile changed (read it at /members/{member_id})."
    )


class MemberErasedData(_Out):
    event_type: Literal["member.erased"] = Field(
        description="The event's type (the union's discriminator)."
    )
    member_id: UUID = Field(description="The member erased: forget what you kept of their profile.")


class ProjectCreatedData(_Out):
    event_type: Literal["project.created"] = Field(
        description="The event's type (the union's discriminator)."
    )
    project_id: UUID
    lead_id: UUID = Field(description="The member who leads it (the project's custodian).")


class ProjectChangedData(_Out):
    event_type: Literal["project.changed"] = Field(
        description="The event's type (the union's discriminator)."
    )
    project_id: UUID
    lead_id: UUID = Field(description="The new lead.")


class RoundPhaseChangedData(_Out):
    event_type: Literal["round.phase_changed"] = Field(
        description="The event's type (the union's discriminator)."
    )
    round_id: UUID
    phase: Phase = Field(description="The phase the round entered.")
    step: str = Field(description="The round entry's kind that moved it (round.<kind>).")


class RoundLine(_Out):
    project: UUID
    eur: int = Field(description="Cents of EUR.")
    hours: int = Field(description="Minutes of pledged time.")


class RoundDecidedData(_Out):
    event_type: Literal["round.decided"] = Field(
        description="The event's type (the union's discriminator)."
    )
    round_id: UUID
    by: Literal["consent", "ballot"] = Field(description="How it was decided.")
    lines: list[RoundLine] = Field(description="What each project gets.")


class _TransferData(_Out):
    transaction_id: UUID = Field(description="The transaction (its ledger event's id).")
    unit: str
    amount: int = Field(description="What moved, in the unit's smallest amount.")
    debited: list[UUID] = Field(description="The accounts it comes from.")
    credited: list[UUID] = Field(description="The accounts it goes to.")
    references: dict[str, Any] = Field(description="The transaction's references.")


class PledgeMadeData(_TransferData):
    event_type: Literal["pledge.made"] = Field(
        description="The event's type (the union's discriminator)."
    )


class ContributionRecordedData(_TransferData):
    event_type: Literal["contribution.recorded"] = Field(
        description="The event's type (the union's discriminator)."
    )


class LoanOpenedData(_TransferData):
    event_type: Literal["loan.opened"] = Field(
        description="The event's type (the union's discriminator)."
    )


class LoanReturnedData(_TransferData):
    event_type: Literal["loan.returned"] = Field(
        description="The event's type (the union's discriminator)."
    )


DOMAIN_DATA: dict[DomainEventType, type[_Out]] = {
    DomainEventType.MEMBER_ACCEPTED: MemberAcceptedData,
    DomainEventType.MEMBER_PROFILE_CHANGED: MemberProfileChangedData,
    DomainEventType.MEMBER_ERASED: MemberErasedData,
    DomainEventType.PROJECT_CREATED: ProjectCreatedData,
    DomainEventType.PROJECT_CHANGED: ProjectChangedData,
    DomainEventType.ROUND_PHASE_CHANGED: RoundPhaseChangedData,
    DomainEventType.ROUND_DECIDED: RoundDecidedData,
    DomainEventType.PLEDGE_MADE: PledgeMadeData,
    DomainEventType.CONTRIBUTION_RECORDED: ContributionRecordedData,
    DomainEventType.LOAN_OPENED: LoanOpenedData,
    DomainEventType.LOAN_RETURNED: LoanReturnedData,
}

DomainData = (
    MemberAcceptedData
    | MemberProfileChangedData
    | MemberErasedData
    | ProjectCreatedData
    | ProjectChangedData
    | RoundPhaseChangedData
    | RoundDecidedData
    | PledgeMadeData
    | ContributionRecordedData
    | LoanOpenedData
    | LoanReturnedData
)


class EventOut(_Out):
    id: str = Field(
        description="A ledger event: the id of what the entry records (unique in the log; "
        "the id of /log/proofs/inclusion). A domain event: derived from that id and its "
        "type. Consumers deduplicate by it."
    )
    index: int = Field(
        description="The log index: the cursor (an entry's domain events share its index)."
    )
    type: Annotated[str, Field(json_schema_extra={"enum": list(EVENT_TYPES)})] = Field(
        description="A ledger event's type (<entry type>.<what happened>) or a domain "
        "event's (member.accepted, pledge.made…)."
    )
    recorded_at: datetime
    entry: dict[str, Any] | None = Field(
        default=None,
        description="A ledger event's entry document as the log holds it: type, payload, "
        "signatures (absent from a domain event).",
    )
    data: Annotated[DomainData, Field(discriminator="event_type")] | None = Field(
        default=None,
        description="A domain event's data, of the model its type names (absent from a "
        "ledger event).",
    )

    @model_serializer(mode="wrap")
    def _absent_not_null(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The same document as an SSE message or a webhook body: a ledger event has no
        # ``data``, a domain event no ``entry`` (absent, not null).
        document: dict[str, Any] = handler(self)
        for name in ("entry", "data"):
            if document.get(name) is None:
                document.pop(name, None)
        return document


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
    disabled_reason: Literal["owner", "failing"] | None = Field(
        description="Why it is disabled: asked for by its owner, or its receiver failed "
        "for MUTUAL_WEBHOOK_DISABLE_AFTER_SECONDS."
    )
    failing_since: datetime | None = Field(
        description="The first failed attempt since the last acknowledged one; null: not failing."
    )
    previous_secret_until: datetime | None = Field(
        description="After a roll, deliveries are signed with the previous secret too until then."
    )


class WebhookPatchIn(_In):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = Field(
        default=None, description="A new URL."
    )
    event_types: EventTypes | None = Field(
        default=None,
        description="A new filter (applied from the next event on); null: every event.",
    )
    enabled: bool | None = Field(
        default=None,
        description="true: deliver again from the cursor, failures forgotten; false: disable.",
    )


class SecretRollIn(_In):
    overlap_seconds: Annotated[StrictInt, Field(ge=0, le=7 * 24 * 3600)] | None = Field(
        default=None,
        description="How long deliveries are also signed with the previous secret "
        "(default MUTUAL_WEBHOOK_SECRET_OVERLAP_SECONDS).",
    )


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
