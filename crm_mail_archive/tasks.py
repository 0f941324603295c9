"""Scheduler entry points (never whitelisted)."""

from crm_mail_archive.archive.accounts import due_accounts, enqueue_sync


def enqueue_due_account_syncs() -> None:
	"""Cron, every minute: one deduplicated job per account whose interval has passed."""
	for account_name in due_accounts():
		enqueue_sync(account_name)
