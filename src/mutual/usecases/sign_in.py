"""Sign-in for people, suited to a web page: a login and a password (argon2id), or a
one-time link delivered through the member's notification feed, each opening a
server-side session carried by the ``mutual_session`` cookie.

A wrong password and an unknown login are refused alike, after the same work: the
answer does not tell which logins exist. Failures are counted per login; past
``sign_in_max_failures`` the login refuses passwords for ``sign_in_lock_minutes``
(a link still signs in: its token cannot be guessed, and the real owner may be the one
locked out by someone else's guesses).
"""

from __future__ import annotations

import asyncio
import functools
import math
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.authority import Principal
from mutual.core.ids import PrincipalId
from mutual.core.messages import choose_language
from mutual.store import sign_in as store
from mutual.store import timebank as timebank_store
from mutual.store.sign_in import CredentialRecord, OpenSession
from mutual.usecases.access import Authenticator, token_hash
from mutual.usecases.errors import Forbidden, InvalidRequest, RateLimited, UseCaseError
from mutual.usecases.exchanges import expire_due
from mutual.usecases.members import active_member, require_coordinator
from mutual.usecases.notifications import Notification, catch_up, rendered
from mutual.usecases.runtime import Runtime, new_id

LOGIN_MIN = 3
LOGIN_MAX = 200  # the column's width
PASSWORD_MIN = 12
PASSWORD_MAX = 200
WRONG_PASSWORD = "wrong login or password"  # noqa: S105 -- a message, not a password

T = TypeVar("T")

# Its defaults follow the library's (RFC 9106's second recommended setting today); a
# hash made under older ones is redone at the next sign-in.
hasher = PasswordHasher()


class SignInFailed(UseCaseError):
    code = "sign_in_failed"


class LoginTaken(UseCaseError):
    code = "login_taken"

    def __init__(self) -> None:
        super().__init__("this login is someone else's", field="login")


@dataclass(frozen=True, slots=True)
class IssuedSession:
    session_id: str  # the cookie's value: shown once, only its hash is kept
    principal: Principal
    csrf_token: str
    expires_at: datetime
    max_age_seconds: int


def normal_login(login: str) -> str:
    """Logins compare without regard to case or Unicode look-alike forms."""
    return unicodedata.normalize("NFKC", login).strip().casefold()


def _valid_login(normal: str) -> bool:
    return LOGIN_MIN <= len(normal) <= LOGIN_MAX and normal.isprintable()


def checked_login(login: str) -> str:
    normal = normal_login(login)
    if not _valid_login(normal):
        raise InvalidRequest(
            f"a login is {LOGIN_MIN} to {LOGIN_MAX} printable characters", field="login"
        )
    return normal


async def credential_for(rt: Runtime, login: str) -> CredentialRecord | None:
    """The credentials ``login`` names; None, without asking the database (PostgreSQL
    refuses a NUL in text), for a login that could never have been set."""
    normal = normal_login(login)
    if not _valid_login(normal):
        return None
    async with rt.db.reading() as conn:
        return await store.credential_by_login(conn, normal)


@functools.cache
def _dummy_hash() -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; without a hash, the same work against a dummy one,
    so that an unknown login takes as long to refuse as a wrong password."""
    try:
        hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


async def in_pool(rt: Runtime, call: Callable[[], T]) -> T:
    # Argon2 takes a fraction of a second and 64 MiB per call: off the event loop, and
    # in the small verifiers' pool, which also bounds the memory a flood of attempts uses.
    return await asyncio.get_running_loop().run_in_executor(rt.verifiers, call)


async def open_session(conn: AsyncConnection, rt: Runtime, principal_id: UUID) -> IssuedSession:
    now = rt.clock()
    session_id = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    max_age = int(rt.settings.session_hours * 3600)
    expires_at = now + timedelta(seconds=max_age)
    roles = await store.roles_of(conn, principal_id)
    await store.insert_session(
        conn,
        token_hash(session_id),
        principal_id,
        csrf_token=csrf_token,
        now=now,
        expires_at=expires_at,
    )
    principal = Principal(PrincipalId(principal_id), roles)
    return IssuedSession(session_id, principal, csrf_token, expires_at, max_age)


async def set_credentials(
    rt: Runtime,
    authenticator: Authenticator,
    caller: Principal,
    *,
    login: str,
    password: str,
    current: OpenSession | None,
) -> CredentialRecord:
    """The caller chooses their login and password. Their other sessions end, so that
    whoever held one (a stolen cookie too) must sign in anew; ``current``, the session
    the request came with, goes on."""
    wanted = checked_login(login)
    password_hash = await in_pool(rt, functools.partial(hasher.hash, password))
    now = rt.clock()
    async with rt.db.writing() as conn:
        saved = await store.save_credentials(
            conn, caller.id, login=wanted, password_hash=password_hash, now=now
        )
        if saved:
            keep = None if current is None else current.id_hash
            await store.end_sessions_of(conn, caller.id, now=now, keep=keep)
        record = await store.credential_of(conn, caller.id)
    if not saved or record is None:
        raise LoginTaken()
    await authenticator.forget_all()
    return record


async def set_login_for(
    rt: Runtime, caller: Principal, member_id: UUID, *, login: str
) -> CredentialRecord:
    """A coordinator gives an active member without a login one (never a password), so
    that they can ask for a sign-in link and then choose their password themselves."""
    require_coordinator(caller)
    await active_member(rt, member_id, field="member_id")
    wanted = checked_login(login)
    async with rt.db.writing() as conn:
        had = await store.credential_of(conn, member_id)
        saved = had is None and await store.save_credentials(
            conn, member_id, login=wanted, password_hash=None, now=rt.clock()
        )
        record = await store.credential_of(conn, member_id)
    if had is not None:
        raise Forbidden("the member has a login: only they change it", field="member_id")
    if not saved or record is None:
        raise LoginTaken()
    return record


async def sign_in(rt: Runtime, *, login: str, password: str) -> IssuedSession:
    """A session for the login's principal if the password is right."""
    now = rt.clock()
    found = await credential_for(rt, login)
    if found is not None and found.locked_until is not None and found.locked_until > now:
        wait = math.ceil((found.locked_until - now).total_seconds())
        raise RateLimited("too many failed sign-ins: this login is locked for now", wait)
    stored = None if found is None else found.password_hash
    right = await in_pool(rt, functools.partial(verify_password, stored, password))
    if found is None or found.password_hash is None or not right:
        if found is not None:
            lock_until = now + timedelta(minutes=rt.settings.sign_in_lock_minutes)
            async with rt.db.writing() as conn:
                await store.note_failure(
                    conn,
                    found.principal_id,
                    max_failures=rt.settings.sign_in_max_failures,
                    lock_until=lock_until,
                )
        raise SignInFailed(WRONG_PASSWORD)
    rehashed = None
    if hasher.check_needs_rehash(found.password_hash):
        rehashed = await in_pool(rt, functools.partial(hasher.hash, password))
    async with rt.db.writing() as conn:
        if found.failed_attempts or rehashed is not None:
            await store.note_success(conn, found.principal_id, rehashed=rehashed)
        return await open_session(conn, rt, found.principal_id)


async def request_link(rt: Runtime, *, login: str) -> None:
    """A one-time sign-in link for the login's member, put in their notification feed
    for the territory's gateway to deliver. Nothing happens for an unknown login, or one
    that is not an active member's; the caller cannot tell."""
    found = await credential_for(rt, login)
    if found is None:
        return
    async with rt.db.reading() as conn:
        member = await timebank_store.get_member(conn, found.principal_id)
    if member is None or member.status != "active":
        return
    now = rt.clock()
    token = secrets.token_urlsafe(32)
    link_id = new_id()
    minutes = rt.settings.sign_in_link_minutes
    expires_at = now + timedelta(minutes=minutes)
    async with rt.db.writing() as conn:
        await store.insert_link(
            conn, link_id, member.id, token_hash(token), now=now, expires_at=expires_at
        )
        data = {"token": token, "minutes": minutes, "expires_at": expires_at.isoformat()}
        await timebank_store.notify(
            conn, member.id, "sign_in_link", data, source=str(link_id), now=now
        )


async def redeem_link(rt: Runtime, *, token: str) -> IssuedSession:
    """A session for the link's principal; the link is used up."""
    async with rt.db.writing() as conn:
        principal_id = await store.use_link(conn, token_hash(token), now=rt.clock())
        if principal_id is not None:
            return await open_session(conn, rt, principal_id)
    raise SignInFailed("the sign-in link is unknown, used or expired", field="token")


async def sign_out(rt: Runtime, authenticator: Authenticator, session: OpenSession | None) -> None:
    """End the session the request came with (none when it came with a bearer token)."""
    if session is None:
        return
    async with rt.db.writing() as conn:
        await store.end_session(conn, session.id_hash, now=rt.clock())
    await authenticator.forget_session(session.id_hash)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    notification: Notification
    member_id: PrincipalId
    language: str
    contact: dict[str, dict[str, str]]


async def outbox(rt: Runtime, *, after: int, limit: int, language: str) -> list[OutboxItem]:
    """Every member's notifications after cursor ``after``, oldest first, for the
    territory's mail/SMS gateway: each in its member's language (the first of theirs the
    service writes, else ``language``), with the member's contact details."""
    await catch_up(rt)
    await expire_due(rt)
    async with rt.db.reading() as conn:
        records = await store.notifications_after(conn, after=after, limit=limit)
        chosen = {r.seq: choose_language(",".join([*r.languages, language])) for r in records}
        texts = await rendered(conn, records, lambda r: chosen[r.seq])
    return [
        OutboxItem(text, r.member_id, chosen[r.seq], r.contact)
        for r, text in zip(records, texts, strict=True)
    ]
