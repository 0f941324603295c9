"""What an account's form shows at the top: its health and the reason, the last sync and what it
brought, when the next one is due, whether the site's scheduler runs the syncs at all, and the
account's completeness figures (integrity/completeness.py)."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import cint, get_datetime, now_datetime

from crm_mail_archive.accounts.schedule import scheduler_state
from crm_mail_archive.integrity.completeness import account_completeness

# the scheduler ticks every minute; after this long without a run something is wrong
SCHEDULER_QUIET_MINUTES = 10


def account_status(account_name: str) -> dict:
	account = frappe.db.get_value(
		"Mail Archive Account",
		account_name,
		[
			"enabled",
			"health",
			"health_reason",
			"last_sync",
			"next_attempt",
			"last_sync_new_mails",
			"last_sync_quarantined",
		],
		as_dict=True,
	)
	interval = cint(frappe.db.get_single_value("Mail Archive Settings", "sync_interval_minutes")) or 5
	if not account.enabled:
		next_sync = None
	elif account.next_attempt:
		next_sync = account.next_attempt
	elif account.last_sync:
		next_sync = get_datetime(account.last_sync) + timedelta(minutes=interval)
	else:
		next_sync = now_datetime()
	scheduler = scheduler_state()
	quiet_since = None
	if scheduler["enabled"]:
		last_run = get_datetime(scheduler["last_run"]) if scheduler["last_run"] else None
		if not last_run or last_run < now_datetime() - timedelta(minutes=SCHEDULER_QUIET_MINUTES):
			quiet_since = last_run or "never"
	return {
		"enabled": bool(account.enabled),
		"health": account.health or "OK",
		"health_reason": account.health_reason,
		"last_sync": account.last_sync,
		"new_mails": cint(account.last_sync_new_mails),
		"quarantined": cint(account.last_sync_quarantined),
		"next_sync": next_sync,
		"interval_minutes": interval,
		"scheduler_enabled": scheduler["enabled"],
		"scheduler_quiet_since": quiet_since,
		"completeness": account_completeness(account_name).as_dict(),
	}
