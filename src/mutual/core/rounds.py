"""The fold of a round: its entries applied one by one, each refused unless the rules
allow it.

A round is a chain of entries (``core.round_entries``): each names the phase entry it
follows, and a phase entry counts the acts it has seen under that phase. The writer
refuses an entry whose round has moved on since (``round_moved``, ``check_sequence``),
so two facilitators, or a ballot racing the close, can never both win: the chain is
linear and a closing entry's outcome accounts for exactly the acts before it.

``apply_entry`` folds one entry into the round's state (``core.round_state``) and
refuses what the rules do not allow: ``_STEPS`` is the state machine, each kind of
entry with the phases it may come in and its handler. The service folds a round's
entries to answer and to check a step before writing it, and the offline verifier folds
the same entries to re-check them all. The outcomes a closing entry states (the consent
result, the tally, the decision) are recomputed (``core.round_outcomes``) and must be
equal, byte for byte, to what the entry says.

Amounts are EUR cents and minutes, as in the ledger. Who may take a step (a
facilitator, a coordinator, a voter on the roll) is the service's access control; the
entries name who did (``by``), and a ballot carries its voter's own signature.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from uuid import UUID

from mutual.core.round_documents import (
    Line,
    Manifest,
    Stance,
    parse_config,
    parse_lines,
    parse_manifest,
    parse_submission,
)
from mutual.core.round_entries import (
    ACTS,
    Kind,
    RoundEntry,
    RoundError,
    ballot_commitment,
    expect_fields,
    is_sha256_hex,
    parse_uuid,
    same_json,
)
from mutual.core.round_outcomes import (
    ballot_outcome,
    check_approvals,
    consent_outcome,
    decision_lines,
    decision_sha256,
)
from mutual.core.round_state import (
    TERMINAL,
    AmendmentsExhausted,
    DeadlinePassed,
    Infeasible,
    ManifestChanged,
    NotOnRoll,
    OutcomeMismatch,
    Phase,
    Reveal,
    RoundExists,
    RoundMoved,
    RoundState,
    StanceAct,
    WrongPhase,
)


def check_sequence(head: tuple[UUID, int] | None, entry: RoundEntry) -> tuple[UUID, int]:
    """The writer's rule: an entry follows its round's current head (and, for a phase
    entry, every act under it). Returns the new head and its count of acts."""
    if head is None:
        if entry.kind is not Kind.DRAFT or entry.after is not None:
            raise WrongPhase("a round starts with its draft", field="round")
        return entry.id, 0
    if entry.kind is Kind.DRAFT:
        raise RoundExists("this round already has its draft", field="round")
    head_id, acts = head
    if entry.after != head_id:
        raise RoundMoved("the round has moved on since this step was made", field="after")
    if entry.kind in ACTS:
        return head_id, acts + 1
    if entry.acts != acts:
        raise RoundMoved(
            f"{acts} acts are recorded under this phase, not {entry.acts}", field="acts"
        )
    return entry.id, 0


def start(entry: RoundEntry) -> RoundState:
    check_sequence(None, entry)
    return RoundState(entry.round_id, parse_config(entry.body), Phase.PROPOSALS, entry.id)


def apply_entry(state: RoundState, entry: RoundEntry) -> RoundState:
    """The round after ``entry``, or the rule it breaks."""
    if entry.round_id != state.round_id:
        raise RoundError("an entry of another round", field="round")
    head, acts = check_sequence((state.head, state.acts), entry)
    step = _STEPS.get(entry.kind)
    if step is None:
        raise WrongPhase("a round has one draft", field="kind")
    allowed, handler = step
    if state.phase not in allowed:
        raise WrongPhase(
            f"no {entry.kind.value} while the round is {state.phase.value}", field="kind"
        )
    return replace(handler(state, entry), head=head, acts=acts)


def _submission(state: RoundState, entry: RoundEntry) -> RoundState:
    if entry.at > state.config.proposals_close:
        raise DeadlinePassed("proposals closed", field="at")
    sub = parse_submission(entry.body)
    return replace(state, submissions={**state.submissions, sub.project_id: sub})


def _snapshot(state: RoundState, entry: RoundEntry) -> RoundState:
    body = expect_fields(dict(entry.body), {"manifest", "manifest_sha256"}, "body")
    manifest = parse_manifest(body["manifest"])
    if body["manifest_sha256"] != manifest.sha256:
        raise ManifestChanged("manifest_sha256 is not the manifest's hash", field="body")
    submitted = tuple(state.submissions[k] for k in sorted(state.submissions))
    if manifest.projects != submitted:
        raise RoundError("the manifest lists exactly the projects submitted", field="manifest")
    return replace(
        state,
        phase=Phase.SNAPSHOT,
        manifest=manifest,
        manifest_sha256=body["manifest_sha256"],
        roll=frozenset(manifest.voters),
    )


def _proposal(state: RoundState, entry: RoundEntry) -> RoundState:
    body = expect_fields(dict(entry.body), {"version", "lines"}, "body")
    manifest = state.require_manifest()
    amending = state.phase is Phase.CONSENT
    if amending and entry.at > state.config.consent_close:
        raise DeadlinePassed("the consent poll has closed", field="at")
    if amending and state.version > state.config.max_amendments:
        raise AmendmentsExhausted(
            f"{state.config.max_amendments} amended versions at most", field="version"
        )
    if body["version"] != state.version + 1:
        raise RoundError(f"this is version {state.version + 1}", field="version")
    lines = parse_lines(body["lines"], "lines")
    check_feasible(lines, manifest, manifest.budget_eur, manifest.budget_hours)
    return replace(
        state, phase=Phase.CONSENT, proposal=lines, version=state.version + 1, stances={}
    )


def _on_roll(state: RoundState, voter: UUID) -> None:
    if voter not in state.roll:
        raise NotOnRoll("not on this round's voter roll", field="by")


def _stance(state: RoundState, entry: RoundEntry) -> RoundState:
    manifest = state.require_manifest()
    _on_roll(state, entry.by)
    if entry.at > state.config.consent_close:
        raise DeadlinePassed("the consent poll has closed", field="at")
    body = expect_fields(dict(entry.body), {"stance", "target", "reason_sha256"}, "body")
    try:
        stance = Stance(body["stance"])
    except ValueError as exc:
        raise RoundError("consent, stand_aside or object", field="stance") from exc
    target: tuple[str, UUID] | None = None
    if body["target"] is not None:
        t = expect_fields(body["target"], {"kind", "project"}, "target")
        target = (t["kind"], parse_uuid(t["project"], "target.project"))
        in_lines = any(ln.project_id == target[1] for ln in state.proposal)
        if t["kind"] == "line" and not in_lines:
            raise RoundError("an objection to a line names a line of the proposal", field="target")
        if t["kind"] == "omission" and (in_lines or manifest.project(target[1]) is None):
            raise RoundError("an omission names a project of the round left out", field="target")
        if t["kind"] not in ("line", "omission"):
            raise RoundError("a target is a line or an omission", field="target.kind")
    if (stance is Stance.OBJECT) != (target is not None):
        raise RoundError("an objection, and only an objection, names its target", field="target")
    reason = body["reason_sha256"]
    if reason is not None and not is_sha256_hex(reason):
        raise RoundError("the reason's SHA-256 in hex", field="reason_sha256")
    if stance is Stance.OBJECT and reason is None:
        raise RoundError("an objection gives its reason", field="reason")
    act = StanceAct(entry.id, stance, target, reason)
    return replace(state, stances={**state.stances, entry.by: act})


def _consent_closed(state: RoundState, entry: RoundEntry) -> RoundState:
    outcome = consent_outcome(state)
    if not same_json(entry.body, outcome.document()):
        raise OutcomeMismatch("the outcome does not follow from the stances", field="body")
    if outcome.result == "undecided":
        return replace(state, phase=Phase.UNDECIDED, consent=outcome)
    if outcome.result == "adopted":
        return _decide(replace(state, consent=outcome), outcome.kept, None)
    return replace(state, phase=Phase.BALLOT, consent=outcome)


def _decide(state: RoundState, lines: Sequence[Line], tally_sha256: str | None) -> RoundState:
    decision = tuple(sorted(lines))
    digest = decision_sha256(state.round_id, decision, tally_sha256)
    return replace(
        state,
        phase=Phase.DECIDED,
        decision=decision,
        tally_sha256=tally_sha256,
        decision_sha256=digest,
    )


def _ballot(state: RoundState, entry: RoundEntry) -> RoundState:
    _on_roll(state, entry.by)
    if entry.at > state.config.ballot_close:
        raise DeadlinePassed("the ballot has closed", field="at")
    body = expect_fields(dict(entry.body), {"manifest_sha256", "choice_sha256"}, "body")
    if body["manifest_sha256"] != state.manifest_sha256:
        raise ManifestChanged("the ballot was cast on another manifest", field="manifest_sha256")
    choice = body["choice_sha256"]
    if not is_sha256_hex(choice):
        raise RoundError("the choice's commitment, SHA-256 in hex", field="choice_sha256")
    return replace(state, ballots={**state.ballots, entry.by: (entry.id, choice)})


def check_feasible(
    lines: Sequence[Line], manifest: Manifest, budget_eur: int, budget_hours: int
) -> None:
    """Each line within its project's ask and at least its minimum; both totals within
    the budgets."""
    for i, line in enumerate(lines):
        project = manifest.project(line.project_id)
        if project is None:
            raise Infeasible("not a project of this round", field=f"lines[{i}].project")
        min_eur, min_hours = project.minimum
        if not (min_eur <= line.eur <= project.ask_eur and min_hours <= line.hours):
            raise Infeasible(
                "a line gives at least the project's minimum and at most its ask",
                field=f"lines[{i}]",
            )
        if line.hours > project.ask_hours:
            raise Infeasible("more hours than the project asks", field=f"lines[{i}].hours")
    if sum(ln.eur for ln in lines) > budget_eur:
        raise Infeasible(
            f"the lines give more than the {budget_eur} cents available", field="lines"
        )
    if sum(ln.hours for ln in lines) > budget_hours:
        raise Infeasible(
            f"the lines give more than the {budget_hours} minutes pledged", field="lines"
        )


def _reveals(state: RoundState, doc: object) -> tuple[Reveal, ...]:
    if not isinstance(doc, list):
        raise RoundError("a list of reveals", field="reveals")
    reveals: list[Reveal] = []
    revealed: set[UUID] = set()
    for i, r in enumerate(doc):
        d = expect_fields(r, {"ballot", "voter", "approvals", "salt"}, f"reveals[{i}]")
        voter = parse_uuid(d["voter"], f"reveals[{i}].voter")
        if voter in revealed:
            raise OutcomeMismatch("each voter's ballot is revealed once", field=f"reveals[{i}]")
        revealed.add(voter)
        cast = state.ballots.get(voter)
        if cast is None or str(cast[0]) != d["ballot"]:
            raise OutcomeMismatch("a reveal is of each voter's last ballot", field=f"reveals[{i}]")
        approvals = d["approvals"]
        if not isinstance(approvals, list) or not all(isinstance(a, str) for a in approvals):
            raise RoundError("approvals are project ids", field=f"reveals[{i}].approvals")
        if not isinstance(d["salt"], str) or ballot_commitment(approvals, d["salt"]) != cast[1]:
            raise OutcomeMismatch(
                "the reveal does not open its ballot's commitment", field=f"reveals[{i}]"
            )
        check_approvals(state, approvals, f"reveals[{i}].approvals")
        reveals.append(Reveal(cast[0], voter, tuple(approvals), d["salt"]))
    if len(reveals) != len(state.ballots):
        raise OutcomeMismatch("every counted ballot is revealed", field="reveals")
    return tuple(reveals)


def _ballot_closed(state: RoundState, entry: RoundEntry) -> RoundState:
    body = expect_fields(
        dict(entry.body), {"reveals", "quorum_met", "tally_sha256", "decision"}, "body"
    )
    reveals = _reveals(state, body["reveals"])
    expected, result = ballot_outcome(state, reveals)
    if not same_json(entry.body, expected):
        raise OutcomeMismatch("the outcome does not follow from the ballots", field="body")
    if result is None:
        return replace(state, phase=Phase.UNDECIDED, reveals=reveals)
    return _decide(
        replace(state, reveals=reveals), decision_lines(state, result), expected["tally_sha256"]
    )


def _executed(state: RoundState, entry: RoundEntry) -> RoundState:
    body = expect_fields(dict(entry.body), {"decision_sha256", "transactions"}, "body")
    if body["decision_sha256"] != state.decision_sha256:
        raise OutcomeMismatch("the execution names another decision", field="decision_sha256")
    txs = body["transactions"]
    if not isinstance(txs, list):
        raise RoundError("the transactions' ids", field="transactions")
    return replace(
        state, phase=Phase.EXECUTED, executed=tuple(parse_uuid(t, "transactions") for t in txs)
    )


def _cancelled(state: RoundState, entry: RoundEntry) -> RoundState:
    body = expect_fields(dict(entry.body), {"reason_sha256"}, "body")
    reason = body["reason_sha256"]
    if not is_sha256_hex(reason):
        raise RoundError("a cancellation gives its reason", field="reason")
    return replace(state, phase=Phase.CANCELLED)


_STEPS: dict[Kind, tuple[frozenset[Phase], Callable[[RoundState, RoundEntry], RoundState]]] = {
    Kind.SUBMISSION: (frozenset({Phase.PROPOSALS}), _submission),
    Kind.SNAPSHOT: (frozenset({Phase.PROPOSALS}), _snapshot),
    Kind.PROPOSAL: (frozenset({Phase.SNAPSHOT, Phase.CONSENT}), _proposal),
    Kind.STANCE: (frozenset({Phase.CONSENT}), _stance),
    Kind.CONSENT_CLOSED: (frozenset({Phase.CONSENT}), _consent_closed),
    Kind.BALLOT: (frozenset({Phase.BALLOT}), _ballot),
    Kind.BALLOT_CLOSED: (frozenset({Phase.BALLOT}), _ballot_closed),
    Kind.EXECUTED: (frozenset({Phase.DECIDED}), _executed),
    Kind.CANCELLED: (frozenset(Phase) - TERMINAL, _cancelled),
}


def require_phase(state: RoundState, kind: Kind) -> None:
    """Refuse a step the round's phase does not allow, before composing it."""
    step = _STEPS.get(kind)
    if step is None or state.phase not in step[0]:
        raise WrongPhase(f"no {kind.value} while the round is {state.phase.value}", field="kind")


def fold(entries: Sequence[RoundEntry]) -> RoundState:
    """A round's state from its entries in log order."""
    if not entries:
        raise RoundError("a round has at least its draft", field="round")
    state = start(entries[0])
    for entry in entries[1:]:
        state = apply_entry(state, entry)
    return state
