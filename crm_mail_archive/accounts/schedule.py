"""Which accounts are due for a sync: their interval has passed, or their backoff is over."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import cint, get_datetime, now_datetime


def due_accounts() -> list[str]:
	interval = cint(frappe.db.get_single_value("Mail Archive Settings", "sync_interval_minutes")) or 5
	now = now_datetime()
	due = []
	for account in frappe.get_all(
		"Mail Archive Account", filters={"enabled": 1}, fields=["name", "last_sync", "next_attempt"]
	):
		if account.next_attempt:  # backing off after a failure: due when the wait is over
			is_due = get_datetime(account.next_attempt) <= now
		else:
			is_due = (
				not account.last_sync or get_datetime(account.last_sync) + timedelta(minutes=interval) <= now
			)
		if is_due:
			due.append(account.name)
	return due
