"""Failures of the store itself, as opposed to rule violations (``mutual.core.errors``).

StoreError
 ├── StoreUnavailable          the database cannot be reached in time: retry later
 │    └── StandbyLost          a standby went away under a read: read again from the primary
 └── LedgerInvariantViolated   the database refused what the core accepted: a bug
"""

from __future__ import annotations


class StoreError(Exception):
    code = "store_error"


class StoreUnavailable(StoreError):
    code = "service_unavailable"


class StandbyLost(StoreUnavailable):
    """Raised out of a read on a standby's view only; ``Database.from_standby`` catches it
    and reads again from the primary, so a client never sees it."""


class LedgerInvariantViolated(StoreError):
    code = "ledger_invariant_violated"
