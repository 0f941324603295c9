"""`verify --reparse`: each original message (or a random sample) parsed again and compared field by
field with what the archive shows of it — the subject, the addresses, the date, the Message-ID, the
text, the HTML and the attachments are what storing the original gives (storage/communications.py).
The shown hash (storage/shown.py) proves nothing changed since the mail was stored; this proves
what was stored is what the original says."""

from __future__ import annotations

import hashlib
import html

import frappe
from frappe import _

from crm_mail_archive.infra.text import header_text
from crm_mail_archive.integrity.file_checks import scope_condition
from crm_mail_archive.integrity.results import VerificationResult
from crm_mail_archive.mailbox.parser import MailParseError, parse_message
from crm_mail_archive.storage.communications import ADDRESS_NAMES_FIELD, address_list, address_names
from crm_mail_archive.storage.content import safe_file_name, safe_mail_html, valid_content_id
from crm_mail_archive.storage.copies import system_datetime
from crm_mail_archive.storage.files import OriginalDamaged, read_original
from crm_mail_archive.storage.limits import StorageLimits

MAILS_PER_CHUNK = 200
COLUMNS = (
	"name, subject, sender, sender_full_name, recipients, cc, bcc, mail_archive_address_names, "
	"communication_date, message_id, "
	"text_content, content, mail_archive_raw_file, mail_archive_sha256"
)


def expected_fields(parsed, limits: StorageLimits, content_ids: set[str]) -> dict:
	"""What storing the parsed mail writes into the shown columns (see storage/communications.py)."""
	sender = parsed.from_address
	expected = {
		"subject": header_text(parsed.subject or "(no subject)")[:10000],
		"sender": header_text(sender.email) if sender and len(sender.email) <= 254 else None,
		"sender_full_name": header_text(sender.name or sender.email)[:140] if sender else None,
		"recipients": address_list(parsed.to),
		"cc": address_list(parsed.cc),
		"bcc": address_list(parsed.bcc),
		ADDRESS_NAMES_FIELD: address_names(parsed),
		"message_id": header_text(parsed.message_id),
		"text_content": parsed.text,
	}
	if parsed.date:  # without one, the server's arrival time is the date
		expected["communication_date"] = system_datetime(parsed.date)
	if parsed.html:
		expected["content"] = safe_mail_html(parsed.html[: limits.max_html_size], content_ids)
	else:
		expected["content"] = "<p>" + html.escape(parsed.text or "").replace("\n", "<br>") + "</p>"
	return expected


def _differs(column: str, stored, expected) -> bool:
	if column == "content":  # notes of what a limit kept out follow the body
		return not (stored or "").startswith(expected or "")
	if column == "communication_date":
		return (
			stored is None
			or expected is None
			or stored.replace(microsecond=0) != expected.replace(microsecond=0)
		)
	return (stored or "") != (expected or "")


def compare_with_original(result: VerificationResult, row: dict, attachments: list[dict], limits) -> None:
	try:
		raw = read_original(row["mail_archive_raw_file"], row["mail_archive_sha256"])
		parsed = parse_message(raw, max_attachment_size=limits.max_attachment_size)
	except (OSError, ValueError, KeyError, OriginalDamaged, MailParseError):
		return  # an unreadable original is what the file check reports
	content_ids = {valid_content_id(a["content_id"]) for a in attachments if a["content_id"]} - {None}
	for column, expected in expected_fields(parsed, limits, content_ids).items():
		if _differs(column, row[column], expected):
			result.add(
				"rendition",
				_("The mail's {0} differs from its original message.").format(column),
				row["name"],
				row["mail_archive_raw_file"],
			)
	in_original = {
		(safe_file_name(part.filename), hashlib.sha256(part.content or b"").hexdigest())
		for part in parsed.attachments
	}
	for attachment in attachments:
		if (attachment["file_name"], attachment["sha256"]) not in in_original:
			result.add(
				"rendition",
				_("Attachment {0} is not in the original message.").format(attachment["file_name"]),
				row["name"],
				row["mail_archive_raw_file"],
			)


def _chunks_in_scope(condition: str, values: list, sample: int | None):
	"""Names of the mails to re-parse, a chunk at a time (a random sample, or all by name)."""
	if sample:
		names = frappe.db.sql_list(
			f"select c.name from `tabCommunication` c where {condition} order by rand() limit %s",
			[*values, int(sample)],
		)
		for start in range(0, len(names), MAILS_PER_CHUNK):
			yield names[start : start + MAILS_PER_CHUNK]
		return
	last = ""
	while names := frappe.db.sql_list(
		f"""select c.name from `tabCommunication` c where {condition} and c.name > %s
		order by c.name limit {MAILS_PER_CHUNK}""",
		[*values, last],
	):
		last = names[-1]
		yield names


def check_renditions(result: VerificationResult, account: str | None, since, sample: int | None) -> None:
	"""Every mail in scope (or a random sample of `sample`) against its original."""
	limits = StorageLimits.from_settings(frappe.get_cached_doc("Mail Archive Settings"))
	condition, values = scope_condition(account, since)
	for chunk in _chunks_in_scope(condition, values, sample):
		rows = frappe.db.sql(
			f"select {COLUMNS} from `tabCommunication` where name in %s", [tuple(chunk)], as_dict=True
		)
		attachments: dict[str, list[dict]] = {}
		for attachment in frappe.db.sql(
			"""select communication, file_name, sha256, content_id from `tabMail Attachment`
			where communication in %s""",
			[tuple(chunk)],
			as_dict=True,
		):
			attachments.setdefault(attachment["communication"], []).append(attachment)
		for row in rows:
			compare_with_original(result, row, attachments.get(row["name"], []), limits)
			result.mails_reparsed += 1
