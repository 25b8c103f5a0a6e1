"""RFC 9162 Merkle trees (RFC 6962 hashing), built from stored perfect subtrees.

The log stores only *perfect* subtree hashes, keyed ``(level, index)``: node ``(l, i)``
is the root of leaves ``[i * 2**l, (i + 1) * 2**l)``. Such a node never changes once its
last leaf is appended, so the store is append-only, and every range that RFC 9162's MTH
recursion produces splits into at most ``log2(n)`` of them. The writer therefore touches
O(log n) nodes per append, and any root, inclusion proof or consistency proof is computed
from O(log n) stored nodes, with no tree walk and no cache to invalidate.

Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by step, so that a proof accepted
here is accepted by every conforming verifier (and the reverse). Everything is pure: the
caller reads the nodes this module names and hands them back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

NodeKey = tuple[int, int]
"""``(level, index)`` of a perfect subtree: leaves ``[index << level, (index + 1) << level)``."""

HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH of the empty tree (RFC 9162 §2.1.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class MerkleProofError(ValueError):
    """An inclusion or consistency proof does not prove what it claims."""


class MissingNodeError(KeyError):
    """A stored node needed for a hash was not supplied (the caller fetched too few)."""

    def __init__(self, key: NodeKey) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"stored node (level {self.key[0]}, index {self.key[1]}) was not supplied"


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || data); the prefix keeps leaves and nodes apart."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``): RFC 9162's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_mth_range(begin: int, end: int) -> None:
    """Refuse ranges the MTH recursion never produces: they have no stored decomposition.

    A range ``[begin, end)`` of ``n`` leaves arises in the recursion over ``[0, size)``
    exactly when ``begin`` is a multiple of the smallest power of two ``>= n``.
    """
    if not 0 <= begin < end:
        raise ValueError(f"[{begin}, {end}) is not a non-empty range of leaves")
    width = 1 << (end - begin - 1).bit_length()
    if begin % width:
        raise ValueError(f"[{begin}, {end}) is not a subtree of the RFC 9162 recursion")


def perfect_nodes(begin: int, end: int) -> list[NodeKey]:
    """The stored perfect nodes that make up ``[begin, end)``, left to right.

    They follow the binary digits of ``end - begin`` from the highest, which is how the MTH
    recursion splits a range; their hashes fold from the right into the range's MTH.
    """
    _check_mth_range(begin, end)
    keys: list[NodeKey] = []
    position = begin
    remaining = end - begin
    for level in range(remaining.bit_length() - 1, -1, -1):
        if remaining >> level & 1:
            keys.append((level, position >> level))
            position += 1 << level
    return keys


def _node(nodes: Mapping[NodeKey, bytes], key: NodeKey) -> bytes:
    try:
        return nodes[key]
    except KeyError:
        raise MissingNodeError(key) from None


def range_hash(begin: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH of leaves ``[begin, end)`` from the stored perfect nodes covering it."""
    hashes = [_node(nodes, key) for key in perfect_nodes(begin, end)]
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def nodes_completed_by_append(leaf_index: int) -> list[NodeKey]:
    """The nodes that become complete when leaf ``leaf_index`` is appended, by level.

    Level 0 is the leaf itself; each further level completes while the subtree just
    finished is a right child, i.e. once per trailing one bit of ``leaf_index``.
    """
    if leaf_index < 0:
        raise ValueError("a leaf index is never negative")
    keys: list[NodeKey] = [(0, leaf_index)]
    level = 0
    while leaf_index >> level & 1:
        level += 1
        keys.append((level, leaf_index >> level))
    return keys


def append_needs(leaf_index: int) -> list[NodeKey]:
    """The existing nodes ``append_nodes`` reads: the left sibling at each completed level."""
    return [
        (level - 1, (leaf_index >> (level - 1)) - 1)
        for level, _ in nodes_completed_by_append(leaf_index)[1:]
    ]


def append_nodes(
    leaf_index: int, leaf: bytes, get: Callable[[NodeKey], bytes]
) -> list[tuple[NodeKey, bytes]]:
    """The (key, hash) pairs to store when the leaf whose *leaf hash* is ``leaf`` is appended.

    ``leaf`` is the RFC 9162 leaf hash (see ``leaf_hash``), stored as node ``(0, leaf_index)``.
    ``get`` is called only for the keys of ``append_needs(leaf_index)``, lowest level first,
    so a writer can prefetch them in one query.
    """
    if len(leaf) != HASH_BYTES:
        raise ValueError(f"a leaf hash is {HASH_BYTES} bytes, got {len(leaf)}")
    completed = nodes_completed_by_append(leaf_index)
    result: list[tuple[NodeKey, bytes]] = [(completed[0], leaf)]
    current = leaf
    for key, left_key in zip(completed[1:], append_needs(leaf_index), strict=True):
        current = node_hash(get(left_key), current)
        result.append((key, current))
    return result


def root_node_keys(size: int) -> list[NodeKey]:
    """The stored nodes whose hashes make up the root of the first ``size`` leaves."""
    if size < 0:
        raise ValueError("a tree size is never negative")
    return perfect_nodes(0, size) if size else []


def root_from_nodes(size: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH of the first ``size`` leaves (``EMPTY_ROOT`` for the empty tree)."""
    if size < 0:
        raise ValueError("a tree size is never negative")
    return range_hash(0, size, nodes) if size else EMPTY_ROOT


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form the inclusion path of leaf ``index`` (RFC 9162 PATH).

    PATH(m, D[n]) appends the sibling after the sub-path, so the deepest sibling comes first.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    siblings: list[tuple[int, int]] = []
    begin, end = 0, size
    while end - begin > 1:
        middle = begin + _split(end - begin)
        if index < middle:
            siblings.append((middle, end))
            end = middle
        else:
            siblings.append((begin, middle))
            begin = middle
    siblings.reverse()
    return siblings


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form the consistency proof from ``old`` to ``new`` leaves.

    RFC 9162 PROOF(m, D[n]) = SUBPROOF(m, D[n], true); the proof is empty when ``old`` is
    0 or equals ``new`` (nothing to prove beyond comparing roots).
    """
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):
        return []
    siblings: list[tuple[int, int]] = []
    begin, end = 0, new
    whole_old_tree = True
    while old != end:
        middle = begin + _split(end - begin)
        if old <= middle:
            siblings.append((middle, end))
            end = middle
        else:
            siblings.append((begin, middle))
            begin = middle
            whole_old_tree = False
    siblings.reverse()
    # SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old subtree is sent unless it is the old root.
    return siblings if whole_old_tree else [(begin, end), *siblings]


def proof_node_keys(ranges: Iterable[tuple[int, int]]) -> set[NodeKey]:
    """The stored nodes needed to hash every range of a proof (O(log n) of them)."""
    return {key for begin, end in ranges for key in perfect_nodes(begin, end)}


def proof_hashes(ranges: Iterable[tuple[int, int]], nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """The proof itself: the MTH of each range, in proof order."""
    return [range_hash(begin, end, nodes) for begin, end in ranges]


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_BYTES:
        raise MerkleProofError(f"{what} is {len(value)} bytes, not {HASH_BYTES}")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    RFC 9162 §2.1.3.2; raises ``MerkleProofError`` on any failure.
    """
    if index < 0 or size < 0:
        raise MerkleProofError("leaf index and tree size are never negative")
    if index >= size:
        raise MerkleProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash(leaf_hash, "the leaf hash")
    _check_hash(root, "the root")
    for position, element in enumerate(proof):
        _check_hash(element, f"proof element {position}")
    expected = len(inclusion_ranges(index, size))
    if len(proof) != expected:
        raise MerkleProofError(
            f"an inclusion proof for leaf {index} of {size} has {expected} hashes, got {len(proof)}"
        )
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise MerkleProofError("the inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleProofError("the inclusion proof is shorter than the path to the root")
    if r != root:
        raise MerkleProofError("the inclusion proof does not lead to the given root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new_size`` leaves with ``new_root`` extends the old one.

    RFC 9162 §2.1.4.2 for ``0 < old_size < new_size``. At equal sizes the proof must be
    empty and the roots equal. From the empty tree the proof must be empty and the old root
    must be ``EMPTY_ROOT`` (the only root an empty tree has). Raises ``MerkleProofError``.
    """
    if old_size < 0 or new_size < 0:
        raise MerkleProofError("tree sizes are never negative")
    if old_size > new_size:
        raise MerkleProofError(f"old size {old_size} is larger than new size {new_size}")
    _check_hash(old_root, "the old root")
    _check_hash(new_root, "the new root")
    for position, element in enumerate(proof):
        _check_hash(element, f"proof element {position}")
    if old_size == new_size:
        if proof:
            raise MerkleProofError("the sizes are equal, so the proof must be empty")
        if old_root != new_root:
            raise MerkleProofError("the sizes are equal but the roots differ")
        return
    if old_size == 0:
        if proof:
            raise MerkleProofError("the old tree is empty, so the proof must be empty")
        if old_root != EMPTY_ROOT:
            raise MerkleProofError("the old tree is empty but its root is not the empty root")
        return
    if not proof:
        raise MerkleProofError("the consistency proof is empty")
    expected = len(consistency_ranges(old_size, new_size))
    if len(proof) != expected:
        raise MerkleProofError(
            f"a consistency proof from {old_size} to {new_size} has {expected} hashes, "
            f"got {len(proof)}"
        )
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise MerkleProofError("the consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleProofError("the consistency proof is shorter than the path to the root")
    if fr != old_root:
        raise MerkleProofError("the consistency proof does not lead to the old root")
    if sr != new_root:
        raise MerkleProofError("the consistency proof does not lead to the new root")


class CompactRange:
    """The roots of the perfect subtrees covering the leaves appended so far.

    Mutable on purpose: an offline verifier streams millions of leaf hashes through it in
    O(log n) memory and O(1) amortised hashing per append, then compares ``root()``.
    """

    __slots__ = ("_size", "_stack")

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[bytes] = []

    @property
    def size(self) -> int:
        """Number of leaves appended."""
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf by its RFC 9162 leaf hash, merging the subtrees it completes."""
        if len(leaf_hash) != HASH_BYTES:
            raise ValueError(f"a leaf hash is {HASH_BYTES} bytes, got {len(leaf_hash)}")
        current = leaf_hash
        index = self._size
        while index & 1:
            current = node_hash(self._stack.pop(), current)
            index >>= 1
        self._stack.append(current)
        self._size += 1

    def root(self) -> bytes:
        """MTH of the leaves appended so far (``EMPTY_ROOT`` when there are none)."""
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            result = node_hash(left, result)
        return result


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes."""
    compact = CompactRange()
    for value in leaf_hashes:
        compact.append(value)
    return compact.root()
