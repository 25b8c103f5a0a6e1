"""Request and response bodies of shared goods."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StrictInt, StringConstraints

from mutual.api.schemas import PageOut, Signatures, _In, _Out
from mutual.api.timebank_schemas import Description, Name, Text200

Slug = Annotated[str, StringConstraints(pattern="^[a-z0-9][a-z0-9_-]{0,62}$")]
Count = Annotated[StrictInt, Field(ge=1, le=10_000, description="How many items.")]
TxId = Annotated[
    UUID | None,
    Field(
        default=None,
        description="The transaction's id, also its idempotency key: optional on the first "
        "(unsigned) call, then the id of the `signing_payload`.",
    ),
]
SignaturesField = Annotated[
    Signatures,
    Field(
        default_factory=list,
        description="Empty: the answer is the `unsigned` problem with the `signing_payload`. "
        "Then a keeper's signature on the point's behalf (`on_behalf_of` = the point id).",
    ),
]


class KindIn(_In):
    slug: Slug = Field(description="Names the unit `GOOD.<slug>` counting these items.")
    name: Text200
    description: Description = ""


class KindOut(_Out):
    slug: str
    unit: str
    name: str
    description: str
    created_at: datetime


class PointIn(_In):
    id: UUID | None = Field(default=None, description="Choose it to make a retry safe.")
    name: Text200
    neighbourhood: Name
    keepers: list[UUID] = Field(
        min_length=1, max_length=20, description="Active members, appointed its custodians."
    )


class KeepersIn(_In):
    keepers: list[UUID] = Field(min_length=1, max_length=20)


class StockOut(_Out):
    kind: str
    on_shelf: int
    on_loan: int


class PointSummaryOut(_Out):
    id: UUID
    name: str
    neighbourhood: str
    keepers: list[UUID]
    created_at: datetime
    opening_hours: str | None = Field(
        default=None, description="When the point is open, in its keepers' words."
    )


class PointOut(PointSummaryOut):
    stock: list[StockOut] = Field(description="Per kind: items on the shelf and out on loan.")


class OpeningHoursIn(_In):
    opening_hours: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        description="When the point is open, as residents should read it; null or blank: "
        "no hours shown."
    )


class ReminderOut(_Out):
    loan_id: UUID
    member_id: UUID
    sent: bool = Field(
        description="False when the borrower was already reminded of this loan today."
    )


class DepositIn(_In):
    id: TxId
    kind: Slug
    count: Count
    from_member: UUID | None = Field(
        default=None, description="The active member who brought them; unset: from outside."
    )
    signatures: SignaturesField


class LoanIn(_In):
    id: TxId
    kind: Slug
    count: Count
    member_id: UUID
    due_on: date
    signatures: SignaturesField


class ReturnIn(_In):
    id: TxId
    count: Count
    signatures: SignaturesField


class TransferIn(_In):
    id: TxId
    kind: Slug
    count: Count
    to_point: UUID
    signatures: SignaturesField


class GiftIn(_In):
    id: TxId
    kind: Slug
    count: Count
    to_member: UUID | None = None
    household: Annotated[str, StringConstraints(max_length=400)] | None = Field(
        default=None,
        description="Who received it, in free text: kept off the ledger, erasable.",
    )
    signatures: SignaturesField


class LoanOut(_Out):
    id: UUID = Field(description="The loan transaction's id.")
    point: UUID
    kind: str
    member_id: UUID
    count: int
    returned: int
    outstanding: int
    due_on: date
    lent_at: datetime
    overdue: bool


class HistoryItemOut(_Out):
    transaction_id: UUID
    log_index: int
    kind: str = Field(description="The transaction's kind (good_deposit, loan, return, ...).")
    recorded_at: datetime
    account_id: UUID
    point: str = Field(description="The owner of the account: the collection point's id.")
    account_role: str = Field(description="stock, intake, given or loan.")
    amount: int
    balance_after: int


class KindPage(PageOut):
    items: list[KindOut]


class PointPage(PageOut):
    items: list[PointSummaryOut]


class LoanPage(PageOut):
    items: list[LoanOut]


class HistoryPage(PageOut):
    items: list[HistoryItemOut] = Field(
        description="Whole transactions: a page never splits one transaction's postings."
    )
