"""Scheduler entry points (never whitelisted)."""

import frappe

from crm_mail_archive.accounts.schedule import due_accounts
from crm_mail_archive.accounts.syncing import enqueue_scheduled_syncs
from crm_mail_archive.actions import service as actions
from crm_mail_archive.integrity.seal import seal
from crm_mail_archive.integrity.verify import notify_system_managers, run_verification
from crm_mail_archive.transfer.uploads import remove_stale


def enqueue_due_account_syncs() -> None:
	"""Cron, every minute: the accounts whose interval has passed, in deduplicated jobs of several
	accounts each, and one job per account with desk actions waiting for the server (retried
	with backoff)."""
	enqueue_scheduled_syncs(due_accounts(), frappe.db.count("Mail Archive Account", {"enabled": 1}))
	for account_name in actions.due_accounts():
		actions.enqueue_apply(account_name)


def seal_archive_days() -> None:
	"""Daily (after 1 am): seal the days stored mail has not been sealed for, in the hash chain."""
	seal()


def verify_archive() -> None:
	"""Weekly: seal what is due, verify the whole archive, and tell the System Managers of any
	finding."""
	seal()
	verification, result = run_verification(triggered_by="Scheduler")
	if not result.ok:
		notify_system_managers(verification, len(result.findings))


def purge_mail_after_retention() -> None:
	"""Daily: when Mail Archive Settings allow it, archived mail whose retention has ended and
	that no legal hold keeps is removed, recorded without its content."""
	from crm_mail_archive.compliance.erasure import purge_expired

	purge_expired()


def remove_stale_import_uploads() -> None:
	"""Chunked uploads nobody finished, or whose import died, go after a day (transfer/uploads.py)."""
	remove_stale()
