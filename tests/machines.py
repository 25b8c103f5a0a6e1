"""What every hypothesis state machine over the use cases shares: a runtime on a fresh
database of one backend, its own event loop, the ledger's invariants checked at the end,
and a runner with example counts per backend."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine

from mutual.settings import Settings
from mutual.usecases.runtime import Runtime
from mutual.usecases.startup import open_runtime
from tests.ledger_checks import check_ledger

# How the machine under test finds its database: set by ``run_machine`` for one backend.
_FRESH: dict[str, Callable[[], Settings]] = {}


class LedgerMachine(RuleBasedStateMachine):
    """A state machine owning a runtime on a fresh, migrated database."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.context = open_runtime(self.configure(_FRESH["make"]()), migrate=False)
        self.rt: Runtime = self.run(self.context.__aenter__())

    def configure(self, settings_: Settings) -> Settings:
        """The settings the machine runs with (a subclass may tighten limits)."""
        return settings_

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        try:
            self.run(check_ledger(self.rt.db))
        finally:
            self.run(self.context.__aexit__(None, None, None))
        self.loop.close()


def run_machine(
    machine: type[LedgerMachine],
    backend: str,
    fresh_database: Callable[[str], Settings],
    *,
    examples: tuple[int, int],
    steps: int,
) -> None:
    """Run ``machine`` on ``backend`` with ``examples`` (SQLite, PostgreSQL) examples."""
    _FRESH["make"] = lambda: fresh_database(backend)
    case = machine.TestCase
    case.settings = settings(
        max_examples=examples[0] if backend == "sqlite" else examples[1],
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    case().runTest()
