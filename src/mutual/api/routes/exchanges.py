"""``/proposals``: "I provided N hours to X", confirmed by X's signature or rejected;
``/exchanges/received``: "I received N hours from X", signed at once; ``/exchange-groups``:
one provider and several receivers (or the reverse), a proposal per share."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import CLIENT_ID, PROPOSAL_ANSWER, SIGNED_FLOW
from mutual.api.problems import problem_responses
from mutual.api.routes.transactions import outcome_response, to_salt, to_signatures
from mutual.api.schemas import TransactionResultOut
from mutual.api.timebank_schemas import (
    ConfirmIn,
    ExchangeGroupIn,
    ExchangeGroupOut,
    ExchangeProposalIn,
    ProposalOut,
    ProposalPage,
    ReceivedIn,
    RejectIn,
)
from mutual.core.timebank import Proposal
from mutual.usecases import exchange_groups as groups
from mutual.usecases import exchanges as usecase
from mutual.usecases import received
from mutual.usecases.pagination import cut_page, decode_id_cursor
from mutual.usecases.runtime import Runtime


def proposal_out(rt: Runtime, proposal: Proposal) -> ProposalOut:
    return ProposalOut(
        id=proposal.id,
        provider=proposal.provider,
        receiver=proposal.receiver,
        minutes=proposal.minutes,
        memo=proposal.memo,
        offer_id=proposal.offer_id,
        category=proposal.category,
        status=proposal.status_at(rt.clock()).value,
        reason=proposal.reason,
        created_at=proposal.created_at,
        expires_at=proposal.expires_at,
        signing_payload=usecase.signing_payload(rt, proposal),
        group=proposal.group,
    )


@post(
    "/proposals",
    operation_id="proposeExchange",
    responses=problem_responses(
        "not_listed",
        "not_found",
        "invalid_duration",
        "self_exchange",
        "implausible_amount",
        "idempotency_key_mismatch",
        "not_custodian",
        *CLIENT_ID,
    ),
    summary="Record hours provided to another member, to be confirmed by them",
    status_code=201,
)
async def propose(
    data: JSONBody[ExchangeProposalIn], state: State, principal: CurrentPrincipal
) -> Response[ProposalOut]:
    """No balance changes until the receiver signs; resending with the same id answers
    the recorded proposal (200)."""
    rt = runtime_of(state)
    proposal, new = await usecase.propose(
        rt,
        principal,
        proposal_id=data.id,
        receiver=data.receiver,
        minutes=data.minutes,
        memo=data.memo,
        offer_id=data.offer_id,
        category=data.category,
        on_behalf_of=data.on_behalf_of,
    )
    return Response(proposal_out(rt, proposal), status_code=201 if new else 200)


@get(
    "/proposals",
    operation_id="listProposals",
    responses=problem_responses(),
    summary="One's proposals, given or to answer (coordinators: all)",
)
async def list_proposals(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    role: FromQuery[Literal["provider", "receiver"] | None] = None,
    status: FromQuery[Literal["pending", "confirmed", "rejected", "expired"] | None] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> ProposalPage:
    rt = runtime_of(state)
    found = await usecase.list_proposals(
        rt,
        principal,
        role=role,
        status=status,
        after=decode_id_cursor("proposals", cursor),
        limit=limit + 1,
    )
    page = cut_page("proposals", found, limit, lambda p: str(p.id))
    return ProposalPage(
        items=[proposal_out(rt, p) for p in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/proposals/{proposal_id:uuid}",
    operation_id="getProposal",
    responses=problem_responses("not_found"),
    summary="A proposal and the payload its receiver signs",
)
async def get_proposal(
    proposal_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> ProposalOut:
    rt = runtime_of(state)
    return proposal_out(rt, await usecase.read_proposal(rt, principal, proposal_id))


@post(
    "/proposals/{proposal_id:uuid}/confirm",
    operation_id="confirmProposal",
    responses=problem_responses(*PROPOSAL_ANSWER, *SIGNED_FLOW, "invalid_exchange"),
    summary="Confirm by signing the proposed transaction (the receiver, or a custodian)",
    status_code=201,
)
async def confirm(
    proposal_id: FromPath[UUID],
    data: JSONBody[ConfirmIn],
    state: State,
    principal: CurrentPrincipal,
) -> Response[TransactionResultOut]:
    """Answers like ``POST /transactions``: the recorded transaction, or the ledger's
    refusal (a bound, a key, a missing signature) with the proposal still pending."""
    outcome = await usecase.confirm(
        runtime_of(state), principal, proposal_id, to_signatures(data.signatures)
    )
    return outcome_response(outcome)


@post(
    "/proposals/{proposal_id:uuid}/reject",
    operation_id="rejectProposal",
    responses=problem_responses(*PROPOSAL_ANSWER),
    summary="Reject a proposal, with a reason",
    status_code=200,
)
async def reject(
    proposal_id: FromPath[UUID], data: JSONBody[RejectIn], state: State, principal: CurrentPrincipal
) -> ProposalOut:
    rt = runtime_of(state)
    return proposal_out(rt, await usecase.reject(rt, principal, proposal_id, data.reason))


@post(
    "/exchanges/received",
    operation_id="recordReceived",
    responses=problem_responses(
        "not_listed",
        *SIGNED_FLOW,
        "invalid_exchange",
        "self_exchange",
        "implausible_amount",
        "memo_salt_required",
        "not_custodian",
    ),
    summary="Record hours received from another member, signed at once by the receiver",
    status_code=201,
)
async def record_received(
    data: JSONBody[ReceivedIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    """The receiver's own account pays the provider's; the provider is told. Answers
    like ``POST /transactions``."""
    outcome = await received.record_received(
        runtime_of(state),
        principal,
        tx_id=data.id,
        provider=data.provider,
        minutes=data.minutes,
        memo=data.memo,
        memo_salt=to_salt(data.memo_salt),
        offer_id=data.offer_id,
        category=data.category,
        signatures=to_signatures(data.signatures),
        on_behalf_of=data.on_behalf_of,
    )
    return outcome_response(outcome)


def group_out(rt: Runtime, group: groups.Group) -> ExchangeGroupOut:
    return ExchangeGroupOut(
        id=group.id, side=group.side, shares=[proposal_out(rt, p) for p in group.shares]
    )


@post(
    "/exchange-groups",
    operation_id="recordExchangeGroup",
    responses=problem_responses(
        "not_listed",
        "not_found",
        "invalid_duration",
        "self_exchange",
        "implausible_amount",
        *CLIENT_ID,
    ),
    summary="Record a group exchange: a share per member, each signed by its receiver",
    status_code=201,
)
async def record_group(
    data: JSONBody[ExchangeGroupIn], state: State, principal: CurrentPrincipal
) -> Response[ExchangeGroupOut]:
    """Each share is a proposal (``/proposals/{id}/confirm`` signs it); resending the
    same group with its id answers the recorded one (200)."""
    rt = runtime_of(state)
    group, new = await groups.record_group(
        rt,
        principal,
        group_id=data.id,
        side=data.side,
        shares=[groups.ShareRequest(s.member, s.minutes) for s in data.shares],
        memo=data.memo,
        offer_id=data.offer_id,
        category=data.category,
    )
    return Response(group_out(rt, group), status_code=201 if new else 200)


@get(
    "/exchange-groups/{group_id:uuid}",
    operation_id="getExchangeGroup",
    responses=problem_responses("not_found"),
    summary="A group exchange and each share's status",
)
async def get_group(
    group_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> ExchangeGroupOut:
    rt = runtime_of(state)
    return group_out(rt, await groups.read_group(rt, principal, group_id))
