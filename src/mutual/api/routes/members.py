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
    ApplicationIn,
    CharterOut,
    InvitationOut,
    MemberOut,
    MemberPage,
    NearLimitOut,
    NearLimitPage,
    ProfileIn,
)
from mutual.core.mail import recipient_address
from mutual.store.statements import OtherParty
from mutual.store.timebank import MemberRecord
from mutual.usecases import members as usecase
from mutual.usecases.charter import current_charter
from mutual.usecases.invitations import IssuedInvitation
from mutual.usecases.pagination import page_in_memory
from mutual.usecases.runtime import Runtime
from mutual.usecases.statements import my_whole_statement


def _profile(data: ProfileIn) -> usecase.Profile:
    return usecase.Profile(
        data.display_name,
        data.neighbourhood,
        {k: v.model_dump() for k, v in data.contact.items()},
        list(data.languages),
        data.age_band,
    )


def member_out(view: dict[str, Any]) -> MemberOut:
    return MemberOut.model_validate(view)


@post(
    "/members/applications",
    operation_id="applyToJoin",
    responses=problem_responses("not_listed"),
    summary="Apply to join the time bank",
    status_code=201,
)
async def apply(data: JSONBody[ApplicationIn], state: State) -> MemberOut:
    """Anyone may apply; a coordinator accepts or refuses. Nothing reaches the ledger
    before acceptance."""
    record = await usecase.apply(
        runtime_of(state), _profile(data), charter_version=data.charter_version
    )
    return member_out(usecase.visible_profile(record, usecase.applicant(record)))


@post(
    "/members/{member_id:uuid}/accept",
    operation_id="acceptMember",
    responses=problem_responses("not_found", "account_exists"),
    summary="Accept an application: principal, TIME account with default bounds, token and "
    "invitation",
    status_code=201,
)
async def accept(
    member_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> AcceptedOut:
    """The invitation (a link and a short code, single use) lets the new member choose a
    password in the page; it is also e-mailed when they gave an address."""
    rt = runtime_of(state)
    done = await usecase.accept(rt, principal, member_id)
    token = done.token
    return AcceptedOut(
        member=member_out(usecase.visible_profile(done.member, principal)),
        token=TokenOut(
            principal_id=token.principal_id, token=token.token, expires_at=token.expires_at
        ),
        invitation=_invitation_out(rt, done.member, done.invitation),
    )


def _invitation_out(
    rt: Runtime, member: MemberRecord, invitation: IssuedInvitation
) -> InvitationOut:
    mailed = rt.settings.smtp_host is not None and recipient_address(member.contact, None)
    return InvitationOut(
        link=invitation.link,
        code=invitation.code,
        expires_at=invitation.expires_at,
        mailed=bool(mailed),
    )


@post(
    "/members/{member_id:uuid}/invitation",
    operation_id="inviteMember",
    responses=problem_responses("not_found"),
    summary="A new invitation for an accepted member; the earlier one stops working",
    status_code=201,
)
async def invite(
    member_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> InvitationOut:
    rt = runtime_of(state)
    invitation = await usecase.invite_again(rt, principal, member_id)
    return _invitation_out(rt, await usecase.member_or_404(rt, member_id), invitation)


@get(
    "/charter",
    operation_id="getCharter",
    summary="The territory's charter, which applicants accept, and its version",
)
async def charter(state: State) -> CharterOut:
    found = current_charter(runtime_of(state).settings)
    return CharterOut(version=found.version, text=found.text)


@post(
    "/members/{member_id:uuid}/refuse",
    operation_id="refuseMember",
    responses=problem_responses("not_found"),
    summary="Refuse an application",
    status_code=200,
)
async def refuse(member_id: FromPath[UUID], state: State, principal: CurrentPrincipal) -> MemberOut:
    record = await usecase.refuse(runtime_of(state), principal, member_id)
    return member_out(usecase.visible_profile(record, principal))


@get(
    "/members",
    operation_id="listMembers",
    responses=problem_responses(),
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
    responses=problem_responses(),
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
    responses=problem_responses("not_found"),
    summary="A member's profile, as far as the reader may see it",
)
async def get_member(
    member_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> MemberOut:
    return member_out(await usecase.read_profile(runtime_of(state), principal, member_id))


@put(
    "/members/me/profile",
    operation_id="updateMyProfile",
    responses=problem_responses("not_listed", "not_found"),
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
    responses=problem_responses("not_found"),
    summary="Everything held about oneself (GDPR)",
)
async def export_me(state: State, principal: CurrentPrincipal) -> dict[str, Any]:
    return await usecase.export_self(runtime_of(state), principal)


@delete(
    "/members/{member_id:uuid}/profile",
    operation_id="eraseMember",
    responses=problem_responses("not_found"),
    summary="Erase a member's profile, memos and free text; the ledger stays verifiable",
    status_code=204,
)
async def erase(member_id: FromPath[UUID], state: State, principal: CurrentPrincipal) -> None:
    await usecase.erase(runtime_of(state), principal, member_id)


@get(
    "/members/me/statement.csv",
    operation_id="myStatementCsv",
    responses=problem_responses("not_found"),
    summary="One's TIME statement with the running balance, as CSV",
    media_type="text/csv",
)
async def statement_csv(state: State, principal: CurrentPrincipal) -> Response[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "recorded_at",
            "transaction_id",
            "kind",
            "other_party",
            "member_number",
            "description",
            "category",
            "minutes",
            "balance_after",
        ]
    )
    for readable in await my_whole_statement(runtime_of(state), principal):
        line, details = readable.line, readable.details
        party = details.other_party
        writer.writerow(
            [
                line.recorded_at.isoformat(),
                line.transaction_id,
                line.kind,
                _cell(_party_name(party)),
                "" if party is None or party.number is None else party.number,
                _cell(details.description or ""),
                details.category or "",
                line.amount,
                line.balance_after,
            ]
        )
    return csv_response(out.getvalue(), "statement.csv")


def _party_name(party: OtherParty | None) -> str:
    if party is None:
        return ""
    if party.association is not None:
        acting = party.association.acting
        if acting is not None and acting.display_name:
            return f"{acting.display_name} for {party.association.name}"
        return party.association.name
    if party.owner_kind != "member":
        return party.owner_kind
    return party.display_name or ""


def _cell(text: str) -> str:
    """Other people's words as text: a spreadsheet would run a cell starting with = + - @
    (or a tab or carriage return) as a formula, so such a cell starts with a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
