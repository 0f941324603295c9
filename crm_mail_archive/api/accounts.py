"""Mailboxes: set up (presets, connection test, save), sync now, folders, quarantine retry,
status, visibility — for the account's owner and managers; its completeness figures also for the
archive's auditors."""

import frappe
from frappe import _

from crm_mail_archive.accounts.setup import check_connection, current_values, save_mailbox, setup_choices
from crm_mail_archive.accounts.status import account_status
from crm_mail_archive.accounts.syncing import ROLE_LABELS, enqueue_sync
from crm_mail_archive.infra.connection import connection_settings
from crm_mail_archive.ingest import retry_quarantined as retry
from crm_mail_archive.integrity.completeness import account_completeness
from crm_mail_archive.mailbox.client import MailboxClient, MailboxError
from crm_mail_archive.permissions import VISIBILITIES
from crm_mail_archive.permissions.guards import (
	require_account_management,
	require_archive_manager,
	require_completeness_reading,
)


@frappe.whitelist(methods=["POST"])
def sync_now(account: str) -> dict:
	"""Queue a sync of every enabled folder of the account."""
	require_account_management(account)
	enqueue_sync(account)
	return {"queued": True}


@frappe.whitelist(methods=["POST"])
def sync_folder(account: str, folder: str) -> dict:
	"""Queue a sync of one server folder (added to the account's folders as "Other" if new)."""
	require_account_management(account)
	if not folder or not folder.strip():
		frappe.throw(_("Choose a folder."))
	enqueue_sync(account, folder=folder.strip())
	return {"queued": True}


@frappe.whitelist(methods=["GET", "POST"])
def list_server_folders(account: str) -> list[dict]:
	"""The folders on the mail server (names decoded from modified UTF-7) with their roles."""
	doc = require_account_management(account)
	try:
		with MailboxClient(connection_settings(doc.email_account)) as client:
			folders = client.list_folders()
	except MailboxError as error:
		frappe.throw(_("Cannot read the folders from the mail server: {0}").format(str(error)))
	configured = {row.folder_name for row in doc.folders}
	return [
		{
			"name": folder.name,
			"role": ROLE_LABELS.get(folder.role or "", "Other"),
			"special_use": folder.role,
			"configured": folder.name in configured,
		}
		for folder in folders
		if folder.selectable
	]


@frappe.whitelist(methods=["POST"])
def add_folder(account: str, folder: str, role: str = "Other") -> dict:
	"""Add a server folder to the account's synced folders."""
	doc = require_account_management(account)
	if role not in ("Inbox", "Sent", "Other"):
		frappe.throw(_("Role must be Inbox, Sent or Other."))
	if not folder or not folder.strip():
		frappe.throw(_("Choose a folder."))
	if any(row.folder_name == folder for row in doc.folders):
		frappe.throw(_("Folder {0} is already synced.").format(folder))
	doc.append("folders", {"folder_name": folder.strip(), "role": role, "enabled": 1})
	doc.save(ignore_permissions=True)  # permission checked above (owner or writer)
	return {"folders": [row.folder_name for row in doc.folders]}


@frappe.whitelist(methods=["POST"])
def retry_quarantined(copy: str) -> dict:
	"""Process a quarantined mail again from its kept raw bytes."""
	frappe.has_permission("Mailbox Copy", "write", copy, throw=True)
	return {"communication": retry(copy)}


@frappe.whitelist(methods=["GET", "POST"])
def get_account_status(account: str) -> dict:
	"""Health, last sync and its result, next sync, and whether the scheduler runs syncs."""
	frappe.has_permission("Mail Archive Account", "read", account, throw=True)
	return account_status(account)


@frappe.whitelist(methods=["GET", "POST"])
def get_account_completeness(account: str) -> dict:
	"""The account's completeness figures alone (held, seen, archived, missing by reason, since
	when; per folder): for its readers, and for the archive's auditors and managers, who get no
	mail and no credentials by it."""
	require_completeness_reading(account)
	return account_completeness(account).as_dict()


@frappe.whitelist(methods=["POST"])
def set_visibility(account: str, visibility: str) -> dict:
	"""Who besides its holders reads the account's mail (Shared, Headers only, Private): its owner
	sets it, as managers do; the change is audited (Mail Archive Account.validate)."""
	doc = require_account_management(account)
	if visibility not in VISIBILITIES:
		frappe.throw(_("Visibility must be Shared, Headers only or Private."), frappe.ValidationError)
	doc.visibility = visibility
	doc.save(ignore_permissions=True)  # permission checked above (owner or writer)
	return {"visibility": doc.visibility}


@frappe.whitelist(methods=["GET", "POST"])
def mailbox_setup_choices(account: str | None = None) -> dict:
	"""The server presets, and an existing account's settings (never its password)."""
	require_archive_manager()
	choices = setup_choices()
	if account:
		choices["values"] = current_values(require_account_management(account).name)
	return choices


@frappe.whitelist(methods=["POST"])
def check_mailbox_connection(settings: dict | str, account: str | None = None) -> dict:
	"""Log in to the IMAP and SMTP server with these settings (nothing saved); a translated reason
	when it fails. The password is never sent back."""
	require_archive_manager()
	if account:
		require_account_management(account)
	return check_connection(frappe.parse_json(settings), account)


@frappe.whitelist(methods=["POST"])
def set_up_mailbox(settings: dict | str, account: str | None = None) -> dict:
	"""Make or update the Email Account (IMAP, SMTP, sign-in) and its Mail Archive Account."""
	require_archive_manager()
	if account:
		require_account_management(account)
	return {"account": save_mailbox(frappe.parse_json(settings), account)}
