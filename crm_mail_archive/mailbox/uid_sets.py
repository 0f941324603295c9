"""IMAP UID sets as ranges (RFC 3501 sequence sets, RFC 7162 VANISHED responses). Frappe-free."""

from __future__ import annotations

import re
from collections.abc import Iterable


def uid_ranges(text: str) -> list[tuple[int, int]]:
	"""An IMAP UID set ("3,5:7,9:8") as ascending (first, last) ranges, none expanded."""
	ranges = []
	for part in text.split(","):
		low, _, high = part.strip().partition(":")
		if not low.isdigit() or not (high or low).isdigit():
			continue  # "*" or junk: names no UID of its own
		start, end = int(low), int(high or low)
		ranges.append((min(start, end), max(start, end)))
	return sorted(ranges)


def vanished_uids(lines: Iterable[str], low: int, high: int) -> list[int]:
	"""The UIDs between `low` and `high` named by untagged `VANISHED [(EARLIER)] uid-set`
	responses (RFC 7162 section 3.2.10), ascending; ranges are clipped before they are expanded."""
	found: set[int] = set()
	for line in lines:
		text = re.sub(r"^\s*\(EARLIER\)\s*", "", line, flags=re.IGNORECASE).strip()
		for start, end in uid_ranges(text):
			found.update(range(max(start, low), min(end, high) + 1))
	return sorted(found)
