"""The territory's commons pot: hours residents give, which the coordination pays out
for territorial work.

The pot is one account per unit (the time bank's: ``TIME``) with the ``commons`` role,
under the id derived from it, owned by the commons as a principal. The commons has no
key: like a project or a collection point it acts only through the custodians the log
appoints for it, here the coordinators. So, as the ledger checks for any signed write
(``core.authority``, ``core.kinds``):

- a gift (``commons_gift``) moves hours from one person's own time account into the
  pot, signed by that person (or their custodian), within their limits;
- a payment (``commons_payment``) moves hours from the pot to one person's own time
  account, signed on the commons' behalf by an appointed coordinator, never more than
  the pot holds (and the pot's ``balance_min`` of 0 says so again);
- no other kind touches the pot but a correction, the exact inverse of one of these.
"""

from __future__ import annotations

from mutual.core import derived
from mutual.core.accounts import Account, OwnerKind, open_account
from mutual.core.ids import PrincipalId
from mutual.core.roles import AccountRole, RoleName
from mutual.core.units import TIME


def commons_principal() -> PrincipalId:
    return PrincipalId(derived.commons_principal_id())


def pot_account() -> Account:
    """The TIME pot as the service opens it: never below zero, no ceiling."""
    return open_account(
        derived.commons_account_id(TIME),
        TIME,
        OwnerKind.COMMONS_POOL,
        str(commons_principal()),
        0,
        None,
        AccountRole(RoleName.COMMONS),
    )
