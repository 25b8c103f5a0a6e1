"""The rules every API request meets before its handler: only declared query parameters
(walked over every GET operation of the contract), a JSON body where one is read (415
otherwise), a missing required parameter named as such, and the documents where the
README says they are served."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.test_api import API, Api, api, assert_problem
from tests.test_schemathesis import CONTRACT

__all__ = ["api"]

README = Path(__file__).resolve().parents[1] / "README.md"
UNKNOWN = "not_a_parameter"


def _example(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return "1" if schema.get("type") == "integer" else "x"


def _get_operations() -> list[tuple[str, str]]:
    """Every GET operation of the contract: its id and a path that routes to it."""
    document = json.loads(CONTRACT.read_text())
    found = []
    for path, operations in sorted(document["paths"].items()):
        if "get" not in operations:
            continue
        operation = operations["get"]
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                path = path.replace(f"{{{parameter['name']}}}", _example(parameter))
        found.append((operation["operationId"], path))
    return found


async def test_every_read_refuses_an_unknown_query_parameter(api: Api) -> None:
    """Each GET operation of the contract, called with a parameter it does not declare,
    answers 422 invalid_request naming that parameter instead of ignoring it."""
    operations = _get_operations()
    assert len(operations) > 40
    for operation_id, path in operations:
        answer = await api.client.get(f"{path}?{UNKNOWN}=1", headers=api.operator)
        assert answer.status_code == 422, (operation_id, answer.status_code, answer.text[:300])
        assert_problem(answer, 422, "invalid_request", UNKNOWN)
        assert UNKNOWN in answer.json()["detail"], operation_id


async def test_declared_query_parameters_pass_and_unknown_ones_are_all_named(api: Api) -> None:
    """A read's declared parameters (by their public names) are accepted; several unknown
    ones are named together, the filter a tool might guess among them."""
    assert (
        await api.client.get(f"{API}/projects?limit=1", headers=api.operator)
    ).status_code == 200
    events = await api.client.get(f"{API}/events?after=-1&limit=1", headers=api.operator)
    assert events.status_code == 200, events.text
    answer = await api.client.get(
        f"{API}/projects?limit=1&category=energy&zone=nord", headers=api.operator
    )
    assert_problem(answer, 422, "invalid_request", "category")
    assert answer.json()["detail"] == "unknown query parameters: category, zone"


async def test_a_missing_required_parameter_is_named(api: Api) -> None:
    """The event stream without ``after``, and a reversal without its Idempotency-Key,
    are told which parameter is missing, not that their body is not JSON."""
    stream = await api.client.get(f"{API}/events/stream", headers=api.operator)
    assert_problem(stream, 422, "invalid_request", "after")
    assert "JSON" not in stream.json()["detail"]
    reversal = await api.client.post(
        f"{API}/transactions/{uuid.uuid4()}/reversal",
        json={"id": str(uuid.uuid4())},
        headers=api.operator,
    )
    assert_problem(reversal, 422, "invalid_request", "Idempotency-Key")


async def test_a_body_that_is_not_json_gets_415(api: Api) -> None:
    """A transaction sent as text/plain (even if its text is JSON) or without a media
    type is refused 415 unsupported_media_type, as contracts/problems.md says; nothing is
    written."""
    alice, a = await api.member()
    _, b = await api.member()
    body = api.signed(
        {
            "id": str(uuid.uuid4()),
            "kind": "exchange",
            "postings": [
                {"account_id": a, "unit": "TIME", "amount": -10},
                {"account_id": b, "unit": "TIME", "amount": 10},
            ],
        }
    )
    before = await api.tree_size()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        answer = await api.client.post(
            f"{API}/transactions",
            content=json.dumps(body).encode(),
            headers={**alice, "Content-Type": content_type, "Idempotency-Key": body["id"]},
        )
        assert_problem(answer, 415, "unsupported_media_type")
    assert await api.tree_size() == before


async def test_references_are_an_object_of_at_most_sixteen(api: Api) -> None:
    """A transaction's references are a JSON object (as the contract says, so a
    generated client sends one): seventeen are refused as ``invalid_request`` on
    ``references``, a list too, and nothing is written; sixteen are recorded."""
    alice, a = await api.member()
    _, b = await api.member()

    def signed(references: Any) -> dict[str, Any]:
        return api.signed(
            {
                "id": str(uuid.uuid4()),
                "kind": "exchange",
                "postings": [
                    {"account_id": a, "unit": "TIME", "amount": -10},
                    {"account_id": b, "unit": "TIME", "amount": 10},
                ],
                "references": references,
            }
        )

    before = await api.tree_size()
    for references in ({f"r{i}": "x" for i in range(17)}, ["x"] * 3):
        body = signed(references)
        answer = await api.client.post(
            f"{API}/transactions", json=body, headers={**alice, "Idempotency-Key": body["id"]}
        )
        assert_problem(answer, 422, "invalid_request", "references")
    assert await api.tree_size() == before
    body = signed({f"r{i}": "x" for i in range(16)})
    answer = await api.client.post(
        f"{API}/transactions", json=body, headers={**alice, "Idempotency-Key": body["id"]}
    )
    assert answer.status_code == 201, answer.text
    assert await api.tree_size() == before + 1


async def test_the_openapi_document_is_where_the_readme_says(api: Api) -> None:
    """The README names /api/v1/schema/openapi.json, which serves the committed contract,
    and its YAML twin, which is served too."""
    readme = README.read_text()
    assert "`/api/v1/schema/openapi.json`" in readme
    assert "`/api/v1/schema/openapi.yaml`" in readme
    assert (await api.client.get(f"{API}/schema/openapi.yaml")).status_code == 200
    answer = await api.client.get(f"{API}/schema/openapi.json")
    assert answer.status_code == 200
    assert answer.json()["paths"] == json.loads(CONTRACT.read_text())["paths"]


async def test_a_problem_type_is_a_uri_the_service_serves(api: Api) -> None:
    """A refusal's `type` is a path the service answers without a token, with the code's
    status, its title and meaning in the reader's language (contracts/problems.md's row);
    its `instance` is the request's path without the query string; an unknown code is not
    found."""
    refused = await api.client.get(f"{API}/members", params={"cursor": "nope", "limit": 1})
    problem = refused.json()
    assert (problem["code"], problem["instance"]) == ("not_authenticated", f"{API}/members")
    titles, meanings = {}, {}
    for language in ("fr", "en"):
        answer = await api.client.get(problem["type"], headers={"Accept-Language": language})
        assert answer.status_code == 200, answer.text
        described = answer.json()
        assert (described["type"], described["code"], described["status"]) == (
            problem["type"],
            "not_authenticated",
            401,
        )
        assert answer.headers["content-language"] == language
        titles[language], meanings[language] = described["title"], described["meaning"]
    assert titles == {"fr": "Connexion nécessaire", "en": "Sign-in needed"}
    assert meanings == {
        "fr": "pas de jeton porteur, ou un jeton inconnu ou expiré",
        "en": "no bearer token, or an unknown or expired one",
    }
    unknown = await api.client.get(f"{API}/problems/no_such_thing")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
