"""Syncing one Mail Archive Account: one worker at a time (a Redis lease), the desk's pending
server actions first, then every enabled folder (or the one asked for) through the sync engine
into ingest; the account's health records the outcome."""

from __future__ import annotations

import queue
import threading
import zlib
from dataclasses import dataclass, field

import frappe
from frappe.utils import cint

from crm_mail_archive.accounts.health import record_failure, record_success
from crm_mail_archive.actions.service import apply_pending
from crm_mail_archive.contracts import FolderConfig
from crm_mail_archive.infra.connection import connection_settings
from crm_mail_archive.infra.jobs import enqueue, sync_queue
from crm_mail_archive.infra.locks import AccountLock
from crm_mail_archive.ingest import Ingest
from crm_mail_archive.mailbox.client import MailboxClient, MailboxError
from crm_mail_archive.storage.limits import StorageLimits
from crm_mail_archive.sync.engine import FetchLimits, FolderResult, pull_folder

JOB_TIMEOUT_SECONDS = 6 * 60 * 60
ACCOUNTS_PER_SCHEDULED_JOB = 100
# a no-op sync mostly waits for the IMAP server's login and the database's round trips
SYNC_THREADS_PER_JOB = 4
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

	@property
	def more_pending(self) -> bool:
		return any(folder.more_pending for folder in self.folders)


def fetch_limits(settings) -> FetchLimits:
	def megabytes(value, default: int) -> int:
		return (cint(value) if cint(value) > 0 else default) * 1024 * 1024

	return FetchLimits(
		count=cint(settings.batch_size) or 100,
		max_bytes=megabytes(settings.get("max_batch_size_mb"), 50),
		max_mail_size=megabytes(settings.get("max_mail_size_mb"), 100),
		max_attachment_size=StorageLimits.from_settings(settings).max_attachment_size,
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


def sync_account(
	account_name: str, folder: str | None = None, on_progress=None, max_batches: int | None = None
) -> AccountResult:
	"""Sync one account (or one of its server folders), at most `max_batches` batches per folder.
	Raises AccountBusy when already running."""
	lock = AccountLock(account_name)
	if not lock.acquire():
		raise AccountBusy(account_name)

	def progress(folder_name: str, done: int, total: int) -> None:
		lock.renew()  # a batch is committed: keep the lease for the next one
		if on_progress:
			on_progress(folder_name, done, total)

	try:
		return _sync_locked(account_name, folder, progress, max_batches)
	finally:
		lock.release()


def _sync_locked(
	account_name: str, only_folder: str | None, on_progress, max_batches: int | None
) -> AccountResult:
	account = frappe.get_doc("Mail Archive Account", account_name)
	settings = frappe.get_cached_doc("Mail Archive Settings")
	target = Ingest(account, StorageLimits.from_settings(settings))
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
					pull_folder(
						client,
						target,
						folder,
						limits=fetch_limits(settings),
						mark_read_after_storing=bool(account.mark_read_after_storing),
						on_progress=on_progress,
						max_batches=max_batches,
					)
				)
	except MailboxError as error:
		frappe.db.rollback()
		record_failure(account_name, error)
		raise
	record_success(account_name, result.new_communications, result.quarantined)
	return result


def job_id(account_name: str, folder: str | None = None) -> str:
	return f"mail-archive-sync::{account_name}" + (f"::{folder}" if folder else "")


def enqueue_sync(account_name: str, folder: str | None = None) -> None:
	enqueue(
		"crm_mail_archive.accounts.syncing.run_sync_job",
		queue=sync_queue(),
		timeout=JOB_TIMEOUT_SECONDS,
		job_id=job_id(account_name, folder),
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


def enqueue_scheduled_syncs(account_names: list[str], enabled_accounts: int) -> None:
	"""The scheduler's due accounts, in groups of about ACCOUNTS_PER_SCHEDULED_JOB per job.

	An RQ job runs in a process forked for it, which loads the site's hooks, imports its code and
	reads the DocTypes' meta again: 1 to 2 s before the first no-op sync (about 20 ms each after
	that, the group's threads overlapping; benchmark P18). One job per group pays that once for
	many accounts; several groups keep several workers busy. An account always falls into the
	same group (by a hash of its name), so a group still queued from the last tick is not queued
	twice."""
	groups = max(1, -(-enabled_accounts // ACCOUNTS_PER_SCHEDULED_JOB))
	members: dict[int, list[str]] = {}
	for name in account_names:
		members.setdefault(zlib.crc32(name.encode()) % groups, []).append(name)
	for group, names in sorted(members.items()):
		enqueue(
			"crm_mail_archive.accounts.syncing.run_scheduled_sync_job",
			queue=sync_queue(),
			timeout=JOB_TIMEOUT_SECONDS,
			job_id=f"mail-archive-scheduled-sync::{group}/{groups}",
			account_names=names,
		)


def run_scheduled_sync_job(account_names: list[str]) -> None:
	"""One batch per folder of each account; an account with more new mail than that continues
	in a job of its own, so a large import never holds up the rest of the group. A few threads
	share the group, each with its own database connection: a sync with nothing new mostly
	waits for the IMAP server and the database, so they overlap (benchmark P18)."""
	names: queue.SimpleQueue = queue.SimpleQueue()
	for account_name in account_names:
		names.put(account_name)
	threads = min(SYNC_THREADS_PER_JOB, len(account_names))
	if threads <= 1:
		_sync_scheduled_accounts(names)
		return
	site, sites_path, user = frappe.local.site, frappe.local.sites_path, frappe.session.user
	frappe.db.commit()  # the threads' connections see what this one did

	def own_connection() -> None:
		frappe.init(site=site, sites_path=sites_path)
		try:
			frappe.connect()
			frappe.set_user(user)
			_sync_scheduled_accounts(names)
		finally:
			frappe.destroy()

	workers = [threading.Thread(target=own_connection, name=f"scheduled sync {n}") for n in range(threads)]
	for worker in workers:
		worker.start()
	for worker in workers:
		worker.join()


def _sync_scheduled_accounts(names: queue.SimpleQueue) -> None:
	"""Sync accounts taken from `names` until none is left (one thread's share of a group)."""
	while True:
		try:
			account_name = names.get_nowait()
		except queue.Empty:
			return
		try:
			result = sync_account(account_name, max_batches=1)
		except (AccountBusy, MailboxError):
			continue  # another worker has it / recorded on the account (health, backoff)
		except Exception:
			# one broken account must not stop the group: logged, and retried at the next tick
			frappe.db.rollback()
			frappe.log_error(title=f"Mail archive sync of {account_name}")
			continue
		finally:
			# each account is its own unit of work: what it recorded stays when a later one fails
			frappe.db.commit()
		if result.more_pending:
			enqueue_sync(account_name)
			frappe.db.commit()  # queued when this commits
