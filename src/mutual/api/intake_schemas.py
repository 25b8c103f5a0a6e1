"""Bodies of ``/intake``: a resident's consents to tools, and what a tool records."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from mutual.api.schemas import PageOut, _In, _Out
from mutual.api.timebank_schemas import OfferIn


class IntakeToolOut(_Out):
    id: UUID = Field(description="The tool's principal id: name it to consent.")
    name: str | None


class IntakeToolPage(PageOut):
    items: list[IntakeToolOut]


class IntakeConsentIn(_In):
    client_id: UUID = Field(description="The tool (from /intake/tools).")


class IntakeConsentOut(_Out):
    client_id: UUID
    granted_at: datetime
    withdrawn_at: datetime | None = Field(description="Null while the consent holds.")


class IntakeConsentPage(PageOut):
    items: list[IntakeConsentOut]


class IntakeIn(OfferIn):
    """A need (``request``) or an offer, recorded in a consenting resident's name."""

    member_id: UUID = Field(description="The resident, who consented to this tool.")


class IntakeRecordOut(_Out):
    offer_id: UUID
    member_id: UUID
    client_id: UUID = Field(description="The tool that recorded it.")
    neighbourhood: str | None = Field(description="The resident's neighbourhood then.")
    recorded_at: datetime
    direction: str
    title: str
    category: str


class IntakeRecordPage(PageOut):
    items: list[IntakeRecordOut]
