"""Work on many rows in pieces that one query can take."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
ROWS_PER_QUERY = 1000


def chunked(items: Sequence[T], size: int = ROWS_PER_QUERY) -> Iterator[list[T]]:
	items = list(items)
	for start in range(0, len(items), size):
		yield items[start : start + size]
