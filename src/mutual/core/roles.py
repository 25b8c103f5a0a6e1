"""An account's role: what the account is for, recorded in its signed opening.

The pooling tools' accounts are not interchangeable: a member's promise for a quarter,
the pool's share of it, an allocation to a project, the fund, a deposit, a point's
stock, a member's loan. The role and what it is about (member, quarter, project,
point, partner, deposit) are part of the opening's payload, so the fold and an
offline verifier know every account's role from the log alone, and each transaction
kind's rule (``core.kinds``) can say which roles it debits and credits. Accounts opened
without a role (members' time accounts, pools opened by an operator) take part only in
the generic kinds (exchange, commons gift, correction). The territory's commons pot
(``commons``) is one role account per unit, owned by the commons as a principal that
acts only through the custodians the log appoints for it (the coordination).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID


class RoleName(StrEnum):
    PROMISE = "promise"
    HELD = "held"
    ALLOCATED = "allocated"
    PROJECT = "project"
    FUND = "fund"
    PAYEES = "payees"
    PARTNER = "partner"
    DEPOSIT = "deposit"
    STOCK = "stock"
    INTAKE = "intake"
    GIVEN = "given"
    LOAN = "loan"
    COMMONS = "commons"


class RoleFormatError(ValueError):
    """A role document that is not one this log writes."""


_UUID_FIELDS = ("member", "project", "point", "partner", "contribution")


@dataclass(frozen=True, slots=True)
class AccountRole:
    """The role and what it is about; fields that do not apply stay ``None``."""

    name: RoleName
    member: UUID | None = None
    project: UUID | None = None
    quarter: str | None = None
    point: UUID | None = None
    partner: UUID | None = None
    contribution: UUID | None = None
    repayment_due: date | None = None

    def document(self) -> dict[str, Any]:
        """The role as signed in the opening: its name and the fields that apply."""
        doc: dict[str, Any] = {"name": self.name.value}
        for name in _UUID_FIELDS:
            value = getattr(self, name)
            if value is not None:
                doc[name] = str(value)
        if self.quarter is not None:
            doc["quarter"] = self.quarter
        if self.repayment_due is not None:
            doc["repayment_due"] = self.repayment_due.isoformat()
        return doc

    @property
    def scope(self) -> str | None:
        """How the writer finds the accounts a rule reads beyond those a transaction
        touches: every deposit (the fund's available balance), a member's loans (the
        open-loan limit)."""
        if self.name is RoleName.DEPOSIT:
            return "deposits"
        if self.name is RoleName.LOAN:
            return f"loans/{self.member}"
        return None


def loans_scope(member: object) -> str:
    return f"loans/{member}"


DEPOSITS_SCOPE = "deposits"


def parse_role(doc: object) -> AccountRole:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("name"), str):
        raise RoleFormatError("a role is an object with a name")
    try:
        role = AccountRole(
            RoleName(doc["name"]),
            **{k: UUID(doc[k]) for k in _UUID_FIELDS if k in doc},
            quarter=doc.get("quarter"),
            repayment_due=None
            if doc.get("repayment_due") is None
            else date.fromisoformat(doc["repayment_due"]),
        )
    except (TypeError, ValueError) as exc:
        raise RoleFormatError(f"malformed role: {exc}") from exc
    if role.document() != dict(doc):
        raise RoleFormatError("the role is not in the form this log signs")
    return role
