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
import time
from dataclasses import dataclass

import frappe
from frappe.utils import add_to_date, convert_utc_to_system_timezone, now_datetime

from crm_mail_archive.archive.content import inert_text, safe_file_name, safe_mail_html, valid_content_id
from crm_mail_archive.filing.rules import MailAddresses
from crm_mail_archive.filing.service import (
	ADDRESS_INDEX_FIELDS,
	address_index_rows,
	file_automatically,
	file_batch,
	files_automatically,
	filing_policy,
	index_addresses,
	mail_addresses_of,
)
from crm_mail_archive.filing.threading import thread_reply
from crm_mail_archive.lock_conflicts import is_lock_conflict, retrying_lock_conflicts
from crm_mail_archive.mailbox.client import FetchedMessage
from crm_mail_archive.mailbox.parser import ParsedMail, parse_message
from crm_mail_archive.rows import RowBuffer
from crm_mail_archive.sync.engine import BatchResult, FolderConfig, StoredFolderState

MESSAGE_KEY_FIELD = "mail_archive_key"
STORED_NAME_STEM = re.compile(r"[^\w.\-]+")  # on disk: no separators, traversal, spaces or markup


@dataclass(frozen=True)
class StorageLimits:
	"""Caps that keep one hostile mail from stalling a mailbox (Mail Archive Settings)."""

	max_attachment_size: int = 25 * 1024 * 1024
	max_html_size: int = 2 * 1024 * 1024
	max_attachments: int = 100
	max_addresses: int = 500
	max_mail_size: int = 100 * 1024 * 1024  # only for the note on a mail fetched as headers

	@classmethod
	def from_settings(cls, settings) -> StorageLimits:
		def positive(value, default: int) -> int:
			return int(value) if value and int(value) > 0 else default

		return cls(
			max_attachment_size=positive(settings.max_attachment_size_mb, 25) * 1024 * 1024,
			max_html_size=positive(settings.get("max_html_size_kb"), 2048) * 1024,
			max_attachments=positive(settings.get("max_attachments_per_mail"), 100),
			max_addresses=positive(settings.get("max_addresses_per_mail"), 500),
			max_mail_size=positive(settings.get("max_mail_size_mb"), 100) * 1024 * 1024,
		)


@dataclass
class BatchLookups:
	by_key: dict[str, str]  # message key -> Communication already archived
	desk_sent: set[str]  # Message-IDs of mail sent from the desk, not yet archived
	copies: set[int]  # UIDs of the folder that have their copy already


def message_key(parsed: ParsedMail) -> str:
	if parsed.message_id:
		return hashlib.sha256(f"message-id:{parsed.message_id}".encode()).hexdigest()
	return hashlib.sha256(f"content:{parsed.content_hash}".encode()).hexdigest()


def _format_addresses(addresses) -> str:
	text = ", ".join(f'"{a.name}" <{a.email}>' if a.name else a.email for a in addresses)
	return inert_text(text)


def _system_datetime(value):
	return convert_utc_to_system_timezone(value).replace(tzinfo=None) if value else None


class FrappeArchiveStore:
	"""ArchiveStore for one Mail Archive Account."""

	def __init__(self, account, limits: StorageLimits | None = None):
		self.account = account
		self.limits = limits or StorageLimits()
		self.max_attachment_size = self.limits.max_attachment_size
		# new mail of the running batch -> (Message-ID, In-Reply-To, References), for threading,
		# and -> its addresses, for filing without reading them back
		self._thread_headers: dict[str, tuple] = {}
		self._addresses: dict[str, MailAddresses] = {}

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
			"Mail Archive Folder",
			self._folder_row(folder).name,
			["uidvalidity", "highest_uid", "highest_modseq"],
			as_dict=True,
		)
		return StoredFolderState(
			uidvalidity=values.uidvalidity or None,
			highest_uid=values.highest_uid or 0,
			highest_modseq=int(values.highest_modseq) if (values.highest_modseq or "").isdigit() else None,
		)

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
			{"uidvalidity": uidvalidity, "highest_uid": 0, "highest_modseq": None, "status": ""},
			update_modified=False,
		)
		frappe.db.commit()

	def apply_server_state(
		self,
		folder: str,
		uidvalidity: int,
		flags: dict[int, set[str]],
		present_uids: set[int] | None,
		highest_modseq: int | None,
	) -> tuple[int, int]:
		where = {
			"account": self.account.name,
			"folder": folder,
			"uidvalidity": uidvalidity,
			"status": "Stored",
		}
		changed = 0
		uids = sorted(flags)
		for start in range(0, len(uids), 1000):
			for copy in frappe.get_all(
				"Mailbox Copy",
				{**where, "uid": ("in", uids[start : start + 1000])},
				["name", "uid", "server_flags", "communication"],
			):
				server_flags = " ".join(sorted(flags[copy.uid]))[:140]
				if server_flags == (copy.server_flags or ""):
					continue
				seen = int("\\Seen" in flags[copy.uid])
				frappe.db.set_value(
					"Mailbox Copy",
					copy.name,
					{"server_flags": server_flags, "seen": seen},
					update_modified=False,
				)
				frappe.db.set_value("Communication", copy.communication, "seen", seen, update_modified=False)
				changed += 1
		gone = []
		if present_uids is not None:
			gone = [
				copy.name
				for copy in frappe.get_all("Mailbox Copy", where, ["name", "uid"])
				if copy.uid not in present_uids
			]
			for start in range(0, len(gone), 1000):
				frappe.db.delete("Mailbox Copy", {"name": ("in", gone[start : start + 1000])})
		frappe.db.set_value(
			"Mail Archive Folder",
			self._folder_row(folder).name,
			"highest_modseq",
			str(highest_modseq) if highest_modseq is not None else None,
			update_modified=False,
		)
		frappe.db.commit()
		return changed, len(gone)

	# --- storing -------------------------------------------------------------------------------

	def store_batch(
		self, folder: FolderConfig, uidvalidity: int, messages: list[FetchedMessage], highest_uid: int
	) -> BatchResult:
		# a fresh snapshot, and the moment it was taken: see _file_again_if_crm_changed
		snapshot_taken = now_datetime()
		result = retrying_lock_conflicts(
			lambda: self._store_batch_once(folder, uidvalidity, messages, highest_uid), self._forget_batch
		)
		# the batch is committed: a conflict from here on repeats only this step, never the batch
		# (run again, the batch would find its mail stored and file nothing)
		retrying_lock_conflicts(
			lambda: self._file_again_if_crm_changed(result.new_communications, snapshot_taken),
			self._forget_batch,
		)
		return result

	def _forget_batch(self) -> None:
		self._thread_headers.clear()
		self._addresses.clear()

	def _store_batch_once(
		self, folder: FolderConfig, uidvalidity: int, messages: list[FetchedMessage], highest_uid: int
	) -> BatchResult:
		frappe.db.commit()  # a fresh snapshot
		parsed: dict[int, ParsedMail | Exception] = {}
		for message in messages:
			try:
				parsed[message.uid] = parse_message(message.raw, max_attachment_size=self.max_attachment_size)
			except Exception as error:  # quarantined below, with the others' savepoint handling
				parsed[message.uid] = error
		frappe.db.savepoint("mail_archive_batch")
		try:
			result = self._store_messages(folder, uidvalidity, messages, parsed, together=True)
		except Exception as error:
			if is_lock_conflict(error):
				raise
			# a row the database refused: once more one mail at a time, to quarantine just that one
			frappe.db.rollback(save_point="mail_archive_batch")
			self._thread_headers.clear()
			self._addresses.clear()
			result = self._store_messages(folder, uidvalidity, messages, parsed, together=False)
		self._file(result.new_communications)
		self._thread_headers.clear()
		self._addresses.clear()
		row = self._folder_row(folder.name)
		frappe.db.set_value(
			"Mail Archive Folder",
			row.name,
			{"uidvalidity": uidvalidity, "highest_uid": highest_uid, "last_synced": now_datetime()},
			update_modified=False,
		)
		frappe.db.commit()
		return result

	def _store_messages(
		self,
		folder: FolderConfig,
		uidvalidity: int,
		messages: list[FetchedMessage],
		parsed: dict,
		together: bool,
	) -> BatchResult:
		"""Store the batch's mails. Together: every mail's rows are built first and written with
		one INSERT per table (the fast path). Otherwise each mail is written on its own, behind a
		savepoint. Either way a mail that fails is quarantined and the others are stored."""
		result = BatchResult()
		lookups = self._batch_lookups(folder.name, uidvalidity, parsed)
		batch_rows = RowBuffer()
		for message in messages:
			if not together:
				frappe.db.savepoint("mail_archive_message")
			# together: kept until the batch is written; otherwise store_message writes them
			mail_rows = RowBuffer() if together else None
			try:
				if isinstance(parsed[message.uid], Exception):
					raise parsed[message.uid]
				communication, is_new = self.store_message(
					folder, uidvalidity, message, parsed=parsed[message.uid], lookups=lookups, rows=mail_rows
				)
			except Exception as error:
				if is_lock_conflict(error):
					raise  # the savepoint may be gone with the transaction: the whole batch runs again
				if not together:
					frappe.db.rollback(save_point="mail_archive_message")
				self.quarantine(folder.name, uidvalidity, message, error)
				result.quarantined_uids.append(message.uid)
				continue
			if together:
				batch_rows.extend(mail_rows)
			result.stored_uids.append(message.uid)
			if is_new:
				result.new_communications.append(communication)
		if together:
			batch_rows.write()
		return result

	def _file_again_if_crm_changed(self, communications: list[str], snapshot_taken) -> None:
		"""Close the race with retroactive filing: a Contact, link or Lead committed while this
		batch ran was invisible to the batch's filing, and the batch's mail was invisible to the
		retroactive job started for it. Filing is idempotent, so the batch files once more."""
		if not communications:
			return
		since = add_to_date(snapshot_taken, seconds=-5)  # clock and commit skew
		changed = any(
			frappe.db.exists(doctype, {"modified": (">=", since)})
			for doctype in ("Contact", "Lead", "Customer", "Supplier")
		)
		if changed:
			self._file(communications)
			frappe.db.commit()

	def _file(self, communications: list[str]) -> None:
		"""Automatic filing of the batch's new mail, in the batch's transaction. A filing error
		leaves the mail stored and unfiled (logged; "Re-file" repairs it), never lost."""
		if not communications or not files_automatically(self.account):
			return
		policy = filing_policy(self.account)
		frappe.db.savepoint("mail_archive_filing")
		try:
			for communication in communications:
				if headers := self._thread_headers.get(communication):
					thread_reply(communication, *headers)
			known = {c: self._addresses[c] for c in communications if c in self._addresses}
			file_batch(known, policy)
			for communication in communications:  # filed again later (no addresses in memory)
				if communication not in known:
					file_automatically(communication, policy)
		except Exception as error:
			if is_lock_conflict(error):
				raise
			frappe.db.rollback(save_point="mail_archive_filing")
			frappe.log_error(title=f"Mail Archive: filing failed for {self.account.name}")

	def _batch_lookups(self, folder: str, uidvalidity: int, parsed: dict) -> BatchLookups:
		"""What store_message would ask the database once per mail, asked once per batch."""
		mails = {uid: mail for uid, mail in parsed.items() if not isinstance(mail, Exception)}
		keys = [message_key(mail) for mail in mails.values()]
		by_key = {
			row.key: row.name
			for row in frappe.get_all(
				"Communication",
				{MESSAGE_KEY_FIELD: ("in", keys or [""])},
				["name", f"{MESSAGE_KEY_FIELD} as `key`"],
			)
		}
		message_ids = [
			mail.message_id for mail in mails.values() if mail.message_id and message_key(mail) not in by_key
		]
		desk_sent = set(
			frappe.get_all(
				"Communication",
				{
					"message_id": ("in", message_ids or [""]),
					"sent_or_received": "Sent",
					MESSAGE_KEY_FIELD: ("is", "not set"),
				},
				pluck="message_id",
			)
		)
		copies = set(
			frappe.get_all(
				"Mailbox Copy",
				{
					"account": self.account.name,
					"folder": folder,
					"uidvalidity": uidvalidity,
					"uid": ("in", list(parsed) or [0]),
				},
				pluck="uid",
			)
		)
		return BatchLookups(by_key=by_key, desk_sent=desk_sent, copies=copies)

	def store_message(
		self,
		folder: FolderConfig,
		uidvalidity: int,
		message: FetchedMessage,
		parsed: ParsedMail | None = None,
		lookups: BatchLookups | None = None,
		rows: RowBuffer | None = None,
	) -> tuple[str, bool]:
		"""Store one mail. With `rows`, its new rows are added there for the caller to write (the
		mail's bookkeeping in memory is updated as if written); without, they are written here."""
		write_now = rows is None
		rows = RowBuffer() if write_now else rows
		parsed = parsed or parse_message(message.raw, max_attachment_size=self.max_attachment_size)
		key = message_key(parsed)
		if lookups is None:
			lookups = self._batch_lookups(folder.name, uidvalidity, {message.uid: parsed})
		communication = lookups.by_key.get(key)
		is_new = communication is None
		if is_new and parsed.message_id in lookups.desk_sent:
			# new to the archive, and filed like new mail, but not inserted again
			communication = self._adopt_desk_mail(parsed, key)
		if communication is None:
			communication = self._new_communication(folder, parsed, message, key, rows)
			self._thread_headers[communication] = (parsed.message_id, parsed.in_reply_to, parsed.references)
		if message.uid not in lookups.copies:  # a copy the desk moved here is known already
			self._insert_copy(
				folder.name, uidvalidity, message, communication=communication, key=key, rows=rows
			)
		if write_now:
			rows.write()
		# only now that all of it is built (a failure leaves this mail out)
		lookups.copies.add(message.uid)
		lookups.by_key[key] = communication  # the same mail twice in one batch is one Communication
		if is_new:
			self._addresses[communication] = mail_addresses_of(
				parsed, sent=folder.role == "Sent", limit=self.limits.max_addresses
			)
		return communication, is_new

	def _adopt_desk_mail(self, parsed: ParsedMail, key: str) -> str | None:
		"""Mail sent from the desk comes back through the Sent folder with the Message-ID Frappe
		gave it: it is the same mail, so its Communication takes the copy (no duplicate)."""
		communication = frappe.db.get_value(
			"Communication",
			{
				"message_id": parsed.message_id,
				"communication_medium": "Email",
				"sent_or_received": "Sent",
				MESSAGE_KEY_FIELD: ("is", "not set"),
			},
			"name",
		)
		if communication:
			frappe.db.set_value("Communication", communication, MESSAGE_KEY_FIELD, key, update_modified=False)
			index_addresses(communication, parsed, limit=self.limits.max_addresses)
		return communication

	def _new_communication(
		self, folder: FolderConfig, parsed: ParsedMail, message: FetchedMessage, key: str, rows: RowBuffer
	) -> str:
		sent = folder.role == "Sent"
		sender = parsed.from_address
		date = parsed.date or message.internaldate
		# header values are stored inert (see content.py); the exact headers stay in the raw mail
		communication = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Sent" if sent else "Received",
				"subject": inert_text(parsed.subject or "(no subject)")[:10000],
				# an address beyond RFC 5321's 254 characters is no address (it stays in the raw mail)
				"sender": inert_text(sender.email) if sender and len(sender.email) <= 254 else None,
				"sender_full_name": inert_text(sender.name or sender.email)[:140] if sender else None,
				"recipients": _format_addresses(parsed.to),
				"cc": _format_addresses(parsed.cc),
				"bcc": _format_addresses(parsed.bcc),
				"text_content": parsed.text,
				"communication_date": _system_datetime(date) or now_datetime(),
				"message_id": inert_text(parsed.message_id),
				"email_account": self.account.email_account,
				"imap_folder": inert_text(folder.name),
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
		attachment_rows = RowBuffer()  # after the Communication: File rows name it
		communication.content = self._content(parsed, communication.name, attachment_rows)
		if message.headers_only:
			communication.content += '<p class="mail-archive-attachment-note">{}</p>'.format(
				frappe._(
					"This mail is {0} MB, more than the limit of {1} MB: only its headers are archived, the whole mail stays on the mail server."
				).format(round(message.size / 1024 / 1024, 1), self.limits.max_mail_size // 1024 // 1024)
			)
		rows.add(communication)
		rows.extend(attachment_rows)
		for row in address_index_rows(communication.name, parsed, limit=self.limits.max_addresses):
			rows.add_row("Mail Address Index", dict(zip(ADDRESS_INDEX_FIELDS, row, strict=True)))
		self._save_raw(communication.name, message.raw, rows)
		return communication.name

	def _content(self, parsed: ParsedMail, communication: str, rows: RowBuffer) -> str:
		"""The mail's body for the desk, its attachments saved as files (cid: images point at
		them), and a visible note for whatever a cap kept out (it stays in the raw message)."""
		limits = self.limits
		notes = []
		cid_urls: dict[str, str] = {}
		for index, attachment in enumerate(parsed.attachments):
			name = html.escape(safe_file_name(attachment.filename))
			if index >= limits.max_attachments:
				notes.append(
					frappe._(
						"This mail has {0} attachments; the first {1} are saved as files, all are kept in the original message."
					).format(len(parsed.attachments), limits.max_attachments)
				)
				break
			if attachment.oversized:
				notes.append(
					frappe._(
						"Attachment {0} ({1} KB) exceeds the size limit; it is kept in the raw message."
					).format(name, attachment.size // 1024)
				)
				continue
			try:
				file_url = self._save_file(
					communication, attachment.filename, attachment.content or b"", rows
				)
			except Exception as error:
				notes.append(
					frappe._(
						"Attachment {0} could not be saved ({1}); it is kept in the raw message."
					).format(name, html.escape(str(error)))
				)
				continue
			if content_id := valid_content_id(attachment.content_id):
				cid_urls.setdefault(content_id, file_url)
		if parsed.html:
			source = parsed.html
			if len(source) > limits.max_html_size:
				source = source[: limits.max_html_size]
				notes.append(
					frappe._(
						"This mail's HTML is larger than {0} KB; the part shown is cut there, the whole mail is kept in the original message."
					).format(limits.max_html_size // 1024)
				)
			body = safe_mail_html(source, cid_urls)
		else:
			body = "<p>" + html.escape(parsed.text or "").replace("\n", "<br>") + "</p>"
		addresses = address_count(parsed)
		if addresses > limits.max_addresses:
			notes.append(
				frappe._(
					"This mail names {0} addresses; the first {1} are used for filing, all are kept in the original message."
				).format(addresses, limits.max_addresses)
			)
		if notes:
			body += "".join(f'<p class="mail-archive-attachment-note">{note}</p>' for note in notes)
		return body

	def _save_file(self, communication: str, filename: str, content: bytes, rows: RowBuffer) -> str:
		"""An attachment as a private File of the mail. Written directly (no File.insert): the
		import must not run File's hooks per attachment, nor refuse a file Frappe cannot open
		(a damaged PDF is still the customer's attachment)."""
		display_name = safe_file_name(filename)
		stem, dot, extension = display_name.rpartition(".")
		stem = STORED_NAME_STEM.sub("_", stem if dot else extension).strip("._")[:60] or "attachment"
		extension = STORED_NAME_STEM.sub("", extension)[:12] if dot else ""
		return self._write_private_file(communication, display_name, stem, extension, content, rows)

	def _save_raw(self, communication: str, raw: bytes, rows: RowBuffer) -> None:
		"""Keep the message as received, whatever its size (above the site's upload limit too):
		nothing parsed wrongly is lost."""
		self._write_private_file(communication, None, "mail", "eml", raw, rows)

	def _write_private_file(
		self,
		communication: str,
		display_name: str | None,
		stem: str,
		extension: str,
		content: bytes,
		rows: RowBuffer,
	) -> str:
		"""Content-addressed: the stored name carries the SHA-256 of the bytes, so a name is never
		taken by other bytes, and an existing file is never written over."""
		stored_name = stored_file_name(stem, extension, content)
		write_content_addressed(frappe.get_site_path("private", "files", stored_name), content)
		now = now_datetime()
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": display_name or stored_name,
				"file_url": f"/private/files/{stored_name}",
				"attached_to_doctype": "Communication",
				"attached_to_name": communication,
				"is_private": 1,
				"file_size": len(content),
				# Frappe's own hash (MD5): its File deletion keeps bytes other File rows share
				"content_hash": hashlib.md5(content, usedforsecurity=False).hexdigest(),
				"folder": "Home/Attachments",
				"owner": "Administrator",
				"modified_by": "Administrator",
				"creation": now,
				"modified": now,
			}
		)
		rows.add(file)
		return file.file_url

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
		rows: RowBuffer | None = None,
	) -> None:
		copy = frappe.get_doc(
			{
				"doctype": "Mailbox Copy",
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
		# a row, not insert(): a copy is bookkeeping, no hooks to run (one per mail, in the hot path)
		copy.owner = copy.modified_by = "Administrator"
		copy.creation = copy.modified = now_datetime()
		if rows is None:
			copy.db_insert()
		else:
			rows.add(copy)

	def quarantine(self, folder: str, uidvalidity: int, message: FetchedMessage, error: Exception) -> None:
		"""Keep a message that could not be stored, raw, with the reason; the folder moves on."""
		reason = inert_text(f"{type(error).__name__}: {error}")[:2000]
		stored_name = stored_file_name("quarantine", "eml", message.raw)
		write_content_addressed(frappe.get_site_path("private", "files", stored_name), message.raw)
		self._insert_copy(
			folder,
			uidvalidity,
			message,
			communication=None,
			key=None,
			status="Quarantined",
			reason=reason,
			raw_file=f"/private/files/{stored_name}",
		)
		frappe.log_error(
			title=f"Mail Archive: quarantined UID {message.uid}",
			message=reason,
			reference_doctype="Mail Archive Account",
			reference_name=self.account.name,
		)


def address_count(parsed: ParsedMail) -> int:
	return (
		int(parsed.from_address is not None)
		+ len(parsed.reply_to)
		+ len(parsed.to)
		+ len(parsed.cc)
		+ len(parsed.bcc)
	)


def stored_file_name(stem: str, extension: str, content: bytes) -> str:
	"""`<stem>-<SHA-256 of the bytes>.<extension>`: the name says which bytes it holds."""
	digest = hashlib.sha256(content).hexdigest()
	return f"{stem}-{digest}.{extension}" if extension else f"{stem}-{digest}"


def write_content_addressed(path: str, content: bytes) -> None:
	"""Write the bytes unless the file exists: by its name it already holds exactly these."""
	try:
		with open(path, "xb") as handle:
			handle.write(content)
	except FileExistsError:
		if os.path.getsize(path) != len(content):  # a torn write of a killed worker: finish it
			with open(path, "wb") as handle:
				handle.write(content)


def read_private_file(file_url: str) -> bytes:
	path = frappe.get_site_path(file_url.lstrip("/"))
	if not os.path.realpath(path).startswith(os.path.realpath(frappe.get_site_path("private", "files"))):
		raise ValueError(f"not a private file: {file_url}")
	with open(path, "rb") as handle:
		return handle.read()
