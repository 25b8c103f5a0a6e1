"""Request and response bodies of a project's sheet, ideas, indicators, quarterly
follow-ups, co-evaluations and results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from mutual.api.schemas import PageOut, _In, _Out
from mutual.api.timebank_schemas import Name, Text200

Status = Literal["idea", "proposed", "funded", "in_progress", "done", "abandoned"]
Assessment = Literal["on_track", "partly", "off_track"]
LongText = Annotated[str, StringConstraints(max_length=4000)]
Unit = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Target = Annotated[int, Field(ge=0, le=2**53 - 1)]


class SheetIn(_In):
    """Only the fields sent change; null clears one (status excepted)."""

    description: LongText | None = None
    neighbourhood: Name | None = None
    group_id: UUID | None = Field(
        default=None, description="The coordination group following it (`/groups`)."
    )
    status: Status | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    needs_eur_cents: Annotated[int, Field(ge=0, le=2**53 - 1)] | None = None
    needs_minutes: Annotated[int, Field(ge=0, le=2**53 - 1)] | None = Field(
        default=None, description="Volunteer time it needs."
    )
    needs_goods: Annotated[str, StringConstraints(max_length=500)] | None = None


class SheetOut(_Out):
    description: str | None
    neighbourhood: str | None
    group_id: UUID | None
    status: Status
    starts_on: date | None
    ends_on: date | None
    needs_eur_cents: int | None
    needs_minutes: int | None
    needs_goods: str | None


class IdeaIn(_In):
    id: UUID | None = Field(default=None, description="Choose it to make a retry safe.")
    title: Text200
    description: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    neighbourhood: Name | None = None


class IdeaDecisionIn(_In):
    decision: Literal["accepted", "declined"]
    reason: LongText | None = Field(default=None, description="Required to decline.")
    lead: UUID | None = Field(default=None, description="To accept: the project's lead.")
    category: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        default=None, description="To accept: the project's category."
    )
    pays_time: bool = False


class IdeaOut(_Out):
    id: UUID
    group_id: UUID
    author_id: UUID
    title: str
    description: str
    neighbourhood: str | None
    status: Literal["submitted", "accepted", "declined"]
    reason: str | None
    project_id: UUID | None = Field(description="The project it became, once accepted.")
    decided_by: UUID | None
    decided_at: datetime | None
    created_at: datetime


class IdeaPage(PageOut):
    items: list[IdeaOut]


class IndicatorIn(_In):
    name: Name
    unit: Unit = Field(description="What the value counts: people, meals, kg...")
    target: Target = Field(description="A whole number in the unit.")


class IndicatorOut(_Out):
    id: UUID
    project_id: UUID
    name: str
    unit: str
    target: int
    defined_by: UUID
    created_at: datetime


class IndicatorPage(PageOut):
    items: list[IndicatorOut]


class IndicatorValueIn(_In):
    indicator_id: UUID
    value: Target


class FollowupIn(_In):
    results: LongText
    obstacles: LongText
    needs: LongText
    indicator_values: list[IndicatorValueIn] = Field(default_factory=list, max_length=50)


class IndicatorValueOut(_Out):
    indicator_id: UUID
    value: int


class EvaluationOut(_Out):
    assessment: Assessment
    comment: str
    evaluated_by: UUID
    evaluated_at: datetime


class FollowupOut(_Out):
    id: UUID
    project_id: UUID
    quarter: str
    results: str
    obstacles: str
    needs: str
    indicator_values: list[IndicatorValueOut]
    filed_by: UUID
    filed_at: datetime
    evaluation: EvaluationOut | None = Field(
        description="The group's co-evaluation; once given, the follow-up is closed."
    )


class FollowupPage(PageOut):
    items: list[FollowupOut]


class EvaluationIn(_In):
    assessment: Assessment
    comment: LongText = ""


class IndicatorResultOut(_Out):
    indicator: IndicatorOut
    value: int | None = Field(description="The latest value reported; null: never reported.")
    quarter: str | None = Field(description="The quarter of that value.")


class ResultsOut(_Out):
    project_id: UUID
    name: str
    lead: UUID
    sheet: SheetOut
    group_name: str | None
    granted_cents: int = Field(description="Granted by the fund and allocated by rounds.")
    spent_cents: int = Field(description="Paid out by the project (its disbursements).")
    balance_cents: int
    delivered_minutes: int = Field(description="Volunteer time its lead confirmed.")
    indicators: list[IndicatorResultOut]
    followups: list[FollowupOut] = Field(description="The latest four quarters, newest first.")
