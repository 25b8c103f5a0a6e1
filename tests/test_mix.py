"""The mixed load of ``load_tests/mix.py``, small: a few seconds of every operation
against a real server on each database, with the round's ballots arriving at their
deadline (a few after it) and the round then closed and executed; afterwards every
acknowledged write is there as acknowledged, every balance is the sum of what was
signed, the fund, the pledges and the tally show exactly what was acknowledged, the
invariants hold, the export verifies and the service never answered a 5xx."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from load_tests.harness import Store
from load_tests.mix import LATE_BALLOTS, MixResult, run_mix

from tests.conftest import Templates

MEMBERS = 10


def acknowledged(result: MixResult, op: str) -> int:
    return int(result.operations.get(op, {}).get("statuses", {}).get("201", 0))


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
    # The mix really ran: exchanges confirmed, the gift burst, the fund and the pledges.
    for op in ("confirm", "contribution", "allocate", "deliver"):
        assert acknowledged(result, op) > 0, (op, summary)
    assert result.operations["gift (burst)"]["statuses"] == {"201": result.gift_burst}, summary
    # Every voter's ballot was answered before the deadline passed (acknowledged) or
    # after (refused, never an error); every late one was refused; the round went on.
    ballots = result.ballots
    assert ballots["burst_acknowledged"] > 0, summary
    assert ballots["burst_acknowledged"] + ballots["burst_refused"] == MEMBERS, summary
    assert ballots["late_refused"] == ballots["late"] == LATE_BALLOTS, summary
    assert result.acknowledged["ballots"] == ballots["burst_acknowledged"], summary
    assert ballots["phase"] == "executed", summary
    assert acknowledged(result, "execute") == 1, summary
    assert result.passed, summary
