"""The fast canonical JSON path writes exactly the bytes of the ``rfc8785`` reference."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from mutual.core.canonical import (
    canonical_json,
    decode_integral,
    plain_ascii_object,
    sorted_compact,
)

SAFE = 2**53 - 1

# Every kind of JSON value, with the edges of the fast path: big integers, floats,
# control and astral characters, lone surrogates, non-ASCII keys.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-SAFE - 10, SAFE + 10)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x3F))
    | st.text(st.sampled_from(["\ud800", "\udfff", "\U0001f600", "\ue000", "\u2028", "é"]))
)
keys = st.text() | st.text(st.sampled_from(["a", "é", "\ue000", "\U0001f600", "\ud800"]))
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=30,
)


def _reference(value: Any) -> bytes | type[BaseException]:
    try:
        return rfc8785.dumps(value)
    except Exception as exc:  # the reference refuses some values (huge integers...)
        return type(exc)


def _ours(value: Any) -> bytes | type[BaseException]:
    try:
        return canonical_json(value)
    except Exception as exc:
        return type(exc)


@given(documents)
def test_same_bytes_or_same_refusal_as_the_reference(value: Any) -> None:
    assert _ours(value) == _reference(value)


@given(st.dictionaries(st.text(), st.text() | st.integers(-SAFE, SAFE), max_size=8))
def test_plain_documents_are_the_standard_encoders_sorted_output(value: dict[str, Any]) -> None:
    # The documents mutual signs: what the fast path is for, byte for byte.
    expected = _reference(value)
    assert canonical_json(value) == expected


class Colour(Enum):
    RED = "red"


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": 2, "é": 3, "\U0001f600": 4, "\ue000": 5},
        [SAFE, SAFE + 1, -SAFE, -SAFE - 1],
        ["\x00\x07\x08\x09\x0a\x0c\x0d\x1f\x7f", '"\\/'],
        [1.0, 0.1, 1e21, -0.0],
        ("tuple", 1),
        [[[[[[[[[[]]]]]]]]]],
        "\ud800",
    ],
)
def test_edges(value: Any) -> None:
    assert _ours(value) == _reference(value)


def test_deep_nesting_takes_the_reference_path() -> None:
    deep: Any = []
    for _ in range(200):
        deep = [deep]
    assert canonical_json(deep) == rfc8785.dumps(deep)


def test_fast_path_is_used_for_plain_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not only equal: the reference is not called for what mutual signs.
    def refuse(value: Any) -> bytes:
        raise AssertionError("the reference path was taken")

    monkeypatch.setattr(rfc8785, "dumps", refuse)
    document = {"id": "x", "postings": [{"amount": -60, "unit": "TIME"}], "meta": {}}
    assert (
        canonical_json(document)
        == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    )


# The offline verifier's path: decode_integral, sorted_compact, plain_ascii_object.


def test_the_sorted_encoder_escapes_every_ascii_character_as_the_standard_one() -> None:
    for code in range(128):
        value = {chr(code): chr(code) * 2}
        assert sorted_compact(value) == canonical_json(value) == rfc8785.dumps(value), code


def _fast(value: Any, text: bytes) -> bytes | None:
    """The verifier's fast path on ``text``, the JSON of ``value`` as some writer wrote
    it: the bytes it would take as canonical, or None (the general path)."""
    decoded = decode_integral(text)
    if decoded is None:
        return None
    data = sorted_compact(decoded)
    if data is None or not plain_ascii_object(b'{"v":' + data + b"}"):
        return None
    return data


@given(documents)
def test_what_the_fast_path_takes_is_the_reference_bytes(value: Any) -> None:
    for text in (
        json.dumps(value).encode(),
        json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"),
        json.dumps(value, sort_keys=True, separators=(",", ":")).encode(),
    ):
        taken = _fast(value, text)
        if taken is not None:
            assert taken == _reference(value)


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":1.0}',
        b'{"a":[1e3]}',
        b'{"a":9007199254740993}',
        b'{"a":-1000000000000000}',
        b'{"\\u00e9":1}',
        b'{"a":"\\u00e9"}',
        b'{"a":"\\ud800"}',
        b'{"a":"\\ud83d\\ude00"}',
        b"[" * 70 + b"]" * 70,
    ],
)
def test_what_the_fast_path_leaves_to_the_general_one(text: bytes) -> None:
    decoded = decode_integral(text)
    data = None if decoded is None else sorted_compact(decoded)
    assert data is None or not plain_ascii_object(b'{"v":' + data + b"}")


def test_the_fast_path_takes_what_mutual_signs() -> None:
    document = {"id": "x", "postings": [{"amount": -60, "unit": "TIME"}], "n": 10**15 - 1}
    text = json.dumps(document).encode()
    assert _fast(document, text) == canonical_json(document)
