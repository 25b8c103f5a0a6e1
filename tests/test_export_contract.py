"""The export and signing contracts in ``contracts/`` match what the code writes."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.keypair import Keypair
from mutual.core.signing import Domain, signed_message
from mutual.core.transactions import Posting, Transaction, TransactionKind, transaction_payload
from mutual.core.units import Unit
from mutual.usecases.demo import load_demo_territory
from mutual.usecases.export import export_lines
from mutual.usecases.runtime import Runtime

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((CONTRACTS / "schemas" / "export-line.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


async def test_every_export_line_matches_the_schema(runtime: Runtime) -> None:
    """Each line of a real export (the demo territory) validates against the schema, and
    a line with an extra field or a wrong type does not."""
    await load_demo_territory(runtime)
    validator = _validator()
    lines = [json.loads(line) async for line in export_lines(runtime)]
    seen: set[str] = set()
    for doc in lines:
        validator.validate(doc)
        seen.add(doc["type"] if doc["type"] != "entry" else doc["entry"]["type"])
    assert seen == {
        "header",
        "key_event",
        "account",
        "bounds",
        "round",
        "ballot",
        # The demo's groups: a neighbourhood group (demo_intake), the projects'
        # coordination groups (demo_projects).
        "group",
        "transaction",
        "pact",
        "checkpoint",
        "balance",
        "end",
    }
    entry = next(d for d in lines if d["type"] == "entry" and "recorded" in d)
    payload = entry["entry"]["payload"]
    for broken in (
        {**entry, "extra": 1},
        {**entry, "index": "1"},
        {
            **entry,
            "entry": {**entry["entry"], "payload": {**payload, "memo": "x"}},
        },
    ):
        assert not validator.is_valid(broken)


def test_the_signing_example_is_what_the_code_signs() -> None:
    """contracts/examples/signing-example.json: payload, signed bytes, key id and
    signature are reproduced exactly from its seed and request body."""
    example: dict[str, Any] = json.loads(
        (CONTRACTS / "examples" / "signing-example.json").read_text()
    )
    key = Keypair(bytes.fromhex(example["seed_hex"]))
    body = example["request_body"]
    tx = Transaction(
        TransactionId(uuid.UUID(body["id"])),
        TransactionKind(body["kind"]),
        tuple(
            Posting(AccountId(uuid.UUID(p["account_id"])), Unit(p["unit"]), p["amount"])
            for p in body["postings"]
        ),
        PrincipalId(uuid.UUID(int=0)),
        body["memo"],
        body["references"],
        body["reverses"],
        base64.b64decode(body["memo_salt"]),
    )
    payload = transaction_payload(example["origin"], tx)
    assert payload == example["payload"]
    assert signed_message(Domain.TRANSACTION, payload).decode() == example["signed_bytes_utf8"]
    assert (base64.b64encode(key.public_key).decode(), key.key_id) == (
        example["public_key"],
        example["key_id"],
    )
    assert (
        key.sign_transaction(example["origin"], tx).document()["signature"] == example["signature"]
    )


@pytest.mark.parametrize("name", ["export.md", "signing.md"])
def test_the_prose_contracts_name_every_finding_and_prefix(name: str) -> None:
    """The prose specs list each domain prefix clients and auditors must use."""
    text = (CONTRACTS / name).read_text()
    for domain in (Domain.TRANSACTION, Domain.KEY_EVENT):
        assert domain.value.decode().strip() in text
