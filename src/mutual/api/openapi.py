"""The OpenAPI document, generated from the app; ``contracts/openapi.json`` is its committed copy.

.venv/bin/python -m mutual.api.openapi    # regenerate contracts/openapi.json and permissions.md
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar.serialization import encode_json

from mutual.api.app import create_app
from mutual.api.webhook_document import webhooks_section
from mutual.core.permissions import render_markdown
from mutual.settings import Settings

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"
CONTRACT = CONTRACTS / "openapi.json"
PERMISSIONS = CONTRACTS / "permissions.md"


def openapi_document() -> dict[str, Any]:
    # Building the app opens nothing: the database is only touched on start-up. The
    # schema may hold model instances (examples), so it goes through litestar's encoder.
    schema = create_app(Settings()).openapi_schema.to_schema()
    document: dict[str, Any] = json.loads(encode_json(schema))
    document["webhooks"] = webhooks_section("#/components/schemas/EventOut")
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    CONTRACT.write_text(render(openapi_document()))
    PERMISSIONS.write_text(render_markdown())
    print(f"wrote {CONTRACT} and {PERMISSIONS}")


if __name__ == "__main__":
    main()
