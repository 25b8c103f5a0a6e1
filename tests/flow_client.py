"""A client of the pooling flows over HTTP, as a resident's device does it: send the
request, sign the transaction the service composed, send it again with the signatures."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.signing import Domain
from tests.test_api import API, Api


async def sign_composed(
    api: Api,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    key: Keypair,
    *,
    on_behalf_of: str | None = None,
) -> dict[str, Any] | httpx.Response:
    """Send unsigned and return the body signed over the composed payload the answer
    carries, with its id, or the answer itself when it is not ``unsigned`` (a refusal
    before anything was composed)."""
    first = await api.client.post(f"{API}{path}", json=body, headers=headers)
    if first.status_code != 422 or first.json().get("code") != "unsigned":
        return first
    payload = first.json()["signing_payload"]
    behalf = None if on_behalf_of is None else PrincipalId(uuid.UUID(on_behalf_of))
    signature = key.sign_payload(Domain.TRANSACTION, payload, on_behalf_of=behalf)
    fixed = path.endswith("/release")
    return {
        **body,
        **({} if fixed else {"id": payload["id"]}),
        "signatures": [signature.document()],
    }


async def signed_post(
    api: Api,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    key: Keypair,
    *,
    on_behalf_of: str | None = None,
) -> httpx.Response:
    """Send unsigned, sign the composed payload, send again."""
    signed = await sign_composed(api, path, body, headers, key, on_behalf_of=on_behalf_of)
    if isinstance(signed, httpx.Response):
        return signed
    return await api.client.post(f"{API}{path}", json=signed, headers=headers)
