"""Choosing, changing and resetting a password from the page.

- An invitation (``usecases.invitations``) is redeemed with a login and a first password.
- A signed-in person changes their password by giving the current one; wrong guesses
  count towards the same lock as sign-in's, so a borrowed session cannot try them all.
- A forgotten password is reset with a one-time code sent to the member (by e-mail, in
  their language, through the mail outbox): asking answers the same whether or not the
  login exists, and a wrong code writes nothing.

Each success ends the person's other sessions: whoever held one must sign in anew.
"""

from __future__ import annotations

import functools
import math
from datetime import timedelta

from mutual.core.authority import Principal
from mutual.store import invitations as invitation_store
from mutual.store import sign_in as sign_in_store
from mutual.store import timebank as timebank_store
from mutual.store.sign_in import CredentialRecord, OpenSession
from mutual.usecases.access import Authenticator
from mutual.usecases.errors import RateLimited, UseCaseError
from mutual.usecases.invitations import (
    InvitationInvalid,
    code_hash,
    new_code,
    page_link,
    secrets_of,
)
from mutual.usecases.runtime import Runtime, new_id
from mutual.usecases.sign_in import (
    IssuedSession,
    LoginTaken,
    checked_login,
    credential_for,
    hasher,
    in_pool,
    open_session,
    verify_password,
)

# The page's own path for a reset: the e-mail's link leads there.
RESET_FRAGMENT = "password-reset"


class CurrentPasswordWrong(UseCaseError):
    code = "current_password_wrong"

    def __init__(self) -> None:
        super().__init__("the current password is not this", field="current_password")


class ResetCodeInvalid(UseCaseError):
    code = "reset_code_invalid"

    def __init__(self) -> None:
        # The same words whether the login, the code or its freshness was wrong.
        super().__init__("the code is wrong, used or expired for this login", field="code")


async def _hash(rt: Runtime, password: str) -> str:
    return await in_pool(rt, functools.partial(hasher.hash, password))


async def redeem_invitation(
    rt: Runtime, authenticator: Authenticator, *, invitation: str, login: str, password: str
) -> IssuedSession:
    """The invited member chooses their login and password and is signed in; the
    invitation is spent and any other session of theirs ends. A wrong, used or expired
    invitation, or a login someone else holds, changes nothing."""
    wanted = checked_login(login)
    hashes = secrets_of(invitation)
    async with rt.db.reading() as conn:
        found = await invitation_store.live_invitation(conn, hashes, now=rt.clock())
    if found is None:
        raise InvitationInvalid()
    password_hash = await _hash(rt, password)
    now = rt.clock()
    async with rt.db.writing() as conn:
        # Spent by a conditional update: of two redemptions racing, one finds it gone.
        member_id = await invitation_store.use_invitation(conn, hashes, now=now)
        if member_id is None:
            raise InvitationInvalid()
        if not await sign_in_store.save_credentials(
            conn, member_id, login=wanted, password_hash=password_hash, now=now
        ):
            raise LoginTaken()  # leaving the block rolls the spending back
        await sign_in_store.end_sessions_of(conn, member_id, now=now, keep=None)
        issued = await open_session(conn, rt, member_id)
    await authenticator.forget_all()
    return issued


async def change_password(
    rt: Runtime,
    authenticator: Authenticator,
    caller: Principal,
    *,
    current: str,
    new: str,
    session: OpenSession | None,
) -> CredentialRecord:
    """The caller's new password, given their current one; their other sessions end."""
    now = rt.clock()
    async with rt.db.reading() as conn:
        found = await sign_in_store.credential_of(conn, caller.id)
    if found is not None and found.locked_until is not None and found.locked_until > now:
        wait = math.ceil((found.locked_until - now).total_seconds())
        raise RateLimited("too many wrong passwords: this login is locked for now", wait)
    stored = None if found is None else found.password_hash
    right = await in_pool(rt, functools.partial(verify_password, stored, current))
    if found is None or not right:
        if found is not None:
            async with rt.db.writing() as conn:
                await sign_in_store.note_failure(
                    conn,
                    found.principal_id,
                    max_failures=rt.settings.sign_in_max_failures,
                    lock_until=now + timedelta(minutes=rt.settings.sign_in_lock_minutes),
                )
        raise CurrentPasswordWrong()
    password_hash = await _hash(rt, new)
    async with rt.db.writing() as conn:
        await sign_in_store.save_credentials(
            conn, caller.id, login=found.login, password_hash=password_hash, now=now
        )
        keep = None if session is None else session.id_hash
        await sign_in_store.end_sessions_of(conn, caller.id, now=now, keep=keep)
        record = await sign_in_store.credential_of(conn, caller.id)
    assert record is not None
    await authenticator.forget_all()
    return record


async def request_reset(rt: Runtime, *, login: str) -> None:
    """A one-time code to reset the login's password, put in the member's feed for the
    mailer to send at once. Nothing happens for an unknown login, or one that is not an
    active member's; the caller cannot tell (the route answers before this runs)."""
    found = await credential_for(rt, login)
    if found is None:
        return
    async with rt.db.reading() as conn:
        member = await timebank_store.get_member(conn, found.principal_id)
    if member is None or member.status != "active":
        return
    now = rt.clock()
    code = new_code()
    reset_id = new_id()
    minutes = rt.settings.password_reset_minutes
    expires_at = now + timedelta(minutes=minutes)
    async with rt.db.writing() as conn:
        await invitation_store.insert_reset(
            conn, reset_id, member.id, code_hash=code_hash(code), now=now, expires_at=expires_at
        )
        data = {
            "code": code,
            "minutes": minutes,
            "expires_at": expires_at.isoformat(),
            "link": page_link(rt.settings, RESET_FRAGMENT),
        }
        await timebank_store.notify(
            conn, member.id, "password_reset", data, source=str(reset_id), now=now
        )


async def reset_password(
    rt: Runtime, authenticator: Authenticator, *, login: str, code: str, password: str
) -> None:
    """The login's new password, with a live code sent for it: the code and every other
    one of the member's is spent, a lock from wrong passwords lifts, and every session
    ends. A wrong login, code or expired code is refused alike, and writes nothing."""
    found = await credential_for(rt, login)
    hashed_code = code_hash(code)
    if found is None:
        raise ResetCodeInvalid()
    async with rt.db.reading() as conn:
        live = await invitation_store.live_reset(
            conn, found.principal_id, hashed_code, now=rt.clock()
        )
    if not live:
        raise ResetCodeInvalid()
    password_hash = await _hash(rt, password)
    now = rt.clock()
    async with rt.db.writing() as conn:
        if not await invitation_store.use_reset(conn, found.principal_id, hashed_code, now=now):
            raise ResetCodeInvalid()
        await sign_in_store.save_credentials(
            conn, found.principal_id, login=found.login, password_hash=password_hash, now=now
        )
        await sign_in_store.end_sessions_of(conn, found.principal_id, now=now, keep=None)
    await authenticator.forget_all()
