"""The territory report's body: one row a figure, the same rows as its CSV."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mutual.api.schemas import _Out


class ReportRowOut(_Out):
    measure: Literal["hours_exchanged", "hours_pledged", "fund_granted", "goods_lent"]
    unit: Literal["minutes", "cents", "items"]
    dimension: Literal["total", "neighbourhood", "category", "age_band"]
    quarter: str = Field(description="The calendar quarter counted, as 2027-Q1.")
    key: str = Field(
        description="The neighbourhood, category or age band (`unknown`: not given on the "
        "profile; `territory`: a grant to a project of no neighbourhood); `all` for a total."
    )
    value: int | None = Field(description="The figure; null when withheld.")
    withheld: bool = Field(
        description="Fewer than people_min people make this cell up (or it would give "
        "back another withheld cell by subtraction): its value is not published."
    )


class TerritoryReportOut(_Out):
    people_min: int = Field(description="The smallest number of people a published cell holds.")
    rows: list[ReportRowOut]
