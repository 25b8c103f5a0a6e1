"""Passwords from the page: an invitation redeemed with a first one, a change that needs
the current one, and a forgotten one reset with a one-time code sent by e-mail."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post, put
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.enums import MediaType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.problems import problem_responses
from mutual.api.routes.sign_in import credentials_out, session_of, signed_in
from mutual.api.sign_in_schemas import (
    CredentialsOut,
    InvitationRedeemIn,
    PasswordChangeIn,
    ResetIn,
    ResetRequestIn,
    SessionOut,
)
from mutual.usecases import passwords as usecase


@post(
    "/invitations/redeem",
    operation_id="redeemInvitation",
    responses=problem_responses("invitation_invalid", "login_taken"),
    summary="Choose one's login and first password with an invitation; signed in",
    status_code=200,
)
async def redeem_invitation(
    request: Request[Any, Any, State], data: JSONBody[InvitationRedeemIn], state: State
) -> Response[SessionOut]:
    """A wrong, used or expired invitation answers `invitation_invalid`, a login someone
    else holds `login_taken`; either way nothing is written."""
    issued = await usecase.redeem_invitation(
        runtime_of(state),
        state.authenticator,
        invitation=data.invitation,
        login=data.login,
        password=data.password,
    )
    return signed_in(request, issued)


@put(
    "/members/me/password",
    operation_id="changeMyPassword",
    responses=problem_responses("current_password_wrong"),
    summary="Change one's password, giving the current one; one's other sessions end",
    status_code=200,
)
async def change_password(
    request: Request[Any, Any, State],
    data: JSONBody[PasswordChangeIn],
    state: State,
    principal: CurrentPrincipal,
) -> CredentialsOut:
    """A wrong current password answers `current_password_wrong` and counts towards the
    login's lock, as a wrong password at sign-in does."""
    record = await usecase.change_password(
        runtime_of(state),
        state.authenticator,
        principal,
        current=data.current_password,
        new=data.new_password,
        session=session_of(request),
    )
    return credentials_out(record)


@post(
    "/sign-in/password-resets",
    operation_id="requestPasswordReset",
    responses={
        **problem_responses(),
        202: ResponseSpec(None, description="Accepted, whatever the login: no body"),
    },
    summary="Forgot one's password: a one-time code, sent by e-mail",
    status_code=202,
)
async def request_reset(data: JSONBody[ResetRequestIn], state: State) -> Response[bytes]:
    """Answered at once, the same for every login: the code (if the login is an active
    member's) is made after the answer, so not even its timing tells."""
    work = BackgroundTask(usecase.request_reset, runtime_of(state), login=data.login)
    return Response(b"", status_code=202, media_type=MediaType.TEXT, background=work)


@post(
    "/sign-in/password-resets/redeem",
    operation_id="resetPassword",
    responses={
        **problem_responses("reset_code_invalid"),
        204: ResponseSpec(None, description="The password is changed; every session ended"),
    },
    summary="Choose a new password with the one-time code sent for the login",
    status_code=204,
)
async def reset_password(data: JSONBody[ResetIn], state: State) -> None:
    """A wrong login, code, or a used or expired code answers `reset_code_invalid` alike,
    and writes nothing. Then sign in with the new password."""
    await usecase.reset_password(
        runtime_of(state),
        state.authenticator,
        login=data.login,
        code=data.code,
        password=data.password,
    )


ROUTES: list[HTTPRouteHandler] = [
    redeem_invitation,
    change_password,
    request_reset,
    reset_password,
]
