"""RFC 6962 (Certificate Transparency) Merkle trees over a chain entry's lines: one line's inclusion
in an entry is proven by log2(n) hashes instead of all n lines.

	leaf hash = SHA-256(0x00 || line)        node hash = SHA-256(0x01 || left || right)

The leaves are the entry's lines in sorted order (as integrity/seal.py writes them). Frappe-free:
integrity/verify_evidence.py carries its own copy of `root_from_path`, for a verifier without the app.
"""

from __future__ import annotations

import hashlib


def leaf_hash(line: str) -> bytes:
	return hashlib.sha256(b"\x00" + line.encode()).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
	return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
	"""The largest power of two smaller than size (size > 1)."""
	k = 1
	while k * 2 < size:
		k *= 2
	return k


def _root(leaves: list[bytes]) -> bytes:
	if not leaves:
		return hashlib.sha256(b"").digest()
	if len(leaves) == 1:
		return leaves[0]
	k = _split(len(leaves))
	return node_hash(_root(leaves[:k]), _root(leaves[k:]))


def merkle_root(lines) -> str:
	"""The root (hex) of the tree over the sorted lines."""
	return _root([leaf_hash(line) for line in sorted(lines)]).hex()


def _path(index: int, leaves: list[bytes]) -> list[bytes]:
	if len(leaves) <= 1:
		return []
	k = _split(len(leaves))
	if index < k:
		return [*_path(index, leaves[:k]), _root(leaves[k:])]
	return [*_path(index - k, leaves[k:]), _root(leaves[:k])]


def audit_path(lines, line: str) -> tuple[int, int, list[str]]:
	"""(index of the line among the sorted lines, tree size, the audit path: hex hashes, leaf first)."""
	ordered = sorted(lines)
	index = ordered.index(line)
	return index, len(ordered), [node.hex() for node in _path(index, [leaf_hash(x) for x in ordered])]


def root_from_path(line: str, index: int, size: int, path: list[str]) -> str | None:
	"""The root the line and its audit path lead to (RFC 9162 2.1.3.2), or None if the path does
	not fit the index and size."""
	if index >= size or index < 0:
		return None
	last = size - 1
	node = leaf_hash(line)
	for sibling in path:
		if last == 0:
			return None
		sibling_bytes = bytes.fromhex(sibling)
		if index % 2 == 1 or index == last:
			node = node_hash(sibling_bytes, node)
			if index % 2 == 0:
				while index % 2 == 0 and index != 0:
					index //= 2
					last //= 2
		else:
			node = node_hash(node, sibling_bytes)
		index //= 2
		last //= 2
	return node.hex() if last == 0 else None
