"""The fault scenarios of ``load_tests/faults.py``, small: each strikes a real server
under load, and afterwards every acknowledged write is there, nothing is half-written,
balances hold, the export verifies and no client saw a 500 or hung."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from load_tests.faults import FAULTS, FaultResult, run_fault
from load_tests.harness import Store

from tests.conftest import Templates

# On PostgreSQL, a process killed and the database restarted are struck in
# tests/test_faults_deployment.py, with two processes and a standby, on a cluster of the
# test's own (here the restart would be the machine's shared server's).
DEPLOYMENT_FAULTS = {("sigkill", "postgres"), ("postgres-restart", "postgres")}
CASES = [
    pytest.param(fault, store, marks=[pytest.mark.postgres] if store == "postgres" else [])
    for fault, stores in FAULTS.items()
    for store in stores
    if (fault, store) not in DEPLOYMENT_FAULTS
]


def _struck(result: FaultResult) -> bool:
    """The fault really happened: what each one must have made clients see."""
    if result.fault == "sigkill":
        return result.answers.get("no answer", 0) > 0 and result.retried > 0
    if result.fault in {"disk-full", "pool-exhausted"}:
        return result.answers.get("503", 0) + result.reads.get("503", 0) > 0
    if result.fault == "postgres-restart":
        return result.recovery_seconds > 0
    return result.acknowledged > 0


@pytest.mark.parametrize(("fault", "store"), CASES)
async def test_nothing_acknowledged_is_lost(fault: str, store: Store, templates: Templates) -> None:
    if store == "postgres" and templates.pg_database is None:
        pytest.skip("PostgreSQL is not reachable (set MUTUAL_REQUIRE_POSTGRES=1 to fail instead)")
    result = await run_fault(fault, store, seconds=5, clients=16, members=12)
    # The whole result as the message: pytest would cut its repr short.
    summary = json.dumps(asdict(result))
    assert result.acknowledged > 0, summary
    assert result.passed, summary
    assert _struck(result), summary
