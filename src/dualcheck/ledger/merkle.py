"""Merkle trees over the record hashes (RFC 9162 shape, SHA-256).

A signed checkpoint carries the Merkle root over records 1..n. An export then proves any single
record with log2(n) sibling hashes, without revealing the other records' content. The
``Frontier`` (the roots of the perfect subtrees that make up the first n leaves) lets each
checkpoint extend the previous one instead of rereading the whole ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from dualcheck.ledger.offline import leaf_hash, node_hash

EMPTY_ROOT = hashlib.sha256(b"").digest()


class Frontier:
    """Perfect-subtree roots for the first ``size`` leaves, largest (leftmost) first."""

    def __init__(self, size: int = 0, roots: Sequence[bytes] = ()) -> None:
        if len(roots) != bin(size).count("1"):
            raise ValueError(f"frontier of {size} leaves needs {bin(size).count('1')} roots, got {len(roots)}")
        self.size = size
        self.roots = list(roots)

    def add(self, record_hash: str) -> None:
        self.roots.append(leaf_hash(record_hash))
        self.size += 1
        # merge equal-sized subtrees: the trailing 1-bits of the new size say how many merges happen
        merges = (self.size & -self.size).bit_length() - 1
        for _ in range(merges):
            right = self.roots.pop()
            left = self.roots.pop()
            self.roots.append(node_hash(left, right))

    def root(self) -> bytes:
        if not self.roots:
            return EMPTY_ROOT
        acc = self.roots[-1]
        for left in reversed(self.roots[:-1]):
            acc = node_hash(left, acc)
        return acc

    def to_hex(self) -> list[str]:
        return [r.hex() for r in self.roots]

    @classmethod
    def from_hex(cls, size: int, roots: Sequence[str]) -> Frontier:
        return cls(size, [bytes.fromhex(r) for r in roots])


def frontier_blocks(frontier: Frontier) -> dict[tuple[int, int], bytes]:
    """{(first leaf, end): root} of the perfect subtrees a frontier is made of."""
    blocks, lo = {}, 0
    sizes = [1 << b for b in reversed(range(frontier.size.bit_length())) if frontier.size >> b & 1]
    for size, root in zip(sizes, frontier.roots, strict=True):
        blocks[(lo, lo + size)] = root
        lo += size
    return blocks


class MerkleTree:
    """Leaves in memory with their perfect aligned subtrees, for many audit paths at once.

    After a purge the first leaves are gone: ``prefix`` (the signed frontier at the purge point)
    stands in for them. Every subtree an audit path needs from the purged part is one of the
    frontier's blocks, so proofs for the remaining records still work.
    """

    def __init__(self, record_hashes: Sequence[str], *, prefix: Frontier | None = None) -> None:
        self.start = prefix.size if prefix else 0
        self.size = self.start + len(record_hashes)
        self.known: dict[tuple[int, int], bytes] = frontier_blocks(prefix) if prefix else {}
        self.levels: list[list[bytes]] = [[leaf_hash(h) for h in record_hashes]]
        if self.start:
            return  # aligned levels only make sense from leaf 0; the purged case memoises instead
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def subtree_root(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) as defined by RFC 9162."""
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        known = self.known.get((lo, hi))
        if known is not None:
            return known
        if lo < self.start:
            if hi <= self.start:
                raise ValueError(f"leaves {lo}..{hi} were purged and are not a frontier block")
        elif n == 1:
            return self.levels[0][lo - self.start]
        elif not self.start and n & (n - 1) == 0 and lo % n == 0:
            return self.levels[n.bit_length() - 1][lo // n]
        k = 1 << ((n - 1).bit_length() - 1)
        root = node_hash(self.subtree_root(lo, lo + k), self.subtree_root(lo + k, hi))
        if self.start:
            self.known[(lo, hi)] = root
        return root

    def root(self) -> bytes:
        return self.subtree_root(0, self.size)

    def audit_path(self, index: int) -> list[bytes]:
        """PATH(index, D[0:size]), leaf level first."""
        if not self.start <= index < self.size:
            raise IndexError(index)
        lo, hi = 0, self.size
        stack: list[bytes] = []
        while hi - lo > 1:
            n = hi - lo
            k = 1 << ((n - 1).bit_length() - 1)
            if index < lo + k:
                stack.append(self.subtree_root(lo + k, hi))
                hi = lo + k
            else:
                stack.append(self.subtree_root(lo, lo + k))
                lo = lo + k
        return list(reversed(stack))
