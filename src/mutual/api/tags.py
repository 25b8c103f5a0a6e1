"""The OpenAPI tags: one per resource, from the first segment of an operation's path.

Generators make one module (or class) per tag, so a tool's developer finds the ledger's
calls under ``transactions`` and a round's under ``rounds`` rather than in one list.
"""

from __future__ import annotations

from litestar.openapi.spec import Tag

# Path segments that belong to another resource's tag.
_ALIASES = {
    "health": "system",
    "metrics": "system",
    "key-events": "keys",
    "key-recoveries": "keys",
    "operator-key-requests": "keys",
    "custodians": "keys",
    "me": "tokens",
    "sign-out": "sessions",
    "sign-in": "sessions",
    "proposals": "exchanges",
    "exchange-groups": "exchanges",
    "territory": "limits",
    "charter": "members",
    "invitations": "sessions",
    "directory": "members",
    "problems": "system",
}

DESCRIPTIONS = {
    "accounts": "Accounts, their balances and statements.",
    "audit": "The trail of administrative actions.",
    "associations": "Associations taking part in the time bank: their TIME account, and "
    "the members appointed to act for them.",
    "commons": "The territory's commons pot: hours given to it, and paid from it for "
    "territorial work.",
    "collection-points": "Collection points of shared goods: deposits, loans, returns, "
    "gifts and transfers.",
    "events": "The log's entries as typed events, listed or followed as server-sent events.",
    "exchanges": "Exchanges of time between residents: proposed by the provider and "
    "confirmed or rejected, recorded at once by the receiver, or in groups.",
    "intake": "Needs and offers a survey tool records in a consenting resident's name, "
    "and residents' consents to such tools.",
    "fund": "The co-responsibility fund: contributions, repayments and grants.",
    "goods": "Kinds of shared goods and their history.",
    "groups": "Coordination groups (life slices, resources, neighbourhoods, the city): "
    "their members, their representatives to the city group and its mandates.",
    "pact": "The territorial pact and charter: its versions, who signed which, and who "
    "invited whom, quarter by quarter.",
    "keys": "The key registry: registrations, rotations, revocations, custodians, recoveries.",
    "limits": "The territory's default balance limits.",
    "log": "The Merkle log: checkpoints, cosignatures, inclusion and consistency proofs.",
    "members": "Applications, members, profiles, limits and a member's own data.",
    "notifications": "A member's notifications, and the outbox a gateway delivers.",
    "offers": "Offers and requests of services.",
    "partners": "Partner organisations and what they received.",
    "pledges": "Volunteer hours pledged per quarter, allocated and released.",
    "projects": "Territorial projects, their volunteers, deliveries and disbursements.",
    "public": "The territory's public page: what it chose to publish, read without a token.",
    "reports": "The coordinators' reports: the time bank's, and the territory's by "
    "neighbourhood, category and age band.",
    "rounds": "Participatory budgeting rounds, from submissions to execution.",
    "service-clients": "Service clients (other tools) and their tokens.",
    "sessions": "Signing in and out of the web page, invitations and passwords.",
    "system": "Health probes and metrics.",
    "tokens": "Bearer tokens, and who a token belongs to.",
    "transactions": "Signed ledger transactions, recorded one by one or in a batch, and "
    "their reversals.",
    "webhooks": "Webhook subscriptions and their deliveries.",
}


def tag_of(path: str, prefix: str) -> str:
    """The tag of the operation at ``path`` (which starts with ``prefix``)."""
    segment = path.removeprefix(prefix).strip("/").split("/")[0]
    tag = _ALIASES.get(segment, segment)
    if tag not in DESCRIPTIONS:
        raise ValueError(f"no tag described for {path!r}")
    return tag


def openapi_tags() -> list[Tag]:
    return [Tag(name=name, description=text) for name, text in sorted(DESCRIPTIONS.items())]
