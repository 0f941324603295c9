"""Retry of a quarantined mailbox copy: the kept raw bytes go through storage again."""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import get_datetime, get_system_timezone

from crm_mail_archive.archive.store import FrappeArchiveStore, StorageLimits, read_private_file
from crm_mail_archive.mailbox.client import FetchedMessage
from crm_mail_archive.sync.engine import FolderConfig


def retry_quarantined(copy_name: str) -> str:
	"""Store a quarantined copy again. Returns its Communication; a new failure stays
	quarantined with the new reason (and raises a clear error for the caller)."""
	copy = frappe.get_doc("Mailbox Copy", copy_name)
	if copy.status != "Quarantined":
		frappe.throw(_("Mailbox Copy {0} is not quarantined.").format(copy_name))
	raw = read_private_file(copy.raw_file)
	account = frappe.get_doc("Mail Archive Account", copy.account)
	role = next((row.role for row in account.folders if row.folder_name == copy.folder), "Other")
	internal_date = (
		get_datetime(copy.internal_date).replace(tzinfo=ZoneInfo(get_system_timezone()))
		if copy.internal_date
		else None
	)
	message = FetchedMessage(
		uid=copy.uid,
		raw=raw,
		flags=tuple((copy.server_flags or "").split()),
		internaldate=internal_date,
		size=copy.size,
	)
	settings = frappe.get_cached_doc("Mail Archive Settings")
	store = FrappeArchiveStore(account, StorageLimits.from_settings(settings))
	frappe.db.savepoint("mail_archive_retry")
	try:
		frappe.db.delete("Mailbox Copy", {"name": copy_name})
		communication, _is_new = store.store_message(
			FolderConfig(copy.folder, role), copy.uidvalidity, message
		)
	except Exception as error:
		frappe.db.rollback(save_point="mail_archive_retry")
		reason = f"{type(error).__name__}: {error}"[:2000]
		frappe.db.set_value("Mailbox Copy", copy_name, "quarantine_reason", reason, update_modified=True)
		frappe.db.commit()
		frappe.throw(
			_("The mail could not be stored again: {0}").format(reason), title=_("Still Quarantined")
		)
	frappe.db.commit()
	path = frappe.get_site_path(copy.raw_file.lstrip("/"))
	# the Communication now keeps its own copy of the raw message; the same bytes may still be
	# another quarantined copy's (the same mail in two folders)
	if os.path.exists(path) and not frappe.db.exists("Mailbox Copy", {"raw_file": copy.raw_file}):
		os.remove(path)
	return communication
