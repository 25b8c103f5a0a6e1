"""The one table from error codes to HTTP statuses, and RFC 9457 problem responses.

Precedence when several rules apply is the core's (see ``mutual.core.errors``): the
first rule that fails is the one reported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar._signature.types import ExtendedMsgSpecValidationError
from litestar.enums import ScopeType
from litestar.exceptions import (
    HTTPException,
    InternalServerException,
    NotFoundException,
    SerializationException,
    ValidationException,
)
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp, ExceptionHandlersMap, Receive, Scope, Send

from mutual.api.schemas import BODY_SHAPE_TAGS, ProblemOut
from mutual.core.errors import LedgerError
from mutual.core.messages import choose_language, problem_title
from mutual.store.errors import StoreError, StoreUnavailable
from mutual.usecases.errors import RateLimited, Unsigned

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = "1"

STATUS_BY_CODE: dict[str, int] = {
    "malformed_request": 400,
    "not_authenticated": 401,
    "not_authorised": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "exceeds_balance_min": 409,
    "exceeds_balance_max": 409,
    "already_reversed": 409,
    "proposal_not_pending": 409,
    "proposal_expired": 409,
    "proposal_not_yours": 403,
    "account_exists": 409,
    "bounds_exclude_balance": 409,
    "unknown_bounds_default": 422,
    "key_already_registered": 409,
    "recovery_not_pending": 409,
    "recovery_not_due": 409,
    "request_too_large": 413,
    "unsupported_media_type": 415,
    "invalid_request": 422,
    "unsigned": 422,
    "loan_limit_reached": 409,
    "not_borrowed": 409,
    "loan_not_overdue": 409,
    "invalid_quarter": 422,
    "quarter_ended": 409,
    "quarter_not_ended": 409,
    "exceeds_held": 409,
    "exceeds_allocation": 409,
    "nothing_to_release": 409,
    "not_a_deposit": 409,
    "exceeds_owed": 409,
    "exceeds_available": 409,
    "reserved_id": 422,
    "invalid_exchange": 422,
    "invalid_commons_gift": 422,
    "invalid_commons_payment": 422,
    "exceeds_pot": 409,
    "invalid_pledge": 422,
    "invalid_allocation": 422,
    "invalid_delivery": 422,
    "invalid_release": 422,
    "invalid_contribution": 422,
    "invalid_deposit": 422,
    "invalid_repayment": 422,
    "invalid_grant": 422,
    "invalid_disbursement": 422,
    "invalid_good_deposit": 422,
    "invalid_loan": 422,
    "invalid_return": 422,
    "invalid_give": 422,
    "invalid_good_transfer": 422,
    "invalid_correction": 422,
    "execution_mismatch": 422,
    "invalid_duration": 422,
    "self_exchange": 422,
    "implausible_amount": 422,
    "invalid_unit": 422,
    "invalid_bounds": 422,
    "amount_zero": 422,
    "amount_out_of_range": 422,
    "too_few_postings": 422,
    "duplicate_account": 422,
    "transaction_not_balanced": 422,
    "reversal_kind_mismatch": 422,
    "account_not_found": 422,
    "unit_mismatch": 422,
    "transaction_not_found": 422,
    "reversal_not_inverse": 422,
    "idempotency_key_reused": 422,
    "replay_not_yours": 409,
    "idempotency_key_mismatch": 422,
    "invalid_cursor": 422,
    "batch_aborted": 422,
    "memo_salt_required": 422,
    "invalid_key_event": 422,
    "malformed_signature": 422,
    "unknown_key": 422,
    "invalid_signature": 422,
    "key_not_valid": 422,
    "not_custodian": 403,
    "signature_required": 403,
    "key_custody": 403,
    "invalid_round": 422,
    "round_exists": 409,
    "round_moved": 409,
    "round_phase": 409,
    "not_on_roll": 403,
    "deadline_passed": 409,
    "manifest_changed": 409,
    "infeasible_allocation": 422,
    "amendments_exhausted": 409,
    "round_outcome_mismatch": 422,
    "roll_mismatch": 422,
    "invalid_group": 422,
    "group_rule": 409,
    "invalid_pact": 422,
    "pact_rule": 409,
    "sign_in_failed": 401,
    "csrf_token_invalid": 403,
    "login_taken": 409,
    "offer_closed": 409,
    "no_consent": 403,
    "own_offer": 422,
    "not_listed": 422,
    "already_listed": 409,
    "followup_closed": 409,
    "idea_decided": 409,
    "invitation_invalid": 422,
    "reset_code_invalid": 422,
    "current_password_wrong": 403,
    "too_many_requests": 429,
    "internal_error": 500,
    "ledger_invariant_violated": 500,
    "service_unavailable": 503,
}

_HTTP_CODES = {
    400: "malformed_request",
    401: "not_authenticated",
    403: "not_authorised",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    503: "service_unavailable",
}


# What the edge may refuse before any handler runs, by the operation's shape (added by
# ``declare_edge_problems`` when the app is built, so that a route declares only its own).
# Any request: malformed HTTP (litestar's 400s), an unknown or ill-typed parameter, no database.
EVERY_OPERATION = ("malformed_request", "invalid_request", "service_unavailable")
SECURED = ("not_authenticated", "not_authorised")  # the token, then the permission matrix
SESSION_WRITE = ("csrf_token_invalid",)  # a write from a signed-in page without its token
RATE_LIMITED = ("too_many_requests",)  # writes and public operations
WITH_BODY = ("request_too_large", "unsupported_media_type")
PAGED = ("invalid_cursor",)  # an operation with a ``cursor`` parameter


@dataclass
class ProblemSpec(ResponseSpec):
    """A problem response of one status, with the codes an operation may answer with it."""

    codes: frozenset[str] = frozenset()


def problem_responses(*codes: str) -> dict[int, ResponseSpec]:
    """The problem responses of an operation that may answer these codes, one per status,
    its description naming them ("Problem: a, b"): what readers see, and what
    ``declared_codes`` reads back. An unknown code fails here, when routes are built."""
    by_status: dict[int, set[str]] = {}
    for code in codes:
        if code not in STATUS_BY_CODE:
            raise KeyError(f"no problem code {code!r} in STATUS_BY_CODE")
        by_status.setdefault(STATUS_BY_CODE[code], set()).add(code)
    return {status: _problem_spec(found) for status, found in sorted(by_status.items())}


def _problem_spec(codes: set[str]) -> ProblemSpec:
    ordered = sorted(codes)
    return ProblemSpec(
        data_container=ProblemOut,
        generate_examples=False,
        media_type=PROBLEM_MEDIA_TYPE,
        description="Problem: " + ", ".join(ordered),
        codes=frozenset(ordered),
    )


def declared_codes(handler: HTTPRouteHandler) -> frozenset[str]:
    """Every problem code an operation declares (its own and the edge's)."""
    return frozenset(
        code
        for spec in (handler.responses or {}).values()
        if isinstance(spec, ProblemSpec)
        for code in spec.codes
    )


def declare_edge_problems(
    handler: HTTPRouteHandler, *, secured: bool, writes: bool, rate_limited: bool
) -> None:
    """Adds to a handler's own problem codes those the edge may answer for it."""
    edge = [*EVERY_OPERATION]
    if secured:
        edge += SECURED
    if secured and writes:
        edge += SESSION_WRITE
    if rate_limited:
        edge += RATE_LIMITED
    if "data" in handler.parsed_fn_signature.parameters:
        edge += WITH_BODY
    if "cursor" in handler.parsed_fn_signature.parameters:
        edge += PAGED
    codes = declared_codes(handler) | set(edge)
    others = {s: r for s, r in (handler.responses or {}).items() if not isinstance(r, ProblemSpec)}
    handler.responses = {**problem_responses(*codes), **others}
    _DECLARED[str(handler.operation_id)] = codes


# Each operation's declared codes, by operation id, and the (operation, code) pairs this
# process answered without declaring them: a test reads them (tests/test_declared_problems.py).
_DECLARED: dict[str, frozenset[str]] = {}
UNDECLARED: set[tuple[str, str]] = set()
_OPERATION: ContextVar[str | None] = ContextVar("mutual_problem_operation", default=None)


def _check_declared(code: str) -> None:
    operation = _OPERATION.get()
    declared = _DECLARED.get(operation or "")
    if operation is None or declared is None or code in declared:
        return
    if (operation, code) not in UNDECLARED:
        UNDECLARED.add((operation, code))
        log.warning("operation %s answered problem %s, which it does not declare", operation, code)


# The reader's language for problem titles and the request's path (a problem's
# ``instance``), set per request by ``language_middleware`` (exception handlers and
# routes build problem documents far from the request).
_LANGUAGE: ContextVar[str] = ContextVar("mutual_problem_language", default="fr")
_INSTANCE: ContextVar[str | None] = ContextVar("mutual_problem_instance", default=None)

# Where each problem type is described, by the service itself: ``type`` is this and the
# code (a URI reference, resolved against the service's origin, RFC 9457 section 3.1.1).
PROBLEM_TYPES_PATH = "/api/v1/problems/"


def language_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"accept-language"), b"").decode(
            "latin-1"
        )
        _LANGUAGE.set(choose_language(header))
        # The path only: a query string may hold a token or personal data.
        _INSTANCE.set(scope["path"])
        # The operation whose declared codes this request's problems are checked against
        # (litestar answers a handler's exceptions inside this middleware). Reset after,
        # so that a later request's problem outside any route is never laid at its door.
        handler = scope.get("route_handler")
        operation = _OPERATION.set(
            str(handler.operation_id) if isinstance(handler, HTTPRouteHandler) else None
        )
        try:
            await app(scope, receive, send)
        finally:
            _OPERATION.reset(operation)

    return middleware


def current_language() -> str:
    """The reader's language, as ``Accept-Language`` chose it for this request."""
    return _LANGUAGE.get()


def problem_type(code: str) -> str:
    return PROBLEM_TYPES_PATH + code


def problem_document(
    code: str,
    detail: str,
    field: str | None = None,
    *,
    facts: Mapping[str, int | str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "code": code,
        "title": problem_title(code, _LANGUAGE.get()),
        "status": STATUS_BY_CODE.get(code, 500),
        "detail": detail,
        "instance": _INSTANCE.get(),
        "field": field,
    }
    if facts:
        body["facts"] = dict(facts)
    body.update(extra)
    return body


def problem_response(
    document: dict[str, Any], *, headers: dict[str, str] | None = None
) -> Response[Any]:
    status = int(document["status"])
    _check_declared(str(document["code"]))
    all_headers = dict(headers or {})
    if status == 503:
        all_headers["Retry-After"] = RETRY_AFTER_SECONDS
    return Response(
        document, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=all_headers
    )


def _ledger_error(_: Request[Any, Any, Any], exc: LedgerError) -> Response[dict[str, Any]]:
    extra = exc.extra() if isinstance(exc, Unsigned) else {}
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return problem_response(
        problem_document(exc.code, exc.detail, exc.field, facts=exc.facts, **extra),
        headers=headers,
    )


def _store_error(_: Request[Any, Any, Any], exc: StoreError) -> Response[dict[str, Any]]:
    if isinstance(exc, StoreUnavailable):
        return problem_response(problem_document(exc.code, str(exc)))
    log.error("store error: %s", exc)
    return problem_response(problem_document(exc.code, "the ledger refused an internal write"))


def _field_path(key: object) -> str:
    """``single.postings.0.amount`` as the core names it: ``postings[0].amount``."""
    parts = str(key or "").split(".")
    if parts and parts[0] in BODY_SHAPE_TAGS:
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path


# Litestar's words for a required query parameter or header left out (its message goes on
# with the request's URL, query string included, which the answer does not repeat).
_MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def _validation_error(
    _: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    missing = _MISSING_PARAMETER.match(str(exc.detail))
    if missing is not None:
        where, name = missing.groups()
        return problem_response(
            problem_document("invalid_request", f"the {where} parameter {name} is required", name)
        )
    errors = [
        {"field": _field_path(e.get("key")), "message": str(e.get("message", ""))[:300]}
        for e in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(e, dict)
    ]
    if not errors:
        # Litestar reports undecodable bodies as a validation error without a field.
        return problem_response(
            problem_document("malformed_request", "the request body is not valid JSON")
        )
    first = errors[0]
    return problem_response(
        problem_document(
            "invalid_request",
            f"{first['field'] or 'request'}: {first['message']}",
            first["field"] or None,
            errors=errors,
        )
    )


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    code = _HTTP_CODES.get(exc.status_code)
    if code is None:
        code = "internal_error" if exc.status_code >= 500 else "malformed_request"
    detail = exc.detail if exc.status_code < 500 else "the service failed to answer"
    return problem_response(problem_document(code, str(detail)[:300]))


def _undecodable_body(
    _: Request[Any, Any, Any], exc: UnicodeDecodeError | RecursionError
) -> Response[Any]:
    # Litestar's JSON decoding lets these escape for bodies that are not UTF-8 or that
    # nest deeper than the decoder's recursion limit: both are the client's input.
    reason = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else "nested too deeply"
    return problem_response(problem_document("malformed_request", f"the request body is {reason}"))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    cause = exc.__cause__
    if isinstance(exc, InternalServerException) and isinstance(
        cause, ExtendedMsgSpecValidationError
    ):
        # Litestar takes a body field named like a dependency (a key event's `principal`)
        # for a failed dependency and answers 500; it is the client's body.
        return _validation_error(
            request,
            ValidationException(
                extra=[
                    {"key": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                    for e in cause.errors
                ]
            ),
        )
    log.exception("unexpected error", exc_info=exc)
    return problem_response(problem_document("internal_error", "the service failed to answer"))


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    LedgerError: _ledger_error,
    StoreError: _store_error,
    ValidationException: _validation_error,
    SerializationException: _http_error,
    NotFoundException: _http_error,
    HTTPException: _http_error,
    UnicodeDecodeError: _undecodable_body,
    RecursionError: _undecodable_body,
    HTTP_500_INTERNAL_SERVER_ERROR: _unexpected,
    Exception: _unexpected,
}
