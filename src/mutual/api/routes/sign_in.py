"""Signing in from a web page: a login and a password, or a one-time link, opening a
session carried by an HttpOnly cookie; and the notification outbox through which the
territory's gateway delivers the links (and every other notification)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import Cookie, State
from litestar.enums import MediaType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, feed_links, feed_position
from mutual.api.problems import problem_responses
from mutual.api.routes.notifications import AcceptLanguage, FeedAfter
from mutual.api.sign_in_schemas import (
    CredentialsIn,
    CredentialsOut,
    LinkRedeemIn,
    LinkRequestIn,
    LoginIn,
    OutboxItemOut,
    OutboxPage,
    SessionOut,
    SignInIn,
)
from mutual.core.messages import choose_language
from mutual.store.sign_in import CredentialRecord, OpenSession
from mutual.usecases import sign_in as usecase
from mutual.usecases.access import SESSION_COOKIE

# Every API path, whatever its version, and nothing else the host serves.
COOKIE_PATH = "/api"


def _session_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    # Secure when the request came over https (behind a proxy, as the server was told
    # to trust its forwarded scheme); Lax still sends it when one follows a link here.
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path=COOKIE_PATH,
        max_age=max_age,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
    )


def signed_in(
    request: Request[Any, Any, Any], issued: usecase.IssuedSession
) -> Response[SessionOut]:
    body = SessionOut(
        principal_id=issued.principal.id,
        roles=sorted(r.value for r in issued.principal.roles),
        csrf_token=issued.csrf_token,
        expires_at=issued.expires_at,
    )
    cookie = _session_cookie(request, issued.session_id, issued.max_age_seconds)
    return Response(body, status_code=200, cookies=[cookie])


def credentials_out(record: CredentialRecord) -> CredentialsOut:
    return CredentialsOut(
        principal_id=record.principal_id,
        login=record.login,
        has_password=record.password_hash is not None,
        updated_at=record.updated_at,
    )


def session_of(request: Request[Any, Any, Any]) -> OpenSession | None:
    # Set by the permission guard when the request came with a session cookie.
    found: OpenSession | None = request.state.get("session")
    return found


@put(
    "/members/me/credentials",
    operation_id="setMyCredentials",
    responses=problem_responses("login_taken"),
    summary="Choose one's login and password; one's other sessions end",
    status_code=200,
)
async def set_my_credentials(
    request: Request[Any, Any, State],
    data: JSONBody[CredentialsIn],
    state: State,
    principal: CurrentPrincipal,
) -> CredentialsOut:
    record = await usecase.set_credentials(
        runtime_of(state),
        state.authenticator,
        principal,
        login=data.login,
        password=data.password,
        current=session_of(request),
    )
    return credentials_out(record)


@put(
    "/members/{member_id:uuid}/login",
    operation_id="setMemberLogin",
    responses=problem_responses("not_found", "login_taken"),
    summary="Coordinator: a login (never a password) for a member who has none",
    status_code=200,
)
async def set_member_login(
    member_id: FromPath[UUID], data: JSONBody[LoginIn], state: State, principal: CurrentPrincipal
) -> CredentialsOut:
    """The member then asks for a sign-in link with it and chooses their password."""
    record = await usecase.set_login_for(runtime_of(state), principal, member_id, login=data.login)
    return credentials_out(record)


@post(
    "/sign-in",
    operation_id="signIn",
    responses=problem_responses("sign_in_failed"),
    summary="Sign in with a login and a password: a session cookie and its CSRF token",
    status_code=200,
)
async def sign_in(
    request: Request[Any, Any, State], data: JSONBody[SignInIn], state: State
) -> Response[SessionOut]:
    """A wrong password and an unknown login answer the same `sign_in_failed`; a login
    locked after too many failures answers `too_many_requests` with `Retry-After`."""
    issued = await usecase.sign_in(runtime_of(state), login=data.login, password=data.password)
    return signed_in(request, issued)


@post(
    "/sign-out",
    operation_id="signOut",
    responses={
        **problem_responses(),
        204: ResponseSpec(None, description="Signed out; the cookie is dropped"),
    },
    summary="End the session the request came with, and drop its cookie",
    status_code=204,
)
async def sign_out(request: Request[Any, Any, State], state: State) -> Response[None]:
    await usecase.sign_out(runtime_of(state), state.authenticator, session_of(request))
    return Response(None, status_code=204, cookies=[_session_cookie(request, "", 0)])


@post(
    "/sign-in/links",
    operation_id="requestSignInLink",
    responses={
        **problem_responses(),
        202: ResponseSpec(None, description="Accepted, whatever the login: no body"),
    },
    summary="Ask for a one-time sign-in link, delivered through one's notifications",
    status_code=202,
)
async def request_link(data: JSONBody[LinkRequestIn], state: State) -> Response[bytes]:
    """Answered at once, the same for every login: the link (if the login is an active
    member's) is made after the answer, so not even its timing tells."""
    work = BackgroundTask(usecase.request_link, runtime_of(state), login=data.login)
    return Response(b"", status_code=202, media_type=MediaType.TEXT, background=work)


@post(
    "/sign-in/links/redeem",
    operation_id="redeemSignInLink",
    responses=problem_responses("sign_in_failed"),
    summary="Sign in with a one-time link's token: a session as for a password",
    status_code=200,
)
async def redeem_link(
    request: Request[Any, Any, State], data: JSONBody[LinkRedeemIn], state: State
) -> Response[SessionOut]:
    issued = await usecase.redeem_link(runtime_of(state), token=data.token)
    return signed_in(request, issued)


@get(
    "/notifications/outbox",
    operation_id="notificationOutbox",
    responses=problem_responses(),
    summary="Gateway: every member's notifications after a cursor, with how to reach them",
)
async def notification_outbox(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    after: FeedAfter = None,
    cursor: Cursor = None,
    limit: Limit = 100,
    accept_language: AcceptLanguage = None,
) -> OutboxPage:
    """A service client holding `notifications:read` (the mail/SMS gateway) keeps its
    cursor and delivers each item; sign-in links carry a live token, so no person reads
    this, auditors included."""
    position = feed_position("outbox", after, cursor, first=0)
    items = await usecase.outbox(
        runtime_of(state), after=position, limit=limit, language=choose_language(accept_language)
    )
    return OutboxPage(
        items=[
            OutboxItemOut(
                seq=i.notification.seq,
                kind=i.notification.kind,
                data=i.notification.data,
                message=i.notification.message,
                created_at=i.notification.created_at,
                member_id=i.member_id,
                language=i.language,
                contact=i.contact,
            )
            for i in items
        ],
        caught_up=len(items) < limit,
        **feed_links(request, "outbox", items[-1].notification.seq if items else position),
    )


ROUTES: list[HTTPRouteHandler] = [
    set_my_credentials,
    set_member_login,
    sign_in,
    sign_out,
    request_link,
    redeem_link,
    notification_outbox,
]
