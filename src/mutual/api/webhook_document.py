"""The OpenAPI 3.1 ``webhooks`` section: the request the service makes to a subscriber.

litestar documents the routes the app serves, not the requests it sends, so this is
added to the generated document (``api/openapi.py``). It describes one delivery: a POST
of an event document (``EventOut``: a ledger event with its entry, or a domain event with
the data of its type) with the ``Mutual-*`` headers, and what the answer means.
"""

from __future__ import annotations

from typing import Any

from mutual.core.events import EVENT_TYPES

SIGNATURE_SCHEME = (
    "`v1=` then the lowercase hex HMAC-SHA256, keyed by the secret's UTF-8 bytes, of the "
    "ASCII `Mutual-Timestamp`, a `.`, then the raw body bytes. During the overlap after a "
    "secret roll (`rollWebhookSecret`) the header holds two signatures separated by a comma, "
    "by the new secret then by the previous one: a receiver accepts the delivery when any of "
    "them matches a secret it holds (contracts/events.md)."
)


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"required": True, "description": description, "schema": {"type": "string", **schema}}


def webhooks_section(event_schema_ref: str) -> dict[str, Any]:
    """The ``webhooks`` object: one entry, ``event``, for every delivery."""
    return {
        "event": {
            "post": {
                "operationId": "receiveEvent",
                "summary": "An event delivered to a webhook subscription (one per request, "
                "in log order, at least once)",
                "description": "Sent by the service to each enabled subscription's URL. "
                "Verify the signature over the raw body, deduplicate by Mutual-Event-Id, "
                "answer 2xx quickly: anything else is retried with back-off, and a receiver "
                "failing for MUTUAL_WEBHOOK_DISABLE_AFTER_SECONDS is disabled. Event types: "
                + ", ".join(EVENT_TYPES),
                "tags": ["events"],
                # The receiver authenticates the sender by the signature, not a token.
                "security": [],
                "parameters": [
                    {
                        "name": "Mutual-Event-Id",
                        "in": "header",
                        **_header("The event's id: deduplicate by it."),
                    },
                    {
                        "name": "Mutual-Timestamp",
                        "in": "header",
                        **_header(
                            "The attempt's time, Unix seconds in decimal: reject one far "
                            "from your clock.",
                            pattern="^[0-9]+$",
                        ),
                    },
                    {
                        "name": "Mutual-Signature",
                        "in": "header",
                        **_header(SIGNATURE_SCHEME, pattern="^v1=[0-9a-f]{64}(,v1=[0-9a-f]{64})*$"),
                    },
                ],
                "requestBody": {
                    "required": True,
                    "description": "The event document as RFC 8785 JSON (the same bytes as "
                    "an SSE message's data).",
                    "content": {"application/json": {"schema": {"$ref": event_schema_ref}}},
                },
                "responses": {
                    "2XX": {"description": "Acknowledged: the next event is sent."},
                    "default": {
                        "description": "Not acknowledged: the same event is sent again "
                        "after a back-off; later events wait."
                    },
                },
            }
        }
    }
