"""``/partners``, ``/fund`` and ``/projects/{id}/disbursements``: the co-responsibility
fund. Each movement is a composed transaction: sent without signatures it is answered
``unsigned`` with the signing_payload; sent again with them, it is written."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.fund_schemas import (
    ContributionIn,
    ContributionUseOut,
    DisbursementIn,
    DisbursementOut,
    DisbursementShareOut,
    FundOut,
    GrantIn,
    GrantShareOut,
    PartnerIn,
    PartnerOut,
    PartnerPage,
    PartnerTraceOut,
    ProjectDisbursementsOut,
    RepaymentIn,
)
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import CLIENT_ID, FUND_RULES, SIGNATURES, SIGNED_FLOW
from mutual.api.problems import problem_responses
from mutual.api.routes.transactions import outcome_response, to_signatures
from mutual.api.schemas import TransactionResultOut
from mutual.core.fund import ContributionKind, PartnerKind
from mutual.store.fund import PartnerRecord
from mutual.usecases import fund as usecase
from mutual.usecases.pagination import cut_page, decode_id_cursor, page_in_memory, time_key

_FLOW = problem_responses(
    *SIGNED_FLOW,
    *FUND_RULES,
    "invalid_contribution",
    "invalid_deposit",
    "invalid_repayment",
    "invalid_grant",
    "invalid_disbursement",
)


def _partner_out(record: PartnerRecord) -> PartnerOut:
    return PartnerOut(
        id=record.id,
        name=record.name,
        kind=record.kind,
        principal_id=record.principal_id,
        account_id=record.account_id,
        created_at=record.created_at,
    )


@post(
    "/partners",
    operation_id="createPartner",
    responses=problem_responses("not_found", *CLIENT_ID, *SIGNATURES[1:], "account_exists"),
    summary="Name a fund partner and the principal that signs for it",
    status_code=201,
)
async def create_partner(
    data: JSONBody[PartnerIn], state: State, principal: CurrentPrincipal
) -> PartnerOut:
    """Coordinators only. A resident partner signs with its member key; a city,
    foundation, company or association with the key of the principal named here."""
    new = usecase.NewPartner(data.name, PartnerKind(data.kind), data.principal_id)
    return _partner_out(await usecase.create_partner(runtime_of(state), principal, data.id, new))


@get(
    "/partners",
    operation_id="listPartners",
    responses=problem_responses(),
    summary="List the partners you may see (all, for coordinators and auditors)",
)
async def list_partners(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> PartnerPage:
    records = await usecase.list_partners(
        runtime_of(state),
        principal,
        after=decode_id_cursor("partners", cursor),
        limit=limit + 1,
    )
    page = cut_page("partners", records, limit, lambda r: str(r.id))
    return PartnerPage(
        items=[_partner_out(r) for r in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/partners/{partner_id:uuid}",
    operation_id="getPartner",
    responses=problem_responses("not_found"),
    summary="A partner (itself, coordinators and auditors)",
)
async def get_partner(
    partner_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> PartnerOut:
    return _partner_out(await usecase.read_partner(runtime_of(state), principal, partner_id))


@post(
    "/fund/contributions",
    operation_id="recordContribution",
    responses=_FLOW,
    summary="A partner's gift or refundable deposit to the fund (signed by the partner)",
    status_code=201,
)
async def record_contribution(
    data: JSONBody[ContributionIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    """The partner's principal, or a coordinator (the partner still signs, or its
    custodian). A deposit opens its own account, bounded so it is never repaid beyond
    what it lent."""
    new = usecase.NewContribution(
        data.partner_id, ContributionKind(data.kind), data.amount_cents, data.repayment_due
    )
    outcome = await usecase.record_contribution(
        runtime_of(state), principal, data.id, new, to_signatures(data.signatures)
    )
    return outcome_response(outcome)


@post(
    "/fund/contributions/{contribution_id:uuid}/repayments",
    operation_id="recordRepayment",
    responses=_FLOW,
    summary="Repay part or all of a deposit (coordinators; an operator's key signs)",
    status_code=201,
)
async def record_repayment(
    contribution_id: FromPath[UUID],
    data: JSONBody[RepaymentIn],
    state: State,
    principal: CurrentPrincipal,
) -> Response[TransactionResultOut]:
    """Refused for a gift (`not_a_deposit`), beyond what is owed (`exceeds_owed`), and
    for a deposit not yet due beyond the available balance (`exceeds_available`)."""
    outcome = await usecase.record_repayment(
        runtime_of(state),
        principal,
        contribution_id,
        data.id,
        data.amount_cents,
        to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@post(
    "/fund/grants",
    operation_id="recordGrant",
    responses=_FLOW,
    summary="Grant euros from the fund to a project by a recorded decision",
    status_code=201,
)
async def record_grant(
    data: JSONBody[GrantIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    """Coordinators; an operator's key signs. Never more than the available balance
    (`exceeds_available`)."""
    outcome = await usecase.record_grant(
        runtime_of(state),
        principal,
        data.id,
        data.project_id,
        data.amount_cents,
        data.decision,
        to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@post(
    "/projects/{project_id:uuid}/disbursements",
    operation_id="recordDisbursement",
    responses=_FLOW,
    summary="A project pays a supplier (its lead signs on the project's behalf)",
    status_code=201,
)
async def record_disbursement(
    project_id: FromPath[UUID],
    data: JSONBody[DisbursementIn],
    state: State,
    principal: CurrentPrincipal,
) -> Response[TransactionResultOut]:
    """The lead or a coordinator calls; only the lead's signature on the project's
    behalf spends (`not_custodian`, `signature_required`), never beyond its balance
    (`exceeds_balance_min`). Payee and receipt stay out of the log."""
    new = usecase.NewDisbursement(data.amount_cents, data.payee, data.receipt_ref)
    outcome = await usecase.record_disbursement(
        runtime_of(state), principal, project_id, data.id, new, to_signatures(data.signatures)
    )
    return outcome_response(outcome)


@get(
    "/projects/{project_id:uuid}/disbursements",
    operation_id="listDisbursements",
    responses=problem_responses("not_found"),
    summary="A project's payments with payee and receipt reference (its lead, coordinators)",
)
async def list_disbursements(
    request: Request[Any, Any, Any],
    project_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> ProjectDisbursementsOut:
    """The payee and receipt are kept beside the log, not in it: the ledger holds the
    amount, this table the words the lead gave."""
    found = await usecase.project_disbursements(runtime_of(state), principal, project_id)
    # One project's payments, read by one query and paged oldest first like every list.
    page = page_in_memory(
        "disbursements", found, cursor, limit, lambda d: time_key(d.recorded_at, d.id)
    )
    return ProjectDisbursementsOut(
        project_id=project_id,
        **page_links(request, page.next_cursor),
        items=[
            DisbursementOut(
                id=d.id,
                amount_cents=d.amount,
                payee=d.payee,
                receipt_ref=d.receipt_ref,
                recorded_at=d.recorded_at,
            )
            for d in page.items
        ],
    )


@get(
    "/fund",
    operation_id="getFund",
    responses=problem_responses(),
    summary="The fund's balance, what it owes soon, and what is available to grant",
)
async def get_fund(state: State, principal: CurrentPrincipal) -> FundOut:
    summary = await usecase.fund_summary(runtime_of(state))
    return FundOut(
        balance=summary.balance,
        received=summary.received,
        granted=summary.granted,
        repaid=summary.repaid,
        owed=summary.owed,
        owed_due_soon=summary.owed_due_soon,
        available=summary.available,
        as_of=summary.as_of,
        due_by=summary.due_by,
    )


@get(
    "/partners/{partner_id:uuid}/trace",
    operation_id="tracePartner",
    responses=problem_responses("not_found"),
    summary="Where did my money go: each contribution traced to grants and payments",
)
async def trace_partner(
    partner_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> PartnerTraceOut:
    """The partner's principal, coordinators and auditors. Shares are exact fractions,
    floored to the cent for display; `rounding_cents` is what flooring left over."""
    traced = await usecase.partner_trace(runtime_of(state), principal, partner_id)
    return PartnerTraceOut(
        partner=_partner_out(traced.partner),
        as_of=traced.as_of,
        contributions=[_use_out(use) for use in traced.contributions],
    )


def _use_out(use: usecase.ContributionUse) -> ContributionUseOut:
    record = use.contribution
    return ContributionUseOut(
        id=record.id,
        kind=record.kind,
        amount_cents=record.amount,
        repayment_due=record.repayment_due,
        recorded_at=record.recorded_at,
        owed_cents=use.owed,
        grants=[
            GrantShareOut(
                grant_id=g.grant_id,
                project_id=g.project_id,
                decision=g.decision,
                amount_cents=g.amount,
            )
            for g in use.grants
        ],
        disbursements=[
            DisbursementShareOut(
                disbursement_id=d.disbursement_id,
                project_id=d.project_id,
                payee=d.payee,
                receipt_ref=d.receipt_ref,
                amount_cents=d.amount,
            )
            for d in use.disbursements
        ],
        repaid_cents=use.repaid,
        other_cents=use.other,
        in_fund_cents=use.in_fund,
        rounding_cents=use.rounding,
    )


ROUTES: list[HTTPRouteHandler] = [
    create_partner,
    list_partners,
    get_partner,
    trace_partner,
    record_contribution,
    record_repayment,
    record_grant,
    record_disbursement,
    list_disbursements,
    get_fund,
]
