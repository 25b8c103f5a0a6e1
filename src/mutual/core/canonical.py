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

import msgspec
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


class _Float(Exception):
    pass


def _refuse_float(text: str) -> Any:
    raise _Float


# What the offline verifier reads millions of: compact JSON whose values it must write
# in their RFC 8785 form, which the three functions below do without a walk in Python.
# Values decoded by ``decode_integral`` (no float) and written by ``sorted_compact`` in
# a text for which ``plain_ascii_object`` holds are plain, so written as ``_ENCODER``
# writes them (RFC 8785): ASCII means every key and string is ASCII (the encoder writes
# other characters as they are), so keys sort the same by UTF-16 code units as by code
# points, and strings escape as ``_ENCODER`` does (a test holds them equal on every
# ASCII character); no integer of 16 digits or more (every integer of at most 15 is
# within ±(2^53 - 1)); fewer brackets than the fast path's depth.
_DECODER = msgspec.json.Decoder(float_hook=_refuse_float)
_SORTED = msgspec.json.Encoder(order="sorted")
# Inside a compact JSON object a number follows ":", "," or "[": mapped to ":", its
# digits (and sign) to "0", every other byte to a space, an integer of 16 digits or
# more leaves ":" and sixteen "0". So may a string, a false alarm that only sends the
# text to the general path.
_NUMBERS = bytes(
    ord("0") if c in b"-0123456789" else ord(":") if c in b":,[" else ord(" ") for c in range(256)
)
_LONG_INTEGER = b":" + b"0" * 16


def decode_integral(text: bytes) -> Any | None:
    """The JSON value of ``text``, None if it is not JSON or holds a float (or a number
    out of range, or a nesting too deep for the decoder)."""
    try:
        return _DECODER.decode(text)
    except (_Float, msgspec.DecodeError, RecursionError, ValueError):
        return None


def sorted_compact(value: Any) -> bytes | None:
    """``value``, from ``decode_integral``, as compact JSON with sorted keys (None if it
    cannot be written)."""
    try:
        return _SORTED.encode(value)
    except (TypeError, ValueError, OverflowError, RecursionError):
        return None


def plain_ascii_object(text: bytes) -> bool:
    """Whether the values ``sorted_compact`` wrote in the compact JSON object ``text``
    are in their RFC 8785 form (see above)."""
    return (
        text.startswith(b"{")
        and text.isascii()
        and text.count(b"[") + text.count(b"{") < _MAX_FAST_DEPTH
        and _LONG_INTEGER not in text.translate(_NUMBERS)
    )
