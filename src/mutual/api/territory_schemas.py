"""Bodies of ``/territory``: the territory's own lists, and well-being intake and report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from mutual.api.schemas import PageOut, _In, _Out
from mutual.core.age_bands import AgeBand
from mutual.core.territory_lists import CODE_MAX, LABEL_MAX, SCORE_MAX, SCORE_MIN

Code = Annotated[str, StringConstraints(min_length=1, max_length=CODE_MAX)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=LABEL_MAX)]
Score = Annotated[int, Field(ge=SCORE_MIN, le=SCORE_MAX)]


class ListEntryIn(_In):
    code: Code = Field(
        description="What rows store (a category's code, a neighbourhood's name): never "
        "changes once listed."
    )
    label_fr: Label
    label_en: Label


class ListEntryChangeIn(_In):
    label_fr: Label | None = Field(default=None, description="A new French label.")
    label_en: Label | None = Field(default=None, description="A new English label.")
    retired: bool | None = Field(
        default=None,
        description="True retires the entry (still valid on the rows that hold it, no "
        "longer offered for new ones); false brings it back.",
    )


class ListEntryOut(_Out):
    code: str
    label_fr: str
    label_en: str
    created_at: datetime
    retired_at: datetime | None = Field(description="Null while offered for new rows.")


class ListEntryPage(PageOut):
    items: list[ListEntryOut]


class WellbeingIn(_In):
    """A resident's score on one criterion (``member_id``, one score, with their
    consent to the tool), or an anonymous batch of scores gathered by the tool."""

    criterion: Code = Field(description="A well-being criterion of the territory's list.")
    scores: list[Score] = Field(
        min_length=1,
        max_length=10_000,
        description="0 (ill-being) to 10 (well-being): one for a resident, any number "
        "for an anonymous batch.",
    )
    member_id: UUID | None = Field(
        default=None, description="The consenting resident; null for an anonymous batch."
    )
    neighbourhood: Code | None = Field(
        default=None,
        description="Where the answers come from (a resident's: their profile's if null).",
    )
    age_band: AgeBand | None = None


class WellbeingOut(_Out):
    id: UUID
    criterion: str
    respondents: int
    score_total: int
    neighbourhood: str | None
    age_band: str | None
    recorded_at: datetime


class WellbeingRowOut(_Out):
    criterion: str
    quarter: str = Field(description="The calendar quarter, as 2027-Q1.")
    dimension: Literal["total", "neighbourhood", "group", "age_band"]
    key: str = Field(
        description="The neighbourhood, group id or age band (`unknown`: not given); "
        "`all` for a total."
    )
    respondents: int | None = Field(description="How many answers; null when withheld.")
    score_total: int | None = Field(
        description="The answers' scores summed (their mean is score_total / respondents); "
        "null when withheld."
    )
    withheld: bool = Field(description="Fewer than people_min people make this cell up.")


class WellbeingReportOut(_Out):
    people_min: int
    rows: list[WellbeingRowOut]


class PackRowOut(_Out):
    group: str = Field(description="A coordination group's id, or `territory` for the whole.")
    name: str
    kind: str = Field(description="The group's kind (`territory` for the whole).")
    measure: Literal[
        "hours_exchanged",
        "hours_pledged",
        "fund_granted",
        "goods_lent",
        "intake_needs",
        "intake_offers",
        "wellbeing_respondents",
        "wellbeing_score_total",
    ]
    unit: Literal["minutes", "cents", "items", "answers", "points"]
    value: int | None = Field(description="The figure; null when withheld.")
    withheld: bool = Field(description="Fewer than people_min people make this figure up.")


class QuarterlyPackOut(_Out):
    quarter: str
    people_min: int
    rows: list[PackRowOut]
