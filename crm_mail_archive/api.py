"""Whitelisted API: typed, permission-checked first, POST for writes."""

from __future__ import annotations

import frappe
from frappe import _

from crm_mail_archive.archive.accounts import ROLE_LABELS, connection_settings, enqueue_sync
from crm_mail_archive.mailbox.client import MailboxClient, MailboxError


def _account_for_management(account: str):
	"""The account, if the session user may run and configure it (writers and its owner)."""
	if not frappe.db.exists("Mail Archive Account", account):
		frappe.throw(_("Mail Archive Account {0} does not exist.").format(account), frappe.DoesNotExistError)
	doc = frappe.get_doc("Mail Archive Account", account)
	if doc.account_owner != frappe.session.user and not frappe.has_permission(
		"Mail Archive Account", "write", doc
	):
		frappe.throw(
			_("Not permitted to manage the mail archive of {0}.").format(account), frappe.PermissionError
		)
	return doc


@frappe.whitelist(methods=["POST"])
def sync_now(account: str) -> dict:
	"""Queue a sync of every enabled folder of the account."""
	_account_for_management(account)
	enqueue_sync(account)
	return {"queued": True}


@frappe.whitelist(methods=["POST"])
def sync_folder(account: str, folder: str) -> dict:
	"""Queue a sync of one server folder (added to the account's folders as "Other" if new)."""
	_account_for_management(account)
	if not folder or not folder.strip():
		frappe.throw(_("Choose a folder."))
	enqueue_sync(account, folder=folder.strip())
	return {"queued": True}


@frappe.whitelist(methods=["GET", "POST"])
def list_server_folders(account: str) -> list[dict]:
	"""The folders on the mail server (names decoded from modified UTF-7) with their roles."""
	doc = _account_for_management(account)
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
	doc = _account_for_management(account)
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
	from crm_mail_archive.archive.quarantine import retry_quarantined as retry

	return {"communication": retry(copy)}


@frappe.whitelist(methods=["GET", "POST"])
def get_archive(
	doctype: str, name: str, start: int = 0, page_length: int = 20, search: str | None = None
) -> dict:
	"""The mail filed at a document, newest first, paginated, searchable by subject and sender."""
	frappe.has_permission(doctype, "read", name, throw=True)
	from crm_mail_archive.filing.archive_view import archive_of

	return archive_of(doctype, name, start=int(start), page_length=int(page_length), search=search)
