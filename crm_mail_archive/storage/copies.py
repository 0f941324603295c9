"""Mailbox copies: every place a mail lives on a server is one row (account, folder, UIDVALIDITY,
UID: unique), holding the server's flags. A mail that could not be stored is a quarantined copy
with its raw bytes and the reason, so the folder moves on and the mail can be retried."""

from __future__ import annotations

import frappe
from frappe.utils import convert_utc_to_system_timezone, now_datetime

from crm_mail_archive.infra.rows import RowBuffer
from crm_mail_archive.infra.text import inert_text
from crm_mail_archive.mailbox.client import IMPORT_UIDVALIDITY, FetchedMessage
from crm_mail_archive.storage.files import keep_new_file

# mail imported from files: its copies live in this folder of the account, under IMPORT_UIDVALIDITY
IMPORT_FOLDER = "Import"


def system_datetime(value):
	"""An aware datetime as the site's naive system time (how Frappe stores datetimes)."""
	return convert_utc_to_system_timezone(value).replace(tzinfo=None) if value else None


def add_copy(
	rows: RowBuffer | None,
	account: str,
	folder: str,
	uidvalidity: int,
	message: FetchedMessage,
	communication: str | None,
	key: str | None,
	status: str = "Stored",
	reason: str | None = None,
	raw_file: str | None = None,
) -> None:
	"""A Mailbox Copy row, into `rows` (written with the batch) or at once when `rows` is None."""
	# a row, not insert(): a copy is bookkeeping, no hooks to run (one per mail, in the hot path)
	values = {
		"account": account,
		"folder": folder,
		"uidvalidity": uidvalidity,
		"uid": message.uid,
		"communication": communication,
		"message_key": key,
		"status": status,
		"server_flags": " ".join(message.flags)[:140],
		"seen": int("\\Seen" in message.flags),
		"internal_date": system_datetime(message.internaldate),
		"size": message.size,
		"quarantine_reason": reason,
		"raw_file": raw_file,
		"owner": "Administrator",
		"modified_by": "Administrator",
		"creation": now_datetime(),
		"modified": now_datetime(),
	}
	if rows is None:
		frappe.get_doc({"doctype": "Mailbox Copy", **values}).db_insert()
	else:
		rows.add("Mailbox Copy", values)


def quarantine(
	account: str,
	folder: str,
	uidvalidity: int,
	message: FetchedMessage,
	error: Exception,
	existing: str | None = None,
) -> None:
	"""Keep a message that could not be stored, raw, with the reason; the folder moves on. A
	copy quarantined before (retried, or fetched again) keeps its row with the new reason."""
	reason = inert_text(f"{type(error).__name__}: {error}")[:2000]
	kept = existing and frappe.db.get_value("Mailbox Copy", existing, "raw_file")
	raw_file = kept or keep_new_file(message.raw)
	if existing:
		frappe.db.set_value(
			"Mailbox Copy",
			existing,
			{"quarantine_reason": reason, "raw_file": raw_file},
			update_modified=True,
		)
	else:
		add_copy(
			None,
			account,
			folder,
			uidvalidity,
			message,
			communication=None,
			key=None,
			status="Quarantined",
			reason=reason,
			raw_file=raw_file,
		)
	frappe.log_error(
		title=f"Mail Archive: quarantined UID {message.uid}",
		message=reason,
		reference_doctype="Mail Archive Account",
		reference_name=account,
	)
