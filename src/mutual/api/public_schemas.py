"""The public page's body: figures and decisions, each item null unless the territory
opted in; nothing in it names a person."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import Field

from mutual.api.schemas import _Out


class PublicFundOut(_Out):
    balance: int = Field(description="In cents, as every euro figure here.")
    received: int
    granted: int
    repaid: int
    owed: int = Field(description="Deposits still to be repaid.")
    available: int = Field(description="What may still be granted.")
    as_of: date


class PublicConsentOut(_Out):
    participants: int
    quorum_met: bool
    result: Literal["adopted", "ballot", "undecided"]


class PublicLineOut(_Out):
    project_id: UUID
    project: str
    eur: int = Field(description="Cents.")
    hours: int = Field(description="Minutes of volunteer time.")


class PublicApprovalOut(_Out):
    project_id: UUID
    project: str
    count: int = Field(description="Ballots that approved it.")


class PublicRoundOut(_Out):
    label: str
    quarter: str
    phase: str
    budget_eur: int | None
    budget_hours: int | None
    voters: int | None = Field(description="How many were on the roll (not who).")
    consent: PublicConsentOut | None
    ballots_cast: int
    approvals: list[PublicApprovalOut] = Field(
        description="The tally: approvals per project, once the ballots are revealed."
    )
    decision: list[PublicLineOut]
    decision_sha256: str | None
    tally_sha256: str | None


class PublicIndicatorOut(_Out):
    name: str
    unit: str
    target: int
    value: int | None = Field(description="Its value in that follow-up, if the lead gave one.")


class PublicFollowUpOut(_Out):
    quarter: str
    assessment: Literal["on_track", "partly", "off_track"] = Field(
        description="The group's co-evaluation of the lead's follow-up."
    )
    indicators: list[PublicIndicatorOut]


class PublicProjectOut(_Out):
    id: UUID
    name: str
    category: str
    neighbourhood: str | None = Field(description="Its neighbourhood group, if it has one.")
    group: str
    granted_eur: int = Field(description="Cents the fund granted it.")
    status: Literal["idea", "proposed", "funded", "in_progress", "done", "abandoned"]
    follow_up: PublicFollowUpOut | None = Field(
        description="Its latest follow-up the group co-evaluated (figures, no words)."
    )


class PublicCheckpointOut(_Out):
    tree_size: int
    root_hash: str = Field(description="Hex.")
    note: str = Field(description="The signed checkpoint (C2SP signed note).")


class PublicPactOut(_Out):
    signatories: int = Field(description="Residents and organisations who signed a version.")
    signatories_current: int = Field(description="Of whom, the current version.")
    version: int | None = Field(description="The current version's number.")
    title: str | None


class PublicPageOut(_Out):
    shown: list[Literal["fund", "rounds", "projects", "checkpoint", "pact"]] = Field(
        description="What the territory chose to publish; the other items are null."
    )
    fund: PublicFundOut | None
    rounds: list[PublicRoundOut] | None
    projects: list[PublicProjectOut] | None
    checkpoint: PublicCheckpointOut | None = Field(
        description="The log's latest checkpoint (null also before the first is signed)."
    )
    pact: PublicPactOut | None = Field(
        default=None, description="How many signed the territorial pact (counted, not named)."
    )
