"""RFC 9162 Merkle trees: public vectors, then properties of the stored-node model."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutual.core.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MerkleProofError,
    MissingNodeError,
    NodeKey,
    append_needs,
    append_nodes,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    nodes_completed_by_append,
    perfect_nodes,
    proof_hashes,
    proof_node_keys,
    range_hash,
    root_from_nodes,
    root_node_keys,
    root_of,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
MERKLE = VECTORS / "rfc9162-merkle"


def _vector_files(pattern: str) -> list[Path]:
    """The vector files matching ``pattern``; a missing vector set fails collection, never skips."""
    files = sorted(MERKLE.glob(pattern))
    if not files:
        raise FileNotFoundError(f"no vectors match {MERKLE / pattern}: is ../shared checked out?")
    return files


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


INCLUSION_FILES = _vector_files("inclusion/*/*.json")
CONSISTENCY_FILES = _vector_files("consistency/*/*.json")


def _mth(leaves: list[bytes]) -> bytes:
    """Reference MTH written straight from RFC 9162 §2.1.1, independent of the module."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _leaves(count: int, salt: bytes = b"") -> list[bytes]:
    return [leaf_hash(salt + index.to_bytes(4, "big")) for index in range(count)]


def _store(leaves: list[bytes]) -> dict[NodeKey, bytes]:
    nodes: dict[NodeKey, bytes] = {}
    for index, value in enumerate(leaves):
        nodes.update(append_nodes(index, value, nodes.__getitem__))
    return nodes


def test_vector_folders_are_complete() -> None:
    """The shared vector set is present with every inclusion and consistency family."""
    assert (MERKLE / "roots.json").is_file()
    assert {path.parent.name for path in INCLUSION_FILES} == {"0", "1", "2", "single-entry"}
    assert {path.parent.name for path in CONSISTENCY_FILES} == {"0", "1", "2"}


def test_roots_vector() -> None:
    """The roots of the first N of the eight reference leaves match, however they are built."""
    data = _load(MERKLE / "roots.json")
    leaves = [leaf_hash(bytes.fromhex(text)) for text in data["leaf_inputs_hex"]]
    nodes = _store(leaves)
    for size, want in enumerate(data["root_by_size_hex"]):
        assert root_of(leaves[:size]).hex() == want
        assert root_from_nodes(size, nodes).hex() == want
        assert _mth(leaves[:size]).hex() == want


@pytest.mark.parametrize("path", INCLUSION_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_inclusion_vector(path: Path) -> None:
    """Each upstream inclusion case verifies exactly when it is not a tampered variant."""
    case = _load(path)
    proof = [_b64(item) for item in case["proof"] or []]
    args = (_b64(case["leafHash"]), case["leafIdx"], case["treeSize"], proof, _b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(MerkleProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_consistency_vector(path: Path) -> None:
    """Each upstream consistency case verifies exactly when it is not a tampered variant."""
    case = _load(path)
    proof = [_b64(item) for item in case["proof"] or []]
    args = (case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), proof)
    if case["wantErr"]:
        with pytest.raises(MerkleProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_happy_path_proofs_are_the_ones_we_build() -> None:
    """The upstream happy-path proofs over the reference leaves are exactly what we serve."""
    data = _load(MERKLE / "roots.json")
    nodes = _store([leaf_hash(bytes.fromhex(text)) for text in data["leaf_inputs_hex"]])
    for path in INCLUSION_FILES:
        case = _load(path)
        if path.stem == "happy-path" and case["treeSize"] <= 8:
            served = proof_hashes(inclusion_ranges(case["leafIdx"], case["treeSize"]), nodes)
            assert served == [_b64(item) for item in case["proof"] or []]
    for path in CONSISTENCY_FILES:
        case = _load(path)
        if path.stem == "happy-path":
            served = proof_hashes(consistency_ranges(case["size1"], case["size2"]), nodes)
            assert served == [_b64(item) for item in case["proof"] or []]


def test_nodes_completed_by_append_examples() -> None:
    """Appending leaf i completes one node per trailing one bit of i, plus the leaf."""
    assert nodes_completed_by_append(0) == [(0, 0)]
    assert nodes_completed_by_append(1) == [(0, 1), (1, 0)]
    assert nodes_completed_by_append(3) == [(0, 3), (1, 1), (2, 0)]
    assert nodes_completed_by_append(5) == [(0, 5), (1, 2)]
    assert nodes_completed_by_append(7) == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert append_needs(7) == [(0, 6), (1, 2), (2, 0)]
    assert append_needs(4) == []


def test_perfect_nodes_examples() -> None:
    """Ranges split into perfect stored nodes along the binary digits of their width."""
    assert perfect_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert perfect_nodes(8, 14) == [(2, 2), (1, 6)]
    assert perfect_nodes(4, 5) == [(0, 4)]
    assert root_node_keys(0) == []
    assert root_node_keys(13) == [(3, 0), (2, 2), (0, 12)]


@pytest.mark.parametrize(("begin", "end"), [(1, 5), (2, 5), (3, 3), (5, 4), (-1, 1), (4, 8 + 4)])
def test_ranges_outside_the_recursion_are_refused(begin: int, end: int) -> None:
    """Ranges the MTH recursion never produces have no stored decomposition and are refused."""
    with pytest.raises(ValueError, match=r"range|subtree"):
        perfect_nodes(begin, end)


def test_missing_node_is_named() -> None:
    """Hashing a range without one of its stored nodes names the missing key."""
    nodes = _store(_leaves(6))
    del nodes[(1, 2)]
    with pytest.raises(MissingNodeError) as caught:
        range_hash(0, 6, nodes)
    assert caught.value.key == (1, 2)


def test_bad_arguments_are_refused() -> None:
    """Impossible indices, sizes and leaf hashes are refused before any hashing."""
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_ranges(3, 3)
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_ranges(4, 3)
    with pytest.raises(ValueError, match="32 bytes"):
        append_nodes(0, b"short", lambda key: b"")
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange().append(b"short")
    with pytest.raises(ValueError, match="negative"):
        nodes_completed_by_append(-1)


def test_verify_edge_cases() -> None:
    """Equal sizes, the empty tree and negative numbers follow the documented rules."""
    root = _mth(_leaves(5))
    verify_consistency(5, 5, root, root, [])
    verify_consistency(0, 5, EMPTY_ROOT, root, [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(MerkleProofError, match="must be empty"):
        verify_consistency(5, 5, root, root, [root])
    with pytest.raises(MerkleProofError, match="must be empty"):
        verify_consistency(0, 5, EMPTY_ROOT, root, [root])
    with pytest.raises(MerkleProofError, match="empty root"):
        verify_consistency(0, 5, root, root, [])
    with pytest.raises(MerkleProofError, match="larger"):
        verify_consistency(6, 5, root, root, [])
    with pytest.raises(MerkleProofError, match="negative"):
        verify_inclusion(root, -1, 5, [], root)
    with pytest.raises(MerkleProofError, match="not below"):
        verify_inclusion(root, 0, 0, [], EMPTY_ROOT)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=6), max_size=70))
def test_append_nodes_builds_every_root(data: list[bytes]) -> None:
    """Nodes stored by append_nodes give the reference root at every size, reading only needs."""
    leaves = [leaf_hash(item) for item in data]
    nodes: dict[NodeKey, bytes] = {}
    compact = CompactRange()
    assert root_from_nodes(0, nodes) == EMPTY_ROOT == compact.root()
    reads: list[NodeKey] = []

    def get(key: NodeKey) -> bytes:
        reads.append(key)
        return nodes[key]

    for index, value in enumerate(leaves):
        reads.clear()
        new = append_nodes(index, value, get)
        assert reads == append_needs(index)
        assert [key for key, _ in new] == nodes_completed_by_append(index)
        assert not nodes.keys() & {key for key, _ in new}
        nodes.update(new)
        compact.append(value)
        size = index + 1
        want = _mth(leaves[:size])
        assert root_from_nodes(size, nodes) == want
        assert compact.root() == want == root_of(leaves[:size])
        assert compact.size == size
        assert set(root_node_keys(size)) <= nodes.keys()


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=70), st.binary(max_size=4))
def test_stored_inclusion_proofs_verify(size: int, salt: bytes) -> None:
    """Every leaf's proof, hashed from O(log n) stored nodes, verifies against the root."""
    leaves = _leaves(size, salt)
    nodes = _store(leaves)
    root = root_of(leaves)
    for index in range(size):
        ranges = inclusion_ranges(index, size)
        keys = proof_node_keys(ranges)
        assert len(keys) <= 2 * size.bit_length()
        proof = proof_hashes(ranges, {key: nodes[key] for key in keys})
        verify_inclusion(leaves[index], index, size, proof, root)
        if proof:
            tampered = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
            with pytest.raises(MerkleProofError):
                verify_inclusion(leaves[index], index, size, tampered, root)
        with pytest.raises(MerkleProofError):
            verify_inclusion(leaves[index], index, size, [*proof, root], root)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=70), st.binary(max_size=4))
def test_stored_consistency_proofs_verify(new: int, salt: bytes) -> None:
    """Every old size's consistency proof, from stored nodes, verifies between the two roots."""
    leaves = _leaves(new, salt)
    nodes = _store(leaves)
    new_root = root_of(leaves)
    for old in range(new + 1):
        ranges = consistency_ranges(old, new)
        keys = proof_node_keys(ranges)
        assert len(keys) <= 2 * new.bit_length()
        proof = proof_hashes(ranges, {key: nodes[key] for key in keys})
        old_root = root_from_nodes(old, nodes)
        verify_consistency(old, new, old_root, new_root, proof)
        if 0 < old < new:
            with pytest.raises(MerkleProofError):
                verify_consistency(old, new, new_root, new_root, proof)
            with pytest.raises(MerkleProofError):
                verify_consistency(old, new, old_root, new_root, proof[:-1])


@given(st.lists(st.binary(max_size=8), max_size=200))
def test_compact_range_matches_reference(data: list[bytes]) -> None:
    """Streaming leaves through CompactRange gives the RFC 9162 root."""
    leaves = [leaf_hash(item) for item in data]
    assert root_of(leaves) == _mth(leaves)
