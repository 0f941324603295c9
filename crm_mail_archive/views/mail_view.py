"""One archived mail as the reader shows it: who wrote to whom and when, from which mailbox and
folder, where it is filed (with the documents' titles and why), its body, its attachments (not the
original message, which is offered for download on its own) and its state on the mail server.

Mail values are returned as the mail's text (the desk escapes them where it shows them), the
addresses also with the names the mail gives them; the body is the HTML that was sanitized when
the mail was stored, its inline images pointed at the app's URL for them.
Attachments are read through the app's endpoint (read rule, audit), never by a file URL.
"""

from __future__ import annotations

import json
from email.utils import getaddresses
from urllib.parse import quote

import frappe
from frappe.utils import cint

from crm_mail_archive.storage.content import shown_html


def with_names(addresses: str | None, names: dict[str, str]) -> str:
	"""Stored bare addresses as the mail shows them: "Name <address>" where it gives a name."""
	shown = []
	for address in filter(None, (part.strip() for part in (addresses or "").split(","))):
		name = names.get(address)
		shown.append(f"{name} <{address}>" if name and name != address else address)
	return ", ".join(shown)


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
		[
			"link_doctype",
			"link_name",
			"source",
			"matched_address",
			"matched_text",
			"reply_to_mail",
			"filed_by",
			"filed_on",
		],
		order_by="filed_on asc, creation asc",
	)
	return [
		{**row, "title": document_title(row.link_doctype, row.link_name)}
		for row in rows
		if readable(row.link_doctype, row.link_name)
	]


ATTACHMENT_URL = "/api/method/crm_mail_archive.api.download_attachment?attachment={}"


def attachment_url(attachment: str, inline: bool = False) -> str:
	return ATTACHMENT_URL.format(quote(attachment)) + ("&inline=1" if inline else "")


def attachments_of(communication: str) -> list[dict]:
	"""The mail's attachments, each with its download URL and, where the desk may show it (a
	raster image, a PDF: by its bytes, storage/content.py), its preview URL."""
	attachments = frappe.get_all(
		"Mail Attachment",
		{"communication": communication},
		["name", "file_name", "file_size", "content_type", "content_id", "viewable_type"],
		order_by="position asc",
	)
	for attachment in attachments:
		attachment.download_url = attachment_url(attachment.name)
		attachment.preview_url = (
			attachment_url(attachment.name, inline=True) if attachment.viewable_type else None
		)
	return attachments


def shown_body(content: str | None, attachments: list[dict]) -> str:
	"""The stored body with its inline images (cid:) at their attachments' URLs."""
	return shown_html(
		content or "",
		{
			attachment.content_id: attachment_url(attachment.name, inline=True)
			for attachment in attachments
			if attachment.content_id and (attachment.viewable_type or "").startswith("image/")
		},
	)


HEADER_FIELDS = ("name", "subject", "sender", "sender_full_name", "recipients", "cc")
HEADER_FIELDS += ("communication_date", "sent_or_received", "email_account", "mail_archive_private")
HEADER_FIELDS += ("mail_archive_address_names",)


def headers_view(communication: str, readable: callable) -> dict:
	"""A mail of a Headers only account, for a colleague of its holder: that it exists — when,
	what about, who wrote to whom, where it is filed — not its body or its attachments."""
	mail = frappe.db.get_value("Communication", communication, HEADER_FIELDS, as_dict=True)
	address_names = mail.pop("mail_archive_address_names")
	names = json.loads(address_names or "{}")
	for field in ("recipients", "cc"):
		mail[f"{field}_shown"] = with_names(mail[field], names)
	mail.counterpart = counterpart_of(
		mail.sent_or_received, mail.sender, mail.sender_full_name, mail.recipients, address_names
	)
	mail.private = cint(mail.pop("mail_archive_private"))
	mail.headers_only = 1
	mail.content = ""
	mail.attachments = []
	mail.filings = filings_of(communication, readable)
	return mail


DEFAULT_MARK_READ_AFTER = 2.0


def mark_read_after_seconds() -> float:
	"""How long a mail is previewed before the desk marks it read (Mail Archive Settings; its
	default while the settings were never saved: a Single keeps only stored values)."""
	stored = frappe.db.get_singles_dict("Mail Archive Settings", cast=False).get("mark_read_after_seconds")
	return max(0.0, float(stored)) if stored not in (None, "") else DEFAULT_MARK_READ_AFTER


def counterpart_of(
	sent_or_received: str | None,
	sender: str,
	sender_full_name: str,
	recipients: str,
	address_names: str | None = None,
) -> dict:
	"""Who the mail is with, seen from the mailbox: the first recipient of sent mail (and how many
	more there are; its name as the mail gives it), the sender of received mail. Plain text, as
	the mail says it."""
	if sent_or_received == "Sent":
		names = json.loads(address_names or "{}")
		addresses = [
			(name or names.get(address, ""), address)
			for name, address in getaddresses([recipients or ""])
			if address or name
		]
		if not addresses:
			return {"direction": "Sent", "name": "", "address": "", "more": 0}
		name, address = addresses[0]
		return {"direction": "Sent", "name": name or address, "address": address, "more": len(addresses) - 1}
	return {
		"direction": "Received",
		"name": sender_full_name or sender or "",
		"address": sender or "",
		"more": 0,
	}


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
			"mail_archive_address_names",
			"mail_archive_private",
		],
		as_dict=True,
	)
	address_names = mail.pop("mail_archive_address_names")
	names = json.loads(address_names or "{}")
	for field in ("recipients", "cc", "bcc"):  # shown with the names the mail gives them
		mail[f"{field}_shown"] = with_names(mail[field], names)
	mail.seen = cint(mail.seen)
	mail.private = cint(mail.pop("mail_archive_private"))
	mail.headers_only = 0
	mail.attachments = attachments_of(communication)
	mail.content = shown_body(mail.content, mail.attachments)
	mail.filings = filings_of(communication, readable)
	mail.counterpart = counterpart_of(
		mail.sent_or_received, mail.sender, mail.sender_full_name, mail.recipients, address_names
	)
	return mail
