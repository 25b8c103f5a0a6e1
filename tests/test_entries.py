"""Log entries: the fast composed leaf bytes equal RFC 8785 of the whole entry."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mutual.core.entries import EntryType, entry_document, log_entry, signed_log_entry
from mutual.core.ids import PrincipalId
from mutual.core.signing import KeyId, Signature, canonical

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53 - 1), 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(
    st.sampled_from(list(EntryType)),
    st.dictionaries(st.text(), json_values, max_size=8),
    st.lists(
        st.tuples(
            st.text("0123456789abcdef", min_size=64, max_size=64),
            st.binary(min_size=64, max_size=64),
            st.none() | st.uuids(),
        ),
        max_size=3,
    ),
)
def test_composed_leaf_equals_canonical_entry(
    entry_type: EntryType, payload: dict[str, object], raw: list[tuple[str, bytes, object]]
) -> None:
    """Reusing the payload's canonical bytes gives exactly the leaf of the whole entry."""
    sigs = tuple(
        Signature(KeyId(k), s, None if b is None else PrincipalId(b))  # type: ignore[arg-type]
        for k, s, b in raw
    )
    expected = log_entry(entry_document(entry_type, payload, sigs))
    assert signed_log_entry(entry_type, canonical(payload), sigs) == expected
