"""Syncing a Mail Archive Account: connection from its Email Account, one worker per account
(lock.py), health with exponential backoff, and the scheduler's deduplicated jobs."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import add_to_date, cint, get_datetime, now_datetime

from crm_mail_archive.actions.service import apply_pending
from crm_mail_archive.archive.content import inert_text
from crm_mail_archive.archive.lock import AccountLock
from crm_mail_archive.archive.store import FrappeArchiveStore, StorageLimits
from crm_mail_archive.mailbox.client import (
	ConnectionSettings,
	MailboxAuthError,
	MailboxClient,
	MailboxError,
	MailboxUnavailable,
)
from crm_mail_archive.sync.engine import FetchLimits, FolderConfig, FolderResult, sync_folder

JOB_TIMEOUT_SECONDS = 6 * 60 * 60
MAX_BACKOFF_MINUTES = 6 * 60
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


def connection_settings(email_account_name: str) -> ConnectionSettings:
	email_account = frappe.get_doc("Email Account", email_account_name)
	if not email_account.email_server:
		frappe.throw(_("Email Account {0} has no incoming (IMAP) server.").format(email_account_name))
	security = "ssl" if email_account.use_ssl else "starttls" if email_account.use_starttls else "plain"
	port = cint(email_account.incoming_port) or (993 if security == "ssl" else 143)
	username = (
		email_account.login_id if email_account.login_id_is_different else None
	) or email_account.email_id
	oauth_token = password = None
	if email_account.auth_method == "OAuth":
		token = frappe.get_doc("Connected App", email_account.connected_app).get_active_token(
			email_account.connected_user
		)
		if not token:
			raise MailboxAuthError(f"no OAuth token for {email_account.connected_user}")
		oauth_token = token.get_password("access_token")
	else:
		password = email_account.get_password(raise_exception=False)
	settings = frappe.get_cached_doc("Mail Archive Settings")
	return ConnectionSettings(
		host=email_account.email_server,
		port=port,
		username=username,
		security=security,
		password=password,
		oauth_token=oauth_token,
		timeout=float(settings.connection_timeout_seconds or 30),
		ca_file=frappe.conf.get("mail_archive_ca_file"),
	)


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
	store = FrappeArchiveStore(account, StorageLimits.from_settings(settings))
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
						store,
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
	record_success(account_name)
	return result


def record_success(account_name: str) -> None:
	frappe.db.set_value(
		"Mail Archive Account",
		account_name,
		{
			"health": "OK",
			"health_reason": "",
			"failure_count": 0,
			"next_attempt": None,
			"admins_notified": 0,
			"last_sync": now_datetime(),
		},
		update_modified=False,
	)
	frappe.db.commit()


def backoff_minutes(failure_count: int) -> int:
	return min(MAX_BACKOFF_MINUTES, 2 ** min(failure_count, 12))


def record_failure(account_name: str, error: MailboxError) -> None:
	failures = cint(frappe.db.get_value("Mail Archive Account", account_name, "failure_count")) + 1
	needs_attention = isinstance(error, MailboxAuthError)
	health = "Needs Attention" if needs_attention else "Retrying"
	next_attempt = add_to_date(now_datetime(), minutes=backoff_minutes(failures))
	frappe.db.set_value(
		"Mail Archive Account",
		account_name,
		{
			"health": health,
			"health_reason": inert_text(str(error))[:1000],  # the server's words
			"failure_count": failures,
			"next_attempt": next_attempt,
		},
		update_modified=False,
	)
	notify_admins_once(account_name, health, str(error))
	frappe.db.commit()


def notify_admins_once(account_name: str, health: str, reason: str) -> None:
	if cint(frappe.db.get_value("Mail Archive Account", account_name, "admins_notified")):
		return
	from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification
	from frappe.utils.user import get_users_with_role

	enqueue_create_notification(
		get_users_with_role("System Manager"),
		{
			"type": "Alert",
			"document_type": "Mail Archive Account",
			"document_name": account_name,
			"subject": _("Mail archive of {0}: {1}").format(account_name, _(health)),
			"email_content": html.escape(reason),
		},
	)
	frappe.db.set_value("Mail Archive Account", account_name, "admins_notified", 1, update_modified=False)


# --- scheduling --------------------------------------------------------------------------------


def job_id(account_name: str) -> str:
	return f"mail-archive-sync::{account_name}"


def enqueue_sync(account_name: str, folder: str | None = None) -> None:
	frappe.enqueue(
		"crm_mail_archive.archive.accounts.run_sync_job",
		queue="long",
		timeout=JOB_TIMEOUT_SECONDS,
		job_id=job_id(account_name) + (f"::{folder}" if folder else ""),
		deduplicate=True,
		enqueue_after_commit=True,
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
