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
from mutual.core.authority import Principal, Role
from mutual.core.permissions import MATRIX
from mutual.usecases.access import Authenticator
from mutual.usecases.errors import Forbidden
from mutual.usecases.runtime import Runtime


def runtime_of(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def provide_principal(request: Request[Any, Any, State]) -> Principal:
    # The permission guard has already authenticated the caller of a non-public route.
    found: Principal | None = request.state.get("principal")
    if found is not None:
        return found
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.authenticate(request.headers.get("authorization"))


async def permission_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The permission matrix, enforced once for every route before its handler runs:
    401 without a valid token, 403 when the caller's roles (or a service client's
    scopes) do not allow the operation. Use cases then narrow ``own`` cells."""
    operation = handler.operation_id if isinstance(handler, HTTPRouteHandler) else None
    permission = MATRIX.get(str(operation))
    if permission is None:
        raise Forbidden(f"operation {operation!r} is not in the permission matrix")
    limits: RateLimits = connection.app.state.rate_limits
    address = "" if connection.client is None else connection.client.host
    writes = connection.scope.get("method") not in ("GET", "HEAD")
    if permission.public:
        if writes:
            limits.anonymous(address)
        return
    authenticator: Authenticator = connection.app.state.authenticator
    principal = await authenticator.authenticate(connection.headers.get("authorization"))
    if writes:
        limits.write(str(principal.id), address)
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
