"""Request and response bodies of allocation rounds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StrictInt, StringConstraints

from mutual.api.schemas import PageOut, SignatureIn, Signatures, _In, _Out
from mutual.core.groups import RollSource
from mutual.core.round_documents import Stance
from mutual.core.round_state import Phase
from mutual.core.tally import Rule

Cents = Annotated[StrictInt, Field(ge=0, le=10**12)]
Minutes = Annotated[StrictInt, Field(ge=0, le=10**9)]
StepId = Field(
    default=None,
    description="The step's log entry id: choose it to make a retry a replay.",
)


class RollIn(_In):
    # Described by the enum itself: a field's own description would make the shared
    # schema's text depend on which operation the generator met first.
    source: RollSource
    group_id: UUID | None = Field(
        default=None, description="The group named (none for every active member)."
    )


class NeighbourhoodIn(_In):
    group_id: UUID = Field(description="The neighbourhood group the round belongs to.")
    budget_eur: Annotated[StrictInt, Field(ge=1, le=10**12)] = Field(
        description="Its own budget: at most this many cents of the fund."
    )


class RoundIn(_In):
    id: UUID | None = Field(default=None, description="The round's id: choose it.")
    label: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="How people name the round, like 2027-Q1 (unique)."
    )
    quarter: Annotated[str, StringConstraints(pattern=r"^\d{4}-Q[1-4]$")] = Field(
        description="The quarter whose pledged hours the round allocates."
    )
    rule: Rule = Rule.MES_ADD1_GREEDY
    seed: Annotated[str, StringConstraints(pattern="^[0-9a-f]{64}$")] | None = Field(
        default=None,
        description="The tie-breaking seed, published now; drawn at random when absent.",
    )
    share_step: Annotated[str, StringConstraints(pattern=r"^\d+/\d+$")] | None = Field(
        default=None,
        description="Add1 completion: how much each voter's share grows per step, as a "
        "fraction of the budget ('1/1000' when absent for an Add1 rule).",
    )
    quorum: Annotated[StrictInt, Field(ge=1, le=10**6)]
    proposals_close: AwareDatetime
    consent_close: AwareDatetime
    ballot_close: AwareDatetime
    max_amendments: Annotated[StrictInt, Field(ge=0, le=20)] = 2
    approvals_min: Annotated[StrictInt, Field(ge=0, le=1000)] = 0
    approvals_max: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None
    roll: RollIn | None = Field(
        default=None,
        description="Who votes; by default the city group's representatives once the "
        "territory has a city group, every active member before; a neighbourhood "
        "round's group's members.",
    )
    neighbourhood: NeighbourhoodIn | None = Field(
        default=None, description="A round that belongs to a neighbourhood group."
    )


class SubmissionIn(_In):
    id: UUID | None = StepId
    project_id: UUID
    ask_eur: Cents = Field(description="Euros asked, in cents.")
    ask_hours: Minutes = Field(description="Volunteer time asked, in minutes.")
    min_eur: Cents | None = Field(default=None, description="The least that still makes sense.")
    min_hours: Minutes | None = None
    conflicts: Annotated[list[UUID], Field(max_length=200)] = Field(
        default_factory=list,
        description="Members of the proposing group with a conflict of interest (the "
        "project's lead is added by the service).",
    )


class StepIn(_In):
    id: UUID | None = StepId


class LineIn(_In):
    project_id: UUID
    eur: Cents
    hours: Minutes


class RoundProposalIn(_In):
    id: UUID | None = StepId
    lines: Annotated[list[LineIn], Field(max_length=500)]


class TargetIn(_In):
    kind: Literal["line", "omission"]
    project_id: UUID


class StanceIn(_In):
    id: UUID | None = StepId
    stance: Stance
    target: TargetIn | None = Field(
        default=None, description="An objection names the line, or the omission, it targets."
    )
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class BallotIn(_In):
    id: UUID = Field(description="The ballot's id: choose it; send it again with the signature.")
    approvals: Annotated[list[UUID], Field(max_length=500)]
    voter_id: UUID | None = Field(
        default=None, description="A coordinator bringing a custodial ballot: the voter."
    )
    signatures: Signatures = Field(
        default_factory=list,
        description="Sent empty, the answer is `unsigned` with the ballot's payload "
        "(domain mutual/ballot/v1): the voter signs it.",
    )


class ExecutionIn(_In):
    id: UUID | None = StepId
    signatures: dict[UUID, Signatures] = Field(
        default_factory=dict,
        description="Per transaction id, its signatures (an operator's key); sent empty, "
        "the answer is `unsigned` listing every `signing_payloads`.",
    )


class CancelIn(_In):
    id: UUID | None = StepId
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class LineOut(_Out):
    project_id: UUID
    eur: int
    hours: int


class SubmissionOut(_Out):
    project_id: UUID
    group: str
    lead: UUID
    ask_eur: int
    ask_hours: int
    min_eur: int | None
    min_hours: int | None
    conflicts: list[UUID]


class ManifestOut(_Out):
    sha256: str
    voters: list[UUID]
    budget_eur: int
    budget_hours: int
    checkpoint_tree_size: int
    checkpoint_root: str


class StanceOut(_Out):
    voter_id: UUID
    stance: Stance
    target: TargetIn | None
    reason: str | None


class ConsentOut(_Out):
    participants: int
    quorum_met: bool
    result: Literal["adopted", "ballot", "undecided"]
    objections: list[TargetIn]
    kept: list[LineOut]
    ballot_projects: list[UUID]
    budget_eur_left: int
    budget_hours_left: int


class RevealOut(_Out):
    ballot_id: UUID
    voter_id: UUID
    approvals: list[UUID]
    salt: str


class RoundOut(_Out):
    id: UUID
    label: str
    quarter: str
    phase: Phase
    rule: Rule
    seed: str
    share_step: str | None
    quorum: int
    proposals_close: datetime
    consent_close: datetime
    ballot_close: datetime
    max_amendments: int
    approvals_min: int
    approvals_max: int | None
    roll_source: RollSource
    roll_group: UUID | None
    neighbourhood_group: UUID | None
    neighbourhood_budget_eur: int | None
    head: UUID = Field(description="The round's last phase entry: what a next step follows.")
    acts: int = Field(description="Acts (submissions, stances, ballots) under that phase.")
    submissions: list[SubmissionOut]
    manifest: ManifestOut | None
    proposal_version: int
    proposal: list[LineOut]
    stances: list[StanceOut]
    consent: ConsentOut | None
    ballots_cast: int
    voted: list[UUID] = Field(description="Who voted (contents stay hidden until the close).")
    reveals: list[RevealOut]
    decision: list[LineOut]
    decision_sha256: str | None
    tally_sha256: str | None
    transactions: list[UUID]


class ReceiptOut(_Out):
    ballot_id: UUID
    log_index: int = Field(description="Fetch its inclusion proof from /log/proofs/inclusion.")
    leaf_hash: str


class ResultOut(_Out):
    round_id: UUID
    phase: Phase
    decision: list[LineOut]
    transcript: dict[str, Any] | None = Field(
        description="The tally's transcript (steps, payments, completion, ties, reasons "
        "for each unfunded project, per-voter results), when the round went to a ballot."
    )


__all__ = ["SignatureIn"]


class RoundPage(PageOut):
    items: list[RoundOut] = Field(description="Newest first.")
