"""Ed25519 checks for ``mutual verify`` on the machine's other cores.

The verifier's fold is sequential (each entry depends on the registry and balances
before it), but a transaction's signature check depends only on its bytes and a
public key. The fold hands those checks here in batches; worker processes run them
with the pure core's ``check_rows`` while the fold goes on. When every worker is
busy, the fold's process checks the batch itself rather than wait: the checks then
share all the cores, the fold's included, whichever side is the slower.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from types import TracebackType

from mutual.core.verify import Finding, PendingRow, PendingSignatures, Verifier, check_rows

# Small enough that at the end, when the fold's process has nothing left but to wait
# for the workers' last batches, the wait is short (about 0.2 s on one worker).
BATCH = 512
# Batches waiting per worker: enough to keep workers busy, few enough that a fold
# faster than the checks cannot pile the whole export up in memory.
IN_FLIGHT_PER_WORKER = 3


def default_jobs() -> int:
    """One core for the fold, the rest for signatures; none on a single core."""
    return max(0, (os.cpu_count() or 1) - 1)


class SignaturePool:
    """Attach to a ``Verifier`` as its ``defer``; close before ``Verifier.finish``."""

    def __init__(self, verifier: Verifier, jobs: int) -> None:
        self._verifier = verifier
        self._executor = ProcessPoolExecutor(jobs, mp_context=get_context("spawn"))
        self._limit = jobs * IN_FLIGHT_PER_WORKER
        self._batch: list[PendingRow] = []
        self._running: deque[Future[list[Finding]]] = deque()
        verifier.defer = self._defer

    def _defer(self, pending: PendingSignatures) -> None:
        self._batch.append(pending.row())
        if len(self._batch) >= BATCH:
            self._submit()

    def _submit(self) -> None:
        while self._running and self._running[0].done():
            self._collect()
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        if len(self._running) < self._limit:
            self._running.append(self._executor.submit(check_rows, batch))
        else:
            # The workers are behind: the fold's core takes this batch.
            self._verifier.findings.extend(check_rows(batch))

    def _collect(self) -> None:
        self._verifier.findings.extend(self._running.popleft().result())

    def close(self) -> None:
        """Check what is left and add every finding to the verifier."""
        self._submit()
        while self._running:
            self._collect()
        self._executor.shutdown()
        self._verifier.defer = None

    def __enter__(self) -> SignaturePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
        else:
            self._executor.shutdown(cancel_futures=True)
