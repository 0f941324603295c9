"""One archived mail as the reader shows it: who wrote to whom and when, from which mailbox and
folder, where it is filed (with the documents' titles and why), its body, its attachments (not the
original message, which is offered for download on its own) and its state on the mail server.

Mail values are returned as plain text (the inert stored form decoded); the body is the HTML that
was sanitized when the mail was stored.
"""

from __future__ import annotations

from urllib.parse import quote

import frappe
from frappe.utils import cint

from crm_mail_archive.infra.text import as_text


def document_title(doctype: str, name: str) -> str:
	meta = frappe.get_meta(doctype)
	title_field = meta.get_title_field() if meta.title_field or meta.show_title_field_in_link else None
	if title_field and title_field != "name":
		return frappe.db.get_value(doctype, name, title_field) or name
	return name


def filings_of(communication: str, readable: callable) -> list[dict]:
	rows = frappe.get_all(
		"Timeline Link",
		{"communication": communication},
		["link_doctype", "link_name", "source", "matched_address", "reply_to_mail", "filed_by", "filed_on"],
		order_by="filed_on asc, creation asc",
	)
	return [
		{**row, "title": document_title(row.link_doctype, row.link_name)}
		for row in rows
		if readable(row.link_doctype, row.link_name)
	]


DOWNLOAD_ATTACHMENT = "/api/method/crm_mail_archive.api.download_attachment?file={}"


def attachments_of(communication: str, raw_file: str | None) -> list[dict]:
	"""The mail's attachments; each is downloaded through the app (read rule, audit), not by its
	private file URL."""
	files = [
		file
		for file in frappe.get_all(
			"File",
			{"attached_to_doctype": "Communication", "attached_to_name": communication},
			["name", "file_name", "file_url", "file_size"],
			order_by="creation asc",
		)
		if file.file_url != raw_file
	]
	for file in files:
		file.download_url = DOWNLOAD_ATTACHMENT.format(quote(file.name))
	return files


def mail_view(communication: str, readable: callable) -> dict:
	mail = frappe.db.get_value(
		"Communication",
		communication,
		[
			"name",
			"subject",
			"sender",
			"sender_full_name",
			"recipients",
			"cc",
			"bcc",
			"communication_date",
			"sent_or_received",
			"email_account",
			"imap_folder",
			"content",
			"seen",
			"email_status",
			"mail_archive_raw_file",
		],
		as_dict=True,
	)
	for field in ("subject", "sender", "sender_full_name", "recipients", "cc", "bcc", "imap_folder"):
		mail[field] = as_text(mail[field])
	mail.seen = cint(mail.seen)
	mail.attachments = attachments_of(communication, mail.mail_archive_raw_file)
	mail.filings = filings_of(communication, readable)
	return mail
