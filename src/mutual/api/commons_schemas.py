"""Request and response bodies of the commons pot."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from mutual.api.pledge_schemas import SIGN_FIRST, Minutes
from mutual.api.schemas import Memo, Salt, Signatures, _In, _Out

SALTED = (
    "Base64 of at least 16 random bytes the client chose, required with a description: "
    "the payload signs SHA-256(salt || memo), so the client can check it before signing."
)


class CommonsGiftIn(_In):
    id: UUID | None = Field(default=None, description="The transaction's id: choose it.")
    minutes: Minutes = Field(description="Whole steps (15 minutes by default).")
    memo: Memo = Field(default="", description="A word with the gift (optional).")
    memo_salt: Salt | None = Field(default=None, description=SALTED)
    signatures: Signatures = Field(default_factory=list, description=SIGN_FIRST)


class CommonsPaymentIn(_In):
    id: UUID | None = Field(default=None, description="The transaction's id: choose it.")
    member_id: UUID = Field(description="The member paid for their territorial work.")
    minutes: Minutes = Field(description="Whole steps (15 minutes by default).")
    memo: Memo = Field(description="What the work was (required).")
    memo_salt: Salt | None = Field(default=None, description=SALTED)
    signatures: Signatures = Field(
        default_factory=list,
        description=SIGN_FIRST + " The signature is an appointed coordinator's, with "
        "`on_behalf_of` the commons (`commons_principal` below).",
    )


class PotCoordinatorIn(_In):
    member_id: UUID = Field(description="The member appointed to pay from the pot.")


class PotCoordinatorOut(_Out):
    member_id: UUID
    display_name: str | None


class PotOut(_Out):
    account_id: UUID
    unit: str
    balance: int = Field(description="Minutes the pot holds.")
    commons_principal: UUID = Field(
        description="The commons as a principal: a payment's signature is made on its behalf."
    )
    coordinators: list[PotCoordinatorOut] = Field(
        description="Whom the log appointed to pay from the pot (its custodians)."
    )
