"""Who may move value out of which account: roles for the HTTP edge, signatures for the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from mutual.core import derived
from mutual.core.accounts import Account, OwnerKind
from mutual.core.errors import KeyNotValid, NotCustodian, SignatureRequired, UnknownKey
from mutual.core.ids import AccountId, PrincipalId
from mutual.core.registry import Capacity, Registry
from mutual.core.roles import RoleName
from mutual.core.signing import Signature
from mutual.core.transactions import Transaction, TransactionKind


class Role(StrEnum):
    OPERATOR = "operator"
    MEMBER = "member"
    PROJECT_LEAD = "project_lead"
    COORDINATION_MEMBER = "coordination_member"
    FACILITATOR = "facilitator"
    PARTNER = "partner"
    KEEPER = "keeper"
    AUDITOR = "auditor"
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Principal:
    id: PrincipalId
    roles: frozenset[Role]
    # What a service client's token admits (``core.permissions.SCOPES``); people have none.
    scopes: frozenset[str] = frozenset()

    def has(self, role: Role) -> bool:
        return role in self.roles


def authorise_signed(
    tx: Transaction,
    accounts: Mapping[AccountId, Account],
    signatures: tuple[Signature, ...],
    registry: Registry,
    *,
    log_index: int,
) -> None:
    """Refuse unless the signatures give authority over every account ``tx`` debits.

    The signatures have already been checked over the payload (``signing``); here each
    key must be valid at ``log_index`` and in the right capacity. An account owned by a
    principal (a member, a partner organisation) is spent only with that principal's
    signature, or a custodial one by a custodian appointed for them. A project or a
    collection point is a principal without keys of its own: it acts only through the
    custodians the log appoints for it (its lead, its keepers), so its accounts are
    spent with their signatures on its behalf. The commons pot is the same: it belongs
    to the commons, which acts only through the coordinators the log appoints as its
    custodians, so an operator's key alone does not spend it. The service's own accounts
    (pools, the fund, the outside world) need an operator's. A correction may also be
    signed by an operator alone, which is how a coordinator fixes a mistake without the
    debited member's device.
    """
    signers, operator = signers_of(signatures, registry, log_index=log_index)
    correction = tx.kind is TransactionKind.CORRECTION
    for i, posting in enumerate(tx.postings):
        if posting.amount >= 0:
            continue
        account = accounts[posting.account_id]
        if correction and operator:
            continue
        if account.role is not None and account.role.name is RoleName.COMMONS:
            if str(derived.commons_principal_id()) not in signers:
                raise SignatureRequired(
                    "a coordinator appointed for the commons must sign, on its behalf, to "
                    "pay from the commons pot",
                    field=f"postings[{i}].account_id",
                )
        elif account.owner_kind in PRINCIPAL_OWNED:
            if account.owner_id not in signers:
                raise SignatureRequired(
                    "the account's owner (or their custodian) must sign to spend from it",
                    field=f"postings[{i}].account_id",
                )
        elif not operator:
            raise SignatureRequired(
                "an operator must sign to spend from the service's accounts",
                field=f"postings[{i}].account_id",
            )


def signers_of(
    signatures: tuple[Signature, ...], registry: Registry, *, log_index: int
) -> tuple[set[str], bool]:
    """Whom the signatures speak for at ``log_index`` (a custodial one for the principal
    it is made on behalf of), and whether an operator signed; refused when a key is not
    valid there or a custodian is not appointed."""
    signers: set[str] = set()
    operator = False
    for i, sig in enumerate(signatures):
        record = registry.keys.get(sig.key_id)
        field = f"signatures[{i}]"
        if record is None:
            raise UnknownKey("no key with this id is registered", field=f"{field}.key_id")
        if not record.valid_at(log_index):
            where = "" if record.revoked_at is None else f", revoked at {record.revoked_at}"
            raise KeyNotValid(
                f"key not valid at log index {log_index} (registered at "
                f"{record.registered_at}{where})",
                field=f"{field}.key_id",
            )
        if record.capacity is Capacity.WITNESS:
            raise KeyNotValid("a witness key only cosigns checkpoints", field=f"{field}.key_id")
        if sig.on_behalf_of is not None:
            if record.principal not in registry.custodians.get(sig.on_behalf_of, set()):
                raise NotCustodian(
                    "the signer is not an appointed custodian of that principal",
                    field=f"{field}.on_behalf_of",
                )
            signers.add(str(sig.on_behalf_of))
        elif record.capacity is Capacity.OPERATOR:
            operator = True
        else:
            signers.add(str(record.principal))
    return signers, operator


def authorise_ballot(
    voter: PrincipalId, signatures: tuple[Signature, ...], registry: Registry, *, log_index: int
) -> None:
    """A ballot is cast by its voter's own key, or by a custodian on the voter's behalf."""
    signers, _ = signers_of(signatures, registry, log_index=log_index)
    if signers != {str(voter)}:
        raise SignatureRequired(
            "a ballot is signed by its voter (or a custodian for them), and only",
            field="signatures",
        )


PRINCIPAL_OWNED = frozenset(
    {OwnerKind.MEMBER, OwnerKind.ORGANISATION, OwnerKind.PROJECT, OwnerKind.COLLECTION_POINT}
)
