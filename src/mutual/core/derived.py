"""Every id the service derives, and the namespace no client-chosen id may enter.

The service derives ids from public values (a member's promise account for a quarter,
a quarter's release, a round's execution, a project's or a collection point's accounts,
custodian appointments, ...) so that composing a flow twice names the same thing and a
retry replays instead of doubling. Those ids share one idempotency namespace with the
ids clients choose, so a client who took a derived id first would own it: the real
account, release or execution could never be written.

The rule that closes this: **every derived id is a name-based UUID of version 5**
(RFC 9562 section 5.5, SHA-1 of a namespace and a name), made here and nowhere else,
and **no client-chosen id may be of version 5** (``check_client_id``; clients use
UUIDv7, or v4). A transaction whose id is of version 5 is accepted only when it is
the derivation the service makes for that very transaction (``expected_transaction_id``),
and a refusal under such an id is never kept, so nobody can squat it.

The derivations are published with a vector each in ``contracts/derived-ids.json``
(``contract_document``), which the tests and the page's JavaScript read.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Final
from uuid import UUID

from mutual.core.errors import ReservedId
from mutual.core.ids import AccountId, TransactionId
from mutual.core.roles import AccountRole, RoleName

DERIVED_VERSION: Final = 5

# One namespace per family, fixed forever: changing one would rename existing accounts.
PLEDGES: Final = UUID("5d1e6a1c-7c2b-4f57-9a53-706c65646765")
FUND: Final = UUID("6a0c1f5e-2b44-4d0b-8f6e-66756e640001")
GOODS: Final = UUID("6d757475-616c-4000-8000-00000000900d")
# Domain events' ids in the event stream (never ledger ids): the namespace they had
# before they joined this table, kept so that ids already delivered stay the same.
DOMAIN_EVENTS: Final = UUID("0192f1a4-6d0e-7c3b-9e5a-8d64c2b1e7a0")
COMMONS: Final = UUID("6d757475-616c-4000-8000-00000000c0c0")


# Every derivation: its namespace (a family's, or the UUID of the thing it derives from,
# written as a field) and its name's template. The page's JavaScript derives from this
# same table, published in contracts/derived-ids.json (``contract_document``).
FAMILIES: Final = {
    "pledges": PLEDGES,
    "fund": FUND,
    "goods": GOODS,
    "domain_events": DOMAIN_EVENTS,
    "commons": COMMONS,
}
TEMPLATES: Final[dict[str, tuple[str, str]]] = {
    "promise_account": ("pledges", "promise/{member}/{quarter}"),
    "held_account": ("pledges", "held/{member}/{quarter}"),
    "allocated_account": ("pledges", "allocated/{member}/{project}/{quarter}"),
    "release": ("pledges", "release/{quarter}"),
    "fund_account": ("fund", "fund"),
    "payees_account": ("fund", "payees"),
    "partner_account": ("fund", "partner/{partner}"),
    "deposit_account": ("fund", "deposit/{contribution}"),
    "point_account": ("goods", "{role}/{point}/{slug}"),
    "loan_account": ("goods", "loan/{member}/{point}/{slug}"),
    "project_account": ("{project}", "account/{unit}"),
    "lead_appointment": ("{project}", "lead/{lead}"),
    "keeper_appointment": ("{point}", "keeper/{member}"),
    "execution": ("{round}", "execution/{resource}"),
    "split_grant": ("{transaction}", "{project}"),
    "default_follow": ("{default}", "{account}"),
    "domain_event": ("domain_events", "{entity}/{type}"),
    "exchange_share": ("{group}", "share/{payer}/{payee}"),
    "commons_principal": ("commons", "principal"),
    "commons_account": ("commons", "pot/{unit}"),
    "commons_appointment": ("commons", "coordinator/{member}"),
}


def derive(name: str, **values: object) -> UUID:
    """The id ``name`` derives from ``values`` (RFC 9562 UUIDv5)."""
    namespace, template = TEMPLATES[name]
    family = FAMILIES.get(namespace)
    space = family if family is not None else UUID(namespace.format(**values))
    return uuid.uuid5(space, template.format(**values))


def is_derived(value: UUID) -> bool:
    """Whether ``value`` lies in the namespace of derived ids."""
    return value.version == DERIVED_VERSION


def check_client_id(value: UUID | None, *, field: str = "id") -> None:
    """Refuse an id a client chose in the derived namespace, before anything is stored."""
    if value is not None and is_derived(value):
        raise ReservedId(
            "this id is a name-based UUID (version 5), the kind the service derives for "
            "its own accounts and transactions; choose a UUIDv7 (or v4)",
            field=field,
        )


def promise_account_id(member: UUID, quarter: object) -> AccountId:
    return AccountId(derive("promise_account", member=member, quarter=quarter))


def held_account_id(member: UUID, quarter: object) -> AccountId:
    return AccountId(derive("held_account", member=member, quarter=quarter))


def allocated_account_id(member: UUID, project: UUID, quarter: object) -> AccountId:
    return AccountId(derive("allocated_account", member=member, project=project, quarter=quarter))


def release_id(quarter: object) -> TransactionId:
    """A quarter is released once: its release has an id of its own."""
    return TransactionId(derive("release", quarter=quarter))


def fund_account_id() -> AccountId:
    return AccountId(derive("fund_account"))


def payees_account_id() -> AccountId:
    return AccountId(derive("payees_account"))


def partner_account_id(partner_id: UUID) -> AccountId:
    return AccountId(derive("partner_account", partner=partner_id))


def deposit_account_id(contribution_id: UUID) -> AccountId:
    return AccountId(derive("deposit_account", contribution=contribution_id))


def split_grant_id(tx_id: UUID, project_id: UUID) -> UUID:
    """A name for one project's part of a grant to several (a round's execution)."""
    return derive("split_grant", transaction=tx_id, project=project_id)


def point_account_id(role: str, point: UUID, slug: str) -> AccountId:
    """A collection point's ``stock``, ``intake`` or ``given`` account for a kind."""
    return AccountId(derive("point_account", role=role, point=point, slug=slug))


def loan_account_id(member: UUID, point: UUID, slug: str) -> AccountId:
    return AccountId(derive("loan_account", member=member, point=point, slug=slug))


def project_account_id(project_id: UUID, unit: str) -> AccountId:
    return AccountId(derive("project_account", project=project_id, unit=unit))


def lead_appointment_id(project_id: UUID, lead_id: UUID) -> UUID:
    return derive("lead_appointment", project=project_id, lead=lead_id)


def keeper_appointment_id(point_id: UUID, member_id: UUID) -> UUID:
    return derive("keeper_appointment", point=point_id, member=member_id)


def execution_id(round_id: UUID, resource: str) -> TransactionId:
    """A round's execution transaction for ``resource`` ("eur" or "hours"): fixed by the
    round, so a retry or a second facilitator can only replay it."""
    return TransactionId(derive("execution", round=round_id, resource=resource))


def commons_principal_id() -> UUID:
    """The commons as a principal: it owns the pot, has no key, and acts only through
    the custodians the log appoints for it (the coordination)."""
    return derive("commons_principal")


def commons_account_id(unit: str) -> AccountId:
    """The territory's commons pot in ``unit`` (the time bank's: ``TIME``)."""
    return AccountId(derive("commons_account", unit=unit))


def commons_appointment_id(member_id: UUID) -> UUID:
    """A coordinator's appointment as a custodian of the commons."""
    return derive("commons_appointment", member=member_id)


def default_follow_id(default_id: UUID, account_id: UUID) -> UUID:
    """An account's bounds change following a default change."""
    return derive("default_follow", default=default_id, account=account_id)


def exchange_share_id(group_id: UUID, payer: UUID, payee: UUID) -> TransactionId:
    """One share of a group exchange (a workshop's receiver paying its provider, or one
    of several providers paid by a receiver): fixed by the group and the two accounts,
    so a member is charged at most once per group and a retry only replays it."""
    return TransactionId(derive("exchange_share", group=group_id, payer=payer, payee=payee))


# --- Which derived id belongs to which entry ----------------------------------------------


def domain_event_id(entity_id: UUID, event_type: str) -> UUID:
    """A domain event's id: from the id of what it follows (a log entry's, or a member's
    for a profile's change) and its type, so re-reading yields the same id."""
    return derive("domain_event", entity=entity_id, type=event_type)


def account_id_of(role: AccountRole, unit: str, owner_id: str) -> UUID | None:
    """The id an account with this role is opened under (None for a role the service
    does not derive an id for)."""
    slug = unit.removeprefix("GOOD.")
    match role.name:
        case RoleName.PROMISE if role.member is not None:
            return promise_account_id(role.member, role.quarter)
        case RoleName.HELD if role.member is not None:
            return held_account_id(role.member, role.quarter)
        case RoleName.ALLOCATED if role.member is not None and role.project is not None:
            return allocated_account_id(role.member, role.project, role.quarter)
        case RoleName.PROJECT if role.project is not None:
            return project_account_id(role.project, unit)
        case RoleName.FUND:
            return fund_account_id()
        case RoleName.PAYEES:
            return payees_account_id()
        case RoleName.PARTNER if role.partner is not None:
            return partner_account_id(role.partner)
        case RoleName.DEPOSIT if role.contribution is not None:
            return deposit_account_id(role.contribution)
        case RoleName.STOCK | RoleName.INTAKE | RoleName.GIVEN if role.point is not None:
            return point_account_id(role.name.value, role.point, slug)
        case RoleName.LOAN if role.member is not None and role.point is not None:
            return loan_account_id(role.member, role.point, slug)
        case RoleName.COMMONS:
            return commons_account_id(unit)
    del owner_id
    return None


def check_account_id(account_id: UUID, role: AccountRole | None, unit: str) -> None:
    """An account opened under a derived id is the account that id derives from; and
    an account with a role is opened under the id its role derives."""
    expected = None if role is None else account_id_of(role, unit, "")
    if expected is not None and expected != account_id:
        raise ReservedId(
            f"a {role.name.value} account is opened under the id derived from its role",  # type: ignore[union-attr]
            field="id",
        )
    if expected is None:
        check_client_id(account_id)


def check_appointment_id(event_id: UUID, principal: UUID, custodian: UUID | None) -> None:
    """A key event under a derived id is a custodian appointment the service derives:
    a project's lead, a collection point's keeper, a coordinator of the commons."""
    if not is_derived(event_id):
        return
    if custodian is not None and event_id in (
        lead_appointment_id(principal, custodian),
        keeper_appointment_id(principal, custodian),
        *((commons_appointment_id(custodian),) if principal == commons_principal_id() else ()),
    ):
        return
    check_client_id(event_id)


def check_bounds_id(change_id: UUID, follows: UUID | None, account_id: UUID | None) -> None:
    """A bounds change under a derived id is an account's following of a default."""
    if not is_derived(change_id):
        return
    if (
        follows is not None
        and account_id is not None
        and change_id == default_follow_id(follows, account_id)
    ):
        return
    check_client_id(change_id)


def named_client_id(name: str) -> UUID:
    """A fixed id for a name, outside the derived namespace (the version 4 layout over
    SHA-256), for ids a client fixes in advance: the demo territory, test fixtures."""
    return UUID(bytes=hashlib.sha256(name.encode()).digest()[:16], version=4)


# --- The published contract --------------------------------------------------------------

_VECTOR_INPUTS: Final[dict[str, dict[str, str]]] = {
    "promise_account": {"member": "0190f1e2-0000-7000-8000-00000000000a", "quarter": "2027-Q1"},
    "held_account": {"member": "0190f1e2-0000-7000-8000-00000000000a", "quarter": "2027-Q1"},
    "allocated_account": {
        "member": "0190f1e2-0000-7000-8000-00000000000a",
        "project": "0190f1e2-0000-7000-8000-00000000000b",
        "quarter": "2027-Q1",
    },
    "release": {"quarter": "2027-Q1"},
    "fund_account": {},
    "payees_account": {},
    "partner_account": {"partner": "0190f1e2-0000-7000-8000-00000000000c"},
    "deposit_account": {"contribution": "0190f1e2-0000-7000-8000-00000000000d"},
    "point_account": {
        "role": "stock",
        "point": "0190f1e2-0000-7000-8000-00000000000e",
        "slug": "perceuse",
    },
    "loan_account": {
        "member": "0190f1e2-0000-7000-8000-00000000000a",
        "point": "0190f1e2-0000-7000-8000-00000000000e",
        "slug": "perceuse",
    },
    "project_account": {"project": "0190f1e2-0000-7000-8000-00000000000b", "unit": "EUR"},
    "lead_appointment": {
        "project": "0190f1e2-0000-7000-8000-00000000000b",
        "lead": "0190f1e2-0000-7000-8000-00000000000a",
    },
    "keeper_appointment": {
        "point": "0190f1e2-0000-7000-8000-00000000000e",
        "member": "0190f1e2-0000-7000-8000-00000000000a",
    },
    "execution": {"round": "0190f1e2-0000-7000-8000-00000000000f", "resource": "eur"},
    "split_grant": {
        "transaction": "0190f1e2-0000-7000-8000-000000000010",
        "project": "0190f1e2-0000-7000-8000-00000000000b",
    },
    "default_follow": {
        "default": "0190f1e2-0000-7000-8000-000000000011",
        "account": "0190f1e2-0000-7000-8000-000000000012",
    },
    "domain_event": {"entity": "0190f1e2-0000-7000-8000-000000000013", "type": "member.accepted"},
    "exchange_share": {
        "group": "0190f1e2-0000-7000-8000-000000000013",
        "payer": "0190f1e2-0000-7000-8000-000000000014",
        "payee": "0190f1e2-0000-7000-8000-000000000015",
    },
    "commons_principal": {},
    "commons_account": {"unit": "TIME"},
    "commons_appointment": {"member": "0190f1e2-0000-7000-8000-00000000000a"},
}


def contract_document() -> dict[str, Any]:
    """contracts/derived-ids.json: the families, the templates and a vector of each."""
    return {
        "version": DERIVED_VERSION,
        "families": {name: str(space) for name, space in FAMILIES.items()},
        "templates": {
            name: {"namespace": namespace, "name": template}
            for name, (namespace, template) in TEMPLATES.items()
        },
        "vectors": [
            {"derivation": name, "values": values, "id": str(derive(name, **values))}
            for name, values in _VECTOR_INPUTS.items()
        ],
    }
