"""Response bodies for finding people (the directory) and a statement people can read."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from mutual.api.schemas import PageOut, _Out
from mutual.core.transactions import TransactionKind


class OfferLineOut(_Out):
    id: UUID
    direction: Literal["offer", "request"]
    title: str
    category: str


class DirectoryEntryOut(_Out):
    id: UUID
    number: int = Field(
        description="The member number: with the neighbourhood, it tells "
        "two members of the same name apart."
    )
    display_name: str | None
    neighbourhood: str | None
    offers: list[OfferLineOut] = Field(description="What the member offers or asks for now.")


class DirectoryPage(PageOut):
    items: list[DirectoryEntryOut]


class NeighbourhoodPage(PageOut):
    items: list[str] = Field(description="In alphabetical order.")


class ActingMemberOut(_Out):
    member_id: UUID
    display_name: str | None = Field(description="Only while the member is active.")


class AssociationPartyOut(_Out):
    id: UUID
    name: str
    acting: ActingMemberOut | None = Field(
        description="The member whose signature on the association's behalf the log entry "
        'holds ("Marie B. for Association X"); none when it signed nothing (it received).'
    )


class OtherPartyOut(_Out):
    owner_kind: str = Field(description="member, commons_pool, project, organisation, ...")
    member_id: UUID | None
    display_name: str | None = Field(
        description="Only while the member is active: an erased member's name is gone."
    )
    number: int | None
    association: AssociationPartyOut | None = Field(
        default=None, description="When the other party is an association."
    )


class ReadableLineOut(_Out):
    transaction_id: UUID
    log_index: int
    kind: TransactionKind
    recorded_at: datetime
    other_party: OtherPartyOut | None
    description: str | None = Field(description="The transaction's memo, unless erased.")
    category: str | None = Field(description="An exchange's category.")
    amount: int
    balance_after: int
    acting: ActingMemberOut | None = Field(
        default=None,
        description="On an association's statement: the member who acted for it there.",
    )


class ReadableStatementPage(PageOut):
    items: list[ReadableLineOut] = Field(
        description="Newest first; the last page ends at the first line."
    )
