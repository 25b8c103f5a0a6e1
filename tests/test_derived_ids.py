"""Derived ids: one table in ``core.derived``, published with vectors, and a namespace
no client-chosen id can enter."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from mutual.core import derived
from mutual.core.errors import ReservedId

CONTRACT = Path(__file__).resolve().parents[1] / "contracts" / "derived-ids.json"


def test_the_published_table_is_the_core_s() -> None:
    """contracts/derived-ids.json is exactly what the core derives with (regenerate it
    with ``mutual.core.derived.contract_document`` when a derivation is added)."""
    assert json.loads(CONTRACT.read_text()) == derived.contract_document()


def test_each_vector_matches_its_named_function() -> None:
    """The named functions the flows call give the published vectors."""
    by_name = {v["derivation"]: v for v in json.loads(CONTRACT.read_text())["vectors"]}

    def expect(name: str, got: uuid.UUID) -> None:
        assert str(got) == by_name[name]["id"], name

    def value(name: str, key: str) -> uuid.UUID:
        return uuid.UUID(by_name[name]["values"][key])

    expect(
        "promise_account", derived.promise_account_id(value("promise_account", "member"), "2027-Q1")
    )
    expect("held_account", derived.held_account_id(value("held_account", "member"), "2027-Q1"))
    expect(
        "allocated_account",
        derived.allocated_account_id(
            value("allocated_account", "member"), value("allocated_account", "project"), "2027-Q1"
        ),
    )
    expect("release", derived.release_id("2027-Q1"))
    expect("fund_account", derived.fund_account_id())
    expect("payees_account", derived.payees_account_id())
    expect("partner_account", derived.partner_account_id(value("partner_account", "partner")))
    expect("deposit_account", derived.deposit_account_id(value("deposit_account", "contribution")))
    expect(
        "point_account",
        derived.point_account_id("stock", value("point_account", "point"), "perceuse"),
    )
    expect(
        "loan_account",
        derived.loan_account_id(
            value("loan_account", "member"), value("loan_account", "point"), "perceuse"
        ),
    )
    expect(
        "project_account", derived.project_account_id(value("project_account", "project"), "EUR")
    )
    expect("execution", derived.execution_id(value("execution", "round"), "eur"))
    expect(
        "domain_event",
        derived.domain_event_id(value("domain_event", "entity"), "member.accepted"),
    )
    expect(
        "exchange_share",
        derived.exchange_share_id(
            value("exchange_share", "group"),
            value("exchange_share", "payer"),
            value("exchange_share", "payee"),
        ),
    )


def test_every_derivation_is_in_the_reserved_namespace() -> None:
    """Every derived id is of version 5, and a client id of version 5 is refused."""
    for vector in derived.contract_document()["vectors"]:
        got = uuid.UUID(vector["id"])
        assert derived.is_derived(got)
        with pytest.raises(ReservedId):
            derived.check_client_id(got)
    derived.check_client_id(uuid.UUID("0190f1e2-0000-7000-8000-00000000000a"))
    derived.check_client_id(uuid.uuid4())
    assert not derived.is_derived(derived.named_client_id("demo/anything"))
