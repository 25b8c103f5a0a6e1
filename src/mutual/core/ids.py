"""Typed identifiers, so that an account id can never be passed where a transaction id is due."""

from typing import NewType
from uuid import UUID

AccountId = NewType("AccountId", UUID)
TransactionId = NewType("TransactionId", UUID)
PrincipalId = NewType("PrincipalId", UUID)
