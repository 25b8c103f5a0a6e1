"""Request and response bodies of projects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from mutual.api.project_followup_schemas import SheetOut
from mutual.api.schemas import PageOut, _In, _Out
from mutual.api.timebank_schemas import Name, Text200


class GroupIn(_In):
    kind: Literal["thematic", "resource", "neighbourhood"] = Field(
        description="The coordination group proposing the project: a thematic, resource "
        "or neighbourhood group."
    )
    name: Name


class ProjectIn(_In):
    id: UUID | None = Field(default=None, description="Choose it to make a retry safe.")
    name: Text200
    category: Annotated[str, StringConstraints(max_length=40)]
    group: GroupIn
    lead: UUID = Field(description="An active member, appointed the project's custodian.")
    pays_time: bool = Field(default=False, description="Open a TIME account too.")


class LeadIn(_In):
    lead: UUID


class ProjectAccountOut(_Out):
    id: UUID
    unit: str
    balance: int
    balance_min: int | None
    balance_max: int | None


class GroupOut(_Out):
    kind: str
    name: str


class ProjectSummaryOut(_Out):
    id: UUID
    name: str
    category: str
    group: GroupOut
    lead: UUID
    sheet: SheetOut = Field(
        description="What it is, where, which group follows it, how far "
        "it is and what it needs (`PATCH /projects/{id}`)."
    )
    created_at: datetime
    updated_at: datetime = Field(
        description="When it last changed: what updated_since compares with."
    )


class ProjectOut(ProjectSummaryOut):
    accounts: list[ProjectAccountOut] = Field(
        description="Owned by the project's id; spent with the lead's signature on its behalf."
    )


class ProjectPage(PageOut):
    items: list[ProjectSummaryOut]
