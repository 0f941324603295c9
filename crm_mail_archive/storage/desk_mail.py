"""A mail sent from the desk, archived when it is queued: its Communication (made by stock's
composer) becomes an archived mail, with the message as it goes out kept as its original and its
attachments as the archive's files, exactly as if it had been synced from the Sent folder. The
message key is the one the sync computes, so the copy in the Sent folder later finds this mail."""

from __future__ import annotations

import hashlib

import frappe

from crm_mail_archive.infra.rows import RowBuffer
from crm_mail_archive.mailbox.parser import ParsedMail
from crm_mail_archive.storage.communications import MESSAGE_KEY_FIELD, _body, message_key
from crm_mail_archive.storage.content import safe_mail_html
from crm_mail_archive.storage.files import FileWrites, keep_original, stored_attachments
from crm_mail_archive.storage.limits import StorageLimits
from crm_mail_archive.storage.originals import SavedPart, digest
from crm_mail_archive.storage.store import ExtraRows, StoredMail


def keep_desk_mail(
	account,
	communication: str,
	raw: bytes,
	parsed: ParsedMail,
	limits: StorageLimits,
	extra_rows: ExtraRows | None = None,
) -> StoredMail | None:
	"""Archive the desk's Communication as the mail `raw` of `account`; None when the archive
	holds this mail already (or it was erased on request)."""
	key = message_key(parsed)
	if frappe.db.exists("Communication", {MESSAGE_KEY_FIELD: key}) or frappe.db.exists(
		"Mail Archive Erased Key", key
	):
		return None
	stock = frappe.db.get_value("Communication", communication, ["content", "text_content"], as_dict=True)
	if not stock:
		return None
	digests = {hashlib.sha256(a.content).hexdigest() for a in parsed.attachments if a.content}
	writes = FileWrites(stored=stored_attachments(digests))
	rows = RowBuffer()
	saved: list[SavedPart] = []
	try:
		# the attachments become the archive's files (Mail Attachment rows); the body shown stays
		# what the writer wrote, sanitized as every archived body is
		notes_and_body = _body(parsed, communication, rows, limits, saved, writes)
		values = {
			MESSAGE_KEY_FIELD: key,
			"content": safe_mail_html(stock.content) if stock.content else notes_and_body,
			"text_content": stock.text_content or parsed.text,
			"email_account": account.email_account,
			"has_attachment": int(bool(parsed.attachments)),
			"mail_archive_bulk": 0,
			"mail_archive_filing": "Unfiled",  # until filing says otherwise
			"mail_archive_raw_file": keep_original(raw, saved, writes),
			"mail_archive_sha256": digest(raw),
		}
		for doctype, row in extra_rows(communication, parsed) if extra_rows else ():
			rows.add(doctype, row)
		rows.write()
	except BaseException:
		writes.abandon()
		raise
	writes.finish()
	frappe.db.set_value("Communication", communication, values, update_modified=False)
	return StoredMail(communication, parsed, inserted=True)
