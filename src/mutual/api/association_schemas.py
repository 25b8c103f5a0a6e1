"""Request and response bodies of associations taking part in the time bank."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from mutual.api.schemas import PageOut, _In, _Out


class AssociationIn(_In):
    id: UUID | None = Field(
        default=None, description="The association's id (its principal): choose it to retry."
    )
    name: str = Field(max_length=400, description="Its name, as people know it.")
    neighbourhood: str = Field(max_length=240, description="Where it is.")


class ActorIn(_In):
    member_id: UUID = Field(description="The member appointed to act for the association.")


class ActorOut(_Out):
    member_id: UUID
    display_name: str | None


class AssociationOut(_Out):
    id: UUID = Field(description="Its principal: the `on_behalf_of` of a signature for it.")
    name: str
    neighbourhood: str
    account_id: UUID = Field(description="Its TIME account.")
    balance: int
    balance_min: int | None
    balance_max: int | None
    acting_members: list[ActorOut] = Field(
        description="Who acts for it: the custodians the log appointed, in that order."
    )
    created_at: datetime


class AssociationPage(PageOut):
    items: list[AssociationOut] = Field(description="In the order they were registered.")
