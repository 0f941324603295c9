"""Scheduler entry points (never whitelisted)."""

from crm_mail_archive.accounts.schedule import due_accounts
from crm_mail_archive.accounts.sync import enqueue_sync
from crm_mail_archive.actions import service as actions


def enqueue_due_account_syncs() -> None:
	"""Cron, every minute: one deduplicated job per account whose interval has passed, and one
	per account with desk actions waiting for the server (retried with backoff)."""
	for account_name in due_accounts():
		enqueue_sync(account_name)
	for account_name in actions.due_accounts():
		actions.enqueue_apply(account_name)
