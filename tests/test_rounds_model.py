"""Properties of an allocation round's rules (``core/rounds.py``), pure, without a database.

A strategy builds whole valid rounds as chains of ``RoundEntry``: the draft, submissions
(some replaced by a later one), the snapshot's manifest, a feasible proposal (sometimes
amended), stances, the consent poll's close, and when it goes to a ballot, ballots (some
voters changing theirs) and the ballot's close. Closing bodies are what
``consent_outcome`` and ``ballot_outcome`` give; everything else (the manifest's hash,
the minimums, the expected consent outcome, the decision's hash) is recomputed here from
the contract (``contracts/export.md``, "round and ballot"), independently of the module.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest
import rfc8785
from hypothesis import event, given, settings
from hypothesis import strategies as st

from mutual.core.round_documents import CONFIG_FIELDS, Line, Manifest, Submission
from mutual.core.round_entries import (
    ACTS,
    Kind,
    RoundEntry,
    RoundError,
    ballot_commitment,
    entry_payload,
    parse_entry_payload,
    timestamp,
)
from mutual.core.round_outcomes import ballot_outcome, consent_outcome, decision_sha256
from mutual.core.round_state import (
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
    WrongPhase,
)
from mutual.core.rounds import apply_entry, check_feasible, check_sequence, fold
from mutual.core.tally import Rule
from mutual.core.tally_result import transcript_bytes

ORIGIN = "mutual.test/rounds"
T0 = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)
US = timedelta(microseconds=1)
HEX64 = st.binary(min_size=32, max_size=32).map(bytes.hex)
STANCES = ["consent", "stand_aside", "object"]
COUNTS = [0, 1, 1, 1, 2]  # a voter's stances or ballots in a phase: the last one counts
STEPS = ["1/2", "1/3", "1/8", "1/16", "2/9"]
Doc = dict[str, Any]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def sha(document: Any) -> str:
    """Hex SHA-256 of the RFC 8785 bytes, as the contract defines every hash of a round."""
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


def minimum(sub: Submission) -> tuple[int, int]:
    """The contract's minimum: both null is all or nothing, one null is that resource's ask."""
    if sub.min_eur is None and sub.min_hours is None:
        return sub.ask_eur, sub.ask_hours
    return (
        sub.ask_eur if sub.min_eur is None else sub.min_eur,
        sub.ask_hours if sub.min_hours is None else sub.min_hours,
    )


def submission_doc(sub: Submission) -> Doc:
    return {
        "project": str(sub.project_id),
        "group": sub.group,
        "lead": str(sub.lead),
        "ask_eur": sub.ask_eur,
        "ask_hours": sub.ask_hours,
        "min_eur": sub.min_eur,
        "min_hours": sub.min_hours,
        "conflicts": [str(c) for c in sub.conflicts],
    }


def line_doc(line: Line) -> Doc:
    return {"project": str(line.project_id), "eur": line.eur, "hours": line.hours}


def interleave(order: Sequence[int], keys: Sequence[Hashable]) -> list[int]:
    """The indices in ``order``, except that each key's own indices keep their original
    order (a voter's later stance or ballot, a project's later submission, stays later)."""
    queues: dict[Hashable, deque[int]] = defaultdict(deque)
    for index, key in enumerate(keys):
        queues[key].append(index)
    return [queues[keys[i]].popleft() for i in order]


def act_key(entry: RoundEntry) -> Hashable:
    """Whose act it is: a submission replaces its project's, a stance or ballot its voter's."""
    return entry.body["project"] if entry.kind is Kind.SUBMISSION else entry.by


# --- A whole valid round ---------------------------------------------------------------


class Chain:
    """Entries as the writer makes them: each names the head; a phase entry counts its acts."""

    def __init__(self, round_id: UUID) -> None:
        self.round_id = round_id
        self.entries: list[RoundEntry] = []
        self.head: UUID | None = None
        self.acts = 0

    def add(self, kind: Kind, by: UUID, at: datetime, body: Doc) -> RoundEntry:
        if self.entries:
            digest = hashlib.sha256(f"{self.round_id}/{len(self.entries)}".encode()).digest()
            entry_id = UUID(bytes=digest[:16], version=4)
        else:
            entry_id = self.round_id
        if kind is Kind.DRAFT:
            after, acts = None, 0
        elif kind in ACTS:
            after, acts = self.head, None
        else:
            after, acts = self.head, self.acts
        entry = RoundEntry(entry_id, self.round_id, kind, by, after, acts, at, body)
        self.entries.append(entry)
        if kind in ACTS:
            self.acts += 1
        else:
            self.head, self.acts = entry_id, 0
        return entry


@dataclass(frozen=True)
class GeneratedRound:
    entries: tuple[RoundEntry, ...]
    manifest: Manifest
    manifest_doc: Doc
    facilitator: UUID
    outsiders: tuple[UUID, ...]  # members who are not on the roll
    proposals_close: datetime
    consent_close: datetime
    ballot_close: datetime
    quorum: int
    reveals: tuple[Reveal, ...]

    def index(self, kind: Kind) -> int:
        return next(i for i, e in enumerate(self.entries) if e.kind is kind)

    def state_before(self, kind: Kind) -> RoundState:
        return fold(self.entries[: self.index(kind)])

    @property
    def went_to_ballot(self) -> bool:
        return any(e.kind is Kind.BALLOT_CLOSED for e in self.entries)


def _moment(draw: st.DrawFn, start: datetime, end: datetime) -> datetime:
    """A time in [start, end], the deadline itself included now and then."""
    span = (end - start) // US
    return start + US * draw(st.integers(0, span) | st.just(span))


def _submission(
    draw: st.DrawFn, project: UUID, voters: list[UUID], others: list[UUID]
) -> Submission:
    kind = draw(st.sampled_from(["eur", "hours", "both", "both"]))
    ask_eur = draw(st.integers(1, 5_000)) if kind != "hours" else 0
    ask_hours = draw(st.integers(1, 600)) if kind != "eur" else 0
    min_eur = draw(st.none() | st.integers(0, ask_eur))
    min_hours = draw(st.none() | st.integers(0, ask_hours))
    conflicts = sorted(draw(st.sets(st.sampled_from(voters), max_size=2)))
    sub = Submission(
        project,
        draw(st.sampled_from(["Jardin partagé", "Repair café", "Crèche parentale", "G"])),
        draw(st.sampled_from(voters + others)),
        ask_eur,
        ask_hours,
        min_eur,
        min_hours,
        tuple(conflicts),
    )
    if sum(minimum(sub)) == 0:
        sub = replace(sub, min_eur=None, min_hours=None)
    return sub


def _lines(draw: st.DrawFn, projects: Sequence[Submission]) -> list[Line]:
    """Some projects, each at least its minimum and at most its ask (budgets come after)."""
    lines = []
    for sub in projects:
        if draw(st.booleans()):
            min_eur, min_hours = minimum(sub)
            eur = draw(st.integers(min_eur, sub.ask_eur))
            hours = draw(st.integers(min_hours, sub.ask_hours))
            lines.append(Line(sub.project_id, eur, hours))
    return lines


def _stance_body(
    draw: st.DrawFn,
    lines: list[Line],
    projects: Sequence[Submission],
    kinds: Sequence[str] = tuple(STANCES),
) -> Doc:
    kind = draw(st.sampled_from(kinds))
    if kind != "object":
        return {"stance": kind, "target": None, "reason_sha256": draw(st.none() | HEX64)}
    in_lines = {ln.project_id for ln in lines}
    targets = [("line", ln.project_id) for ln in lines] + [
        ("omission", p.project_id) for p in projects if p.project_id not in in_lines
    ]
    target, project = draw(st.sampled_from(targets))
    return {
        "stance": "object",
        "target": {"kind": target, "project": str(project)},
        "reason_sha256": draw(HEX64),
    }


def _acts(draw: st.DrawFn, keyed: list[tuple[K, V]]) -> list[tuple[K, V]]:
    """The acts in a random order that keeps each key's acts in their order."""
    order = draw(st.permutations(range(len(keyed))))
    return [keyed[i] for i in interleave(order, [k for k, _ in keyed])]


@st.composite
def rounds(draw: st.DrawFn, *, to_ballot: bool = False) -> GeneratedRound:
    """A whole valid round; ``to_ballot`` makes it reach a tallied ballot."""
    n_voters = draw(st.integers(1, 8))
    n_projects = draw(st.integers(1, 6))
    ids = draw(
        st.lists(
            st.uuids(version=4),
            min_size=n_voters + n_projects + 3,
            max_size=n_voters + n_projects + 3,
            unique=True,
        )
    )
    round_id, facilitator, outsider = ids[:3]
    voters = sorted(ids[3 : 3 + n_voters])
    project_ids = sorted(ids[3 + n_voters :])
    others = [facilitator, outsider]

    rule = draw(st.sampled_from(list(Rule)))
    add1 = rule in (Rule.MES_ADD1, Rule.MES_ADD1_GREEDY)
    step = draw(st.sampled_from(STEPS)) if add1 else draw(st.none() | st.sampled_from(STEPS))
    day = timedelta(days=1)
    proposals_close = T0 + day * draw(st.integers(1, 30)) + US * draw(st.integers(0, 10**6))
    consent_close = proposals_close + day * draw(st.integers(1, 30)) + US * draw(st.integers(1, 99))
    ballot_close = consent_close + day * draw(st.integers(1, 30)) + US * draw(st.integers(1, 99))
    # Mostly within reach of the voters; now and then out of it (the round is undecided).
    quorum = draw(
        st.integers(1, (n_voters + 1) // 2)
        | st.integers(1, n_voters if to_ballot else n_voters + 1)
    )
    approvals_min = draw(st.sampled_from([0, 1] if to_ballot else [0, 0, 0, 1, 2]))
    approvals_max = draw(st.none() | st.integers(max(1, approvals_min), 4))
    max_amendments = draw(st.integers(0, 2))
    config = {
        "label": draw(st.text(min_size=1, max_size=64)),
        "quarter": draw(st.sampled_from(["2027-Q1", "2027-Q2", "2026-Q4"])),
        "rule": rule.value,
        "seed": draw(HEX64),
        "share_step": step,
        "quorum": quorum,
        "proposals_close": timestamp(proposals_close),
        "consent_close": timestamp(consent_close),
        "ballot_close": timestamp(ballot_close),
        "max_amendments": max_amendments,
        "approvals_min": approvals_min,
        "approvals_max": approvals_max,
    }
    chain = Chain(round_id)
    chain.add(Kind.DRAFT, facilitator, T0, {name: config[name] for name in CONFIG_FIELDS})

    # Submissions: sometimes an earlier version, replaced by the last one.
    submitted: list[tuple[Hashable, Any]] = []
    final: dict[UUID, Submission] = {}
    for pid in project_ids:
        for _ in range(draw(st.sampled_from([1, 1, 1, 2]))):
            final[pid] = _submission(draw, pid, voters, others)
            submitted.append((pid, final[pid]))
    for _, sub in _acts(draw, submitted):
        at = _moment(draw, T0, proposals_close)
        chain.add(Kind.SUBMISSION, sub.lead, at, submission_doc(sub))
    projects = tuple(final[pid] for pid in project_ids)

    # The proposal (and an amendment) are drawn before the budgets, which must allow both.
    proposal = _lines(draw, projects)
    amended = max_amendments > 0 and draw(st.booleans())
    amendment = _lines(draw, projects) if amended else []
    budgets = []
    for resource in ("eur", "hours"):
        need = max(
            sum(getattr(ln, resource) for ln in proposal),
            sum(getattr(ln, resource) for ln in amendment),
        )
        asked = sum(getattr(p, f"ask_{resource}") for p in projects)
        # Often tight, so that the ballot has to choose.
        budgets.append(need + draw(st.integers(0, asked // 3) | st.integers(0, asked)))
    tree_size = draw(st.integers(0, 10**6))
    root = base64.b64encode(draw(st.binary(min_size=32, max_size=32))).decode()
    manifest = Manifest(tuple(voters), budgets[0], budgets[1], projects, tree_size, root)
    manifest_doc: Doc = {
        "voters": [str(v) for v in voters],
        "budget_eur": budgets[0],
        "budget_hours": budgets[1],
        "projects": [submission_doc(p) for p in projects],
        "checkpoint": {"tree_size": tree_size, "root": root},
    }
    snapshot_at = proposals_close + US
    chain.add(
        Kind.SNAPSHOT,
        facilitator,
        snapshot_at,
        {"manifest": manifest_doc, "manifest_sha256": sha(manifest_doc)},
    )

    def stances(lines: list[Line], final_round: bool) -> None:
        keyed: list[tuple[UUID, Doc]] = []
        for i, voter in enumerate(voters):
            count = draw(st.sampled_from(COUNTS))
            if to_ballot and final_round:
                count = max(count, 1)
            for k in range(count):
                objects = to_ballot and final_round and i == 0 and k == count - 1
                body = _stance_body(draw, lines, projects, ["object"] if objects else STANCES)
                keyed.append((voter, body))
        for voter, body in _acts(draw, keyed):
            chain.add(Kind.STANCE, voter, _moment(draw, snapshot_at, consent_close), body)

    versions = [proposal, amendment] if amended else [proposal]
    for version, lines in enumerate(versions, start=1):
        at = _moment(draw, snapshot_at, consent_close)
        body = {"version": version, "lines": [line_doc(ln) for ln in lines]}
        chain.add(Kind.PROPOSAL, facilitator, at, body)
        stances(lines, version == len(versions))

    outcome = consent_outcome(fold(chain.entries))
    chain.add(Kind.CONSENT_CLOSED, facilitator, consent_close + US, outcome.document())

    reveals: tuple[Reveal, ...] = ()
    if outcome.result == "ballot":
        open_ids = [str(p) for p in outcome.ballot_projects]
        most = len(open_ids) if approvals_max is None else min(approvals_max, len(open_ids))
        cast: list[tuple[UUID, tuple[list[str], str]]] = []
        for voter in voters:
            count = draw(st.sampled_from(COUNTS))
            if approvals_min > most:
                count = 0
            elif to_ballot:
                count = max(count, 1)
            for _ in range(count):
                size = draw(st.integers(approvals_min, most))
                approvals = draw(st.permutations(open_ids))[:size]
                cast.append((voter, (approvals, draw(st.text(max_size=12)))))
        last: dict[UUID, Reveal] = {}
        for voter, (approvals, salt) in _acts(draw, cast):
            body = {
                "manifest_sha256": sha(manifest_doc),
                "choice_sha256": ballot_commitment(approvals, salt),
            }
            at = _moment(draw, consent_close, ballot_close)
            entry = chain.add(Kind.BALLOT, voter, at, body)
            last[voter] = Reveal(entry.id, voter, tuple(sorted(approvals)), salt)
        reveals = tuple(last.values())
        closing, _ = ballot_outcome(fold(chain.entries), reveals)
        chain.add(Kind.BALLOT_CLOSED, facilitator, ballot_close + US, closing)

    return GeneratedRound(
        tuple(chain.entries),
        manifest,
        manifest_doc,
        facilitator,
        (outsider,),
        proposals_close,
        consent_close,
        ballot_close,
        quorum,
        reveals,
    )


# --- The rules, recomputed from the contract --------------------------------------------


def expected_consent(rnd: GeneratedRound) -> Doc:
    """The consent poll's outcome from the last stance of each voter under the last
    proposal: undecided without quorum, adopted without objection, else a ballot."""
    entries = rnd.entries
    close = rnd.index(Kind.CONSENT_CLOSED)
    last = max(i for i in range(close) if entries[i].kind is Kind.PROPOSAL)
    lines: list[Doc] = entries[last].body["lines"]
    stances = {e.by: e.body for e in entries[last + 1 : close]}
    quorum_met = len(stances) >= rnd.quorum
    objections = sorted(
        {(b["target"]["kind"], b["target"]["project"]) for b in stances.values() if b["target"]}
    )
    doc: Doc = {
        "participants": len(stances),
        "quorum_met": quorum_met,
        "objections": [{"kind": k, "project": p} for k, p in objections],
        "result": "undecided",
        "kept": [],
        "ballot_projects": [],
        "budget_eur": 0,
        "budget_hours": 0,
    }
    if not quorum_met:
        return doc
    if not objections:
        return doc | {"objections": [], "result": "adopted", "kept": lines}
    objected = {p for k, p in objections if k == "line"}
    kept = [ln for ln in lines if ln["project"] not in objected]
    kept_ids = {ln["project"] for ln in kept}
    return doc | {
        "result": "ballot",
        "kept": kept,
        "ballot_projects": [
            p["project"] for p in rnd.manifest_doc["projects"] if p["project"] not in kept_ids
        ],
        "budget_eur": rnd.manifest.budget_eur - sum(ln["eur"] for ln in kept),
        "budget_hours": rnd.manifest.budget_hours - sum(ln["hours"] for ln in kept),
    }


def as_lines(docs: Sequence[Doc]) -> list[Line]:
    return [Line(UUID(d["project"]), d["eur"], d["hours"]) for d in docs]


@given(rounds() | rounds(to_ballot=True))
@settings(max_examples=100, deadline=None)
def test_a_round_decides_only_what_its_manifest_and_both_budgets_allow(
    rnd: GeneratedRound,
) -> None:
    """(a) Whatever the path, the decision is feasible in both budgets, names only projects
    of the manifest, each line within its minimum and its ask; a ballot adds to the kept
    lines only approved projects open to it, at their minimum or their ask, within what
    the kept lines leave; the decision's hash is the contract's."""
    state = fold(rnd.entries)
    manifest = rnd.manifest
    assert state.manifest == manifest
    assert state.manifest.sha256 == sha(rnd.manifest_doc)
    consent = expected_consent(rnd)
    assert dict(rnd.entries[rnd.index(Kind.CONSENT_CLOSED)].body) == consent
    assert state.consent is not None
    assert state.consent.document() == consent
    event(f"{consent['result']} -> {state.phase.value}")
    if rnd.went_to_ballot:
        closing = rnd.entries[-1].body
        assert closing["reveals"] == [
            {"ballot": str(r.ballot_id), "voter": str(r.voter), "approvals": list(r.approvals)}
            | {"salt": r.salt}
            for r in sorted(rnd.reveals, key=lambda r: str(r.voter))
        ]
        assert closing["quorum_met"] == (len(rnd.reveals) >= rnd.quorum)
    if state.phase is Phase.UNDECIDED:
        assert not consent["quorum_met"] or len(rnd.reveals) < rnd.quorum
        assert (state.decision, state.decision_sha256) == ((), None)
        return
    assert state.phase is Phase.DECIDED
    decision = state.decision
    ids = [ln.project_id for ln in decision]
    assert ids == sorted(set(ids))
    check_feasible(decision, manifest, manifest.budget_eur, manifest.budget_hours)
    by_id = {p.project_id: p for p in manifest.projects}
    for line in decision:
        assert line.project_id in by_id
        sub = by_id[line.project_id]
        min_eur, min_hours = minimum(sub)
        assert min_eur <= line.eur <= sub.ask_eur
        assert min_hours <= line.hours <= sub.ask_hours
    assert sum(ln.eur for ln in decision) <= manifest.budget_eur
    assert sum(ln.hours for ln in decision) <= manifest.budget_hours
    kept = as_lines(consent["kept"])
    if consent["result"] == "adopted":
        assert list(decision) == kept
        assert state.tally_sha256 is None
    else:
        assert set(kept) <= set(decision)
        funded = [ln for ln in decision if ln not in kept]
        approved = {a for r in rnd.reveals for a in r.approvals}
        for line in funded:
            sub = by_id[line.project_id]
            assert str(line.project_id) in consent["ballot_projects"]
            assert str(line.project_id) in approved
            assert (line.eur, line.hours) in (minimum(sub), (sub.ask_eur, sub.ask_hours))
        assert sum(ln.eur for ln in funded) <= consent["budget_eur"]
        assert sum(ln.hours for ln in funded) <= consent["budget_hours"]
        closing = rnd.entries[-1].body
        assert closing["decision"] == [line_doc(ln) for ln in decision]
        assert state.tally_sha256 is not None
        assert state.tally_sha256 == closing["tally_sha256"]
    assert state.decision_sha256 == sha(
        {
            "round": str(rnd.entries[0].round_id),
            "lines": [line_doc(ln) for ln in decision],
            "tally_sha256": state.tally_sha256,
        }
    )
    assert state.decision_sha256 == decision_sha256(state.round_id, decision, state.tally_sha256)


@given(rounds(), st.data())
@settings(max_examples=60, deadline=None)
def test_the_order_of_acts_within_a_phase_does_not_change_the_outcome(
    rnd: GeneratedRound, data: st.DataObject
) -> None:
    """(b) Reordering the acts under each phase entry (each voter's, each project's own
    acts still in their order) folds with the very same closing entries to the same
    decision and tally."""
    shuffled: list[RoundEntry] = []
    run: list[RoundEntry] = []
    for entry in [*rnd.entries, None]:
        if entry is not None and entry.kind in ACTS:
            run.append(entry)
            continue
        order = data.draw(st.permutations(range(len(run))))
        shuffled += [run[i] for i in interleave(order, [act_key(e) for e in run])]
        run = []
        if entry is not None:
            shuffled.append(entry)
    assert sorted(e.id for e in shuffled) == sorted(e.id for e in rnd.entries)
    event("reordered" if shuffled != list(rnd.entries) else "same order")
    original, permuted = fold(rnd.entries), fold(shuffled)
    assert permuted.phase is original.phase
    assert permuted.consent == original.consent
    assert permuted.decision == original.decision
    assert permuted.decision_sha256 == original.decision_sha256
    assert permuted.tally_sha256 == original.tally_sha256


@given(rounds(to_ballot=True), st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_identical_inputs_give_byte_identical_closing_bodies(
    rnd: GeneratedRound, random: Any
) -> None:
    """(c) ``ballot_outcome`` twice, the reveals in any order, gives the same bytes as the
    closing entry; the tally hash is the transcript's; the consent body likewise."""
    state = rnd.state_before(Kind.BALLOT_CLOSED)
    reveals = list(rnd.reveals)
    first, first_result = ballot_outcome(state, reveals)
    random.shuffle(reveals)
    second, second_result = ballot_outcome(state, reveals)
    assert first_result is not None
    assert second_result is not None
    assert rfc8785.dumps(first) == rfc8785.dumps(second) == rfc8785.dumps(rnd.entries[-1].body)
    assert transcript_bytes(first_result) == transcript_bytes(second_result)
    assert first["tally_sha256"] == hashlib.sha256(transcript_bytes(first_result)).hexdigest()
    before = rnd.state_before(Kind.CONSENT_CLOSED)
    consent = rnd.entries[rnd.index(Kind.CONSENT_CLOSED)].body
    assert rfc8785.dumps(consent_outcome(before).document()) == rfc8785.dumps(consent)
    assert rfc8785.dumps(consent_outcome(before).document()) == rfc8785.dumps(consent)


# --- Any change to a closing body is refused --------------------------------------------


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, the document itself included."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*prefix, index))
    return found


def _replace_at(doc: Doc, path: tuple[Any, ...], value: Any) -> Doc:
    if not path:
        assert isinstance(value, dict)
        return value
    changed = copy.deepcopy(doc)
    node: Any = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


def _other(value: Any, data: st.DataObject) -> Any:
    """A value of the same JSON type that differs from ``value`` (``None``: another type)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + data.draw(st.sampled_from([-1, 1, 100]))
    if isinstance(value, str):
        options = [value + "0", value + "x"] + ([value[:-1]] if value else [])
        return data.draw(st.sampled_from(options))
    if value is None:
        return data.draw(st.sampled_from([0, "", [], {}, False]))
    if isinstance(value, list):
        changes: list[Callable[[], list[Any]]] = [
            lambda: [*value, copy.deepcopy(value[-1]) if value else 0]
        ]
        if value:
            i = data.draw(st.integers(0, len(value) - 1))
            changes += [
                lambda: value[:i] + value[i + 1 :],
                lambda: value[: i + 1] + value[i:],
            ]
        if value != value[::-1]:
            changes.append(lambda: value[::-1])
        return data.draw(st.sampled_from(changes))()
    assert isinstance(value, dict)
    drop = data.draw(st.booleans())
    if value and drop:
        key = data.draw(st.sampled_from(sorted(value)))
        return {k: v for k, v in value.items() if k != key}
    return value | {"extra": None}


def _random_change(body: Doc, data: st.DataObject) -> Doc:
    path = data.draw(st.sampled_from(_paths(body)), label="path")
    node: Any = body
    for step in path:
        node = node[step]
    return _replace_at(body, path, _other(node, data))


def _consent_changes(body: Doc, manifest: Manifest) -> dict[str, Doc]:
    """Named changes of a consent_closed body, each one field."""
    changes: dict[str, Doc] = {
        "participants": body | {"participants": body["participants"] + 1},
        "quorum_met": body | {"quorum_met": not body["quorum_met"]},
        "result": body | {"result": "adopted" if body["result"] != "adopted" else "ballot"},
        "budget_eur": body | {"budget_eur": body["budget_eur"] - 1},
        "budget_hours": body | {"budget_hours": body["budget_hours"] + 1},
    }
    if body["objections"]:
        changes["an objection dropped"] = body | {"objections": body["objections"][1:]}
    else:
        omitted = {"kind": "omission", "project": str(manifest.projects[0].project_id)}
        changes["an objection added"] = body | {"objections": [omitted]}
    kept = copy.deepcopy(body["kept"])
    if kept:
        kept[0]["eur"] += 1
        changes["a kept line's euros"] = body | {"kept": kept}
        changes["a kept line dropped"] = body | {"kept": body["kept"][1:]}
    else:
        p = manifest.projects[0]
        extra = {"project": str(p.project_id), "eur": p.ask_eur, "hours": p.ask_hours}
        changes["a kept line added"] = body | {"kept": [extra]}
    listed = body["ballot_projects"]
    if listed:
        changes["a ballot project dropped"] = body | {"ballot_projects": listed[1:]}
    else:
        changes["a ballot project added"] = body | {
            "ballot_projects": [str(manifest.projects[0].project_id)]
        }
    return changes


@given(rounds(), st.data())
@settings(max_examples=60, deadline=None)
def test_any_change_to_a_consent_closing_body_is_refused(
    rnd: GeneratedRound, data: st.DataObject
) -> None:
    """(d) The verifier recomputes the consent outcome: change one field (a count, the
    quorum, the result, a kept line, the projects left to the ballot, a budget, an
    objection) or anything at random, and the entry is refused."""
    index = rnd.index(Kind.CONSENT_CLOSED)
    state, entry = fold(rnd.entries[:index]), rnd.entries[index]
    apply_entry(state, entry)
    body = dict(entry.body)
    changes = _consent_changes(body, rnd.manifest) | {"random": _random_change(body, data)}
    for name, changed in changes.items():
        assert changed != body, name
        with pytest.raises(OutcomeMismatch):
            apply_entry(state, replace(entry, body=changed))


def _ballot_changes(body: Doc, state: RoundState) -> dict[str, Doc]:
    """Named changes of a ballot_closed body, each one field."""
    assert state.consent is not None
    assert state.manifest is not None
    changes: dict[str, Doc] = {
        "quorum_met": body | {"quorum_met": not body["quorum_met"]},
        "tally_sha256": body | {"tally_sha256": "0" * 64},
        "a reveal dropped": body | {"reveals": body["reveals"][1:]},
    }
    reveals = copy.deepcopy(body["reveals"])
    approvals: list[str] = reveals[0]["approvals"]
    missing = [str(p) for p in state.consent.ballot_projects if str(p) not in approvals]
    reveals[0]["approvals"] = sorted(approvals + missing[:1]) if missing else approvals[1:]
    changes["a reveal's approvals"] = body | {"reveals": reveals}
    salted = copy.deepcopy(body["reveals"])
    salted[0]["salt"] += "!"
    changes["a reveal's salt"] = body | {"reveals": salted}
    if len(body["reveals"]) > 1:
        changes["reveals out of order"] = body | {"reveals": body["reveals"][::-1]}
    decision = copy.deepcopy(body["decision"])
    kept = {str(ln.project_id) for ln in state.consent.kept}
    kept_lines = [ln for ln in decision if ln["project"] in kept]
    if kept_lines:
        kept_lines[0]["hours"] += 1
        changes["a kept line in the decision"] = body | {"decision": decision}
    if body["decision"]:
        changes["a decided line dropped"] = body | {"decision": body["decision"][1:]}
    project = state.manifest.projects[-1]
    if str(project.project_id) not in {ln["project"] for ln in body["decision"]}:
        extra = {
            "project": str(project.project_id),
            "eur": project.ask_eur,
            "hours": project.ask_hours,
        }
        added = sorted([*body["decision"], extra], key=lambda ln: str(ln["project"]))
        changes["a line added to the decision"] = body | {"decision": added}
    changes["no decision"] = body | {"decision": None}
    return changes


@given(rounds(to_ballot=True), st.data())
@settings(max_examples=60, deadline=None)
def test_any_change_to_a_ballot_closing_body_is_refused(
    rnd: GeneratedRound, data: st.DataObject
) -> None:
    """(d) The verifier reopens every commitment and recomputes the tally: change a
    reveal's approvals or salt, drop or reorder reveals, flip the quorum, touch the tally
    hash or the decision (a kept line, a funded line), or anything at random, and the
    entry is refused."""
    state = rnd.state_before(Kind.BALLOT_CLOSED)
    entry = rnd.entries[-1]
    assert apply_entry(state, entry).phase is Phase.DECIDED
    body = dict(entry.body)
    changes = _ballot_changes(body, state) | {"random": _random_change(body, data)}
    for name, changed in changes.items():
        assert changed != body, name
        with pytest.raises(RoundError):
            apply_entry(state, replace(entry, body=changed))


# --- The chain is linear ----------------------------------------------------------------

FRESH = UUID("5eed0000-0000-4000-8000-0000000000f5")  # an entry id no chain uses


@given(rounds(), st.data())
@settings(max_examples=60, deadline=None)
def test_only_a_linear_chain_is_accepted(rnd: GeneratedRound, data: st.DataObject) -> None:
    """(e) Each entry names the head; an act keeps it and counts one more, a phase entry
    becomes it. An entry naming anything but the head, a phase entry miscounting the acts
    under it, a rival of a phase entry already in, an act made before it, and a second
    draft are refused."""
    entries = rnd.entries
    heads = [check_sequence(None, entries[0])]
    assert heads[0] == (entries[0].id, 0)
    for entry in entries[1:]:
        head_id, acts = heads[-1]
        heads.append(check_sequence(heads[-1], entry))
        assert heads[-1] == ((head_id, acts + 1) if entry.kind in ACTS else (entry.id, 0))
    i = data.draw(st.integers(1, len(entries) - 1), label="index")
    entry, head = entries[i], heads[i - 1]
    state = fold(entries[:i])
    assert (state.head, state.acts) == head
    with pytest.raises(RoundError):
        check_sequence(None, entry)

    others = [e.id for e in entries if e.id != head[0]]
    after = data.draw(st.sampled_from([None, FRESH, *others]), label="after")
    moved = replace(entry, after=after)
    with pytest.raises(RoundMoved):
        check_sequence(head, moved)
    with pytest.raises(RoundMoved):
        apply_entry(state, moved)

    if entry.kind not in ACTS:
        miscount = st.none() | st.integers(0, head[1] + 3).filter(lambda n: n != head[1])
        miscounted = replace(entry, acts=data.draw(miscount, label="acts"))
        with pytest.raises(RoundMoved):
            check_sequence(head, miscounted)
        with pytest.raises(RoundMoved):
            apply_entry(state, miscounted)
        moved_on = apply_entry(state, entry)
        rival = replace(entry, id=FRESH)
        late_act = RoundEntry(
            FRESH,
            rnd.entries[0].round_id,
            Kind.STANCE,
            rnd.manifest.voters[0],
            head[0],
            None,
            entry.at,
            {"stance": "consent", "target": None, "reason_sha256": None},
        )
        for stale in (rival, late_act):
            with pytest.raises(RoundMoved):
                check_sequence((moved_on.head, moved_on.acts), stale)
            with pytest.raises(RoundMoved):
                apply_entry(moved_on, stale)

    for draft in (entries[0], replace(entries[0], after=head[0], acts=head[1])):
        with pytest.raises(RoundExists):
            check_sequence(head, draft)
        with pytest.raises(RoundExists):
            apply_entry(state, draft)


# --- Who may act, when, and on what -----------------------------------------------------


@given(rounds(to_ballot=True), st.data())
@settings(max_examples=50, deadline=None)
def test_acts_off_the_roll_past_a_deadline_or_on_another_manifest_are_refused(
    rnd: GeneratedRound, data: st.DataObject
) -> None:
    """(f) Acts are accepted up to their deadline included; a minute (or a microsecond)
    later they are refused; a stance or ballot by someone off the roll is refused; a
    ballot cast on another manifest than the snapshot's is refused."""
    voter = data.draw(st.sampled_from(rnd.manifest.voters), label="voter")
    stranger = data.draw(st.sampled_from([*rnd.outsiders, rnd.facilitator]), label="stranger")
    assert stranger not in rnd.manifest.voters
    late = US * data.draw(st.integers(1, 10**10) | st.just(1), label="late by")

    def act(state: RoundState, kind: Kind, by: UUID, at: datetime, body: Doc) -> RoundEntry:
        return RoundEntry(FRESH, state.round_id, kind, by, state.head, None, at, body)

    # Proposals: up to proposals_close.
    state = rnd.state_before(Kind.SNAPSHOT)
    template = next(e for e in rnd.entries if e.kind is Kind.SUBMISSION)
    on_time = apply_entry(state, replace(template, id=FRESH, at=rnd.proposals_close))
    assert on_time.acts == state.acts + 1
    with pytest.raises(DeadlinePassed):
        apply_entry(state, replace(template, id=FRESH, at=rnd.proposals_close + late))

    # Consent: stances by voters on the roll, up to consent_close.
    state = rnd.state_before(Kind.CONSENT_CLOSED)
    stance: Doc = {"stance": "stand_aside", "target": None, "reason_sha256": None}
    accepted = apply_entry(state, act(state, Kind.STANCE, voter, rnd.consent_close, stance))
    assert accepted.stances[voter].entry_id == FRESH
    with pytest.raises(NotOnRoll):
        apply_entry(state, act(state, Kind.STANCE, stranger, rnd.consent_close, stance))
    with pytest.raises(DeadlinePassed):
        apply_entry(state, act(state, Kind.STANCE, voter, rnd.consent_close + late, stance))

    # Ballot: on the snapshot's manifest, by voters on the roll, up to ballot_close.
    state = rnd.state_before(Kind.BALLOT_CLOSED)
    choice = ballot_commitment([], data.draw(st.text(max_size=8), label="salt"))
    ballot: Doc = {"manifest_sha256": sha(rnd.manifest_doc), "choice_sha256": choice}
    accepted = apply_entry(state, act(state, Kind.BALLOT, voter, rnd.ballot_close, ballot))
    assert accepted.ballots[voter] == (FRESH, choice)
    with pytest.raises(NotOnRoll):
        apply_entry(state, act(state, Kind.BALLOT, stranger, rnd.ballot_close, ballot))
    with pytest.raises(DeadlinePassed):
        apply_entry(state, act(state, Kind.BALLOT, voter, rnd.ballot_close + late, ballot))
    changed_manifest = rnd.manifest_doc | {"budget_eur": rnd.manifest.budget_eur + 1}
    for other in (
        sha(changed_manifest),
        sha(rnd.manifest_doc).upper(),
        data.draw(HEX64.filter(lambda h: h != sha(rnd.manifest_doc)), label="other hash"),
    ):
        elsewhere = ballot | {"manifest_sha256": other}
        with pytest.raises(ManifestChanged):
            apply_entry(state, act(state, Kind.BALLOT, voter, rnd.ballot_close, elsewhere))


@given(rounds(), st.data())
@settings(max_examples=50, deadline=None)
def test_an_infeasible_proposal_is_refused(rnd: GeneratedRound, data: st.DataObject) -> None:
    """A proposal's line below its project's minimum, above its ask (euros or hours), for
    a project not in the round, or lines together over either budget, are refused."""
    state = rnd.state_before(Kind.PROPOSAL)
    sub = data.draw(st.sampled_from(rnd.manifest.projects), label="project")
    min_eur, min_hours = minimum(sub)
    pid = str(sub.project_id)
    bad: list[list[Doc]] = [
        [{"project": pid, "eur": sub.ask_eur + 1, "hours": sub.ask_hours}],
        [{"project": pid, "eur": sub.ask_eur, "hours": sub.ask_hours + 1}],
        [{"project": str(FRESH), "eur": 0, "hours": 0}],
    ]
    if min_eur > 0:
        bad.append([{"project": pid, "eur": min_eur - 1, "hours": sub.ask_hours}])
    if min_hours > 0:
        bad.append([{"project": pid, "eur": sub.ask_eur, "hours": min_hours - 1}])
    everything = [
        line_doc(Line(p.project_id, p.ask_eur, p.ask_hours)) for p in rnd.manifest.projects
    ]
    over = (
        sum(p.ask_eur for p in rnd.manifest.projects) > rnd.manifest.budget_eur
        or sum(p.ask_hours for p in rnd.manifest.projects) > rnd.manifest.budget_hours
    )
    if over:
        bad.append(everything)
    event("over a budget" if over else "within both budgets")

    def proposal(lines: list[Doc]) -> RoundEntry:
        body = {"version": 1, "lines": lines}
        return RoundEntry(
            FRESH,
            state.round_id,
            Kind.PROPOSAL,
            rnd.facilitator,
            state.head,
            state.acts,
            rnd.proposals_close,
            body,
        )

    for lines in bad:
        with pytest.raises(Infeasible):
            apply_entry(state, proposal(lines))
    if not over:
        assert apply_entry(state, proposal(everything)).proposal == tuple(
            Line(p.project_id, p.ask_eur, p.ask_hours) for p in rnd.manifest.projects
        )


# --- Signed payloads ----------------------------------------------------------------------


def _payload_changes(payload: Doc) -> dict[str, Doc]:
    """Payloads that are not in the form the log signs, each refused."""
    changes: dict[str, Doc] = {
        "an extra field": payload | {"note": "hi"},
        "an unknown kind": payload | {"kind": "vote"},
        "a body that is not an object": payload | {"body": [payload["body"]]},
        "an uppercase UUID": payload | {"id": payload["id"].upper()},
        "a UUID without hyphens": payload | {"round": UUID(payload["round"]).hex},
        "a braced UUID": payload | {"by": "{" + payload["by"] + "}"},
        "a URN UUID": payload | {"by": UUID(payload["by"]).urn},
        "a time without microseconds": payload | {"at": payload["at"][:19] + "Z"},
        "a time with an offset": payload | {"at": payload["at"][:-1] + "+00:00"},
        "a time with a space": payload | {"at": payload["at"].replace("T", " ")},
    }
    for key in payload:
        changes[f"no {key}"] = {k: v for k, v in payload.items() if k != key}
    if payload["after"] is not None:
        changes["an uppercase after"] = payload | {"after": payload["after"].upper()}
    if payload["acts"] is None:
        changes["an act counting acts"] = payload | {"acts": 0}
    else:
        changes["a phase entry not counting"] = payload | {"acts": None}
        changes["acts as a float"] = payload | {"acts": float(payload["acts"])}
        changes["acts as text"] = payload | {"acts": str(payload["acts"])}
        changes["negative acts"] = payload | {"acts": -1}
    return changes


def _reads(payload: Doc) -> bool:
    try:
        parse_entry_payload(ORIGIN, payload)
    except RoundError:
        return False
    return True


@given(rounds(), st.data())
@settings(max_examples=50, deadline=None)
def test_payloads_round_trip_and_only_their_canonical_form_is_read(
    rnd: GeneratedRound, data: st.DataObject
) -> None:
    """(g) Every entry's payload, through its RFC 8785 bytes, reads back to the same entry
    and the same payload; a payload for another log, or not in the canonical form (an
    extra or missing field, a UUID or a time written otherwise, acts where none belong),
    is refused."""
    for entry in rnd.entries:
        payload = entry_payload(ORIGIN, entry)
        wire = json.loads(rfc8785.dumps(payload))
        read = parse_entry_payload(ORIGIN, wire)
        assert read == entry
        assert rfc8785.dumps(entry_payload(ORIGIN, read)) == rfc8785.dumps(payload)
    entry = data.draw(st.sampled_from(rnd.entries), label="entry")
    payload = json.loads(rfc8785.dumps(entry_payload(ORIGIN, entry)))
    with pytest.raises(RoundError):
        parse_entry_payload(ORIGIN + "/other", payload)
    misread = [name for name, changed in _payload_changes(payload).items() if _reads(changed)]
    assert misread == []


# --- Minimal examples of two bugs the properties above found in the first version of -----
# --- core/rounds.py (fixed there since): kept as regression tests. ----------------------


def _two_voters_at_the_ballot_close() -> tuple[RoundState, UUID, Reveal, Reveal]:
    """Voters A and B, one project P, quorum 2, greedy: A objects to P's omission, B
    consents, so P goes to a ballot; A approves P, B approves nothing. Returns the state
    before the close, the facilitator and both reveals."""
    a, b, facilitator, project = (UUID(f"{n:08x}-0000-4000-8000-000000000000") for n in range(1, 5))
    close = T0 + timedelta(days=3)
    config: Doc = {
        "label": "2027-Q1",
        "quarter": "2027-Q1",
        "rule": "greedy",
        "seed": "0" * 64,
        "share_step": None,
        "quorum": 2,
        "proposals_close": timestamp(T0 + timedelta(days=1)),
        "consent_close": timestamp(T0 + timedelta(days=2)),
        "ballot_close": timestamp(close),
        "max_amendments": 0,
        "approvals_min": 0,
        "approvals_max": None,
    }
    sub = Submission(project, "G", facilitator, 1000, 0, None, None, ())
    manifest: Doc = {
        "voters": [str(a), str(b)],
        "budget_eur": 1000,
        "budget_hours": 0,
        "projects": [submission_doc(sub)],
        "checkpoint": {"tree_size": 1, "root": "AA=="},
    }
    objection = {"kind": "omission", "project": str(project)}
    chain = Chain(UUID("00000000-0000-4000-8000-00000000000a"))
    chain.add(Kind.DRAFT, facilitator, T0, config)
    chain.add(Kind.SUBMISSION, facilitator, T0, submission_doc(sub))
    chain.add(
        Kind.SNAPSHOT, facilitator, T0, {"manifest": manifest, "manifest_sha256": sha(manifest)}
    )
    chain.add(Kind.PROPOSAL, facilitator, T0, {"version": 1, "lines": []})
    chain.add(
        Kind.STANCE, a, T0, {"stance": "object", "target": objection, "reason_sha256": "1" * 64}
    )
    chain.add(Kind.STANCE, b, T0, {"stance": "consent", "target": None, "reason_sha256": None})
    chain.add(Kind.CONSENT_CLOSED, facilitator, T0, consent_outcome(fold(chain.entries)).document())
    sha_m = sha(manifest)
    cast_a = chain.add(
        Kind.BALLOT,
        a,
        T0,
        {"manifest_sha256": sha_m, "choice_sha256": ballot_commitment([str(project)], "a")},
    )
    cast_b = chain.add(
        Kind.BALLOT, b, T0, {"manifest_sha256": sha_m, "choice_sha256": ballot_commitment([], "b")}
    )
    reveal_a = Reveal(cast_a.id, a, (str(project),), "a")
    reveal_b = Reveal(cast_b.id, b, (), "b")
    return fold(chain.entries), facilitator, reveal_a, reveal_b


def _closing(state: RoundState, by: UUID, kind: Kind, body: Doc) -> RoundEntry:
    return RoundEntry(FRESH, state.round_id, kind, by, state.head, state.acts, T0, body)


def test_a_ballot_close_cannot_reveal_one_ballot_twice_in_place_of_another() -> None:
    """Every voter's last ballot is revealed, once. A close revealing A's ballot twice
    instead of A's and B's has as many reveals as ballots, so it passes the count, and its
    outcome is recomputed from those very reveals: B's ballot is silently left out and A
    counts twice towards the quorum."""
    state, facilitator, reveal_a, reveal_b = _two_voters_at_the_ballot_close()
    honest, _ = ballot_outcome(state, [reveal_a, reveal_b])
    decided = apply_entry(state, _closing(state, facilitator, Kind.BALLOT_CLOSED, honest))
    assert decided.phase is Phase.DECIDED
    forged, _ = ballot_outcome(state, [reveal_a, reveal_a])
    assert forged["reveals"] != honest["reveals"]
    with pytest.raises(OutcomeMismatch):
        apply_entry(state, _closing(state, facilitator, Kind.BALLOT_CLOSED, forged))


def test_closing_bodies_are_compared_as_json_not_as_python_values() -> None:
    """A closing body must be the recomputed one byte for byte; ``1`` for ``true`` (equal
    in Python, not in RFC 8785) is another body."""
    state, facilitator, reveal_a, reveal_b = _two_voters_at_the_ballot_close()
    honest, _ = ballot_outcome(state, [reveal_a, reveal_b])
    assert honest["quorum_met"] is True
    forged = honest | {"quorum_met": 1}
    assert rfc8785.dumps(forged) != rfc8785.dumps(honest)
    with pytest.raises(OutcomeMismatch):
        apply_entry(state, _closing(state, facilitator, Kind.BALLOT_CLOSED, forged))


# --- Typed phase states ------------------------------------------------------------------

# The data each phase carries: what its accessor must return there.
CARRIES = {
    "manifest": {Phase.SNAPSHOT, Phase.CONSENT, Phase.BALLOT, Phase.DECIDED, Phase.EXECUTED},
    "consent": {Phase.BALLOT, Phase.DECIDED, Phase.EXECUTED},
    "decision_sha256": {Phase.DECIDED, Phase.EXECUTED},
}


@given(st.one_of(rounds(), rounds(to_ballot=True)))
@settings(max_examples=40, deadline=None)
def test_each_phase_carries_its_data_and_an_accessor_refuses_it_elsewhere(
    rnd: GeneratedRound,
) -> None:
    """After every entry of a round, each accessor returns its field in the phases that
    carry it, and otherwise returns the field if already there or refuses with
    round_phase; never an assertion."""
    accessors = {
        "manifest": RoundState.require_manifest,
        "consent": RoundState.require_consent,
        "decision_sha256": RoundState.require_decision_sha256,
    }
    for n in range(1, len(rnd.entries) + 1):
        state = fold(rnd.entries[:n])
        for name, accessor in accessors.items():
            held = getattr(state, name)
            if state.phase in CARRIES[name]:
                assert held is not None
            if held is None:
                with pytest.raises(WrongPhase):
                    accessor(state)
            else:
                assert accessor(state) == held
