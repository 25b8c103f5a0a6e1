"""The committed contracts match the app: the OpenAPI document and the problem codes."""

from __future__ import annotations

import json
from pathlib import Path

from mutual.api.openapi import CONTRACT, openapi_document, render
from mutual.api.problems import STATUS_BY_CODE
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
