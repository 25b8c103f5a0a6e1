"""Each operation declares the problem codes it may answer, and only those: the edge's
(by the operation's shape) and its own (``problem_responses`` in its decorator); an
answer with a code its operation does not declare is caught (here for every in-process
test, by the autouse fixture in tests/conftest.py, and on a live server through
``/metrics``, which tests/test_schemathesis.py reads after fuzzing every operation)."""

from __future__ import annotations

import json
import re

import pytest
from litestar.handlers import HTTPRouteHandler

from mutual.api import problems
from mutual.api.app import create_app
from mutual.api.openapi import CONTRACT
from mutual.api.problems import STATUS_BY_CODE, declared_codes, problem_responses
from mutual.settings import Settings
from tests.test_api import Api, api

__all__ = ["api"]

API = "/api/v1"


def _handlers() -> dict[str, HTTPRouteHandler]:
    """Every operation of the app, by operation id."""
    return {
        str(handler.operation_id): handler
        for route in create_app(Settings()).routes
        for handler in getattr(route, "route_handlers", [])
        if isinstance(handler, HTTPRouteHandler) and handler.operation_id
    }


def _described(document: dict[str, object], operation_id: str) -> dict[str, set[str]]:
    """An operation's problem responses in the contract: status → codes described."""
    for path in document["paths"].values():  # type: ignore[attr-defined]
        for op in path.values():
            if op["operationId"] == operation_id:
                return {
                    status: set(re.findall(r"\w+", answer["description"].removeprefix("Problem:")))
                    for status, answer in op["responses"].items()
                    if answer["description"].startswith("Problem:")
                }
    raise AssertionError(f"no operation {operation_id}")


def test_an_operation_declares_what_it_may_answer_not_every_code() -> None:
    """/health declares only what any request may meet (no ledger code, no token); the
    raw transaction write declares the ledger's rules; any other operation fewer than
    half the codes."""
    handlers = _handlers()
    assert declared_codes(handlers["getHealth"]) == {
        "malformed_request",
        "invalid_request",
        "service_unavailable",
        "too_many_requests",
    }
    raw = declared_codes(handlers["recordTransactions"])
    assert {"exceeds_balance_min", "transaction_not_balanced", "invalid_signature"} <= raw
    assert not {"round_phase", "sign_in_failed"} & raw
    assert "account_not_found" not in declared_codes(handlers["listMembers"])
    assert len(raw) < len(STATUS_BY_CODE)
    others = [h for name, h in handlers.items() if name != "recordTransactions"]
    assert all(len(declared_codes(h)) < len(STATUS_BY_CODE) / 2 for h in others)


def test_the_contract_describes_each_operation_s_own_codes() -> None:
    """contracts/openapi.json names, status by status, the codes the operation declares."""
    document = json.loads(CONTRACT.read_text())
    for operation_id, handler in _handlers().items():
        described = _described(document, operation_id)
        assert set().union(*described.values()) == set(declared_codes(handler)), operation_id
        for status, codes in described.items():
            assert {STATUS_BY_CODE[c] for c in codes} == {int(status)}, (operation_id, status)


def test_an_unknown_code_fails_when_routes_are_built() -> None:
    """A route cannot declare a code the service does not have."""
    with pytest.raises(KeyError, match="no_such_code"):
        problem_responses("no_such_code")


async def test_an_answer_with_an_undeclared_code_is_caught(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were an operation to answer a code it does not declare, the pair is recorded and
    shown in /metrics (here getMember's not_found, its declaration taken away)."""
    monkeypatch.setattr(problems, "UNDECLARED", set())
    declared = dict(problems._DECLARED)
    declared["getMember"] = declared["getMember"] - {"not_found"}
    monkeypatch.setattr(problems, "_DECLARED", declared)
    missing = await api.client.get(
        f"{API}/members/0190f1e2-0000-7000-8000-0000000000ff", headers=api.operator
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert {("getMember", "not_found")} == problems.UNDECLARED
    shown = (await api.client.get(f"{API}/metrics", headers=api.operator)).text
    assert 'mutual_problems_undeclared{code="not_found",operation="getMember"} 1.0' in shown
    # A path no operation serves answers not_found too, laid at no operation's door (not
    # at the one the same client called just before).
    assert (await api.client.get(f"{API}/health")).status_code == 200
    nowhere = await api.client.get(f"{API}/nowhere", headers=api.operator)
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "not_found")
    assert {("getMember", "not_found")} == problems.UNDECLARED
