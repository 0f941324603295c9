"""What a reply, reply-all or forward of an archived mail starts from: the subject with its prefix,
the recipients, the quoted original with its attribution, the sender and signature of the mailbox
that holds the mail, and (forward) copies of the original's attachments.

Every value from the mail is escaped here: the draft is HTML that the composer shows as it is.
The original is quoted as text (like stock's composer), so nothing of its markup comes along.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from email.utils import getaddresses

import frappe
from frappe import _
from frappe.core.utils import html2text
from frappe.utils import formatdate, get_datetime

from crm_mail_archive.mailbox.addresses import normalize_address
from crm_mail_archive.permissions import held_accounts
from crm_mail_archive.storage.files import attachment_bytes

MODES = ("reply", "reply_all", "forward")
# prefixes mail clients put before an answered subject (ours, stock's, Outlook's German ones)
REPLY_PREFIX = re.compile(r"^\s*(re|aw|res|sv|antw)\s*:", re.IGNORECASE)
QUOTE_LIMIT = 100_000  # characters of the original quoted (the whole mail stays in the archive)


@dataclass
class Draft:
	subject: str  # plain text
	recipients: list[str] = field(default_factory=list)
	cc: list[str] = field(default_factory=list)
	sender: str | None = None  # the address of the mailbox that holds the mail
	message: str = ""  # HTML: signature and quoted original, every mail value escaped
	attachments: list[dict] = field(default_factory=list)  # File rows (forward: copies)
	not_attached: list[str] = field(default_factory=list)  # attachments Frappe refused as Files


def _addresses(*values: str | None) -> list[str]:
	"""Bare addresses of stored address lists, in order, each once."""
	found: list[str] = []
	for _name, address in getaddresses([(value or "") for value in values if value]):
		address = normalize_address(address)
		if address and address not in found:
			found.append(address)
	return found


def own_addresses(user: str, email_account: str | None) -> set[str]:
	"""Addresses that are ours: the user's, the mail's mailbox's and every mailbox the user holds."""
	own = {normalize_address(user) or ""}
	accounts = held_accounts(user) | ({email_account} if email_account else set())
	for row in frappe.get_all(
		"Email Account", {"name": ("in", sorted(accounts) or [""])}, ["email_id", "login_id"]
	):
		own |= {normalize_address(value or "") or "" for value in (row.email_id, row.login_id)}
	return own - {""}


def subject_for(mode: str, subject: str) -> str:
	if mode == "forward":
		return _("Fwd: {0}").format(subject)
	if REPLY_PREFIX.match(subject):
		return subject
	return _("Re: {0}").format(subject)


def _escaped_lines(text: str) -> str:
	return html.escape(text).replace("\n", "<br>")


def _original_text(mail) -> str:
	text = mail.text_content or html2text(mail.content or "")
	return (text or "").strip()[:QUOTE_LIMIT]


def _sender_label(mail) -> str:
	name, address = (mail.sender_full_name or ""), (mail.sender or "")
	return f"{name} <{address}>" if name and address and name != address else (address or name)


def quote(mail, mode: str) -> str:
	"""The original below the answer: an attribution ("On {date}, {sender} wrote:") or, forwarded,
	a header block; then its text in a blockquote. Escaped throughout."""
	date = ""
	if mail.communication_date:
		sent_at = get_datetime(mail.communication_date)
		date = f"{formatdate(sent_at)} {sent_at:%H:%M}"
	if mode == "forward":
		rows = [
			(_("From"), _sender_label(mail)),
			(_("Date"), date),
			(_("Subject"), (mail.subject or "")),
			(_("To"), ", ".join(_addresses(mail.recipients))),
		]
		if mail.cc:
			rows.append((_("CC"), ", ".join(_addresses(mail.cc))))
		header = "".join(
			f"<div>{html.escape(label)}: {html.escape(value or '')}</div>" for label, value in rows
		)
		intro = (
			f'<div class="mail-archive-forwarded">---------- {html.escape(_("Forwarded message"))} ----------</div>'
			+ header
		)
	else:
		intro = "<p>{}</p>".format(html.escape(_("On {0}, {1} wrote:").format(date, _sender_label(mail))))
	return f'<div><br></div><div class="mail-archive-quote">{intro}<blockquote>{_escaped_lines(_original_text(mail))}</blockquote></div>'


def _signature(email_account: str | None) -> str:
	if not email_account:
		return ""
	values = frappe.db.get_value("Email Account", email_account, ["add_signature", "signature"], as_dict=True)
	if not values or not values.add_signature or not values.signature:
		return ""
	signature = values.signature
	if "<" not in signature:  # plain text, as stock's composer treats it
		signature = _escaped_lines(signature)
	return f"<div><br></div>{frappe.utils.sanitize_html(signature)}"


def _sender_of(user: str, email_account: str | None) -> str | None:
	"""The mailbox to answer from: the one that holds the mail, if the user may send from it."""
	if email_account and email_account in held_accounts(user):
		return frappe.db.get_value("Email Account", email_account, "email_id")
	return None


def attachment_copies(communication: str) -> tuple[list[dict], list[str]]:
	"""New private Files with the bytes of the mail's attachments, the user's own: the composer
	attaches them to what it sends. Copies, never the archive's files (no File row may point at
	those). What stock's File refuses (a PDF with scripts, a damaged PDF, a forbidden type) is
	named in the second list, and the forward goes on without it."""
	copies, refused = [], []
	for row in frappe.get_all(
		"Mail Attachment",
		{"communication": communication},
		["name", "file_name", "content_id"],
		order_by="position asc",
	):
		if row.content_id:
			continue  # an inline image of the body, not an attachment of the mail
		frappe.db.savepoint("mail_archive_attachment_copy")
		try:
			copy = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": row.file_name,
					"content": attachment_bytes(row.name),
					"is_private": 1,
					"folder": "Home/Attachments",
				}
			).insert(ignore_permissions=True)
		except Exception:
			frappe.db.rollback(save_point="mail_archive_attachment_copy")
			frappe.clear_last_message()  # the reason is the draft's to tell, not a dialog
			refused.append(row.file_name)
			continue
		copies.append({"name": copy.name, "file_name": copy.file_name, "file_url": copy.file_url})
	return copies, refused


def draft(communication: str, mode: str, user: str) -> dict:
	"""The draft of answering `communication` (reply, reply_all) or forwarding it."""
	if mode not in MODES:
		frappe.throw(_("Unknown way to answer a mail: {0}").format(mode), frappe.ValidationError)
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
			"sent_or_received",
			"communication_date",
			"email_account",
			"text_content",
			"content",
		],
		as_dict=True,
	)
	own = own_addresses(user, mail.email_account)
	sent_by_us = mail.sent_or_received == "Sent" or normalize_address(mail.sender or "") in own
	recipients: list[str] = []
	cc: list[str] = []
	if mode == "reply":
		recipients = _addresses(mail.recipients) if sent_by_us else _addresses(mail.sender)
	elif mode == "reply_all":
		recipients = [a for a in _addresses(mail.sender, mail.recipients) if a not in own]
		cc = [a for a in _addresses(mail.cc) if a not in own and a not in recipients]
		if not recipients and sent_by_us:
			recipients = _addresses(mail.recipients)
	sender = _sender_of(user, mail.email_account)
	copies, refused = attachment_copies(communication) if mode == "forward" else ([], [])
	result = Draft(
		subject=subject_for(mode, (mail.subject or "")),
		recipients=[a for a in recipients if a not in own] or recipients,
		cc=cc,
		sender=sender,
		message=_signature(mail.email_account if sender else None) + quote(mail, mode),
		attachments=copies,
		not_attached=refused,
	)
	return asdict(result)
