"""Syncing one Mail Archive Account: one worker at a time (a Redis lease), the desk's pending
server actions first, then every enabled folder (or the one asked for) through the sync engine
into ingest; the account's health records the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

import frappe
from frappe.utils import cint

from crm_mail_archive.accounts.health import record_failure, record_success
from crm_mail_archive.actions.service import apply_pending
from crm_mail_archive.infra.connection import connection_settings
from crm_mail_archive.infra.jobs import enqueue
from crm_mail_archive.infra.locks import AccountLock
from crm_mail_archive.ingest import SyncTarget
from crm_mail_archive.mailbox.client import MailboxClient, MailboxError
from crm_mail_archive.storage.limits import StorageLimits
from crm_mail_archive.sync.engine import FetchLimits, FolderConfig, FolderResult, sync_folder

JOB_TIMEOUT_SECONDS = 6 * 60 * 60
ROLE_LABELS = {"inbox": "Inbox", "sent": "Sent"}


class AccountBusy(Exception):
	"""Another worker is syncing this account right now."""


@dataclass
class AccountResult:
	account: str
	folders: list[FolderResult] = field(default_factory=list)

	@property
	def stored(self) -> int:
		return sum(folder.stored for folder in self.folders)

	@property
	def new_communications(self) -> int:
		return sum(folder.new_communications for folder in self.folders)

	@property
	def quarantined(self) -> int:
		return sum(folder.quarantined for folder in self.folders)


def fetch_limits(settings) -> FetchLimits:
	def megabytes(value, default: int) -> int:
		return (cint(value) if cint(value) > 0 else default) * 1024 * 1024

	return FetchLimits(
		count=cint(settings.batch_size) or 100,
		max_bytes=megabytes(settings.get("max_batch_size_mb"), 50),
		max_mail_size=megabytes(settings.get("max_mail_size_mb"), 100),
	)


def discover_folders(account, client: MailboxClient) -> None:
	"""On first connect: add the Inbox and the SPECIAL-USE Sent folder."""
	if account.folders:
		return
	folders = client.list_folders()
	for role in ("inbox", "sent"):
		match = next((folder for folder in folders if folder.role == role and folder.selectable), None)
		if match:
			row = account.append(
				"folders", {"folder_name": match.name, "role": ROLE_LABELS[role], "enabled": 1}
			)
			row.db_insert()
	frappe.db.commit()


def sync_account(account_name: str, folder: str | None = None, on_progress=None) -> AccountResult:
	"""Sync one account (or one of its server folders). Raises AccountBusy when already running."""
	lock = AccountLock(account_name)
	if not lock.acquire():
		raise AccountBusy(account_name)

	def progress(folder_name: str, done: int, total: int) -> None:
		lock.renew()  # a batch is committed: keep the lease for the next one
		if on_progress:
			on_progress(folder_name, done, total)

	try:
		return _sync_locked(account_name, folder, progress)
	finally:
		lock.release()


def _sync_locked(account_name: str, only_folder: str | None, on_progress) -> AccountResult:
	account = frappe.get_doc("Mail Archive Account", account_name)
	settings = frappe.get_cached_doc("Mail Archive Settings")
	target = SyncTarget(account, StorageLimits.from_settings(settings))
	result = AccountResult(account=account_name)
	try:
		with MailboxClient(connection_settings(account.email_account)) as client:
			discover_folders(account, client)
			# desk actions first: a mail moved in the desk must not be fetched from its old folder
			apply_pending(account_name, client)
			if only_folder:
				row = next((row for row in account.folders if row.folder_name == only_folder), None)
				folders = [FolderConfig(only_folder, row.role if row else "Other")]
			else:
				folders = [FolderConfig(row.folder_name, row.role) for row in account.folders if row.enabled]
			for folder in folders:
				result.folders.append(
					sync_folder(
						client,
						target,
						folder,
						limits=fetch_limits(settings),
						mark_read_after_storing=bool(account.mark_read_after_storing),
						on_progress=on_progress,
					)
				)
	except MailboxError as error:
		frappe.db.rollback()
		record_failure(account_name, error)
		raise
	record_success(account_name, result.new_communications, result.quarantined)
	return result


def job_id(account_name: str) -> str:
	return f"mail-archive-sync::{account_name}"


def enqueue_sync(account_name: str, folder: str | None = None) -> None:
	enqueue(
		"crm_mail_archive.accounts.sync.run_sync_job",
		queue="long",
		timeout=JOB_TIMEOUT_SECONDS,
		job_id=job_id(account_name) + (f"::{folder}" if folder else ""),
		account_name=account_name,
		folder=folder,
	)


def run_sync_job(account_name: str, folder: str | None = None) -> None:
	def progress(folder_name: str, done: int, total: int) -> None:
		frappe.publish_realtime(
			"mail_archive_sync_progress",
			{"account": account_name, "folder": folder_name, "done": done, "total": total},
			doctype="Mail Archive Account",
			docname=account_name,
		)

	try:
		sync_account(account_name, folder=folder, on_progress=progress)
	except AccountBusy:
		pass  # another worker has it; the next run continues
	except MailboxError:
		pass  # recorded on the account (health, backoff, notification)
