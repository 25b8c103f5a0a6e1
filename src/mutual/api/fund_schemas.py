"""Request and response bodies of the co-responsibility fund."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StrictInt

from mutual.api.schemas import PageOut, SignatureIn, _In, _Out
from mutual.api.timebank_schemas import Text200
from mutual.core.units import AMOUNT_LIMIT

Cents = Annotated[StrictInt, Field(gt=0, le=AMOUNT_LIMIT, description="Euro cents, > 0.")]
TxId = Annotated[
    UUID | None,
    Field(
        description="The transaction id (also the idempotency key): choose it, or take the "
        "one the unsigned answer's signing_payload shows, and send it with the signatures."
    ),
]
FlowSignatures = Annotated[
    list[SignatureIn],
    Field(
        max_length=16,
        description="Empty on the first call: the answer is the `unsigned` problem with the "
        "signing_payload to sign.",
    ),
]


class PartnerIn(_In):
    id: UUID | None = Field(default=None, description="Choose it to make a retry safe.")
    name: Text200
    kind: Literal["city", "foundation", "company", "association", "resident"]
    principal_id: UUID = Field(
        description="The principal that signs for the partner: an active member for a "
        "resident, an existing principal (e.g. a token with role partner) otherwise."
    )


class PartnerOut(_Out):
    id: UUID
    name: str
    kind: str
    principal_id: UUID
    account_id: UUID
    created_at: datetime


class PartnerPage(PageOut):
    items: list[PartnerOut]


class ContributionIn(_In):
    id: TxId = None
    partner_id: UUID
    kind: Literal["gift", "deposit"]
    amount_cents: Cents
    repayment_due: date | None = Field(
        default=None, description="Deposits only: when the partner expects it back."
    )
    signatures: FlowSignatures = Field(default_factory=list)


class RepaymentIn(_In):
    id: TxId = None
    amount_cents: Cents
    signatures: FlowSignatures = Field(default_factory=list)


class GrantIn(_In):
    id: TxId = None
    project_id: UUID
    amount_cents: Cents
    decision: Text200 = Field(description='The recorded decision, e.g. "CA 2027-03-12 n°4".')
    signatures: FlowSignatures = Field(default_factory=list)


class DisbursementIn(_In):
    id: TxId = None
    amount_cents: Cents
    payee: Text200
    receipt_ref: Text200
    signatures: FlowSignatures = Field(default_factory=list)


class DisbursementOut(_Out):
    id: UUID = Field(description="The payment's transaction id.")
    amount_cents: int
    payee: str
    receipt_ref: str
    recorded_at: datetime


class ProjectDisbursementsOut(PageOut):
    project_id: UUID
    items: list[DisbursementOut] = Field(description="Oldest first.")


class FundOut(_Out):
    balance: int = Field(description="The fund account's balance, in cents.")
    received: int = Field(description="Gifts and deposits received.")
    granted: int
    repaid: int = Field(description="Deposits repaid so far.")
    owed: int = Field(description="Deposits still owed, whenever due.")
    owed_due_soon: int = Field(description="Deposits still owed and due by `due_by`.")
    available: int = Field(description="balance − owed_due_soon: what grants may take.")
    as_of: date
    due_by: date = Field(description="The end of the quarter after `as_of`'s.")


class GrantShareOut(_Out):
    grant_id: UUID
    project_id: UUID
    decision: str | None
    amount_cents: int


class DisbursementShareOut(_Out):
    disbursement_id: UUID
    project_id: UUID
    payee: str | None
    receipt_ref: str | None
    amount_cents: int


class ContributionUseOut(_Out):
    id: UUID
    kind: str
    amount_cents: int
    repayment_due: date | None
    recorded_at: datetime
    owed_cents: int = Field(description="Deposits: what the fund still owes the partner.")
    grants: list[GrantShareOut]
    disbursements: list[DisbursementShareOut] = Field(
        description="What the projects paid out of those grants (part of `grants`)."
    )
    repaid_cents: int = Field(description="This contribution's share spent on repayments.")
    other_cents: int = Field(description="Its share of other outflows (corrections).")
    in_fund_cents: int
    rounding_cents: int = Field(
        description="Every share is floored to the cent; this is what flooring left over."
    )


class PartnerTraceOut(_Out):
    partner: PartnerOut
    contributions: list[ContributionUseOut]
    as_of: datetime
