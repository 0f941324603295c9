"""The gap arithmetic of a folder sync: which UIDs the server assigned that the archive will not
hold, and why. Frappe-free, pure.

A sync covers the UIDs above the highest one it stored, up to the highest it found (and, once the
folder is complete, up to UIDNEXT - 1). In that range a UID is
- found and fetched: archived (or quarantined: the store says);
- found by UID SEARCH but gone when fetched: expunged before it was archived;
- not found at all: expunged before the sync looked. Where the server offers QRESYNC it says
  which UIDs it expunged (`VANISHED (EARLIER)`); a UID it does not name was never assigned (a
  server whose UIDs are not dense). Without QRESYNC the gap is inferred, which holds on servers
  that assign UIDs strictly ascending and dense (Dovecot, Cyrus, most others).
On a folder's first sync (or after a UIDVALIDITY change) nothing was archived before, so a
missing UID was deleted before the archive could see it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable

from crm_mail_archive.contracts import (
	BEFORE_FIRST_SYNC,
	EXPUNGED_BEFORE_ARCHIVED,
	GONE_AT_FETCH,
	SERVER_VANISHED,
	UID_GAP,
	UidGap,
)


def ranges(uids: Iterable[int]) -> list[tuple[int, int]]:
	"""Ascending UIDs (duplicates allowed) as runs of consecutive UIDs: [1,2,3,7] -> [(1,3),(7,7)]."""
	runs: list[tuple[int, int]] = []
	for uid in sorted(set(uids)):
		if runs and uid == runs[-1][1] + 1:
			runs[-1] = (runs[-1][0], uid)
		else:
			runs.append((uid, uid))
	return runs


def absent(low: int, high: int, present: Iterable[int]) -> list[tuple[int, int]]:
	"""The runs of UIDs in low..high that are not in `present`, without expanding the range
	(a first sync may find UID 1 000 000 and nothing below)."""
	runs: list[tuple[int, int]] = []
	next_uid = low
	for uid in sorted(set(present)):
		if uid < low:
			continue
		if uid > high:
			break
		if uid > next_uid:
			runs.append((next_uid, uid - 1))
		next_uid = uid + 1
	if next_uid <= high:
		runs.append((next_uid, high))
	return runs


def _split(run: tuple[int, int], named: list[int]) -> tuple[list[tuple[int, int]], int]:
	"""The parts of `run` named in the sorted list `named`, and how many UIDs were not."""
	inside = named[bisect_left(named, run[0]) : bisect_right(named, run[1])]
	return ranges(inside), (run[1] - run[0] + 1) - len(inside)


def gaps_in(
	low: int,
	high: int,
	searched: Iterable[int],
	fetched: Collection[int],
	vanished: Collection[int] | None,
	first_sync: bool,
) -> list[UidGap]:
	"""What the archive lacks of UIDs low..high: `searched` is what UID SEARCH found there,
	`fetched` what UID FETCH delivered, `vanished` the UIDs the server reported expunged
	(QRESYNC; None when it cannot say)."""
	if high < low:
		return []
	searched = sorted({uid for uid in searched if low <= uid <= high})
	gaps = []
	never_found = absent(low, high, searched)
	if first_sync:
		gaps += [UidGap(first, last, BEFORE_FIRST_SYNC, UID_GAP) for first, last in never_found]
	elif vanished is None:
		gaps += [UidGap(first, last, EXPUNGED_BEFORE_ARCHIVED, UID_GAP) for first, last in never_found]
	else:
		named = sorted(vanished)
		for run in never_found:
			parts, _never_assigned = _split(run, named)
			gaps += [UidGap(first, last, EXPUNGED_BEFORE_ARCHIVED, SERVER_VANISHED) for first, last in parts]
	fetched = set(fetched)
	gone = ranges(uid for uid in searched if uid not in fetched)
	gaps += [UidGap(first, last, EXPUNGED_BEFORE_ARCHIVED, GONE_AT_FETCH) for first, last in gone]
	return sorted(gaps, key=lambda gap: gap.first)


def missing_count(gaps: Iterable[UidGap], reason: str | None = None) -> int:
	return sum(gap.count for gap in gaps if reason is None or gap.reason == reason)
