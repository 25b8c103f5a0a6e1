"""RFC 8785 (JCS) canonical JSON, with a fast path for the documents mutual signs.

The ``rfc8785`` package is the reference: it handles every JSON value, floats included.
It is pure Python, and canonicalising a transaction with it costs more than verifying
the transaction's Ed25519 signature. Every payload mutual signs is made of strings,
safe integers, booleans, nulls, lists and objects with ASCII keys; for those values the
standard library's C encoder with sorted keys, no whitespace and no ASCII escaping
writes exactly the JCS bytes:

- integers within ±(2^53 - 1) print the same digits as ECMAScript's Number.toString;
- strings escape only ``"``, ``\\`` and the C0 controls, in the same forms (``\\n``,
  ``\\u001f``, lowercase hex) as JSON.stringify, and leave every other character as is;
- ASCII keys sort the same by UTF-16 code units as by code points.

Anything else (floats, larger integers, non-ASCII keys, lone surrogates, subclasses such
as enums, very deep nesting) goes to ``rfc8785``. A property test holds the two paths
to the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_SAFE_INTEGER = 2**53 - 1
# Deeper documents take the reference path, whose limits then apply as before.
_MAX_FAST_DEPTH = 64
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
)


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical bytes of ``value``."""
    if _plain(value, 0):
        try:
            return _ENCODER.encode(value).encode()
        except UnicodeEncodeError:  # a lone surrogate: JCS escapes it, UTF-8 cannot hold it
            pass
    return rfc8785.dumps(value)


def _plain(value: object, depth: int) -> bool:
    # Exact types: a subclass (an enum, say) may print differently from its base.
    if type(value) is str or type(value) is bool or value is None:
        return True
    if type(value) is int:
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if depth >= _MAX_FAST_DEPTH:
        return False
    if type(value) is dict:
        return all(
            type(k) is str and k.isascii() and _plain(v, depth + 1) for k, v in value.items()
        )
    if type(value) is list:
        return all(_plain(v, depth + 1) for v in value)
    return False
