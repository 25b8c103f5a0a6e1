"""Failures of the store itself, as opposed to rule violations (``mutual.core.errors``).

StoreError
 ├── StoreUnavailable          the database cannot be reached in time: retry later
 └── LedgerInvariantViolated   the database refused what the core accepted: a bug
"""

from __future__ import annotations


class StoreError(Exception):
    code = "store_error"


class StoreUnavailable(StoreError):
    code = "service_unavailable"


class LedgerInvariantViolated(StoreError):
    code = "ledger_invariant_violated"
