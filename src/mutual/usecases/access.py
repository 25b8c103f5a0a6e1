"""Bearer tokens: issuing them, and finding the principal a request comes from (by its
bearer token or its sign-in session's cookie)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from mutual.core.authority import Principal, Role
from mutual.core.ids import PrincipalId
from mutual.core.permissions import SCOPES
from mutual.store.principals import (
    ServiceToken,
    ensure_principal,
    insert_token,
    principal_for_token,
    revoke_token,
    rotate_token,
    service_tokens,
)
from mutual.store.sign_in import OpenSession, session_for
from mutual.usecases.errors import Forbidden, InvalidRequest, NotAuthenticated, NotFound
from mutual.usecases.runtime import Runtime, new_id

# The cookie that carries a web sign-in session's id (see usecases.sign_in).
SESSION_COOKIE = "mutual_session"
TOKEN_PREFIX = "mutual_"  # noqa: S105 -- a public prefix that makes leaked tokens greppable


@dataclass(frozen=True, slots=True)
class IssuedToken:
    principal_id: PrincipalId
    token: str
    expires_at: datetime | None
    # The token's own id: what revokes or rotates it.
    token_id: UUID


def token_hash(token: str) -> bytes:
    # Tokens carry 256 random bits, so a plain SHA-256 is a safe verifier: there is
    # nothing to brute-force, and lookups stay a single indexed read.
    return hashlib.sha256(token.encode()).digest()


async def issue_token(
    rt: Runtime,
    *,
    roles: Iterable[Role],
    principal_id: PrincipalId | None = None,
    ttl: timedelta | None = None,
) -> IssuedToken:
    """Create (or extend) a principal with ``roles`` and a new token for it; shown once."""
    now = rt.clock()
    pid = principal_id or PrincipalId(new_id())
    await ensure_principal(rt.db, pid, roles, now=now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = None if ttl is None else now + ttl
    token_id = new_id()
    await insert_token(rt.db, token_id, pid, token_hash(token), now=now, expires_at=expires_at)
    return IssuedToken(pid, token, expires_at, token_id)


async def create_service_client(
    rt: Runtime, caller: Principal, *, name: str, scopes: Iterable[str], ttl: timedelta | None
) -> IssuedToken:
    """A tool of the territory (the pact's register, a survey tool, a mail gateway): a
    principal with the ``service`` role and a token limited to ``scopes``, shown once."""
    if not caller.has(Role.OPERATOR):
        raise Forbidden("only an operator creates service clients")
    wanted = set(scopes)
    unknown = wanted - set(SCOPES)
    if unknown or not wanted:
        raise InvalidRequest(f"scopes are among {list(SCOPES)}", field="scopes")
    now = rt.clock()
    pid = PrincipalId(new_id())
    await ensure_principal(rt.db, pid, [Role.SERVICE], now=now)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = None if ttl is None else now + ttl
    token_id = new_id()
    await insert_token(
        rt.db,
        token_id,
        pid,
        token_hash(token),
        now=now,
        expires_at=expires_at,
        name=name,
        scopes=wanted,
    )
    return IssuedToken(pid, token, expires_at, token_id)


async def list_service_clients(rt: Runtime) -> list[ServiceToken]:
    return await service_tokens(rt.db)


async def revoke_service_token(rt: Runtime, authenticator: Authenticator, token_id: UUID) -> None:
    """Revoke at once, in this process too (not only when its cache entry expires)."""
    if not await revoke_token(rt.db, token_id, now=rt.clock()):
        raise NotFound("no service client token with this id", field="token_id")
    await authenticator.forget_all()


@dataclass(frozen=True, slots=True)
class RotatedToken:
    issued: IssuedToken
    scopes: list[str]
    previous_expires_at: datetime


async def rotate_service_token(
    rt: Runtime,
    authenticator: Authenticator,
    token_id: UUID,
    *,
    overlap: timedelta,
    ttl: timedelta | None,
) -> RotatedToken:
    """A successor to a service client's live token, shown once; the old one keeps
    working for ``overlap`` (no longer than it was to), so that the tool can be
    reconfigured without an outage."""
    now = rt.clock()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    new_token_id = new_id()
    expires_at = None if ttl is None else now + ttl
    rotated = await rotate_token(
        rt.db,
        token_id,
        new_token_id,
        token_hash(token),
        now=now,
        overlap=overlap,
        expires_at=expires_at,
    )
    if rotated is None:
        raise NotFound("no live service client token with this id", field="token_id")
    # This process's cache holds the old token until its own expiry: drop it, so that
    # the shortened life holds here at once.
    await authenticator.forget_all()
    issued = IssuedToken(rotated.principal_id, token, expires_at, new_token_id)
    return RotatedToken(issued, rotated.scopes, rotated.previous_expires_at)


async def issue_token_as(
    rt: Runtime,
    caller: Principal,
    *,
    roles: Iterable[Role],
    principal_id: PrincipalId | None,
    ttl: timedelta | None,
) -> IssuedToken:
    if not caller.has(Role.OPERATOR):
        raise Forbidden("only an operator may create tokens")
    if Role.SERVICE in set(roles):
        raise InvalidRequest("service clients are created at /service-clients", field="roles")
    return await issue_token(rt, roles=roles, principal_id=principal_id, ttl=ttl)


class CsrfTokenInvalid(Forbidden):
    code = "csrf_token_invalid"


class Revocations(Protocol):
    """How the processes of one deployment tell each other of revocations
    (``api.shared_state``): a counter every revocation increments."""

    async def generation(self) -> int | None:
        """The counter now; None when it cannot be known (then nothing cached is used)."""
        ...

    async def announce_revocation(self) -> None: ...


class _ThisProcess:
    """Revocations with no other process to tell (the CLI, the demo's loader)."""

    def __init__(self) -> None:
        self._count = 0

    async def generation(self) -> int | None:
        return self._count

    async def announce_revocation(self) -> None:
        self._count += 1


class Authenticator:
    """Maps bearer tokens and session cookies to principals, trusting a verified one for
    a few seconds.

    The cache keeps a database read off every request on the hot write path. Each entry
    holds the revocations counter (``revocations``) read before the entry's own database
    read, and is used only while the counter is the same: a revocation or a session's end
    in any process makes every cached entry stale from the next request. When the counter
    cannot be read (Redis unreachable), nothing cached is used. An expiry is always exact.
    """

    def __init__(self, rt: Runtime, revocations: Revocations | None = None) -> None:
        self._rt = rt
        self._ttl = timedelta(seconds=rt.settings.token_cache_seconds)
        self._cache: dict[bytes, tuple[Principal, datetime, int]] = {}
        self._sessions: dict[bytes, tuple[OpenSession, datetime, int]] = {}
        self._revocations = revocations if revocations is not None else _ThisProcess()

    async def forget_all(self) -> None:
        """Make every cached token and session stale, here and in every other process, so
        a revocation holds from the next request wherever it comes."""
        await self._revocations.announce_revocation()

    async def forget_session(self, id_hash: bytes) -> None:
        self._sessions.pop(id_hash, None)
        await self._revocations.announce_revocation()

    async def authenticate(self, authorization: str | None) -> Principal:
        if authorization is None or not authorization.startswith("Bearer "):
            raise NotAuthenticated(
                "send Authorization: Bearer <token>, or sign in for a session cookie",
                field="Authorization",
            )
        digest = token_hash(authorization.removeprefix("Bearer ").strip())
        now = self._rt.clock()
        generation = await self._revocations.generation()
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > now and cached[2] == generation:
            return cached[0]
        found = await principal_for_token(self._rt.db, digest, now=now)
        if found is None:
            self._cache.pop(digest, None)
            raise NotAuthenticated("unknown or expired token", field="Authorization")
        principal, expires_at = found
        if len(self._cache) > 10_000:
            self._cache.clear()
        # Never trusted past its own expiry, however long the cache keeps entries.
        until = now + self._ttl
        if generation is not None:
            self._cache[digest] = (
                principal,
                until if expires_at is None else min(until, expires_at),
                generation,
            )
        return principal

    async def session(
        self, session_id: str, *, csrf_token: str | None, writes: bool
    ) -> OpenSession:
        """The live session a ``mutual_session`` cookie names. A write must echo the
        session's CSRF token: a browser sends the cookie with a request another site
        forged, but that site cannot read the token to send it along."""
        digest = token_hash(session_id)
        now = self._rt.clock()
        generation = await self._revocations.generation()
        cached = self._sessions.get(digest)
        if cached is not None and cached[1] > now and cached[2] == generation:
            found = cached[0]
        else:
            async with self._rt.db.reading() as conn:
                looked_up = await session_for(conn, digest, now=now)
            if looked_up is None:
                self._sessions.pop(digest, None)
                raise NotAuthenticated("unknown, expired or ended session", field=SESSION_COOKIE)
            found = looked_up
            if len(self._sessions) > 10_000:
                self._sessions.clear()
            if generation is not None:
                self._sessions[digest] = (found, min(now + self._ttl, found.expires_at), generation)
        if writes and not (
            csrf_token is not None
            and secrets.compare_digest(csrf_token.encode(), found.csrf_token.encode())
        ):
            raise CsrfTokenInvalid(
                "a write with a session cookie needs the session's X-CSRF-Token header",
                field="X-CSRF-Token",
            )
        return found
