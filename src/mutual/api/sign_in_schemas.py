"""Request and response bodies of signing in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from mutual.api.schemas import FeedPageOut, _In, _Out
from mutual.api.timebank_schemas import NotificationOut
from mutual.usecases.sign_in import LOGIN_MAX, LOGIN_MIN, PASSWORD_MAX, PASSWORD_MIN

Login = Annotated[
    str,
    StringConstraints(min_length=LOGIN_MIN, max_length=LOGIN_MAX),
    Field(description="Compared without regard to case (an e-mail address, a nickname)."),
]
# Signing in takes any length up to the longest a login or a password may be: a shorter
# bound would tell apart what could never have been set.
AnyLogin = Annotated[str, StringConstraints(min_length=1, max_length=LOGIN_MAX)]
AnyPassword = Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]


class CredentialsIn(_In):
    login: Login
    password: Annotated[
        str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)
    ] = Field(description=f"{PASSWORD_MIN} to {PASSWORD_MAX} characters; only its hash is kept.")


class LoginIn(_In):
    login: Login


class CredentialsOut(_Out):
    principal_id: UUID
    login: str = Field(description="As compared: case-folded.")
    has_password: bool
    updated_at: datetime


class SignInIn(_In):
    login: AnyLogin
    password: AnyPassword


class LinkRequestIn(_In):
    login: AnyLogin


class LinkRedeemIn(_In):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The token the `sign_in_link` notification carried."
    )


class SessionOut(_Out):
    principal_id: UUID
    roles: list[str]
    csrf_token: str = Field(
        description="Send it as the `X-CSRF-Token` header with every write made with the "
        "session cookie."
    )
    expires_at: datetime


class OutboxItemOut(NotificationOut):
    message: str = Field(description="In the member's language (see `language`).")
    member_id: UUID
    language: str = Field(description="The message's: the member's first language we write.")
    contact: dict[str, dict[str, str]] = Field(
        description="The member's contact details, each with its visibility, to deliver it."
    )


class OutboxPage(FeedPageOut):
    items: list[OutboxItemOut]


NewPassword = Annotated[str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]


class InvitationRedeemIn(_In):
    invitation: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The token of the invitation's link, or its short code (`ABCD-EFGH`; "
        "case, spaces and dashes do not matter)."
    )
    login: Login
    password: NewPassword = Field(
        description=f"{PASSWORD_MIN} to {PASSWORD_MAX} characters; only its hash is kept."
    )


class PasswordChangeIn(_In):
    current_password: AnyPassword
    new_password: NewPassword


class ResetRequestIn(_In):
    login: AnyLogin


class ResetIn(_In):
    login: AnyLogin
    code: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="The one-time code the `password_reset` notice carried."
    )
    password: NewPassword
