"""``/members``: applying, acceptance, profiles, near-limit view, GDPR export and erasure."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal
from uuid import UUID

from litestar import Request, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.downloads import csv_response
from mutual.api.pages import Cursor, Limit, UpdatedSince, aware, page_links
from mutual.api.problems import problem_responses
from mutual.api.schemas import TokenOut
from mutual.api.timebank_schemas import (
    AcceptedOut,
    MemberOut,
    MemberPage,
    NearLimitOut,
    NearLimitPage,
    ProfileIn,
)
from mutual.usecases import members as usecase
from mutual.usecases.accounts import whole_statement
from mutual.usecases.errors import NotFound
from mutual.usecases.pagination import page_in_memory


def _profile(data: ProfileIn) -> usecase.Profile:
    return usecase.Profile(
        data.display_name,
        data.neighbourhood,
        {k: v.model_dump() for k, v in data.contact.items()},
        list(data.languages),
        data.pact_signed_on,
    )


def member_out(view: dict[str, Any]) -> MemberOut:
    return MemberOut.model_validate(view)


@post(
    "/members/applications",
    operation_id="applyToJoin",
    responses=problem_responses(413, 422),
    summary="Apply to join the time bank",
    status_code=201,
)
async def apply(data: JSONBody[ProfileIn], state: State) -> MemberOut:
    """Anyone may apply; a coordinator accepts or refuses. Nothing reaches the ledger
    before acceptance."""
    record = await usecase.apply(runtime_of(state), _profile(data))
    return member_out(usecase.visible_profile(record, usecase.applicant(record)))


@post(
    "/members/{member_id:uuid}/accept",
    operation_id="acceptMember",
    responses=problem_responses(403, 404, 422),
    summary="Accept an application: principal, TIME account with default bounds, token",
    status_code=201,
)
async def accept(
    member_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> AcceptedOut:
    record, token = await usecase.accept(runtime_of(state), principal, member_id)
    return AcceptedOut(
        member=member_out(usecase.visible_profile(record, principal)),
        token=TokenOut(
            principal_id=token.principal_id, token=token.token, expires_at=token.expires_at
        ),
    )


@post(
    "/members/{member_id:uuid}/refuse",
    operation_id="refuseMember",
    responses=problem_responses(403, 404, 422),
    summary="Refuse an application",
    status_code=200,
)
async def refuse(member_id: FromPath[UUID], state: State, principal: CurrentPrincipal) -> MemberOut:
    record = await usecase.refuse(runtime_of(state), principal, member_id)
    return member_out(usecase.visible_profile(record, principal))


@get(
    "/members",
    operation_id="listMembers",
    responses=problem_responses(403, 422),
    summary="List members (coordinators: any status); with updated_since, those changed since",
)
async def list_members(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    status: FromQuery[Literal["applied", "active", "refused", "erased"] | None] = "active",
    updated_since: UpdatedSince = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> MemberPage:
    page = await usecase.list_members(
        runtime_of(state),
        principal,
        status=status,
        cursor=cursor,
        limit=limit,
        updated_since=aware(updated_since),
    )
    return MemberPage(
        items=[member_out(v) for v in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/members/near-limits",
    operation_id="membersNearLimits",
    responses=problem_responses(403),
    summary="Members near (soft threshold) or past their bounds",
)
async def near_limits(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> NearLimitPage:
    found = await usecase.near_limits(runtime_of(state), principal)
    # Computed whole by one query (the members near a bound are few), paged in id order.
    page = page_in_memory("near-limits", found, cursor, limit, lambda n: str(n.member_id))
    items = [
        NearLimitOut(
            member_id=n.member_id,
            account_id=n.account.id,
            balance=n.account.balance,
            balance_min=n.account.balance_min,
            balance_max=n.account.balance_max,
            state=n.state.value,
        )
        for n in page.items
    ]
    return NearLimitPage(items=items, **page_links(request, page.next_cursor))


@get(
    "/members/{member_id:uuid}",
    operation_id="getMember",
    responses=problem_responses(404),
    summary="A member's profile, as far as the reader may see it",
)
async def get_member(
    member_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> MemberOut:
    return member_out(await usecase.read_profile(runtime_of(state), principal, member_id))


@put(
    "/members/me/profile",
    operation_id="updateMyProfile",
    responses=problem_responses(404, 422),
    summary="Replace one's own profile",
)
async def update_profile(
    data: JSONBody[ProfileIn], state: State, principal: CurrentPrincipal
) -> MemberOut:
    view = await usecase.update_profile(runtime_of(state), principal, _profile(data))
    return member_out(view)


@get(
    "/members/me/export",
    operation_id="exportMyData",
    responses=problem_responses(404),
    summary="Everything held about oneself (GDPR)",
)
async def export_me(state: State, principal: CurrentPrincipal) -> dict[str, Any]:
    return await usecase.export_self(runtime_of(state), principal)


@delete(
    "/members/{member_id:uuid}/profile",
    operation_id="eraseMember",
    responses=problem_responses(403, 404),
    summary="Erase a member's profile, memos and free text; the ledger stays verifiable",
    status_code=204,
)
async def erase(member_id: FromPath[UUID], state: State, principal: CurrentPrincipal) -> None:
    await usecase.erase(runtime_of(state), principal, member_id)


@get(
    "/members/me/statement.csv",
    operation_id="myStatementCsv",
    responses=problem_responses(404),
    summary="One's TIME statement with the running balance, as CSV",
    media_type="text/csv",
)
async def statement_csv(state: State, principal: CurrentPrincipal) -> Response[str]:
    rt = runtime_of(state)
    record = await usecase.member_or_404(rt, principal.id)
    if record.account_id is None:
        raise NotFound("no account yet", field="id")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["recorded_at", "transaction_id", "kind", "minutes", "balance_after"])
    for line in await whole_statement(rt, record.account_id):
        writer.writerow(
            [
                line.recorded_at.isoformat(),
                line.transaction_id,
                line.kind,
                line.amount,
                line.balance_after,
            ]
        )
    return csv_response(out.getvalue(), "statement.csv")
