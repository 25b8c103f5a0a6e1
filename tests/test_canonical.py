"""The fast canonical JSON path writes exactly the bytes of the ``rfc8785`` reference."""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from mutual.core.canonical import canonical_json

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
