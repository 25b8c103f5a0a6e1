"""Refusals that come from the use cases rather than from the ledger rules.

UseCaseError
 ├── NotAuthenticated          not_authenticated: no valid bearer token
 ├── Forbidden                 not_authorised: the principal's roles do not allow it
 ├── NotFound                  not_found: the resource in the path does not exist
 ├── IdempotencyKeyMismatch    idempotency_key_mismatch: header and id differ
 ├── InvalidCursor             invalid_cursor: a pagination cursor we did not issue
 └── InvalidRequest            invalid_request: a parameter out of range, a bad proof request
"""

from __future__ import annotations

from mutual.core.errors import LedgerError


class UseCaseError(LedgerError):
    code = "use_case_error"


class NotAuthenticated(UseCaseError):
    code = "not_authenticated"


class Forbidden(UseCaseError):
    code = "not_authorised"


class NotFound(UseCaseError):
    code = "not_found"


class IdempotencyKeyMismatch(UseCaseError):
    code = "idempotency_key_mismatch"


class InvalidCursor(UseCaseError):
    code = "invalid_cursor"


class InvalidRequest(UseCaseError):
    code = "invalid_request"
