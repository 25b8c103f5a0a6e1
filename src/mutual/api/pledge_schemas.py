"""Request and response bodies of volunteer-time pledges."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field, StrictInt, StringConstraints

from mutual.api.schemas import PageOut, Signatures, _In, _Out

QuarterCode = Annotated[str, StringConstraints(pattern=r"^\d{4}-Q[1-4]$", max_length=7)]
Minutes = Annotated[StrictInt, Field(gt=0, le=1_000_000)]
SIGN_FIRST = (
    "Sent empty, the answer is the problem `unsigned` with the `signing_payload` to sign; "
    "send the same request again with the signatures."
)


class PledgeIn(_In):
    id: UUID | None = Field(default=None, description="The transaction's id: choose it.")
    quarter: QuarterCode = Field(description="The quarter pledged for, like 2027-Q1.")
    minutes: Minutes = Field(description="Whole steps (15 minutes by default).")
    member_id: UUID | None = Field(
        default=None, description="Coordinators: the member pledging (default: oneself)."
    )
    signatures: Signatures = Field(default_factory=list, description=SIGN_FIRST)


class AllocationLineIn(_In):
    member_id: UUID
    project_id: UUID
    minutes: Minutes


class AllocationIn(_In):
    id: UUID | None = Field(default=None, description="The transaction's id: choose it.")
    quarter: QuarterCode
    decision: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Reference of the coordination group's decision (signed: no names); "
        "an allocation is made only by a recorded decision.",
    )
    lines: Annotated[list[AllocationLineIn], Field(min_length=1, max_length=1000)]
    signatures: Signatures = Field(default_factory=list, description=SIGN_FIRST)


class VolunteerDeliveryIn(_In):
    id: UUID | None = Field(default=None, description="The transaction's id: choose it.")
    quarter: QuarterCode
    member_id: UUID = Field(description="The volunteer.")
    minutes: Minutes
    signatures: Signatures = Field(default_factory=list, description=SIGN_FIRST)


class ReleaseIn(_In):
    id: UUID | None = Field(
        default=None,
        description="A quarter is released once, under an id of its own: the "
        "`signing_payload`'s (any other is refused).",
    )
    signatures: Signatures = Field(default_factory=list, description=SIGN_FIRST)


class ProjectShareOut(_Out):
    project_id: UUID
    allocated: int
    delivered: int


class QuarterPledgeOut(_Out):
    quarter: str
    pledged: int = Field(description="Minutes promised.")
    held: int = Field(description="Still in the pool, not yet allocated.")
    allocated: int = Field(description="Allocated to projects (delivered included).")
    delivered: int = Field(description="Delivered, as confirmed by the projects' leads.")
    released: int = Field(description="Released at quarter end, unallocated.")
    projects: list[ProjectShareOut]


class MemberPledgesOut(PageOut):
    member_id: UUID
    items: list[QuarterPledgeOut] = Field(description="One per quarter, oldest first.")


class VolunteerOut(_Out):
    member_id: UUID
    quarter: str
    allocated: int
    delivered: int


class ProjectVolunteersOut(PageOut):
    project_id: UUID
    items: list[VolunteerOut] = Field(description="By quarter, then member id.")


class PoolShareOut(_Out):
    member_id: UUID
    held: int


class PoolOut(PageOut):
    quarter: str
    held: int = Field(description="What the pool holds for the quarter, every member's share.")
    items: list[PoolShareOut] = Field(description="Each member's share, in member id order.")
