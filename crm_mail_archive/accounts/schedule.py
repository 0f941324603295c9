"""When accounts sync: which are due (their interval has passed, or their backoff is over), and
the scheduler that runs them (repaired when a time zone change left its jobs in the future)."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import add_to_date, cint, get_datetime, now_datetime


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


def repair_future_job_times() -> int:
	"""Scheduled jobs whose creation or last run lies in the future are not due until then. A new
	site is created in Asia/Kolkata and the setup wizard then sets the real time zone, which
	leaves every job "created" hours ahead; ours must run within a minute. Returns how many rows
	were repaired (any app's: the wizard moves them all)."""
	now = now_datetime()
	repaired = 0
	for job in frappe.get_all(
		"Scheduled Job Type", fields=["name", "method", "creation", "last_execution"], order_by="name"
	):
		ours = job.method.startswith("crm_mail_archive.")
		values = {}
		if job.last_execution and get_datetime(job.last_execution) > now:
			values["last_execution"] = None if ours else now
		if get_datetime(job.creation) > now or (ours and "last_execution" in values):
			# ours is due at once; another app's job starts its interval now
			values["creation"] = add_to_date(now, minutes=-1) if ours else now
		if values:
			frappe.db.set_value("Scheduled Job Type", job.name, values, update_modified=False)
			repaired += 1
	return repaired


def scheduler_state() -> dict:
	"""Whether the site's scheduler runs our sync: enabled, and when its job last ran."""
	from frappe.utils.scheduler import is_scheduler_inactive

	last_run = frappe.db.get_value(
		"Scheduled Job Type", {"method": "crm_mail_archive.tasks.enqueue_due_account_syncs"}, "last_execution"
	)
	return {"enabled": not is_scheduler_inactive(verbose=False), "last_run": last_run}
