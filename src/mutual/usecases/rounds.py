"""Running a quarterly allocation round: each step checked by ``core.rounds`` against the
round as its log entries leave it, then written as the next entry of its chain.

A phase entry states the head it follows and the acts it has seen; when an act lands in
between, the writer answers ``round_moved`` and the step is composed again from the new
state (a few times, then the caller hears it). An entry id given by the caller makes a
retried step a replay: once that id is in the log, the step answers what it recorded.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from mutual.core import derived
from mutual.core import fund as fund_core
from mutual.core import pledges as pledge_core
from mutual.core.authority import Principal, Role
from mutual.core.entries import EntryType, signed_log_entry
from mutual.core.groups import Envelope, Roll, RollSource, check_envelope, roll_of
from mutual.core.ids import AccountId, TransactionId
from mutual.core.round_documents import Line, Manifest, Stance, Submission, lines_document
from mutual.core.round_entries import (
    ACTS,
    Kind,
    RoundEntry,
    ballot_commitment,
    entry_payload,
    parse_timestamp,
    timestamp,
)
from mutual.core.round_outcomes import ballot_outcome, check_approvals, consent_outcome
from mutual.core.round_state import (
    DeadlinePassed,
    NotOnRoll,
    Phase,
    Reveal,
    RollMismatch,
    RoundMoved,
    RoundState,
    WrongPhase,
)
from mutual.core.rounds import apply_entry, require_phase, start
from mutual.core.signing import Domain, Signature, b64encode, canonical, check_signatures
from mutual.core.tally_result import TallyResult
from mutual.core.transactions import Posting, Transaction, TransactionKind, transaction_payload
from mutual.core.units import EUR
from mutual.store import pledges as pledge_store
from mutual.store import projects as project_store
from mutual.store import rounds as store
from mutual.store import timebank as member_store
from mutual.store.journal import RoundWrite, WriteRequest
from mutual.store.log_reads import entry_by_entity
from mutual.store.outcomes import raise_refusal
from mutual.usecases import groups as group_usecase
from mutual.usecases.accounts import account_write
from mutual.usecases.errors import Forbidden, InvalidRequest, NotFound, Unsigned
from mutual.usecases.fund import available_now
from mutual.usecases.keys import public_keys
from mutual.usecases.log import sign_checkpoint
from mutual.usecases.members import is_coordinator
from mutual.usecases.pagination import Page, cut_page, decode_index_cursor
from mutual.usecases.round_notices import tell_round
from mutual.usecases.runtime import Runtime, chosen_id
from mutual.usecases.transactions import SignedTransaction, prepare

RETRIES = 4  # a phase step recomposed after round_moved, at most


def _facilitates(caller: Principal) -> bool:
    return caller.has(Role.FACILITATOR) or is_coordinator(caller)


def require_facilitator(caller: Principal) -> None:
    if not _facilitates(caller):
        raise Forbidden("only the facilitator or a coordinator runs a round")


async def load(rt: Runtime, round_id: UUID) -> RoundState:
    """The round as its entries leave it. The folded state is kept per round with the
    log index it reached, and only the entries after it are read and folded: a round with
    a thousand ballots is not re-folded for each new one. The log is append-only, so what
    was folded never changes (another process's entries are simply read as new ones)."""
    cached = rt.rounds.get(round_id)
    after = -1 if cached is None else cached[0]
    async with rt.db.reading() as conn:
        entries = await store.entries_of(conn, rt.log.origin, round_id, after=after)
    if cached is None and not entries:
        raise NotFound("no such round", field="round_id")
    state = start(entries[0][1]) if cached is None else cached[1]
    for _, entry in entries[1:] if cached is None else entries:
        state = apply_entry(state, entry)
    if entries:
        rt.rounds[round_id] = (entries[-1][0], state)
    return state


async def find(rt: Runtime, key: str) -> RoundState:
    """A round by its id or its label."""
    try:
        return await load(rt, UUID(key))
    except ValueError:
        pass
    async with rt.db.reading() as conn:
        ids = await store.round_ids(conn)
    for round_id in ids:
        state = await load(rt, round_id)
        if state.config.label == key:
            return state
    raise NotFound("no round with this id or label", field="round_id")


async def list_rounds(rt: Runtime) -> list[RoundState]:
    async with rt.db.reading() as conn:
        ids = await store.round_ids(conn)
    return [await load(rt, round_id) for round_id in ids]


async def round_page(rt: Runtime, *, cursor: str | None, limit: int) -> Page[RoundState]:
    """Rounds newest first, by the log index of each one's draft."""
    async with rt.db.reading() as conn:
        found = await store.round_page(
            conn, before=decode_index_cursor("rounds", cursor), limit=limit + 1
        )
    page = cut_page("rounds", found, limit, lambda r: str(r[0]))
    return Page([await load(rt, round_id) for _, round_id in page.items], page.next_cursor)


# --- Writing one step ----------------------------------------------------------------


def _log_write(rt: Runtime, entry: RoundEntry) -> RoundWrite:
    payload = entry_payload(rt.log.origin, entry)
    log_entry, digest = rt.log.sign_entry(Domain.ROUND, EntryType.ROUND, payload)
    return RoundWrite(entry, EntryType.ROUND, (), digest, log_entry)


async def _recorded(rt: Runtime, entry_id: UUID | None) -> bool:
    if entry_id is None:
        return False
    async with rt.db.reading() as conn:
        return await store.entry_index(conn, entry_id) is not None


Compose = Callable[[RoundState], Awaitable[tuple[Mapping[str, Any], Sequence[WriteRequest]]]]


async def _step(
    rt: Runtime,
    caller: Principal,
    round_id: UUID,
    kind: Kind,
    compose: Compose,
    *,
    entry_id: UUID | None,
) -> RoundState:
    """Compose the step's body from the round's state, check it with the core, write it
    (with any writes that must land with it, atomically) and return the round after it."""
    if await _recorded(rt, entry_id):
        return await load(rt, round_id)
    eid = chosen_id(entry_id)
    for attempt in range(RETRIES):
        state = await load(rt, round_id)
        require_phase(state, kind)
        body, with_it = await compose(state)
        entry = RoundEntry(
            eid,
            round_id,
            kind,
            caller.id,
            state.head,
            None if kind in ACTS else state.acts,
            rt.clock(),
            body,
        )
        after = apply_entry(state, entry)
        outcomes = await rt.journal.submit(
            [*with_it, _log_write(rt, entry)], atomic=True, recorded_at=rt.clock()
        )
        refused = next((o for o in outcomes if not o.accepted), None)
        if refused is None:
            await tell_round(rt, after)
            return after
        # A group changed between the roll's reading and the write: read it again too.
        moved = refused.body["code"] in (RoundMoved.code, RollMismatch.code)
        if not moved or attempt == RETRIES - 1:
            raise_refusal(outcomes)
    raise AssertionError("unreachable")


# --- Draft and proposals -------------------------------------------------------------


async def create_round(
    rt: Runtime, caller: Principal, round_id: UUID | None, config: Mapping[str, Any]
) -> RoundState:
    """Draft a round: its label, quarter, rule and parameters, quorum and deadlines."""
    require_facilitator(caller)
    rid = chosen_id(round_id)
    async with rt.db.reading() as conn:
        if await store.entry_index(conn, rid) is not None:
            return await load(rt, rid)
    body = dict(config)
    groups = await group_usecase.groups(rt)
    city = groups.city()
    envelope = body.get("neighbourhood")
    if "roll" not in body and isinstance(envelope, dict) and isinstance(envelope.get("group"), str):
        # A neighbourhood round: by default its group's members vote.
        body["roll"] = {"source": RollSource.MEMBERS.value, "group": envelope["group"]}
    elif "roll" not in body and city is not None:
        # By default the city group's representatives vote, once the territory has one;
        # before that, every active member (as rounds did before groups).
        body["roll"] = Roll(RollSource.REPRESENTATIVES, city.id).document()
    entry = RoundEntry(rid, rid, Kind.DRAFT, caller.id, None, 0, rt.clock(), body)
    state = start(entry)
    if state.config.roll is not None:
        roll_of(groups, state.config.roll)  # the group named exists, and is the city's
    if state.config.neighbourhood is not None:
        check_envelope(groups, state.config.neighbourhood)
    for other in await list_rounds(rt):
        if other.config.label == state.config.label:
            raise InvalidRequest("another round has this label", field="label")
    [outcome] = await rt.journal.submit(
        [_log_write(rt, entry)], atomic=True, recorded_at=rt.clock()
    )
    raise_refusal([outcome])
    await tell_round(rt, state)
    return state


@dataclass(frozen=True, slots=True)
class ProjectAsk:
    project_id: UUID
    ask_eur: int
    ask_hours: int
    min_eur: int | None
    min_hours: int | None
    conflicts: tuple[UUID, ...]


async def submit_project(
    rt: Runtime, caller: Principal, round_id: UUID, ask: ProjectAsk, *, entry_id: UUID | None
) -> RoundState:
    """A coordination group puts a project forward: its lead, or for its lead whoever
    runs rounds (the facilitator, a coordinator); the lead's conflict of interest is
    derived, others are declared."""
    async with rt.db.reading() as conn:
        project = await project_store.get_project(conn, ask.project_id)
    if project is None:
        raise NotFound("no such project", field="project_id")
    if not (_facilitates(caller) or caller.id == project.lead_id):
        raise Forbidden("the project's lead, the facilitator or a coordinator submits it")
    submission = Submission(
        project.id,
        project.group_name,
        project.lead_id,
        ask.ask_eur,
        ask.ask_hours,
        ask.min_eur,
        ask.min_hours,
        tuple(sorted(set(ask.conflicts))),
    )

    async def compose(_: RoundState) -> tuple[Mapping[str, Any], Sequence[WriteRequest]]:
        return submission.document(), ()

    return await _step(rt, caller, round_id, Kind.SUBMISSION, compose, entry_id=entry_id)


async def snapshot(
    rt: Runtime, caller: Principal, round_id: UUID, *, entry_id: UUID | None
) -> RoundState:
    """Freeze the roll (the group's members or the city group's representatives the
    round names, as the groups stand now; every active member by default), the fund's
    available euros and the hours the pool holds for the round's quarter, at a
    checkpoint signed now. The fold holds the roll to the groups at the snapshot's index."""
    require_facilitator(caller)

    async def compose(state: RoundState) -> tuple[Mapping[str, Any], Sequence[WriteRequest]]:
        async with rt.db.reading() as conn:
            held = await pledge_store.held_balances(conn, state.config.quarter)
        checkpoint = await sign_checkpoint(rt)
        manifest = Manifest(
            await _roll(rt, state.config.roll),
            _within(state.config.neighbourhood, max(0, await available_now(rt))),
            sum(n for n in held.values() if n > 0),
            tuple(state.submissions[k] for k in sorted(state.submissions)),
            checkpoint.tree_size,
            b64encode(checkpoint.root_hash),
        )
        return {"manifest": manifest.document(), "manifest_sha256": manifest.sha256}, ()

    return await _step(rt, caller, round_id, Kind.SNAPSHOT, compose, entry_id=entry_id)


def _within(envelope: Envelope | None, available: int) -> int:
    """The euros a round allocates: the fund's available ones, at most a neighbourhood
    round's own budget."""
    return available if envelope is None else min(available, envelope.budget_eur)


async def _roll(rt: Runtime, roll: Roll | None) -> tuple[UUID, ...]:
    voters = None if roll is None else roll_of(await group_usecase.groups(rt), roll)
    if voters is not None:
        return voters
    async with rt.db.reading() as conn:
        active = await member_store.list_members(conn, status="active", after=None, limit=10**6)
    return tuple(sorted(UUID(str(m.id)) for m in active))


async def propose(
    rt: Runtime, caller: Principal, round_id: UUID, lines: Sequence[Line], *, entry_id: UUID | None
) -> RoundState:
    """The facilitator's proposal, or an amended version of it: it opens the consent poll."""
    require_facilitator(caller)

    async def compose(state: RoundState) -> tuple[Mapping[str, Any], Sequence[WriteRequest]]:
        return {"version": state.version + 1, "lines": lines_document(lines)}, ()

    return await _step(rt, caller, round_id, Kind.PROPOSAL, compose, entry_id=entry_id)


def _reason_hash(reason: str) -> str:
    return hashlib.sha256(reason.encode()).hexdigest()


async def take_stance(
    rt: Runtime,
    caller: Principal,
    round_id: UUID,
    stance: Stance,
    target: tuple[str, UUID] | None,
    reason: str | None,
    *,
    entry_id: UUID | None,
) -> RoundState:
    """A voter's stance on the current proposal; a later stance replaces it."""
    if await _recorded(rt, entry_id):
        return await load(rt, round_id)
    eid = chosen_id(entry_id)
    if reason is not None:
        async with rt.db.writing() as conn:
            await store.put_text(
                conn, eid, round_id, caller.id, "reason", {"reason": reason}, now=rt.clock()
            )

    async def compose(_: RoundState) -> tuple[Mapping[str, Any], Sequence[WriteRequest]]:
        return {
            "stance": stance.value,
            "target": None if target is None else {"kind": target[0], "project": str(target[1])},
            "reason_sha256": None if reason is None else _reason_hash(reason),
        }, ()

    return await _step(rt, caller, round_id, Kind.STANCE, compose, entry_id=eid)


def _closable(deadline: datetime, now: datetime, done: bool, what: str) -> None:
    if now <= deadline and not done:
        raise InvalidRequest(f"the {what} closes at its deadline, or once every voter took part")


async def close_consent(
    rt: Runtime, caller: Principal, round_id: UUID, *, entry_id: UUID | None
) -> RoundState:
    """Close the consent poll: adopted, a ballot over what objections leave open, or
    undecided without quorum (resources roll over)."""
    require_facilitator(caller)

    async def compose(state: RoundState) -> tuple[Mapping[str, Any], Sequence[WriteRequest]]:
        everyone = len(state.stances) == len(state.require_manifest().voters)
        _closable(state.config.consent_close, rt.clock(), everyone, "consent poll")
        return consent_outcome(state).document(), ()

    return await _step(rt, caller, round_id, Kind.CONSENT_CLOSED, compose, entry_id=entry_id)


# --- Ballots -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Receipt:
    ballot_id: UUID
    log_index: int
    leaf_hash: str


async def cast_ballot(
    rt: Runtime,
    caller: Principal,
    round_id: UUID,
    approvals: Sequence[UUID],
    *,
    ballot_id: UUID,
    voter: UUID | None,
    signatures: Sequence[Signature],
) -> Receipt:
    """A voter's approval ballot, in two steps like a composed transaction: sent
    unsigned, the answer is ``unsigned`` with the ballot's payload (its choice only as a
    salted hash); sent again with the voter's signature (or a custodian's on their
    behalf), it is logged and answered with its receipt. A later ballot replaces it."""
    voter_id = voter or caller.id
    if voter_id != caller.id and not is_coordinator(caller):
        raise Forbidden("a coordinator may only bring a ballot signed for the voter")
    async with rt.db.reading() as conn:
        index = await store.entry_index(conn, ballot_id)
        kept = (await store.texts(conn, [ballot_id])).get(ballot_id)
    if index is not None:
        return await _receipt(rt, ballot_id)
    state = await load(rt, round_id)
    if state.phase is not Phase.BALLOT:
        raise WrongPhase(f"the round is {state.phase.value}, not voting", field="round_id")
    choice = sorted(str(p) for p in approvals)
    check_approvals(state, choice)
    now = rt.clock()
    if now > state.config.ballot_close:
        raise DeadlinePassed("the ballot has closed", field="at")
    if voter_id not in state.roll:
        raise NotOnRoll("not on this round's voter roll", field="voter")
    if kept is None or kept["approvals"] != choice or kept["after"] != str(state.head):
        kept = {
            "approvals": choice,
            "salt": b64encode(os.urandom(16)),
            "at": timestamp(now),
            "after": str(state.head),
        }
        async with rt.db.writing() as conn:
            await store.put_text(conn, ballot_id, round_id, voter_id, "ballot", kept, now=now)
    entry = RoundEntry(
        ballot_id,
        round_id,
        Kind.BALLOT,
        voter_id,
        state.head,
        None,
        parse_timestamp(kept["at"], "at"),
        {
            "manifest_sha256": state.manifest_sha256,
            "choice_sha256": ballot_commitment(choice, kept["salt"]),
        },
    )
    apply_entry(state, entry)
    payload = entry_payload(rt.log.origin, entry)
    if not signatures:
        raise Unsigned(payload, domain=Domain.BALLOT.value.decode().strip())
    body = canonical(payload)
    keys = await public_keys(rt, (s.key_id for s in signatures))
    check_signatures(Domain.BALLOT.value + body, tuple(signatures), keys)
    write = RoundWrite(
        entry,
        EntryType.BALLOT,
        tuple(signatures),
        hashlib.sha256(Domain.BALLOT.value + body).digest(),
        signed_log_entry(EntryType.BALLOT, body, tuple(signatures)),
    )
    outcomes = await rt.journal.submit([write], atomic=True, recorded_at=rt.clock())
    raise_refusal(outcomes)
    return Receipt(ballot_id, outcomes[0].body["log_index"], outcomes[0].body["leaf_hash"])


async def _receipt(rt: Runtime, ballot_id: UUID) -> Receipt:
    found = await entry_by_entity(rt.db, ballot_id)
    assert found is not None
    return Receipt(ballot_id, found.log_index, b64encode(found.leaf_hash))


async def close_ballot(
    rt: Runtime, caller: Principal, round_id: UUID, *, entry_id: UUID | None
) -> RoundState:
    """Close the ballot: publish every counted ballot (approvals and salt), tally them,
    and record the decision (the lines the consent kept and what the tally funds)."""
    require_facilitator(caller)

    async def compose(state: RoundState) -> tuple[Mapping[str, Any], Sequence[WriteRequest]]:
        everyone = len(state.ballots) == len(state.require_manifest().voters)
        _closable(state.config.ballot_close, rt.clock(), everyone, "ballot")
        reveals = await _reveals(rt, state)
        body, _ = ballot_outcome(state, reveals)
        return body, ()

    return await _step(rt, caller, round_id, Kind.BALLOT_CLOSED, compose, entry_id=entry_id)


async def _reveals(rt: Runtime, state: RoundState) -> list[Reveal]:
    counted = {ballot_id: voter for voter, (ballot_id, _) in state.ballots.items()}
    async with rt.db.reading() as conn:
        found = await store.texts(conn, counted)
    return [
        Reveal(ballot_id, voter, tuple(found[ballot_id]["approvals"]), found[ballot_id]["salt"])
        for ballot_id, voter in counted.items()
    ]


def tally_of(state: RoundState) -> TallyResult | None:
    """The ballot's tally, recomputed from the published reveals (None before, or when
    the round needed no ballot or failed its quorum)."""
    if state.consent is None or state.consent.result != "ballot" or not state.reveals:
        return None
    _, result = ballot_outcome(state, state.reveals)
    return result


# --- Execution -----------------------------------------------------------------------


def execution_ids(state: RoundState) -> tuple[TransactionId, TransactionId]:
    """The execution's two transactions have ids fixed by the round, so a retry or a
    second facilitator can only replay them."""
    return (
        derived.execution_id(state.round_id, "eur"),
        derived.execution_id(state.round_id, "hours"),
    )


async def _execution(
    rt: Runtime, caller: Principal, state: RoundState
) -> tuple[list[Transaction], list[Any], list[pledge_core.PledgeAccount]]:
    decision_digest = state.require_decision_sha256()
    eur_id, hours_id = execution_ids(state)
    refs = {"round": str(state.round_id), "decision": decision_digest}
    txs: list[Transaction] = []
    openings: list[Any] = []
    named: list[pledge_core.PledgeAccount] = []
    eur_lines = [ln for ln in state.decision if ln.eur]
    if eur_lines:
        postings = [Posting(fund_core.fund_account_id(), EUR, -sum(ln.eur for ln in eur_lines))]
        async with rt.db.reading() as conn:
            for line in eur_lines:
                project = await project_store.get_project(conn, line.project_id)
                assert project is not None
                postings.append(Posting(AccountId(project.eur_account), EUR, line.eur))
        txs.append(Transaction(eur_id, TransactionKind.GRANT, tuple(postings), caller.id, "", refs))
    hour_lines = [(ln.project_id, ln.hours) for ln in state.decision if ln.hours]
    if hour_lines:
        quarter = state.config.quarter
        async with rt.db.reading() as conn:
            now = await pledge_store.held_balances(conn, quarter)
            # In the decided phase the head is the decision's own entry.
            decided = await store.entry_index(conn, state.head)
            assert decided is not None
            then = await pledge_store.held_balances_at(conn, quarter, decided)
        # The hours come from pledges held when the decision was taken, and still held:
        # pledges made since (residents pledge all the time) do not change what the
        # execution takes, so the transaction the operator signed after the first,
        # unsigned request is the one composed again when the signed one arrives.
        held = {m: min(n, then.get(m, 0)) for m, n in now.items()}
        flow = pledge_core.allocation(
            hours_id,
            quarter,
            pledge_core.distribute(held, hour_lines),
            initiator=caller.id,
            decision=decision_digest,
            today=None,
        )
        tx = flow.transaction
        txs.append(
            Transaction(tx.id, tx.kind, tx.postings, tx.initiator, "", {**tx.references, **refs})
        )
        openings.extend(p.account for p in flow.accounts)
        named.extend(flow.accounts)
    return txs, openings, named


async def execute(
    rt: Runtime,
    caller: Principal,
    round_id: UUID,
    signatures: Mapping[UUID, Sequence[Signature]],
    *,
    entry_id: UUID | None,
) -> RoundState:
    """Carry the decision out: one transaction per resource (euros from the fund, hours
    from the pledge pool) and the round's ``executed`` entry, in one atomic write, so it
    happens entirely or not at all. An operator's key signs the transactions."""
    if not (caller.has(Role.OPERATOR) or _facilitates(caller)):
        raise Forbidden("the facilitator or an operator executes a round")
    state = await load(rt, round_id)
    if state.phase is Phase.EXECUTED:
        return state
    if state.phase is not Phase.DECIDED:
        raise WrongPhase(f"the round is {state.phase.value}, not decided", field="round_id")
    txs, openings, named = await _execution(rt, caller, state)
    payloads = [transaction_payload(rt.log.origin, tx) for tx in txs]
    if txs and not signatures:
        raise Unsigned(payloads[0], more=tuple(payloads[1:]))
    # Told early, in the round's words; the ledger's fold decides it again under the
    # writer's lock (core.kinds), so a grant racing in from another process cannot pass.
    eur = sum(ln.eur for ln in state.decision)
    if eur and eur > await available_now(rt):
        raise fund_core.ExceedsAvailable(
            f"the fund has less than the {eur} cents decided available", field="round_id"
        )
    writes: list[WriteRequest] = [account_write(rt, a) for a in openings]
    for tx in txs:
        sigs = tuple(signatures.get(tx.id, ()))
        if not sigs:
            raise InvalidRequest(f"no signatures for transaction {tx.id}", field="signatures")
        writes.append(await prepare(rt, caller, SignedTransaction(tx, sigs)))
    if named:
        async with rt.db.writing() as conn:
            await pledge_store.name_accounts(conn, named)
    body = {"decision_sha256": state.decision_sha256, "transactions": [str(t.id) for t in txs]}

    async def compose(_: RoundState) -> tuple[Mapping[str, Any], Sequence[WriteRequest]]:
        return body, writes

    return await _step(rt, caller, round_id, Kind.EXECUTED, compose, entry_id=entry_id)


async def cancel(
    rt: Runtime, caller: Principal, round_id: UUID, reason: str, *, entry_id: UUID | None
) -> RoundState:
    """Cancel a round that is not over (a changed manifest means cancelling and
    starting again); its resources stay where they are."""
    require_facilitator(caller)
    eid = chosen_id(entry_id)
    async with rt.db.writing() as conn:
        await store.put_text(
            conn, eid, round_id, caller.id, "reason", {"reason": reason}, now=rt.clock()
        )

    async def compose(_: RoundState) -> tuple[Mapping[str, Any], Sequence[WriteRequest]]:
        return {"reason_sha256": _reason_hash(reason)}, ()

    return await _step(rt, caller, round_id, Kind.CANCELLED, compose, entry_id=eid)


# --- Reading -------------------------------------------------------------------------


async def reasons(rt: Runtime, state: RoundState) -> dict[UUID, str | None]:
    """The reasons given with the current stances (None once erased)."""
    ids = [s.entry_id for s in state.stances.values() if s.reason_sha256 is not None]
    async with rt.db.reading() as conn:
        found = await store.texts(conn, ids)
    return {i: found.get(i, {}).get("reason") for i in ids}
