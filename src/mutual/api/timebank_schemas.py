"""Request and response bodies of the time bank: members, offers, proposals, notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StrictInt, StringConstraints

from mutual.api.pledge_schemas import SIGN_FIRST
from mutual.api.schemas import (
    FeedPageOut,
    Memo,
    PageOut,
    Salt,
    SignatureIn,
    Signatures,
    TokenOut,
    _In,
    _Out,
    at_most_members,
    object_schema,
)
from mutual.core.age_bands import AgeBand

Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Description = Annotated[str, StringConstraints(max_length=4000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Minutes = Annotated[StrictInt, Field(ge=1, le=100_000)]


class ContactItem(_In):
    value: Text200
    visibility: Literal["members", "coordinators"] = Field(
        description="Who besides the member sees it: every member, or coordinators only."
    )


class ProfileIn(_In):
    display_name: Name
    neighbourhood: Name | None = None
    contact: Annotated[
        dict[Annotated[str, StringConstraints(min_length=1, max_length=40)], ContactItem],
        at_most_members(10),
        object_schema(10, 40),
    ] = Field(default_factory=dict)
    languages: list[Annotated[str, StringConstraints(max_length=10)]] = Field(
        default_factory=list, max_length=10
    )
    age_band: AgeBand | None = Field(
        default=None,
        description="Optional: the member's age band, counted in the territory's reports "
        "by band (never shown to anyone else).",
    )


class ApplicationIn(ProfileIn):
    charter_version: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None,
        description="The version of the charter (`GET /charter`) the applicant read and "
        "accepted; kept with the application. Refused when the charter changed since.",
    )


class CharterOut(_Out):
    version: str = Field(description="The first hex digits of the text's SHA-256.")
    text: str


class InvitationOut(_Out):
    link: str = Field(
        description="The page's address to choose a password (`/app/#/invitation/<token>`), "
        "on the configured public address; shown once, only its hash is kept."
    )
    code: str = Field(description="The same invitation as a short code to type (`ABCD-EFGH`).")
    expires_at: datetime
    mailed: bool = Field(
        description="Whether it also goes by e-mail (a mail server is configured and the "
        "member gave an address)."
    )


class MemberOut(_Out):
    id: UUID
    status: Literal["applied", "active", "refused", "erased"]
    display_name: str | None
    neighbourhood: str | None
    languages: list[str]
    contact: dict[str, dict[str, str]] = Field(
        description="Only the fields the reader may see (per-field visibility)."
    )
    pact_signed_on: date | None = Field(
        description="The day of the member's first signature of the territorial pact, "
        "read from the log (`/pact`); for a member who gave it before the pact was "
        "in the log, the day they gave. Own and coordinators only."
    )
    account_id: UUID | None
    charter_version: str | None = Field(
        default=None, description="The charter's version accepted (own and coordinators only)."
    )
    number: int | None = Field(
        description="The member number, given on acceptance in its order; tells namesakes apart."
    )
    age_band: AgeBand | None = Field(default=None, description="Own profile only.")
    updated_at: datetime = Field(
        description="When it last changed: what updated_since compares with."
    )


class MemberPage(PageOut):
    items: list[MemberOut]


class AcceptedOut(_Out):
    member: MemberOut
    token: TokenOut = Field(
        description="The member's first bearer token, shown once, for another client; the "
        "page's way in is the invitation."
    )
    invitation: InvitationOut


class NearLimitOut(_Out):
    member_id: UUID
    account_id: UUID
    balance: int
    balance_min: int | None
    balance_max: int | None
    state: Literal["near_min", "near_max", "past_min", "past_max", "within"]


class NearLimitPage(PageOut):
    items: list[NearLimitOut]


class OfferIn(_In):
    direction: Literal["offer", "request"]
    title: Text200
    description: Description = ""
    category: Annotated[str, StringConstraints(max_length=40)]
    neighbourhood: Name | None = None
    estimated_minutes: Minutes | None = None


class OfferEditIn(_In):
    """Only the fields given change; null empties the optional ones."""

    title: Text200 | None = None
    description: Description | None = None
    category: Annotated[str, StringConstraints(max_length=40)] | None = None
    neighbourhood: Name | None = None
    estimated_minutes: Minutes | None = None


class OfferMessageIn(_In):
    id: UUID | None = Field(
        default=None, description="The message's id; send again with it to retry safely."
    )
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="What the sender says to the offer's author."
    )
    to: UUID | None = Field(
        default=None,
        description="The offer's author answering: the member who wrote to them about it. "
        "Anyone else writes to the author (null, or the author's id).",
    )


class OfferMessageOut(_Out):
    id: UUID
    offer_id: UUID
    sender_id: UUID
    recipient_id: UUID
    text: str
    created_at: datetime


class OfferMessagePage(PageOut):
    items: list[OfferMessageOut]


class OfferOut(_Out):
    id: UUID
    member_id: UUID
    direction: str
    title: str
    description: str
    category: str
    neighbourhood: str | None
    estimated_minutes: int | None
    created_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    updated_at: datetime = Field(
        description="When it last changed: what updated_since compares with."
    )


class OfferPage(PageOut):
    items: list[OfferOut]


class ExchangeProposalIn(_In):
    id: UUID | None = Field(
        default=None, description="The proposed transaction's id; resend with it to retry."
    )
    receiver: UUID = Field(description="The member who received the service.")
    minutes: Minutes = Field(description="Whole steps of the territory's duration step.")
    memo: Memo = ""
    offer_id: UUID | None = None
    category: Annotated[str, StringConstraints(max_length=40)] | None = None
    on_behalf_of: UUID | None = Field(
        default=None,
        description="An association the caller acts for: the hours go to its account.",
    )


class ProposalOut(_Out):
    id: UUID
    provider: UUID
    receiver: UUID
    minutes: int
    memo: str
    offer_id: UUID | None
    category: str | None
    status: Literal["pending", "confirmed", "rejected", "expired"]
    reason: str | None
    created_at: datetime
    expires_at: datetime
    signing_payload: dict[str, Any] = Field(
        description="What the receiver signs to confirm: RFC 8785 bytes of this document "
        "behind the mutual/transaction/v1 prefix."
    )
    group: UUID | None = Field(
        default=None, description="The group exchange this proposal is one share of."
    )


class ProposalPage(PageOut):
    items: list[ProposalOut]


CategoryCode = Annotated[str, StringConstraints(max_length=40)]


class ReceivedIn(_In):
    id: UUID | None = Field(
        default=None, description="The transaction's id: choose it, and resend with it."
    )
    provider: UUID = Field(description="The member who gave the service.")
    minutes: Minutes = Field(description="Whole steps of the territory's duration step.")
    memo: Memo = ""
    memo_salt: Salt | None = Field(
        default=None,
        description="Base64 of at least 16 random bytes; required with a memo (the payload "
        "signs SHA-256(salt || memo)). The same salt in both steps.",
    )
    offer_id: UUID | None = None
    category: CategoryCode | None = None
    signatures: Signatures = Field(default_factory=list, description=SIGN_FIRST)
    on_behalf_of: UUID | None = Field(
        default=None,
        description="An association the caller acts for: its account pays, and the "
        "signature is made on its behalf.",
    )


class ShareIn(_In):
    member: UUID = Field(description="A receiver (side provider) or a provider (side receiver).")
    minutes: Minutes = Field(description="This member's share, in whole steps.")


class ExchangeGroupIn(_In):
    id: UUID | None = Field(
        default=None, description="The group's id: choose it, and resend with it to retry."
    )
    side: Literal["provider", "receiver"] = Field(
        description="The recording member's side: they gave to each member listed "
        "(`provider`, a workshop) or received from each (`receiver`)."
    )
    shares: list[ShareIn] = Field(min_length=2, max_length=30)
    memo: Memo = ""
    offer_id: UUID | None = None
    category: CategoryCode | None = None


class ExchangeGroupOut(_Out):
    id: UUID
    side: Literal["provider", "receiver"]
    shares: list[ProposalOut] = Field(
        description="One proposal per share, each signed by its receiver to confirm it."
    )


class ConfirmIn(_In):
    signatures: list[SignatureIn] = Field(min_length=1, max_length=8)


class RejectIn(_In):
    reason: Reason


class NotificationOut(_Out):
    seq: int
    kind: str
    data: dict[str, Any]
    message: str = Field(description="In the reader's language (Accept-Language: fr or en).")
    created_at: str


class NotificationPage(FeedPageOut):
    items: list[NotificationOut]


NoticeDeliveryField = Literal["immediate", "digest", "never"]


class NotificationPreferencesIn(_In):
    notices: NoticeDeliveryField = Field(
        description="How notices reach the member by e-mail: each as it happens "
        "(`immediate`), in one e-mail a day (`digest`), or not at all (`never`). Sign-in "
        "codes the member asks for are sent at once whatever the choice."
    )


class NotificationPreferencesOut(_Out):
    notices: NoticeDeliveryField = Field(
        description="The member's choice; `immediate` until they make one."
    )
    email: str | None = Field(
        description="Where the e-mails go: the e-mail in the member's contact details, else "
        "their login when it is an e-mail address; null when neither is, and nothing is sent."
    )
    email_enabled: bool = Field(
        description="Whether the service sends e-mail at all (a mail server is configured)."
    )


class LimitsIn(_In):
    id: UUID | None = Field(
        default=None, description="The change's id; choose it to make a retry safe."
    )
    balance_min: StrictInt | None = Field(description="Minutes (negative); null: no lower bound.")
    balance_max: StrictInt | None = Field(description="Minutes; null: no upper bound.")


class TerritoryLimitsOut(_Out):
    balance_min: int | None
    balance_max: int | None
    change_id: UUID | None = Field(
        description="The ledger record that set them; null while the configured ones hold."
    )
    log_index: int | None


class TerritoryLimitsChangedOut(TerritoryLimitsOut):
    accounts_changed: int = Field(
        description="Members' accounts that follow the default and moved with it."
    )


class MemberLimitsOut(_Out):
    change_id: UUID
    log_index: int
    leaf_hash: str
    account_id: UUID
    balance: int
    balance_min: int | None
    balance_max: int | None
