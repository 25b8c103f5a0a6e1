"""Request-scoped values handed to route handlers: the calling principal, and the runtime.

The runtime is read from the app state by ``runtime_of`` rather than injected as a
second dependency: litestar resolves several dependencies of one handler in an anyio
task group, which on the write path cost more than the handler itself.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler

from mutual.api.rate_limits import RateLimits
from mutual.api.shared_state import SharedState
from mutual.core.authority import Principal, Role
from mutual.core.permissions import MATRIX
from mutual.store.replicas import read_after
from mutual.usecases.access import SESSION_COOKIE, Authenticator
from mutual.usecases.errors import Forbidden, InvalidRequest
from mutual.usecases.runtime import Runtime


def runtime_of(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


def _writes(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return connection.scope.get("method") not in ("GET", "HEAD")


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller, by bearer token, else by session cookie (a session's writes must carry
    its CSRF token). A bearer token wins: that path, the hot one, reads no cookie."""
    authenticator: Authenticator = connection.app.state.authenticator
    authorization = connection.headers.get("authorization")
    if authorization is None:
        session_id = connection.cookies.get(SESSION_COOKIE)
        if session_id:
            session = await authenticator.session(
                session_id,
                csrf_token=connection.headers.get("x-csrf-token"),
                writes=_writes(connection),
            )
            # Signing out, and a password change, act on the session the request came with.
            connection.state.session = session
            return session.principal
    return await authenticator.authenticate(authorization)


async def provide_principal(request: Request[Any, Any, State]) -> Principal:
    # The permission guard has already authenticated the caller of a non-public route.
    found: Principal | None = request.state.get("principal")
    if found is not None:
        return found
    return await authenticate(request)


async def permission_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The permission matrix, enforced once for every route before its handler runs:
    401 without a valid token or session, 403 when the caller's roles (or a service client's
    scopes) do not allow the operation. Use cases then narrow ``own`` cells."""
    if b"%00" in connection.scope.get("query_string", b"") or "\x00" in connection.scope["path"]:
        # PostgreSQL cannot store or compare a NUL character; it is never meaningful text.
        raise InvalidRequest("the path and query may not contain the NUL character")
    operation = handler.operation_id if isinstance(handler, HTTPRouteHandler) else None
    permission = MATRIX.get(str(operation))
    if permission is None:
        raise Forbidden(f"operation {operation!r} is not in the permission matrix")
    limits: RateLimits = connection.app.state.rate_limits
    address = limits.address_of(connection.scope)
    writes = _writes(connection)
    if permission.public:
        if writes:
            await limits.anonymous(address)
        return
    principal = await authenticate(connection)
    if writes:
        await limits.write(str(principal.id), address)
    replicas = runtime_of(connection.app.state).db.replicas
    if replicas is not None:
        # This request's reads see the principal's own last write, made through this
        # process or another (store/replicas.py, api/shared_state.py).
        shared: SharedState = connection.app.state.shared
        here = replicas.written_by(str(principal.id))
        anywhere = await shared.written_position(str(principal.id))
        read_after.set(max((p for p in (here, anywhere) if p is not None), default=None))
    if not permission.allows(principal):
        raise Forbidden(
            "a service client's token lacks the scope " + repr(permission.scope)
            if principal.has(Role.SERVICE)
            else "your roles do not allow this operation"
        )
    connection.state.principal = principal
    if permission.audited:
        # Read by the request middleware once the answer is known (observability).
        connection.state.audit = (str(operation), principal.id)


DEPENDENCIES = {"principal": Provide(provide_principal)}

# Handlers declare ``principal: CurrentPrincipal`` to receive the authenticated caller.
CurrentPrincipal = NamedDependency[Principal]
