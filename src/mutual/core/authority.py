"""Who may move value out of which account."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from mutual.core.accounts import Account
from mutual.core.errors import NotAuthorised
from mutual.core.ids import AccountId, PrincipalId
from mutual.core.transactions import Transaction


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

    def has(self, role: Role) -> bool:
        return role in self.roles


def authorise_transaction(
    principal: Principal, tx: Transaction, accounts: Mapping[AccountId, Account]
) -> None:
    """Refuse unless ``principal`` may spend from every account the transaction debits.

    A member spends only from accounts they own; the operator runs the service and
    records corrections and seed transactions for any account.
    """
    if principal.has(Role.OPERATOR):
        return
    for i, posting in enumerate(tx.postings):
        if posting.amount < 0 and not accounts[posting.account_id].owned_by(principal.id):
            raise NotAuthorised(
                "you may only spend from accounts you own", field=f"postings[{i}].account_id"
            )
