"""``/rounds``: quarterly allocation rounds, from the draft to the execution.

Every step is a signed log entry (``core.rounds``); each write answers the round as the
step left it. A ballot is signed by its voter in two steps, like a composed transaction.
"""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import ROUND_RULES
from mutual.api.problems import problem_responses
from mutual.api.round_schemas import (
    BallotIn,
    CancelIn,
    ConsentOut,
    ExecutionIn,
    LineOut,
    ManifestOut,
    ReceiptOut,
    ResultOut,
    RevealOut,
    RoundIn,
    RoundOut,
    RoundPage,
    RoundProposalIn,
    StanceIn,
    StanceOut,
    StepIn,
    SubmissionIn,
    SubmissionOut,
    TargetIn,
)
from mutual.api.routes.transactions import to_signatures
from mutual.core.groups import RollSource
from mutual.core.round_documents import Line
from mutual.core.round_entries import timestamp
from mutual.core.round_state import RoundState
from mutual.core.tally import Rule
from mutual.core.tally_result import transcript_document
from mutual.usecases import rounds as usecase

WRITE_PROBLEMS = problem_responses(*ROUND_RULES)
DEFAULT_STEP = "1/1000"


def _lines(lines: tuple[Line, ...]) -> list[LineOut]:
    return [LineOut(project_id=ln.project_id, eur=ln.eur, hours=ln.hours) for ln in lines]


def _target(target: tuple[str, UUID] | None) -> TargetIn | None:
    if target is None:
        return None
    kind = "line" if target[0] == "line" else "omission"
    return TargetIn(kind=kind, project_id=target[1])


def round_out(state: RoundState, reasons: dict[UUID, str | None]) -> RoundOut:
    config = state.config
    manifest = state.manifest
    consent = state.consent
    envelope = config.neighbourhood
    return RoundOut(
        id=state.round_id,
        label=config.label,
        quarter=str(config.quarter),
        phase=state.phase,
        rule=config.rule,
        seed=config.seed,
        share_step=config.document()["share_step"],
        quorum=config.quorum,
        proposals_close=config.proposals_close,
        consent_close=config.consent_close,
        ballot_close=config.ballot_close,
        max_amendments=config.max_amendments,
        approvals_min=config.approvals_min,
        approvals_max=config.approvals_max,
        roll_source=RollSource.ALL_MEMBERS if config.roll is None else config.roll.source,
        roll_group=None if config.roll is None else config.roll.group,
        neighbourhood_group=None if envelope is None else envelope.group,
        neighbourhood_budget_eur=None if envelope is None else envelope.budget_eur,
        head=state.head,
        acts=state.acts,
        submissions=[
            SubmissionOut(
                project_id=s.project_id,
                group=s.group,
                lead=s.lead,
                ask_eur=s.ask_eur,
                ask_hours=s.ask_hours,
                min_eur=s.min_eur,
                min_hours=s.min_hours,
                conflicts=list(s.conflicts),
            )
            for _, s in sorted(state.submissions.items(), key=lambda kv: str(kv[0]))
        ],
        manifest=None
        if manifest is None
        else ManifestOut(
            sha256=manifest.sha256,
            voters=list(manifest.voters),
            budget_eur=manifest.budget_eur,
            budget_hours=manifest.budget_hours,
            checkpoint_tree_size=manifest.tree_size,
            checkpoint_root=manifest.root,
        ),
        proposal_version=state.version,
        proposal=_lines(state.proposal),
        stances=[
            StanceOut(
                voter_id=voter,
                stance=act.stance,
                target=_target(act.target),
                reason=reasons.get(act.entry_id),
            )
            for voter, act in sorted(state.stances.items(), key=lambda kv: str(kv[0]))
        ],
        consent=None
        if consent is None
        else ConsentOut(
            participants=consent.participants,
            quorum_met=consent.quorum_met,
            result=consent.result,
            objections=[t for t in map(_target, consent.objections) if t is not None],
            kept=_lines(consent.kept),
            ballot_projects=list(consent.ballot_projects),
            budget_eur_left=consent.budget_eur,
            budget_hours_left=consent.budget_hours,
        ),
        ballots_cast=len(state.ballots),
        voted=sorted(state.ballots, key=str),
        reveals=[
            RevealOut(
                ballot_id=r.ballot_id,
                voter_id=r.voter,
                approvals=[UUID(a) for a in r.approvals],
                salt=r.salt,
            )
            for r in state.reveals
        ],
        decision=_lines(state.decision),
        decision_sha256=state.decision_sha256,
        tally_sha256=state.tally_sha256,
        transactions=list(state.executed),
    )


async def _answer(state: State, round_state: RoundState, status: int = 200) -> Response[RoundOut]:
    reasons = await usecase.reasons(runtime_of(state), round_state)
    return Response(round_out(round_state, reasons), status_code=status)


@post(
    "/rounds",
    operation_id="createRound",
    responses=WRITE_PROBLEMS,
    summary="Draft an allocation round: rule, parameters, quorum and deadlines (facilitator)",
    status_code=201,
)
async def create_round(
    data: JSONBody[RoundIn], state: State, principal: CurrentPrincipal
) -> Response[RoundOut]:
    step = data.share_step
    if step is None and data.rule in (Rule.MES_ADD1, Rule.MES_ADD1_GREEDY):
        step = DEFAULT_STEP
    config: dict[str, Any] = {
        "label": data.label,
        "quarter": data.quarter,
        "rule": data.rule.value,
        "seed": data.seed or os.urandom(32).hex(),
        "share_step": step,
        "quorum": data.quorum,
        "proposals_close": timestamp(data.proposals_close),
        "consent_close": timestamp(data.consent_close),
        "ballot_close": timestamp(data.ballot_close),
        "max_amendments": data.max_amendments,
        "approvals_min": data.approvals_min,
        "approvals_max": data.approvals_max,
    }
    if data.roll is not None:
        group = data.roll.group_id
        config["roll"] = {"source": data.roll.source.value, "group": group and str(group)}
    if data.neighbourhood is not None:
        config["neighbourhood"] = {
            "group": str(data.neighbourhood.group_id),
            "budget_eur": data.neighbourhood.budget_eur,
        }
    created = await usecase.create_round(runtime_of(state), principal, data.id, config)
    return await _answer(state, created, 201)


@get(
    "/rounds",
    operation_id="listRounds",
    responses=problem_responses(),
    summary="Every round, newest first",
)
async def list_rounds(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> RoundPage:
    rt = runtime_of(state)
    page = await usecase.round_page(rt, cursor=cursor, limit=limit)
    return RoundPage(
        items=[round_out(r, await usecase.reasons(rt, r)) for r in page.items],
        **page_links(request, page.next_cursor),
    )


@get(
    "/rounds/{key:str}",
    operation_id="getRound",
    responses=problem_responses("not_found"),
    summary="A round by id or label, as its log entries leave it",
)
async def get_round(
    key: FromPath[str], state: State, principal: CurrentPrincipal
) -> Response[RoundOut]:
    return await _answer(state, await usecase.find(runtime_of(state), key))


@get(
    "/rounds/{key:str}/result",
    operation_id="getRoundResult",
    responses=problem_responses("not_found"),
    summary="The decision and the tally's transcript: who paid what, why a project was "
    "not funded, results per voter",
)
async def get_result(key: FromPath[str], state: State, principal: CurrentPrincipal) -> ResultOut:
    round_state = await usecase.find(runtime_of(state), key)
    result = usecase.tally_of(round_state)
    return ResultOut(
        round_id=round_state.round_id,
        phase=round_state.phase,
        decision=_lines(round_state.decision),
        transcript=None if result is None else transcript_document(result),
    )


@post(
    "/rounds/{round_id:uuid}/submissions",
    operation_id="submitProject",
    responses=WRITE_PROBLEMS,
    summary="Put a project forward in the round (its lead, the facilitator or a coordinator)",
    status_code=201,
)
async def submit(
    round_id: FromPath[UUID],
    data: JSONBody[SubmissionIn],
    state: State,
    principal: CurrentPrincipal,
) -> Response[RoundOut]:
    ask = usecase.ProjectAsk(
        data.project_id,
        data.ask_eur,
        data.ask_hours,
        data.min_eur,
        data.min_hours,
        tuple(data.conflicts),
    )
    after = await usecase.submit_project(
        runtime_of(state), principal, round_id, ask, entry_id=data.id
    )
    return await _answer(state, after, 201)


@post(
    "/rounds/{round_id:uuid}/snapshot",
    operation_id="snapshotRound",
    responses=WRITE_PROBLEMS,
    summary="Freeze the voter roll, both budgets and the projects into the signed manifest",
    status_code=201,
)
async def snapshot(
    round_id: FromPath[UUID], data: JSONBody[StepIn], state: State, principal: CurrentPrincipal
) -> Response[RoundOut]:
    after = await usecase.snapshot(runtime_of(state), principal, round_id, entry_id=data.id)
    return await _answer(state, after, 201)


@post(
    "/rounds/{round_id:uuid}/proposals",
    operation_id="proposeAllocation",
    responses=WRITE_PROBLEMS,
    summary="The facilitator's proposal, or an amended version: opens the consent poll",
    status_code=201,
)
async def propose(
    round_id: FromPath[UUID],
    data: JSONBody[RoundProposalIn],
    state: State,
    principal: CurrentPrincipal,
) -> Response[RoundOut]:
    lines = [Line(ln.project_id, ln.eur, ln.hours) for ln in data.lines]
    after = await usecase.propose(runtime_of(state), principal, round_id, lines, entry_id=data.id)
    return await _answer(state, after, 201)


@post(
    "/rounds/{round_id:uuid}/stances",
    operation_id="takeStance",
    responses=WRITE_PROBLEMS,
    summary="Consent, stand aside, or object to a line or an omission, with a reason",
    status_code=201,
)
async def take_stance(
    round_id: FromPath[UUID], data: JSONBody[StanceIn], state: State, principal: CurrentPrincipal
) -> Response[RoundOut]:
    target = None if data.target is None else (data.target.kind, data.target.project_id)
    after = await usecase.take_stance(
        runtime_of(state),
        principal,
        round_id,
        data.stance,
        target,
        data.reason,
        entry_id=data.id,
    )
    return await _answer(state, after, 201)


@post(
    "/rounds/{round_id:uuid}/consent/close",
    operation_id="closeConsent",
    responses=WRITE_PROBLEMS,
    summary="Close the consent poll: adopted, to a ballot, or undecided without quorum",
    status_code=201,
)
async def close_consent(
    round_id: FromPath[UUID], data: JSONBody[StepIn], state: State, principal: CurrentPrincipal
) -> Response[RoundOut]:
    after = await usecase.close_consent(runtime_of(state), principal, round_id, entry_id=data.id)
    return await _answer(state, after, 201)


@post(
    "/rounds/{round_id:uuid}/ballots",
    operation_id="castBallot",
    responses=WRITE_PROBLEMS,
    summary="An approval ballot, signed by the voter; answered with its receipt",
    status_code=201,
)
async def cast_ballot(
    round_id: FromPath[UUID], data: JSONBody[BallotIn], state: State, principal: CurrentPrincipal
) -> ReceiptOut:
    receipt = await usecase.cast_ballot(
        runtime_of(state),
        principal,
        round_id,
        data.approvals,
        ballot_id=data.id,
        voter=data.voter_id,
        signatures=to_signatures(data.signatures),
    )
    return ReceiptOut(
        ballot_id=receipt.ballot_id, log_index=receipt.log_index, leaf_hash=receipt.leaf_hash
    )


@post(
    "/rounds/{round_id:uuid}/ballot/close",
    operation_id="closeBallot",
    responses=WRITE_PROBLEMS,
    summary="Close the ballot: publish the ballots, tally them, record the decision",
    status_code=201,
)
async def close_ballot(
    round_id: FromPath[UUID], data: JSONBody[StepIn], state: State, principal: CurrentPrincipal
) -> Response[RoundOut]:
    after = await usecase.close_ballot(runtime_of(state), principal, round_id, entry_id=data.id)
    return await _answer(state, after, 201)


@post(
    "/rounds/{round_id:uuid}/execution",
    operation_id="executeRound",
    responses=WRITE_PROBLEMS,
    summary="Carry the decision out: one transaction per resource, with the round's "
    "entry, all at once",
    status_code=201,
)
async def execute(
    round_id: FromPath[UUID], data: JSONBody[ExecutionIn], state: State, principal: CurrentPrincipal
) -> Response[RoundOut]:
    signatures = {tx: to_signatures(sigs) for tx, sigs in data.signatures.items()}
    after = await usecase.execute(
        runtime_of(state), principal, round_id, signatures, entry_id=data.id
    )
    return await _answer(state, after, 201)


@post(
    "/rounds/{round_id:uuid}/cancel",
    operation_id="cancelRound",
    responses=WRITE_PROBLEMS,
    summary="Cancel a round that is not over; its resources stay where they are",
    status_code=201,
)
async def cancel(
    round_id: FromPath[UUID], data: JSONBody[CancelIn], state: State, principal: CurrentPrincipal
) -> Response[RoundOut]:
    after = await usecase.cancel(
        runtime_of(state), principal, round_id, data.reason, entry_id=data.id
    )
    return await _answer(state, after, 201)


ROUTES: list[HTTPRouteHandler] = [
    create_round,
    list_rounds,
    get_round,
    get_result,
    submit,
    snapshot,
    propose,
    take_stance,
    close_consent,
    cast_ballot,
    close_ballot,
    execute,
    cancel,
]
