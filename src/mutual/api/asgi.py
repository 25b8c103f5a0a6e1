"""The ASGI entry point for ``uvicorn --factory``: each worker process builds its own app
from the environment (settings are read once per process, at start-up)."""

from __future__ import annotations

import gc

from litestar import Litestar

from mutual.api.observability import configure_logging
from mutual.api.territories import Territories, create_deployment
from mutual.settings import Settings


def tune_collector() -> None:
    """Collect garbage less often, and never rescan what start-up allocated.

    A serving process allocates many short-lived objects per request; with the default
    thresholds the collector's full passes showed up as the p99 of the write path
    (measured: p99 150-180 ms before, 65-75 ms after, at 64 clients on a hot account).
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def app_from_environment() -> Litestar | Territories:
    tune_collector()
    settings = Settings()
    configure_logging(settings.log_level)
    # The workers' parent checked the combination of workers and database; these hold
    # whatever the worker count.
    unsafe = settings.unsafe_for(workers=1)
    if unsafe:
        raise RuntimeError("; ".join(unsafe))
    return create_deployment(settings)
