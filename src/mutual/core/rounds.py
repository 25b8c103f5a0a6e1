"""A quarterly allocation round as a chain of signed log entries, and the rules of its steps.

Every step of a round is a log entry: the *phase* entries move it on (draft, snapshot,
the facilitator's proposal and its amendments, closing the consent poll, closing the
ballot, execution, cancellation) and the *acts* happen within a phase (a project's
submission, a stance, a ballot). Each entry names the phase entry it follows
(``after``); a phase entry also states how many acts it has seen under that phase
(``acts``). The writer refuses an entry whose round has moved on since (``round_moved``),
so two facilitators, or a ballot racing the close, can never both win: the chain is
linear and a closing entry's outcome accounts for exactly the acts before it.

``apply_entry`` folds one entry into the round's state and refuses what the rules do
not allow; the service folds a round's entries to answer and to check a step before
writing it, and the offline verifier folds the same entries to re-check them all. The
outcomes a closing entry states (the consent result, the tally, the decision) are
recomputed here and must be equal, byte for byte, to what the entry says.

Amounts are EUR cents and minutes, as in the ledger. Who may take a step (a
facilitator, a coordinator, a voter on the roll) is the service's access control; the
entries name who did (``by``), and a ballot carries its voter's own signature.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any
from uuid import UUID

from mutual.core.canonical import canonical_json
from mutual.core.errors import LedgerError
from mutual.core.quarters import Quarter, parse_quarter
from mutual.core.tally import Rule, TallyError, TallyInput, TallyParameters, TallyProject, tally
from mutual.core.tally_result import TallyResult, transcript_bytes


class RoundError(LedgerError):
    code = "invalid_round"


class RoundExists(RoundError):
    code = "round_exists"


class RoundMoved(RoundError):
    """The round moved on since the entry was made: read it again and retry."""

    code = "round_moved"


class WrongPhase(RoundError):
    code = "round_phase"


class NotOnRoll(RoundError):
    code = "not_on_roll"


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


class Kind(StrEnum):
    DRAFT = "draft"
    SUBMISSION = "submission"
    SNAPSHOT = "snapshot"
    PROPOSAL = "proposal"
    STANCE = "stance"
    CONSENT_CLOSED = "consent_closed"
    BALLOT = "ballot"
    BALLOT_CLOSED = "ballot_closed"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


ACTS = frozenset({Kind.SUBMISSION, Kind.STANCE, Kind.BALLOT})


class Stance(StrEnum):
    CONSENT = "consent"
    STAND_ASIDE = "stand_aside"
    OBJECT = "object"


# --- Entries -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundEntry:
    """One step of a round as the log holds it (the payload's fields)."""

    id: UUID
    round_id: UUID
    kind: Kind
    by: UUID
    after: UUID | None
    acts: int | None
    at: datetime
    body: Mapping[str, Any]


def entry_payload(origin: str, entry: RoundEntry) -> dict[str, Any]:
    """The signed document of a round entry (a ballot's is signed by its voter)."""
    return {
        "log": origin,
        "id": str(entry.id),
        "round": str(entry.round_id),
        "kind": entry.kind.value,
        "by": str(entry.by),
        "after": None if entry.after is None else str(entry.after),
        "acts": entry.acts,
        "at": timestamp(entry.at),
        "body": dict(entry.body),
    }


def timestamp(at: datetime) -> str:
    """UTC, to the microsecond, always the same length: comparable as text too."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: object, field: str) -> datetime:
    if not isinstance(text, str) or not text.endswith("Z"):
        raise RoundError("a time is an RFC 3339 UTC timestamp ending in Z", field=field)
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError as exc:
        raise RoundError(f"not a timestamp: {text!r}", field=field) from exc


def sha256_hex(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(dict(document))).hexdigest()


def _is_sha256_hex(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in HEX for c in value)


HEX = frozenset("0123456789abcdef")


def _same_json(given: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """Equal as the log's bytes, not as Python values (where ``1 == True``)."""
    return canonical_json(dict(given)) == canonical_json(dict(expected))


def ballot_commitment(approvals: Sequence[str], salt: str) -> str:
    """What a ballot entry shows of its choice until the ballot closes."""
    return sha256_hex({"approvals": sorted(approvals), "salt": salt})


# --- The round's parameters and its frozen manifest ----------------------------------


@dataclass(frozen=True, slots=True)
class RoundConfig:
    label: str
    quarter: Quarter
    rule: Rule
    seed: str
    share_step: Fraction | None
    quorum: int
    proposals_close: datetime
    consent_close: datetime
    ballot_close: datetime
    max_amendments: int
    approvals_min: int
    approvals_max: int | None

    def document(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "quarter": str(self.quarter),
            "rule": self.rule.value,
            "seed": self.seed,
            "share_step": None if self.share_step is None else _fraction(self.share_step),
            "quorum": self.quorum,
            "proposals_close": timestamp(self.proposals_close),
            "consent_close": timestamp(self.consent_close),
            "ballot_close": timestamp(self.ballot_close),
            "max_amendments": self.max_amendments,
            "approvals_min": self.approvals_min,
            "approvals_max": self.approvals_max,
        }


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _int(value: object, field: str, *, minimum: int = 0) -> int:
    if type(value) is not int or value < minimum:
        raise RoundError(f"an integer of at least {minimum}", field=field)
    return value


def _uuid(value: object, field: str) -> UUID:
    try:
        parsed = UUID(str(value))
    except ValueError as exc:
        raise RoundError("not a UUID", field=field) from exc
    if not isinstance(value, str) or str(parsed) != value:
        raise RoundError("a canonical UUID string", field=field)
    return parsed


def _keys(doc: object, keys: set[str], field: str) -> dict[str, Any]:
    if not isinstance(doc, dict) or set(doc) != keys:
        raise RoundError(f"expected the fields {sorted(keys)}", field=field)
    return doc


def parse_config(body: Mapping[str, Any]) -> RoundConfig:
    doc = _keys(dict(body), set(CONFIG_FIELDS), "body")
    try:
        quarter = parse_quarter(doc["quarter"])
    except (LedgerError, TypeError, ValueError) as exc:
        raise RoundError("a quarter like 2027-Q1", field="quarter") from exc
    try:
        rule = Rule(doc["rule"])
    except ValueError as exc:
        raise RoundError(f"rule is one of {[r.value for r in Rule]}", field="rule") from exc
    seed = doc["seed"]
    if (
        not isinstance(seed, str)
        or len(seed) != 64
        or any(c not in "0123456789abcdef" for c in seed)
    ):
        raise RoundError("the tie seed is 64 lowercase hex digits", field="seed")
    step = doc["share_step"]
    share_step: Fraction | None = None
    if step is not None:
        try:
            share_step = Fraction(step) if isinstance(step, str) else None
        except (ValueError, ZeroDivisionError):
            share_step = None
        if share_step is None or share_step <= 0 or _fraction(share_step) != step:
            raise RoundError(
                "share_step is a positive fraction 'p/q' in lowest terms", field="share_step"
            )
    if rule in (Rule.MES_ADD1, Rule.MES_ADD1_GREEDY) and share_step is None:
        raise RoundError("Add1 completion needs a share_step", field="share_step")
    label = doc["label"]
    if not isinstance(label, str) or not 1 <= len(label) <= 64:
        raise RoundError("a label of 1 to 64 characters", field="label")
    approvals_max = doc["approvals_max"]
    config = RoundConfig(
        label,
        quarter,
        rule,
        seed,
        share_step,
        _int(doc["quorum"], "quorum", minimum=1),
        parse_timestamp(doc["proposals_close"], "proposals_close"),
        parse_timestamp(doc["consent_close"], "consent_close"),
        parse_timestamp(doc["ballot_close"], "ballot_close"),
        _int(doc["max_amendments"], "max_amendments"),
        _int(doc["approvals_min"], "approvals_min"),
        None if approvals_max is None else _int(approvals_max, "approvals_max", minimum=1),
    )
    if not config.proposals_close < config.consent_close < config.ballot_close:
        raise RoundError(
            "deadlines follow each other: proposals, consent, ballot", field="deadlines"
        )
    if approvals_max is not None and approvals_max < config.approvals_min:
        raise RoundError("approvals_max is at least approvals_min", field="approvals_max")
    if config.document() != doc:
        raise RoundError("the parameters are not in their canonical form", field="body")
    return config


CONFIG_FIELDS = (
    "label",
    "quarter",
    "rule",
    "seed",
    "share_step",
    "quorum",
    "proposals_close",
    "consent_close",
    "ballot_close",
    "max_amendments",
    "approvals_min",
    "approvals_max",
)


@dataclass(frozen=True, slots=True)
class Submission:
    """A project's ask in a round: euros (cents) and hours (minutes), each with a minimum
    that still makes sense (``None``: all or nothing), and who has a conflict of interest."""

    project_id: UUID
    group: str
    lead: UUID
    ask_eur: int
    ask_hours: int
    min_eur: int | None
    min_hours: int | None
    conflicts: tuple[UUID, ...]

    def document(self) -> dict[str, Any]:
        return {
            "project": str(self.project_id),
            "group": self.group,
            "lead": str(self.lead),
            "ask_eur": self.ask_eur,
            "ask_hours": self.ask_hours,
            "min_eur": self.min_eur,
            "min_hours": self.min_hours,
            "conflicts": [str(c) for c in self.conflicts],
        }

    @property
    def minimum(self) -> tuple[int, int]:
        if self.min_eur is None and self.min_hours is None:
            return self.ask_eur, self.ask_hours
        return (
            self.ask_eur if self.min_eur is None else self.min_eur,
            self.ask_hours if self.min_hours is None else self.min_hours,
        )


def parse_submission(body: Mapping[str, Any]) -> Submission:
    doc = _keys(dict(body), set(SUBMISSION_FIELDS), "body")
    group = doc["group"]
    if not isinstance(group, str) or not 1 <= len(group) <= 200:
        raise RoundError("the proposing group's name, 1 to 200 characters", field="group")
    conflicts = doc["conflicts"]
    if not isinstance(conflicts, list):
        raise RoundError("a list of member ids", field="conflicts")
    parsed = tuple(_uuid(c, "conflicts") for c in conflicts)
    if list(parsed) != sorted(set(parsed)):
        raise RoundError("conflicts are sorted and distinct", field="conflicts")

    def optional(name: str) -> int | None:
        return None if doc[name] is None else _int(doc[name], name)

    sub = Submission(
        _uuid(doc["project"], "project"),
        group,
        _uuid(doc["lead"], "lead"),
        _int(doc["ask_eur"], "ask_eur"),
        _int(doc["ask_hours"], "ask_hours"),
        optional("min_eur"),
        optional("min_hours"),
        parsed,
    )
    if sub.ask_eur == 0 and sub.ask_hours == 0:
        raise RoundError("a project asks for euros, hours or both", field="ask_eur")
    min_eur, min_hours = sub.minimum
    if not (min_eur <= sub.ask_eur and min_hours <= sub.ask_hours) or min_eur + min_hours == 0:
        raise RoundError("the minimum is within the ask and asks for something", field="min_eur")
    return sub


SUBMISSION_FIELDS = (
    "project",
    "group",
    "lead",
    "ask_eur",
    "ask_hours",
    "min_eur",
    "min_hours",
    "conflicts",
)


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the round decides over, frozen at the snapshot: nothing in it changes after."""

    voters: tuple[UUID, ...]
    budget_eur: int
    budget_hours: int
    projects: tuple[Submission, ...]
    tree_size: int
    root: str

    def document(self) -> dict[str, Any]:
        return {
            "voters": [str(v) for v in self.voters],
            "budget_eur": self.budget_eur,
            "budget_hours": self.budget_hours,
            "projects": [p.document() for p in self.projects],
            "checkpoint": {"tree_size": self.tree_size, "root": self.root},
        }

    @property
    def sha256(self) -> str:
        return sha256_hex(self.document())

    def project(self, project_id: UUID) -> Submission | None:
        return next((p for p in self.projects if p.project_id == project_id), None)

    def conflicts(self) -> dict[str, frozenset[str]]:
        """Each voter's conflicts: the projects they lead or declared a conflict for."""
        found: dict[str, set[str]] = {}
        for project in self.projects:
            for member in {project.lead, *project.conflicts}:
                found.setdefault(str(member), set()).add(str(project.project_id))
        return {voter: frozenset(pids) for voter, pids in found.items()}


def parse_manifest(doc: object) -> Manifest:
    m = _keys(doc, {"voters", "budget_eur", "budget_hours", "projects", "checkpoint"}, "manifest")
    checkpoint = _keys(m["checkpoint"], {"tree_size", "root"}, "manifest.checkpoint")
    if not isinstance(m["voters"], list) or not isinstance(m["projects"], list):
        raise RoundError("voters and projects are lists", field="manifest")
    voters = tuple(_uuid(v, "manifest.voters") for v in m["voters"])
    if not voters or list(voters) != sorted(set(voters)):
        raise RoundError("the roll is sorted, distinct and not empty", field="manifest.voters")
    projects = tuple(parse_submission(p) for p in m["projects"])
    if not projects or [p.project_id for p in projects] != sorted({p.project_id for p in projects}):
        raise RoundError("projects are sorted by id and distinct", field="manifest.projects")
    if not isinstance(checkpoint["root"], str):
        raise RoundError("the checkpoint's root is base64 text", field="manifest.checkpoint")
    return Manifest(
        voters,
        _int(m["budget_eur"], "manifest.budget_eur"),
        _int(m["budget_hours"], "manifest.budget_hours"),
        projects,
        _int(checkpoint["tree_size"], "manifest.checkpoint.tree_size"),
        checkpoint["root"],
    )


# --- Allocation lines ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Line:
    """What one project gets: EUR cents and minutes."""

    project_id: UUID
    eur: int
    hours: int

    def document(self) -> dict[str, Any]:
        return {"project": str(self.project_id), "eur": self.eur, "hours": self.hours}


def parse_lines(doc: object, field: str) -> tuple[Line, ...]:
    if not isinstance(doc, list):
        raise RoundError("a list of lines", field=field)
    lines = tuple(
        Line(
            _uuid(_keys(d, {"project", "eur", "hours"}, f"{field}[{i}]")["project"], field),
            _int(d["eur"], f"{field}[{i}].eur"),
            _int(d["hours"], f"{field}[{i}].hours"),
        )
        for i, d in enumerate(doc)
    )
    if [ln.project_id for ln in lines] != sorted({ln.project_id for ln in lines}):
        raise RoundError("lines are sorted by project and name each project once", field=field)
    return lines


def lines_document(lines: Sequence[Line]) -> list[dict[str, Any]]:
    return [ln.document() for ln in sorted(lines)]


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
    body = _keys(dict(entry.body), {"manifest", "manifest_sha256"}, "body")
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
    body = _keys(dict(entry.body), {"version", "lines"}, "body")
    assert state.manifest is not None
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
    check_feasible(lines, state.manifest, state.manifest.budget_eur, state.manifest.budget_hours)
    return replace(
        state, phase=Phase.CONSENT, proposal=lines, version=state.version + 1, stances={}
    )


def _on_roll(state: RoundState, voter: UUID) -> None:
    if voter not in state.roll:
        raise NotOnRoll("not on this round's voter roll", field="by")


def _stance(state: RoundState, entry: RoundEntry) -> RoundState:
    assert state.manifest is not None
    _on_roll(state, entry.by)
    if entry.at > state.config.consent_close:
        raise DeadlinePassed("the consent poll has closed", field="at")
    body = _keys(dict(entry.body), {"stance", "target", "reason_sha256"}, "body")
    try:
        stance = Stance(body["stance"])
    except ValueError as exc:
        raise RoundError("consent, stand_aside or object", field="stance") from exc
    target: tuple[str, UUID] | None = None
    if body["target"] is not None:
        t = _keys(body["target"], {"kind", "project"}, "target")
        target = (t["kind"], _uuid(t["project"], "target.project"))
        in_lines = any(ln.project_id == target[1] for ln in state.proposal)
        if t["kind"] == "line" and not in_lines:
            raise RoundError("an objection to a line names a line of the proposal", field="target")
        if t["kind"] == "omission" and (in_lines or state.manifest.project(target[1]) is None):
            raise RoundError("an omission names a project of the round left out", field="target")
        if t["kind"] not in ("line", "omission"):
            raise RoundError("a target is a line or an omission", field="target.kind")
    if (stance is Stance.OBJECT) != (target is not None):
        raise RoundError("an objection, and only an objection, names its target", field="target")
    reason = body["reason_sha256"]
    if reason is not None and not _is_sha256_hex(reason):
        raise RoundError("the reason's SHA-256 in hex", field="reason_sha256")
    if stance is Stance.OBJECT and reason is None:
        raise RoundError("an objection gives its reason", field="reason")
    act = StanceAct(entry.id, stance, target, reason)
    return replace(state, stances={**state.stances, entry.by: act})


def consent_outcome(state: RoundState) -> ConsentOutcome:
    """What the consent poll gives: adopted when the quorum took a stance and nobody
    objects; a ballot over what the objections leave open; undecided without quorum."""
    assert state.manifest is not None
    manifest = state.manifest
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


def _consent_closed(state: RoundState, entry: RoundEntry) -> RoundState:
    outcome = consent_outcome(state)
    if not _same_json(entry.body, outcome.document()):
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


def decision_sha256(round_id: UUID, lines: Sequence[Line], tally_sha256: str | None) -> str:
    """What the execution's transactions reference: the round, its lines, its tally."""
    return sha256_hex(
        {"round": str(round_id), "lines": lines_document(lines), "tally_sha256": tally_sha256}
    )


def _ballot(state: RoundState, entry: RoundEntry) -> RoundState:
    assert state.manifest is not None
    _on_roll(state, entry.by)
    if entry.at > state.config.ballot_close:
        raise DeadlinePassed("the ballot has closed", field="at")
    body = _keys(dict(entry.body), {"manifest_sha256", "choice_sha256"}, "body")
    if body["manifest_sha256"] != state.manifest_sha256:
        raise ManifestChanged("the ballot was cast on another manifest", field="manifest_sha256")
    choice = body["choice_sha256"]
    if not _is_sha256_hex(choice):
        raise RoundError("the choice's commitment, SHA-256 in hex", field="choice_sha256")
    return replace(state, ballots={**state.ballots, entry.by: (entry.id, choice)})


@functools.lru_cache(maxsize=16)
def _open_to_ballot_ids(projects: tuple[UUID, ...]) -> frozenset[str]:
    return frozenset(str(p) for p in projects)


def _open_to_ballot(state: RoundState) -> frozenset[str]:
    assert state.consent is not None
    return _open_to_ballot_ids(state.consent.ballot_projects)


def check_approvals(state: RoundState, approvals: Sequence[str], field: str = "approvals") -> None:
    """A ballot approves projects open to the ballot, within the round's limits."""
    assert state.consent is not None
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
    assert state.manifest is not None
    assert state.consent is not None
    open_ids = set(state.consent.ballot_projects)
    projects = tuple(
        TallyProject(str(p.project_id), p.ask_eur, p.ask_hours, p.min_eur, p.min_hours)
        for p in state.manifest.projects
        if p.project_id in open_ids
    )
    config = state.config
    return TallyInput(
        projects,
        {str(r.voter): frozenset(r.approvals) for r in reveals},
        state.consent.budget_eur,
        state.consent.budget_hours,
        TallyParameters(config.rule, bytes.fromhex(config.seed), None, config.share_step),
        state.manifest.conflicts(),
    )


def ballot_outcome(
    state: RoundState, reveals: Sequence[Reveal]
) -> tuple[dict[str, Any], TallyResult | None]:
    """The closing entry's body for these reveals, and the tally (None without quorum)."""
    assert state.consent is not None
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
    assert state.consent is not None
    funded = tuple(Line(UUID(p.project_id), p.cost_eur, p.cost_hours) for p in result.selected)
    return tuple(sorted(state.consent.kept + funded))


def _reveals(state: RoundState, doc: object) -> tuple[Reveal, ...]:
    if not isinstance(doc, list):
        raise RoundError("a list of reveals", field="reveals")
    reveals: list[Reveal] = []
    revealed: set[UUID] = set()
    for i, r in enumerate(doc):
        d = _keys(r, {"ballot", "voter", "approvals", "salt"}, f"reveals[{i}]")
        voter = _uuid(d["voter"], f"reveals[{i}].voter")
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
    body = _keys(dict(entry.body), {"reveals", "quorum_met", "tally_sha256", "decision"}, "body")
    reveals = _reveals(state, body["reveals"])
    expected, result = ballot_outcome(state, reveals)
    if not _same_json(entry.body, expected):
        raise OutcomeMismatch("the outcome does not follow from the ballots", field="body")
    if result is None:
        return replace(state, phase=Phase.UNDECIDED, reveals=reveals)
    return _decide(
        replace(state, reveals=reveals), decision_lines(state, result), expected["tally_sha256"]
    )


def _executed(state: RoundState, entry: RoundEntry) -> RoundState:
    body = _keys(dict(entry.body), {"decision_sha256", "transactions"}, "body")
    if body["decision_sha256"] != state.decision_sha256:
        raise OutcomeMismatch("the execution names another decision", field="decision_sha256")
    txs = body["transactions"]
    if not isinstance(txs, list):
        raise RoundError("the transactions' ids", field="transactions")
    return replace(
        state, phase=Phase.EXECUTED, executed=tuple(_uuid(t, "transactions") for t in txs)
    )


def _cancelled(state: RoundState, entry: RoundEntry) -> RoundState:
    body = _keys(dict(entry.body), {"reason_sha256"}, "body")
    reason = body["reason_sha256"]
    if not _is_sha256_hex(reason):
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


def parse_entry_payload(origin: str, payload: Mapping[str, Any]) -> RoundEntry:
    """A round entry from its signed document, refused unless in the form this log signs."""
    doc = _keys(
        dict(payload),
        {"log", "id", "round", "kind", "by", "after", "acts", "at", "body"},
        "payload",
    )
    try:
        kind = Kind(doc["kind"])
    except ValueError as exc:
        raise RoundError("unknown kind of round entry", field="kind") from exc
    if not isinstance(doc["body"], dict):
        raise RoundError("the body is an object", field="body")
    acts = doc["acts"]
    entry = RoundEntry(
        _uuid(doc["id"], "id"),
        _uuid(doc["round"], "round"),
        kind,
        _uuid(doc["by"], "by"),
        None if doc["after"] is None else _uuid(doc["after"], "after"),
        None if acts is None else _int(acts, "acts"),
        parse_timestamp(doc["at"], "at"),
        doc["body"],
    )
    if (kind in ACTS) != (entry.acts is None):
        raise RoundError("a phase entry counts the acts it follows; an act does not", field="acts")
    if entry_payload(origin, entry) != doc:
        raise RoundError("the payload is not in the form this log signs", field="payload")
    return entry
