"""One mail as one Communication: the row, its body for the desk, its files, and the notes that
say what a limit kept out.

Communications are written as rows (db_insert, or the batch's multi-row INSERT): importing mail
must not run Communication's validate (it creates Contacts for every address), notifications,
assignment rules or SLA hooks. Header values are stored inert (content.py); the exact headers
stay in the raw message, which is kept whatever its size.
"""

from __future__ import annotations

import hashlib
import html
import json

import frappe
from frappe import _
from frappe.utils import now_datetime

from crm_mail_archive.infra.rows import RowBuffer, random_name
from crm_mail_archive.infra.text import header_text
from crm_mail_archive.mailbox.client import FetchedMessage
from crm_mail_archive.mailbox.parser import ParsedMail
from crm_mail_archive.storage.content import safe_file_name, safe_mail_html, valid_content_id
from crm_mail_archive.storage.copies import system_datetime
from crm_mail_archive.storage.files import FileWrites, keep_original, save_attachment
from crm_mail_archive.storage.limits import StorageLimits
from crm_mail_archive.storage.originals import SavedPart, digest
from crm_mail_archive.storage.shown import SHOWN_FIELD, shown_sha256

MESSAGE_KEY_FIELD = "mail_archive_key"
ADDRESS_NAMES_FIELD = "mail_archive_address_names"
NOTE = '<p class="mail-archive-attachment-note">{}</p>'


def message_key(parsed: ParsedMail) -> str:
	"""One Communication per mail: SHA-256 of its Message-ID, or of its content without one."""
	if parsed.message_id:
		return hashlib.sha256(f"message-id:{parsed.message_id}".encode()).hexdigest()
	return hashlib.sha256(f"content:{parsed.content_hash}".encode()).hexdigest()


def address_count(parsed: ParsedMail) -> int:
	return (
		int(parsed.from_address is not None)
		+ len(parsed.reply_to)
		+ len(parsed.to)
		+ len(parsed.cc)
		+ len(parsed.bcc)
	)


def address_list(addresses) -> str:
	"""Addresses as stock code reads them (frappe.utils.parse_addr, stock Reply All): bare
	addresses, comma-separated. Display names go to ADDRESS_NAMES_FIELD."""
	return ", ".join(header_text(address.email) for address in addresses)


def address_names(parsed: ParsedMail) -> str | None:
	"""The display names the mail gives its addresses, as JSON {address: name}."""
	addresses = [parsed.from_address, *parsed.reply_to, *parsed.to, *parsed.cc, *parsed.bcc]
	names = {a.email: header_text(a.name) for a in addresses if a is not None and a.name}
	return json.dumps(names, ensure_ascii=False, sort_keys=True) if names else None


def add_communication(
	rows: RowBuffer,
	account,
	folder_name: str,
	sent: bool,
	parsed: ParsedMail,
	message: FetchedMessage,
	key: str,
	limits: StorageLimits,
	writes: FileWrites,
) -> str:
	"""The Communication of a new mail into `rows`, its files and raw message into `writes`;
	returns its name."""
	sender = parsed.from_address
	date = parsed.date or message.internaldate
	# unwrapped mail (storage/wrapped.py) says its own direction and holder
	sent = sent if getattr(parsed, "sent", None) is None else parsed.sent
	holder = getattr(parsed, "holder_user", None) or account.account_owner
	values = {
		"communication_type": "Communication",
		"communication_medium": "Email",
		"sent_or_received": "Sent" if sent else "Received",
		"subject": header_text(parsed.subject or "(no subject)")[:10000],
		# an address beyond RFC 5321's 254 characters is no address (it stays in the raw mail)
		"sender": header_text(sender.email) if sender and len(sender.email) <= 254 else None,
		"sender_full_name": header_text(sender.name or sender.email)[:140] if sender else None,
		"recipients": address_list(parsed.to),
		"cc": address_list(parsed.cc),
		"bcc": address_list(parsed.bcc),
		ADDRESS_NAMES_FIELD: address_names(parsed),
		"text_content": parsed.text,
		"communication_date": system_datetime(date) or now_datetime(),
		"message_id": header_text(parsed.message_id),
		"email_account": getattr(parsed, "holder_email_account", None) or account.email_account,
		"imap_folder": header_text(folder_name),
		# where it lives on a server is the Mailbox Copy's: a stock uid would make every opening
		# of the form queue a stock Email Flag Queue row that nothing ever applies
		"uid": None,
		"seen": int("\\Seen" in message.flags),
		"status": "Open",
		"email_status": "Open",
		"has_attachment": int(bool(parsed.attachments)),
		"mail_archive_bulk": int(parsed.is_bulk),
		"mail_archive_filing": "Unfiled",  # until filing says otherwise
		MESSAGE_KEY_FIELD: key,
		"owner": holder,
		"modified_by": holder,
		"creation": now_datetime(),
		"modified": now_datetime(),
		"name": random_name(),
	}
	files = RowBuffer()  # after the Communication: Mail Attachment rows name it
	saved: list[SavedPart] = []
	content = _body(parsed, values["name"], files, limits, saved, writes)
	if message.headers_only:
		content += NOTE.format(
			_(
				"This mail is {0} MB, more than the limit of {1} MB: only its headers are archived, the whole mail stays on the mail server."
			).format(round(message.size / 1024 / 1024, 1), limits.max_mail_size // 1024 // 1024)
		)
	values["content"] = content
	values["mail_archive_raw_file"] = keep_original(message.raw, saved, writes)
	# recorded in the same row: what the original must hash to (the daily seal chains it)
	values["mail_archive_sha256"] = digest(message.raw)
	# and what the desk shows of it, sealed with it: a later change in the database is found
	values[SHOWN_FIELD] = shown_sha256(
		values, [(row["file_name"], row["sha256"]) for row in files.rows_of("Mail Attachment")]
	)
	name = rows.add("Communication", values)
	rows.extend(files)
	return name


def _body(
	parsed: ParsedMail,
	communication: str,
	rows: RowBuffer,
	limits: StorageLimits,
	saved: list[SavedPart],
	writes: FileWrites,
) -> str:
	"""The mail's body for the desk, its attachments saved as files (`saved` lists them; cid:
	images keep pointing at their Content-ID, resolved to the app's URL when the mail is shown), and
	a visible note for whatever a limit kept out (it stays in the raw message)."""
	notes = [parsed.archive_note] if getattr(parsed, "archive_note", None) else []  # (escaped)
	content_ids: set[str] = set()
	for index, attachment in enumerate(parsed.attachments):
		name = html.escape(safe_file_name(attachment.filename))
		if index >= limits.max_attachments:
			notes.append(
				_(
					"This mail has {0} attachments; the first {1} are saved as files, all are kept in the original message."
				).format(len(parsed.attachments), limits.max_attachments)
			)
			break
		if attachment.oversized:
			notes.append(
				_("Attachment {0} ({1} KB) exceeds the size limit; it is kept in the raw message.").format(
					name, attachment.size // 1024
				)
			)
			continue
		content_id = valid_content_id(attachment.content_id)
		try:
			_name, reference = save_attachment(
				communication,
				attachment.filename,
				attachment.content or b"",
				rows,
				writes,
				content_id=content_id,
				content_type=attachment.content_type,
				position=index,
			)
		except Exception as error:  # a file the disk refuses: noted, the mail is stored
			notes.append(
				_("Attachment {0} could not be saved ({1}); it is kept in the raw message.").format(
					name, html.escape(str(error))
				)
			)
			continue
		saved.append(SavedPart(attachment.content or b"", reference))
		if content_id:
			content_ids.add(content_id)
	if parsed.html:
		source = parsed.html
		if len(source) > limits.max_html_size:
			source = source[: limits.max_html_size]
			notes.append(
				_(
					"This mail's HTML is larger than {0} KB; the part shown is cut there, the whole mail is kept in the original message."
				).format(limits.max_html_size // 1024)
			)
		body = safe_mail_html(source, content_ids)
	else:
		body = "<p>" + html.escape(parsed.text or "").replace("\n", "<br>") + "</p>"
	addresses = address_count(parsed)
	if addresses > limits.max_addresses:
		notes.append(
			_(
				"This mail names {0} addresses; the first {1} are used for filing, all are kept in the original message."
			).format(addresses, limits.max_addresses)
		)
	return body + "".join(NOTE.format(note) for note in notes)
