"""The committed contracts match the app: the OpenAPI document and the problem codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mutual.api.openapi import CONTRACT, openapi_document, render
from mutual.api.problem_meanings import PROBLEM_MEANINGS
from mutual.api.problems import STATUS_BY_CODE
from mutual.core.permissions import MATRIX
from mutual.settings import README_BEGIN, README_END, Settings, reference_table

PROBLEMS = Path(__file__).resolve().parents[1] / "contracts" / "problems.md"


def test_openapi_contract_matches_the_app() -> None:
    """contracts/openapi.json is exactly what the app generates."""
    assert render(openapi_document()) == CONTRACT.read_text(), (
        "contracts/openapi.json is stale: run `.venv/bin/python -m mutual.api.openapi`"
    )


def test_every_operation_has_a_unique_id() -> None:
    """Clients generate code from operationIds, so each is present and unique."""
    document = json.loads(CONTRACT.read_text())
    ids = [op.get("operationId") for path in document["paths"].values() for op in path.values()]
    assert None not in ids
    assert len(ids) == len(set(ids))


def test_every_problem_code_is_documented_with_its_status() -> None:
    """contracts/problems.md lists every problem type with the status the API gives it."""
    text = PROBLEMS.read_text()
    missing = [
        code for code, status in STATUS_BY_CODE.items() if f"| `{code}` | {status} |" not in text
    ]
    assert missing == []


def test_readme_settings_reference_is_generated_from_the_settings() -> None:
    """README's configuration table is exactly what the settings object declares, so
    every setting is documented with its variable, default and meaning."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    _, _, rest = readme.partition(README_BEGIN)
    block, found, _ = rest.partition(README_END)
    assert found, "README.md lost its settings reference markers"
    assert block.strip() == reference_table(), (
        "README.md's settings reference is stale: run `.venv/bin/python -m mutual.settings`"
    )
    assert reference_table().count("\n") == len(Settings.model_fields) + 1


def _operations() -> list[dict[str, Any]]:
    document = json.loads(CONTRACT.read_text())
    return [op for path in document["paths"].values() for op in path.values()]


def test_the_contract_is_one_generators_can_use() -> None:
    """What client generators need: every operation tagged with a declared tag; the bearer
    security on exactly the operations the permission matrix does not make public, and
    an explicit none (`security: []`) on the public ones; every schema
    title unique and no framework ``root`` wrapper; every 2xx with a body has a schema."""
    document = json.loads(CONTRACT.read_text())
    declared_tags = {t["name"] for t in document["tags"]}
    schemas = document["components"]["schemas"]
    titles = [s.get("title", name) for name, s in schemas.items()]
    assert sorted(t for t in titles if titles.count(t) > 1) == []
    assert [n for n, s in schemas.items() if "root" in s.get("properties", {})] == []
    for op in _operations():
        [tag] = op["tags"]
        assert tag in declared_tags, op["operationId"]
        public = MATRIX[op["operationId"]].public
        assert op["security"] == ([] if public else [{"bearer": []}]), op["operationId"]
        for status, answer in op["responses"].items():
            if status.startswith("2") and status not in ("202", "204"):
                assert all(c.get("schema") for c in answer["content"].values()), (
                    op["operationId"],
                    status,
                )


# JSON Schema's bounds by the type they apply to: a bound on the wrong type is ignored
# by validators and misleads generators (litestar once described a bounded object as an
# array with maxLength, and generated clients sent a list).
_BOUNDS = {
    "array": {"minItems", "maxItems"},
    "object": {"minProperties", "maxProperties", "propertyNames"},
    "string": {"minLength", "maxLength", "pattern"},
}


def _misplaced_bounds(node: Any, where: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and kind in _BOUNDS:
            others = set().union(*(b for k, b in _BOUNDS.items() if k != kind))
            found += [f"{where}: {kind} with {b}" for b in sorted(others & set(node))]
        for key, value in node.items():
            found += _misplaced_bounds(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _misplaced_bounds(value, f"{where}/{i}")
    return found


def test_each_bound_is_on_the_type_it_bounds() -> None:
    """No array with a string's or an object's bound, and so on: a transaction's
    references and a profile's contacts are objects with ``maxProperties``."""
    document = json.loads(CONTRACT.read_text())
    assert _misplaced_bounds(document) == []
    schemas = document["components"]["schemas"]
    references = schemas["TransactionIn"]["properties"]["references"]
    assert (references["type"], references["maxProperties"]) == ("object", 16)
    assert _misplaced_bounds({"a": {"type": "array", "maxLength": 16}}) == [
        "/a: array with maxLength"
    ]


def test_a_header_the_server_requires_is_required() -> None:
    """A reversal is refused without its Idempotency-Key, so the contract requires it."""
    document = json.loads(CONTRACT.read_text())
    reversal = document["paths"]["/api/v1/transactions/{tx_id}/reversal"]["post"]
    [key] = [p for p in reversal["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is True


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


# Arrays inside one document that are parts of it, not lists a client pages through: each
# is bounded by what it describes (a proof's path, a round's proposal, a principal's
# roles). Any other array in a read's answer must be the ``items`` of a page.
_PARTS = {
    ("/api/v1/associations/{association_id}", "acting_members"),
    ("/api/v1/collection-points/{point_id}", "keepers"),
    ("/api/v1/collection-points/{point_id}", "stock"),
    ("/api/v1/commons/pot", "coordinators"),
    ("/api/v1/exchange-groups/{group_id}", "shares"),
    # A coordination group with its members and mandates (tens of people, not thousands).
    ("/api/v1/groups/{group_id}", "members"),
    ("/api/v1/groups/{group_id}", "memberships"),
    ("/api/v1/groups/{group_id}", "representatives"),
    ("/api/v1/log/proofs/consistency", "proof"),
    ("/api/v1/log/proofs/inclusion", "proof"),
    ("/api/v1/me", "roles"),
    ("/api/v1/me", "scopes"),
    ("/api/v1/members/{member_id}", "languages"),
    ("/api/v1/members/{member_id}/standing", "recent"),
    # The pact's versions (a few over the years) with the caller's standing; a quarter's
    # signatories with whom each invited, the list its counts are summed from (a
    # quarterly document, as the territory report's rows).
    ("/api/v1/pact", "versions"),
    ("/api/v1/pact/signatories", "signatories"),
    ("/api/v1/partners/{partner_id}/trace", "contributions"),
    ("/api/v1/projects/{project_id}", "accounts"),
    # A project's results: its agreed indicators (a handful) and its last four quarters.
    ("/api/v1/projects/{project_id}/results", "indicators"),
    ("/api/v1/projects/{project_id}/results", "followups"),
    # The public page and the territory and well-being reports are documents of one
    # moment: a quarter's rounds and projects, the items chosen, a report's rows (which
    # grow by the quarter).
    ("/api/v1/public", "projects"),
    ("/api/v1/public", "rounds"),
    ("/api/v1/public", "shown"),
    ("/api/v1/reports/territory", "rows"),
    ("/api/v1/reports/quarterly-pack", "rows"),
    ("/api/v1/reports/wellbeing", "rows"),
    ("/api/v1/rounds/{key}", "decision"),
    ("/api/v1/rounds/{key}", "proposal"),
    ("/api/v1/rounds/{key}", "reveals"),
    ("/api/v1/rounds/{key}", "stances"),
    ("/api/v1/rounds/{key}", "submissions"),
    ("/api/v1/rounds/{key}", "transactions"),
    ("/api/v1/rounds/{key}", "voted"),
    ("/api/v1/rounds/{key}/result", "decision"),
    ("/api/v1/transactions/{tx_id}", "postings"),
    ("/api/v1/webhooks/{webhook_id}", "event_types"),
}


def _is_array(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    options = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    return any(_resolve(document, o).get("type") == "array" for o in options)


def _unpaged_lists(document: dict[str, Any]) -> list[str]:
    """Each GET answering a list (a JSON array, or an object with ``items``) without the
    one pagination style: ``cursor`` and ``limit`` in, ``items`` and ``next`` out."""
    wrong = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        query = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
        for status, response in get["responses"].items():
            if not status.startswith("2"):
                continue
            content = response.get("content", {}).get("application/json")
            if content is None:
                continue
            body = _resolve(document, content["schema"])
            if body.get("type") == "array":
                wrong.append(f"{path}: a bare array")
                continue
            fields = body.get("properties", {})
            if "items" not in fields:
                wrong += [
                    f"{path}: an unpaged list {name}"
                    for name, field in fields.items()
                    if _is_array(document, field) and (path, name) not in _PARTS
                ]
                continue
            missing = sorted(
                ({"cursor", "limit"} - query) | ({"next", "next_cursor"} - set(fields))
            )
            if missing:
                wrong.append(f"{path}: no {', '.join(missing)}")
    return wrong


def test_every_list_is_paged_one_way() -> None:
    """Every GET that answers a list takes `cursor` and `limit` and answers `items`,
    `next_cursor` and `next`, in the committed contract and in the app's own document;
    a bare array or a page without its cursor is named."""
    for document in (json.loads(CONTRACT.read_text()), openapi_document()):
        assert _unpaged_lists(document) == []
    broken = json.loads(CONTRACT.read_text())
    members = broken["paths"]["/api/v1/members"]["get"]
    members["parameters"] = [p for p in members["parameters"] if p["name"] != "cursor"]
    rounds = broken["paths"]["/api/v1/rounds"]["get"]["responses"]["200"]["content"]
    rounds["application/json"]["schema"] = {"type": "array", "items": {}}
    volunteers = broken["components"]["schemas"]["ProjectVolunteersOut"]["properties"]
    volunteers["volunteers"] = volunteers.pop("items")
    assert _unpaged_lists(broken) == [
        "/api/v1/members: no cursor",
        "/api/v1/projects/{project_id}/volunteers: an unpaged list volunteers",
        "/api/v1/rounds: a bare array",
    ]


def test_each_problem_meaning_is_the_one_documented() -> None:
    """What `/problems/{code}` answers is, code by code, the row of contracts/problems.md,
    in English and in French, for every code the API has."""
    documented = PROBLEMS.read_text()
    missing = [
        code
        for code, meaning in PROBLEM_MEANINGS.items()
        if f"| `{code}` | {STATUS_BY_CODE[code]} | {meaning['en']} | {meaning['fr']} |"
        not in documented
    ]
    assert (missing, set(PROBLEM_MEANINGS)) == ([], set(STATUS_BY_CODE))
    assert all(m["en"] != m["fr"] for m in PROBLEM_MEANINGS.values())
