"""Deadlocks and lock wait timeouts between the sync and the filing jobs: run the step again.

The sync and retroactive filing write link and index rows of the same mails at the same time;
MariaDB then picks a victim. The victim did nothing wrong: it rolls back and runs again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import frappe

ATTEMPTS = 4
T = TypeVar("T")


def is_lock_conflict(error: Exception) -> bool:
	"""A deadlock (MariaDB rolled the whole transaction back) or a lock wait timeout."""
	return isinstance(error, frappe.QueryDeadlockError | frappe.QueryTimeoutError)


def retrying_lock_conflicts(step: Callable[[], T], after_rollback: Callable[[], None] | None = None) -> T:
	"""Run `step` (a whole transaction's work); on a lock conflict roll back and run it again."""
	for attempt in range(1, ATTEMPTS + 1):
		try:
			return step()
		except Exception as error:
			if not is_lock_conflict(error) or attempt == ATTEMPTS:
				raise
			frappe.db.rollback()
			if after_rollback:
				after_rollback()
			time.sleep(0.1 * 2**attempt)  # let the other transaction finish
	raise AssertionError("unreachable")
