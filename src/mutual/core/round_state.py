"""What a round's entries build: its phase, the data each phase carries, and the errors
its rules refuse a step with.

Later phases keep what earlier ones gathered (a decided round still shows its
manifest, proposal and stances), so the state is one record whose fields fill in as the
round moves on. What a phase guarantees is read through its accessor
(``require_manifest``, ``require_consent``, ``require_decision_sha256``), which returns
the value typed as present or refuses with ``WrongPhase``: no caller narrows a field by
assuming its phase.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from mutual.core.round_documents import (
    Line,
    Manifest,
    RoundConfig,
    Stance,
    Submission,
    lines_document,
)
from mutual.core.round_entries import RoundError


class RoundExists(RoundError):
    code = "round_exists"


class RoundMoved(RoundError):
    """The round moved on since the entry was made: read it again and retry."""

    code = "round_moved"


class WrongPhase(RoundError):
    code = "round_phase"


class NotOnRoll(RoundError):
    code = "not_on_roll"


class RollMismatch(RoundError):
    """A snapshot whose voters are not the roll its round's parameters name, as the
    groups stood at the snapshot."""

    code = "roll_mismatch"


class DeadlinePassed(RoundError):
    code = "deadline_passed"


class ManifestChanged(RoundError):
    code = "manifest_changed"


class Infeasible(RoundError):
    code = "infeasible_allocation"


class AmendmentsExhausted(RoundError):
    code = "amendments_exhausted"


class OutcomeMismatch(RoundError):
    """A closing entry states an outcome the round's acts do not give."""

    code = "round_outcome_mismatch"


class Phase(StrEnum):
    PROPOSALS = "proposals"
    SNAPSHOT = "snapshot"
    CONSENT = "consent"
    BALLOT = "ballot"
    DECIDED = "decided"
    EXECUTED = "executed"
    UNDECIDED = "undecided"
    CANCELLED = "cancelled"


TERMINAL = frozenset({Phase.EXECUTED, Phase.UNDECIDED, Phase.CANCELLED})

# --- The state a round's entries build -----------------------------------------------


@dataclass(frozen=True, slots=True)
class StanceAct:
    entry_id: UUID
    stance: Stance
    target: tuple[str, UUID] | None  # ("line" | "omission", project)
    reason_sha256: str | None


@dataclass(frozen=True, slots=True)
class ConsentOutcome:
    participants: int
    quorum_met: bool
    objections: tuple[tuple[str, UUID], ...]
    result: str  # adopted | ballot | undecided
    kept: tuple[Line, ...]
    ballot_projects: tuple[UUID, ...]
    budget_eur: int
    budget_hours: int

    def document(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "quorum_met": self.quorum_met,
            "objections": [{"kind": k, "project": str(p)} for k, p in self.objections],
            "result": self.result,
            "kept": lines_document(self.kept),
            "ballot_projects": [str(p) for p in self.ballot_projects],
            "budget_eur": self.budget_eur,
            "budget_hours": self.budget_hours,
        }


@dataclass(frozen=True, slots=True)
class Reveal:
    ballot_id: UUID
    voter: UUID
    approvals: tuple[str, ...]
    salt: str


@dataclass(frozen=True, slots=True)
class RoundState:
    round_id: UUID
    config: RoundConfig
    phase: Phase
    head: UUID
    acts: int = 0
    submissions: Mapping[UUID, Submission] = field(default_factory=dict)
    manifest: Manifest | None = None
    # Kept from the snapshot: every ballot is checked against them.
    manifest_sha256: str | None = None
    roll: frozenset[UUID] = frozenset()
    proposal: tuple[Line, ...] = ()
    version: int = 0
    stances: Mapping[UUID, StanceAct] = field(default_factory=dict)
    consent: ConsentOutcome | None = None
    ballots: Mapping[UUID, tuple[UUID, str]] = field(default_factory=dict)  # voter: (id, hash)
    reveals: tuple[Reveal, ...] = ()
    tally_sha256: str | None = None
    decision: tuple[Line, ...] = ()
    decision_sha256: str | None = None
    executed: tuple[UUID, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.phase not in TERMINAL

    def require_manifest(self) -> Manifest:
        """The manifest frozen at the snapshot, there in every phase after it."""
        if self.manifest is None:
            raise WrongPhase(f"the round is {self.phase.value}, before its snapshot", field="round")
        return self.manifest

    def require_consent(self) -> ConsentOutcome:
        """The consent poll's outcome, there once the poll has closed."""
        if self.consent is None:
            raise WrongPhase(
                f"the round is {self.phase.value}, before its consent poll closed", field="round"
            )
        return self.consent

    def require_decision_sha256(self) -> str:
        """The decision's digest, there once the round is decided."""
        if self.decision_sha256 is None:
            raise WrongPhase(f"the round is {self.phase.value}, not decided", field="round")
        return self.decision_sha256
