"""The mixed load of ``load_tests/mix.py``, small: a few seconds of every operation
against a real server on each database, and afterwards every acknowledged write is
there as acknowledged, every balance is the sum of what was signed, the invariants hold,
the export verifies and the service never answered a 5xx."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from load_tests.harness import Store
from load_tests.mix import run_mix

from tests.conftest import Templates

MEMBERS = 10


@pytest.mark.parametrize(
    "store", ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres])]
)
async def test_mixed_load_loses_nothing(store: Store, templates: Templates) -> None:
    if store == "postgres" and templates.pg_database is None:
        pytest.skip("PostgreSQL is not reachable (set MUTUAL_REQUIRE_POSTGRES=1 to fail instead)")
    result = await run_mix(store, seconds=3, requests=5_000, clients=8, members=MEMBERS)
    # The whole result as the message: pytest would cut its repr short.
    summary = json.dumps(asdict(result))
    assert result.server_errors == 0, summary
    assert sum(result.lost.values()) == 0, summary
    assert result.balance_mismatches == 0, summary
    assert (result.invariants, result.verify) == ("ok", "ok"), summary
    # The mix really ran: exchanges confirmed, the gift burst and every voter's ballot.
    assert result.operations["confirm"]["statuses"].get("201", 0) > 0, summary
    assert result.operations["gift (burst)"]["statuses"] == {"201": result.gift_burst}, summary
    assert result.acknowledged["ballots"] == MEMBERS, summary
    assert result.passed, summary
