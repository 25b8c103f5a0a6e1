"""Refusals that come from the use cases rather than from the ledger rules.

UseCaseError
 ├── NotAuthenticated          not_authenticated: no valid bearer token
 ├── Forbidden                 not_authorised: the principal's roles do not allow it
 ├── NotFound                  not_found: the resource in the path does not exist
 ├── IdempotencyKeyMismatch    idempotency_key_mismatch: header and id differ
 ├── InvalidCursor             invalid_cursor: a pagination cursor we did not issue
 ├── InvalidRequest            invalid_request: a parameter out of range, a bad proof request
 ├── RateLimited               too_many_requests: past a rate limit; ``retry_after`` seconds
 └── Unsigned                  unsigned: a composed transaction sent without signatures; the
                               problem carries the ``signing_payload`` to sign and send back
"""

from __future__ import annotations

from typing import Any

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


class Unsigned(UseCaseError):
    """Not a failure of the client: the first half of a two-step write. The service
    composed the transaction; the signers sign ``signing_payload`` and send the same
    request again with their signatures."""

    code = "unsigned"

    def __init__(
        self,
        signing_payload: dict[str, Any],
        *,
        domain: str = "mutual/transaction/v1",
        more: tuple[dict[str, Any], ...] = (),
    ) -> None:
        super().__init__(
            f"sign signing_payload (domain {domain}) and send the same request again with "
            "the signatures" + (" (and each of signing_payloads, keyed by its id)" if more else ""),
            field="signatures",
        )
        self.signing_payload = signing_payload
        self.domain = domain
        # A write made of several transactions (a round's execution) signs each of them.
        self.signing_payloads = (signing_payload, *more) if more else ()

    def extra(self) -> dict[str, Any]:
        found: dict[str, Any] = {"signing_payload": self.signing_payload, "domain": self.domain}
        if self.signing_payloads:
            found["signing_payloads"] = list(self.signing_payloads)
        return found


class RateLimited(UseCaseError):
    """Past a rate limit (per principal, per address); answered 429 with Retry-After."""

    code = "too_many_requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class SharedStateUnavailable(UseCaseError):
    """What the processes share (rate limits in Redis) cannot be reached: a write or a call
    without a token is refused rather than admitted uncounted; answered 503."""

    code = "service_unavailable"
