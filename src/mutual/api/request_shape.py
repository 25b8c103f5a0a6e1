"""What every API request must look like before its handler runs: only the query
parameters its operation declares, and a JSON body where it takes one.

One guard for every route of the API, ahead of the permission guard, so that no handler
can forget either rule.
"""

from __future__ import annotations

from typing import Any, cast

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.types.internal_types import PathParameterDefinition

from mutual.usecases.errors import InvalidRequest

# Each operation's declared query parameters (its own and its dependencies'), by
# operation id: litestar computes them per route at start-up but does not expose them.
_DECLARED_QUERY: dict[str, frozenset[str]] = {}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def declared_query(handler: HTTPRouteHandler, path_names: set[str]) -> frozenset[str]:
    key = str(handler.operation_id)
    found = _DECLARED_QUERY.get(key)
    if found is None:
        # Only the path parameters' names matter to the model (the rest are query or header).
        path_parameters = cast("dict[str, PathParameterDefinition]", dict.fromkeys(path_names))
        model = handler.create_kwargs_model(path_parameters=path_parameters)
        found = frozenset(p.field_alias for p in model.expected_query_params)
        _DECLARED_QUERY[key] = found
    return found


def _refuse_unknown_query(
    connection: ASGIConnection[Any, Any, Any, Any], handler: HTTPRouteHandler
) -> None:
    """A query parameter the operation does not declare is refused, naming it: silently
    ignoring ``?category=energy`` would answer every project as if it were the filter."""
    given = set(connection.query_params.keys())
    if not given:
        return
    unknown = sorted(given - declared_query(handler, set(connection.path_params)))
    if unknown:
        noun = "parameters" if len(unknown) > 1 else "parameter"
        raise InvalidRequest(f"unknown query {noun}: {', '.join(unknown)}", field=unknown[0])


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _has_body(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    headers = connection.headers
    return headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers


def _refuse_other_media(
    connection: ASGIConnection[Any, Any, Any, Any], handler: HTTPRouteHandler
) -> None:
    """A body sent to an operation that reads JSON must say it is JSON: 415 rather than
    reading ``text/plain`` as JSON by chance, or calling it malformed."""
    if connection.scope.get("method") not in _BODY_METHODS or not _has_body(connection):
        return
    if "data" not in handler.parsed_fn_signature.parameters:
        return
    content_type = connection.headers.get("content-type", "")
    if not _is_json(content_type):
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="the body must be JSON (Content-Type: application/json), "
            f"not {content_type.split(';', 1)[0][:80] or 'untyped'}",
        )


async def request_shape_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    if isinstance(handler, HTTPRouteHandler):
        _refuse_unknown_query(connection, handler)
        _refuse_other_media(connection, handler)
