"""Request-scoped values handed to route handlers: the runtime and the calling principal."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from mutual.core.authority import Principal
from mutual.usecases.access import Authenticator
from mutual.usecases.runtime import Runtime


def provide_runtime(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def provide_principal(request: Request[Any, Any, State]) -> Principal:
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.authenticate(request.headers.get("authorization"))


DEPENDENCIES = {
    "rt": Provide(provide_runtime, sync_to_thread=False),
    "principal": Provide(provide_principal),
}
