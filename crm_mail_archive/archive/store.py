"""The Frappe side of the sync: Communications, mailbox copies, files and quarantine.

One Communication per mail: a mail is known by its message key (SHA-256 of the Message-ID, or of
its content when it has none), which Communication carries in a unique column. Every place the
mail lives on a server is one Mailbox Copy row, unique per (account, folder, UIDVALIDITY, UID).
Communications are written with `db_insert`: importing mail must not run Communication's
validate (it creates Contacts for every address), notifications, assignment rules or SLA hooks.
"""

from __future__ import annotations

import hashlib
import html
import os
import re

import frappe
from frappe.utils import convert_utc_to_system_timezone, now_datetime
from frappe.utils.html_utils import clean_email_html

from crm_mail_archive.filing.service import (
	file_automatically,
	files_automatically,
	filing_policy,
	index_addresses,
)
from crm_mail_archive.mailbox.client import FetchedMessage
from crm_mail_archive.mailbox.parser import ParsedMail, parse_message
from crm_mail_archive.sync.engine import BatchResult, FolderConfig, StoredFolderState

MESSAGE_KEY_FIELD = "mail_archive_key"


def message_key(parsed: ParsedMail) -> str:
	if parsed.message_id:
		return hashlib.sha256(f"message-id:{parsed.message_id}".encode()).hexdigest()
	return hashlib.sha256(f"content:{parsed.content_hash}".encode()).hexdigest()


def _format_addresses(addresses) -> str:
	return ", ".join(f'"{a.name}" <{a.email}>' if a.name else a.email for a in addresses)


def _system_datetime(value):
	return convert_utc_to_system_timezone(value).replace(tzinfo=None) if value else None


class FrappeArchiveStore:
	"""ArchiveStore for one Mail Archive Account."""

	def __init__(self, account, max_attachment_size: int):
		self.account = account
		self.max_attachment_size = max_attachment_size

	# --- folder state --------------------------------------------------------------------------

	def _folder_row(self, folder: str):
		for row in self.account.folders:
			if row.folder_name == folder:
				return row
		row = self.account.append("folders", {"folder_name": folder, "role": "Other", "enabled": 1})
		row.db_insert()
		return row

	def folder_state(self, folder: str) -> StoredFolderState:
		values = frappe.db.get_value(
			"Mail Archive Folder", self._folder_row(folder).name, ["uidvalidity", "highest_uid"], as_dict=True
		)
		return StoredFolderState(uidvalidity=values.uidvalidity or None, highest_uid=values.highest_uid or 0)

	def start_folder(self, folder: str, uidvalidity: int) -> None:
		# copies under the old UIDVALIDITY address nothing any more; the re-scan adds new ones
		# to the same Communications (found again by message key), so nothing is duplicated
		frappe.db.delete(
			"Mailbox Copy",
			{"account": self.account.name, "folder": folder, "uidvalidity": ("!=", uidvalidity)},
		)
		row = self._folder_row(folder)
		frappe.db.set_value(
			"Mail Archive Folder",
			row.name,
			{"uidvalidity": uidvalidity, "highest_uid": 0, "status": ""},
			update_modified=False,
		)
		frappe.db.commit()

	# --- storing -------------------------------------------------------------------------------

	def store_batch(
		self, folder: FolderConfig, uidvalidity: int, messages: list[FetchedMessage], highest_uid: int
	) -> BatchResult:
		result = BatchResult()
		for message in messages:
			frappe.db.savepoint("mail_archive_message")
			try:
				communication, is_new = self.store_message(folder, uidvalidity, message)
			except Exception as error:
				frappe.db.rollback(save_point="mail_archive_message")
				self.quarantine(folder.name, uidvalidity, message, error)
				result.quarantined_uids.append(message.uid)
				continue
			result.stored_uids.append(message.uid)
			if is_new:
				result.new_communications.append(communication)
		self._file(result.new_communications)
		row = self._folder_row(folder.name)
		frappe.db.set_value(
			"Mail Archive Folder",
			row.name,
			{"uidvalidity": uidvalidity, "highest_uid": highest_uid, "last_synced": now_datetime()},
			update_modified=False,
		)
		frappe.db.commit()
		return result

	def _file(self, communications: list[str]) -> None:
		"""Automatic filing of the batch's new mail, in the batch's transaction. A filing error
		leaves the mail stored and unfiled (logged; "Re-file" repairs it), never lost."""
		if not communications or not files_automatically(self.account):
			return
		policy = filing_policy(self.account)
		frappe.db.savepoint("mail_archive_filing")
		try:
			for communication in communications:
				file_automatically(communication, policy)
		except Exception:
			frappe.db.rollback(save_point="mail_archive_filing")
			frappe.log_error(title=f"Mail Archive: filing failed for {self.account.name}")

	def store_message(
		self, folder: FolderConfig, uidvalidity: int, message: FetchedMessage
	) -> tuple[str, bool]:
		parsed = parse_message(message.raw, max_attachment_size=self.max_attachment_size)
		key = message_key(parsed)
		communication = frappe.db.get_value("Communication", {MESSAGE_KEY_FIELD: key})
		is_new = communication is None
		if is_new:
			communication = self._insert_communication(folder, parsed, message, key)
		self._insert_copy(folder.name, uidvalidity, message, communication=communication, key=key)
		return communication, is_new

	def _insert_communication(
		self, folder: FolderConfig, parsed: ParsedMail, message: FetchedMessage, key: str
	) -> str:
		sent = folder.role == "Sent"
		sender = parsed.from_address
		date = parsed.date or message.internaldate
		communication = frappe.new_doc("Communication")
		communication.update(
			{
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Sent" if sent else "Received",
				"subject": (parsed.subject or "(no subject)")[:10000],
				"sender": sender.email if sender else None,
				"sender_full_name": (sender.name or sender.email) if sender else None,
				"recipients": _format_addresses(parsed.to),
				"cc": _format_addresses(parsed.cc),
				"bcc": _format_addresses(parsed.bcc),
				"text_content": parsed.text,
				"communication_date": _system_datetime(date) or now_datetime(),
				"message_id": parsed.message_id,
				"email_account": self.account.email_account,
				"imap_folder": folder.name,
				"uid": message.uid if message.uid < 2**31 else None,
				"seen": int("\\Seen" in message.flags),
				"status": "Open",
				"email_status": "Open",
				"has_attachment": int(bool(parsed.attachments)),
				"mail_archive_bulk": int(parsed.is_bulk),
				MESSAGE_KEY_FIELD: key,
			}
		)
		communication.set_new_name()
		communication.owner = communication.modified_by = self.account.account_owner
		communication.creation = communication.modified = now_datetime()
		communication.content = ""  # filled below, once attachment URLs are known
		communication.db_insert()
		index_addresses(communication.name, parsed)
		content = self._content(parsed, communication.name)
		frappe.db.set_value("Communication", communication.name, "content", content, update_modified=False)
		self._save_raw(communication.name, key, message.raw)
		return communication.name

	def _content(self, parsed: ParsedMail, communication: str) -> str:
		if parsed.html:
			body = clean_email_html(parsed.html)
		else:
			body = "<p>" + html.escape(parsed.text or "").replace("\n", "<br>") + "</p>"
		notes = []
		for attachment in parsed.attachments:
			if attachment.oversized:
				notes.append(
					frappe._(
						"Attachment {0} ({1} KB) exceeds the size limit; it is kept in the raw message."
					).format(html.escape(attachment.filename), attachment.size // 1024)
				)
				continue
			try:
				file_url = self._save_file(communication, attachment.filename, attachment.content or b"")
			except Exception as error:
				notes.append(
					frappe._(
						"Attachment {0} could not be saved ({1}); it is kept in the raw message."
					).format(html.escape(attachment.filename), html.escape(str(error)))
				)
				continue
			if attachment.content_id:
				body = body.replace(f"cid:{attachment.content_id}", file_url)
		if notes:
			body += "".join(f'<p class="mail-archive-attachment-note">{note}</p>' for note in notes)
		return body

	def _save_file(self, communication: str, filename: str, content: bytes) -> str:
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": filename,
				"attached_to_doctype": "Communication",
				"attached_to_name": communication,
				"is_private": 1,
				"content": content,
			}
		)
		file.flags.ignore_permissions = True
		file.insert()
		return file.file_url

	def _save_raw(self, communication: str, key: str, raw: bytes) -> None:
		"""Keep the message as received, whatever its size: nothing parsed wrongly is lost."""
		filename = f"mail-{key[:16]}.eml"
		path = frappe.get_site_path("private", "files", filename)
		with open(path, "wb") as handle:
			handle.write(raw)
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": filename,
				"file_url": f"/private/files/{filename}",
				"attached_to_doctype": "Communication",
				"attached_to_name": communication,
				"is_private": 1,
				"file_size": len(raw),
			}
		)
		file.flags.ignore_permissions = True
		file.insert()

	def _insert_copy(
		self,
		folder: str,
		uidvalidity: int,
		message: FetchedMessage,
		communication: str | None,
		key: str | None,
		status: str = "Stored",
		reason: str | None = None,
		raw_file: str | None = None,
	) -> None:
		copy = frappe.new_doc("Mailbox Copy")
		copy.update(
			{
				"account": self.account.name,
				"folder": folder,
				"uidvalidity": uidvalidity,
				"uid": message.uid,
				"communication": communication,
				"message_key": key,
				"status": status,
				"server_flags": " ".join(message.flags)[:140],
				"seen": int("\\Seen" in message.flags),
				"internal_date": _system_datetime(message.internaldate),
				"size": message.size,
				"quarantine_reason": reason,
				"raw_file": raw_file,
			}
		)
		copy.flags.ignore_permissions = True
		copy.insert()

	def quarantine(self, folder: str, uidvalidity: int, message: FetchedMessage, error: Exception) -> None:
		"""Keep a message that could not be stored, raw, with the reason; the folder moves on."""
		reason = f"{type(error).__name__}: {error}"[:2000]
		filename = f"quarantine-{self.account.name}-{uidvalidity}-{message.uid}.eml"
		filename = re.sub(r"[^A-Za-z0-9._@-]+", "_", filename)
		path = frappe.get_site_path("private", "files", filename)
		with open(path, "wb") as handle:
			handle.write(message.raw)
		self._insert_copy(
			folder,
			uidvalidity,
			message,
			communication=None,
			key=None,
			status="Quarantined",
			reason=reason,
			raw_file=f"/private/files/{filename}",
		)
		frappe.log_error(
			title=f"Mail Archive: quarantined {folder} UID {message.uid}",
			message=reason,
			reference_doctype="Mail Archive Account",
			reference_name=self.account.name,
		)


def read_private_file(file_url: str) -> bytes:
	path = frappe.get_site_path(file_url.lstrip("/"))
	if not os.path.realpath(path).startswith(os.path.realpath(frappe.get_site_path("private", "files"))):
		raise ValueError(f"not a private file: {file_url}")
	with open(path, "rb") as handle:
		return handle.read()
