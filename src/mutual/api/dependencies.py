"""Request-scoped values handed to route handlers: the calling principal, and the runtime.

The runtime is read from the app state by ``runtime_of`` rather than injected as a
second dependency: litestar resolves several dependencies of one handler in an anyio
task group, which on the write path cost more than the handler itself.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from mutual.core.authority import Principal
from mutual.usecases.access import Authenticator
from mutual.usecases.runtime import Runtime


def runtime_of(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def provide_principal(request: Request[Any, Any, State]) -> Principal:
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.authenticate(request.headers.get("authorization"))


DEPENDENCIES = {"principal": Provide(provide_principal)}

# Handlers declare ``principal: CurrentPrincipal`` to receive the authenticated caller.
CurrentPrincipal = NamedDependency[Principal]
