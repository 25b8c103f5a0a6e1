"""What a closing entry must state: the consent poll's outcome, the ballot's tally and
reveals, and the decision with the digest the execution references.

The fold (``core.rounds``) recomputes these from the round's acts and refuses a closing
entry that states anything else; the service composes the same bodies before writing.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from mutual.core.round_documents import Line, lines_document
from mutual.core.round_entries import RoundError, sha256_hex
from mutual.core.round_state import ConsentOutcome, Reveal, RoundState
from mutual.core.tally import TallyError, TallyInput, TallyParameters, TallyProject, tally
from mutual.core.tally_result import TallyResult, transcript_bytes


def consent_outcome(state: RoundState) -> ConsentOutcome:
    """What the consent poll gives: adopted when the quorum took a stance and nobody
    objects; a ballot over what the objections leave open; undecided without quorum."""
    manifest = state.require_manifest()
    participants = len(state.stances)
    quorum_met = participants >= state.config.quorum
    objections = tuple(
        sorted(
            {s.target for s in state.stances.values() if s.target is not None},
            key=lambda t: (t[0], str(t[1])),
        )
    )
    if not quorum_met:
        return ConsentOutcome(participants, False, objections, "undecided", (), (), 0, 0)
    if not objections:
        return ConsentOutcome(participants, True, (), "adopted", state.proposal, (), 0, 0)
    objected = {p for kind, p in objections if kind == "line"}
    kept = tuple(ln for ln in state.proposal if ln.project_id not in objected)
    kept_ids = {ln.project_id for ln in kept}
    open_projects = tuple(p.project_id for p in manifest.projects if p.project_id not in kept_ids)
    return ConsentOutcome(
        participants,
        True,
        objections,
        "ballot",
        kept,
        open_projects,
        manifest.budget_eur - sum(ln.eur for ln in kept),
        manifest.budget_hours - sum(ln.hours for ln in kept),
    )


def decision_sha256(round_id: UUID, lines: Sequence[Line], tally_sha256: str | None) -> str:
    """What the execution's transactions reference: the round, its lines, its tally."""
    return sha256_hex(
        {"round": str(round_id), "lines": lines_document(lines), "tally_sha256": tally_sha256}
    )


@functools.lru_cache(maxsize=16)
def _open_to_ballot_ids(projects: tuple[UUID, ...]) -> frozenset[str]:
    return frozenset(str(p) for p in projects)


def _open_to_ballot(state: RoundState) -> frozenset[str]:
    return _open_to_ballot_ids(state.require_consent().ballot_projects)


def check_approvals(state: RoundState, approvals: Sequence[str], field: str = "approvals") -> None:
    """A ballot approves projects open to the ballot, within the round's limits."""
    config = state.config
    if len(set(approvals)) != len(approvals) or not set(approvals) <= _open_to_ballot(state):
        raise RoundError("approve distinct projects open to this ballot", field=field)
    if len(approvals) < config.approvals_min or (
        config.approvals_max is not None and len(approvals) > config.approvals_max
    ):
        raise RoundError(
            f"between {config.approvals_min} and {config.approvals_max or 'any number of'} "
            "approvals",
            field=field,
        )


def tally_input(state: RoundState, reveals: Sequence[Reveal]) -> TallyInput:
    """The ballot's tally: the projects left open, the budgets left, the revealed ballots."""
    manifest = state.require_manifest()
    consent = state.require_consent()
    open_ids = set(consent.ballot_projects)
    projects = tuple(
        TallyProject(str(p.project_id), p.ask_eur, p.ask_hours, p.min_eur, p.min_hours)
        for p in manifest.projects
        if p.project_id in open_ids
    )
    config = state.config
    return TallyInput(
        projects,
        {str(r.voter): frozenset(r.approvals) for r in reveals},
        consent.budget_eur,
        consent.budget_hours,
        TallyParameters(config.rule, bytes.fromhex(config.seed), None, config.share_step),
        manifest.conflicts(),
    )


def ballot_outcome(
    state: RoundState, reveals: Sequence[Reveal]
) -> tuple[dict[str, Any], TallyResult | None]:
    """The closing entry's body for these reveals, and the tally (None without quorum)."""
    state.require_consent()  # a ballot follows the consent poll's close
    reveal_docs = [
        {
            "ballot": str(r.ballot_id),
            "voter": str(r.voter),
            "approvals": sorted(r.approvals),
            "salt": r.salt,
        }
        for r in sorted(reveals, key=lambda r: str(r.voter))
    ]
    quorum_met = len(reveals) >= state.config.quorum
    body: dict[str, Any] = {"reveals": reveal_docs, "quorum_met": quorum_met}
    if not quorum_met:
        return body | {"tally_sha256": None, "decision": None}, None
    try:
        result = tally(tally_input(state, reveals))
    except TallyError as exc:
        raise RoundError(exc.detail, field="reveals") from exc
    digest = hashlib.sha256(transcript_bytes(result)).hexdigest()
    decision = decision_lines(state, result)
    return body | {"tally_sha256": digest, "decision": lines_document(decision)}, result


def decision_lines(state: RoundState, result: TallyResult) -> tuple[Line, ...]:
    funded = tuple(Line(UUID(p.project_id), p.cost_eur, p.cost_hours) for p in result.selected)
    return tuple(sorted(state.require_consent().kept + funded))
