"""Request and response bodies of coordination groups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from mutual.api.schemas import PageOut, _In, _Out
from mutual.core.groups import GroupKind

Name = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]


class CoordinationGroupIn(_In):
    id: UUID | None = Field(default=None, description="The group's id: choose it to retry.")
    kind: GroupKind  # described by the enum, shared with the answer
    name: Name
    neighbourhood: Name | None = Field(default=None, description="Where it meets, if anywhere.")


class GroupMemberIn(_In):
    member_id: UUID


class MembershipOut(_Out):
    member_id: UUID
    joined_at: datetime
    left_at: datetime | None


class MandateOut(_Out):
    member_id: UUID
    represents: UUID = Field(description="The group this representative sits for.")
    since: datetime
    since_index: int = Field(description="The log index of the appointment.")
    until: datetime | None
    until_index: int | None


class CoordinationGroupOut(_Out):
    id: UUID
    kind: GroupKind
    name: str
    neighbourhood: str | None
    created_at: datetime
    members: list[UUID] = Field(description="Its members now.")
    memberships: list[MembershipOut] = Field(description="Every joining and leaving, in order.")
    representatives: list[MandateOut] = Field(
        description="For the city group, every mandate (open ones have no end); for another "
        "group, the mandates of those who represent it."
    )
    facilitator: UUID | None


class CoordinationGroupPage(PageOut):
    items: list[CoordinationGroupOut] = Field(description="In the order they were created.")
