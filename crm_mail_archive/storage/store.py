"""Persist a batch of parsed mails of one folder: a Communication per new mail (found again by its
message key), a Mailbox Copy per place on the server, the raw message and attachments as files,
and a quarantined copy for a mail that cannot be stored. Returns what it stored; the caller owns
the transaction and decides what happens next (ingest.py: index, thread, file).

Fast path: every mail's rows are built first and written with one INSERT per table. When the
database refuses a row, the batch is stored once more one mail at a time behind savepoints, so
only that mail is quarantined.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import frappe

from crm_mail_archive.contracts import FolderBatch
from crm_mail_archive.infra.conflicts import is_lock_conflict
from crm_mail_archive.infra.rows import RowBuffer
from crm_mail_archive.mailbox.client import FetchedMessage
from crm_mail_archive.mailbox.parser import ParsedMail
from crm_mail_archive.storage.communications import MESSAGE_KEY_FIELD, add_communication, message_key
from crm_mail_archive.storage.copies import add_copy, quarantine
from crm_mail_archive.storage.files import FileWrites, stored_attachments
from crm_mail_archive.storage.limits import StorageLimits

# rows the caller wants written together with a new mail (doctype, row): its address index
ExtraRows = Callable[[str, ParsedMail], list[tuple[str, dict]]]


@dataclass
class StoredMail:
	communication: str
	parsed: ParsedMail
	inserted: bool  # False: a mail sent from the desk came back and its Communication took the copy


@dataclass
class StoredBatch:
	new: list[StoredMail] = field(default_factory=list)  # mails new to the archive
	stored_uids: list[int] = field(default_factory=list)  # new copies (new mail or a known mail seen here)
	quarantined_uids: list[int] = field(default_factory=list)


@dataclass
class _Lookups:
	by_key: dict[str, str]  # message key -> Communication already archived
	desk_sent: set[str]  # Message-IDs of mail sent from the desk, not yet archived
	copies: set[int]  # UIDs of the folder that have their copy already
	quarantined: dict[int, str]  # UIDs of the folder quarantined before -> that copy
	erased: set[str]  # message keys of mail erased on request: never stored again


@dataclass
class _Run:
	"""One attempt at storing a batch: together (one multi-row INSERT) or one mail at a time."""

	batch: FolderBatch
	extra_rows: ExtraRows | None
	together: bool
	writes: FileWrites | None = None
	lookups: _Lookups | None = None


_ERASED = StoredMail("", None, inserted=False)  # (a marker: the mail was erased on request)


def _attachment_digests(parsed: dict) -> set[str]:
	return {
		hashlib.sha256(attachment.content).hexdigest()
		for mail in parsed.values()
		if not isinstance(mail, Exception)
		for attachment in mail.attachments
		if attachment.content
	}


class MailStore:
	"""Storage for one Mail Archive Account."""

	def __init__(self, account, limits: StorageLimits | None = None):
		self.account = account
		self.limits = limits or StorageLimits()

	def persist(self, batch: FolderBatch, extra_rows: ExtraRows | None = None) -> StoredBatch:
		"""The batch's mails (every one in `batch.parsed`: a ParsedMail or the error that stopped
		its parsing) stored, with the rows `extra_rows` adds per new mail; nothing committed."""
		frappe.db.savepoint("mail_archive_batch")
		try:
			return self._persist(_Run(batch, extra_rows, together=True))
		except Exception as error:
			if is_lock_conflict(error):
				raise
			# a row the database refused: once more one mail at a time, to quarantine just that one
			frappe.db.rollback(save_point="mail_archive_batch")
			return self._persist(_Run(batch, extra_rows, together=False))

	def _persist(self, run: _Run) -> StoredBatch:
		# together: files are written beside the rows; one at a time: at once, so that a file the
		# disk refuses is noted on its mail. Attachments the archive holds already are not written.
		run.writes = FileWrites(
			in_background=run.together, stored=stored_attachments(_attachment_digests(run.batch.parsed))
		)
		try:
			stored = self._persist_with(run)
		except BaseException:
			run.writes.abandon()
			raise
		run.writes.finish()  # every file on disk before the caller commits the rows naming them
		return stored

	def _persist_with(self, run: _Run) -> StoredBatch:
		batch, together = run.batch, run.together
		stored_batch = StoredBatch()
		run.lookups = self._lookups(batch.folder.name, batch.uidvalidity, batch.parsed)
		batch_rows = RowBuffer()
		for message in batch.messages:
			if not together:
				frappe.db.savepoint("mail_archive_message")
			mail_rows = RowBuffer()
			try:
				if isinstance(batch.parsed[message.uid], Exception):
					raise batch.parsed[message.uid]
				stored = self._store(run, message, mail_rows)
				if not together:
					mail_rows.write()
			except Exception as error:
				if is_lock_conflict(error):
					raise  # the savepoint may be gone with the transaction: the whole batch runs again
				if not together:
					frappe.db.rollback(save_point="mail_archive_message")
				quarantine(
					self.account.name,
					batch.folder.name,
					batch.uidvalidity,
					message,
					error,
					run.lookups.quarantined.get(message.uid),
				)
				stored_batch.quarantined_uids.append(message.uid)
				continue
			# only now that all of it is built (a failure leaves this mail out)
			key = message_key(batch.parsed[message.uid])
			if stored is _ERASED:
				stored_batch.stored_uids.append(message.uid)  # the folder moves on; nothing is kept
				continue
			run.lookups.copies.add(message.uid)
			if together:
				batch_rows.extend(mail_rows)
			stored_batch.stored_uids.append(message.uid)
			if stored:
				run.lookups.by_key[key] = stored.communication  # the same mail twice in a batch is one
				stored_batch.new.append(stored)
		if together:
			batch_rows.write()
		return stored_batch

	def _store(self, run: _Run, message: FetchedMessage, rows: RowBuffer) -> StoredMail | None:
		"""One mail's rows into `rows`; the mail if it is new to the archive."""
		batch, lookups = run.batch, run.lookups
		parsed = batch.parsed[message.uid]
		key = message_key(parsed)
		if key in lookups.erased:
			return _ERASED  # erased on request (GDPR): a new sync of the mailbox must not bring it back
		communication = lookups.by_key.get(key)
		stored = None
		if communication is None:
			if parsed.message_id in lookups.desk_sent:
				# new to the archive, and filed like new mail, but not inserted again
				communication = self._adopt_desk_mail(parsed, key)
				stored = StoredMail(communication, parsed, inserted=False) if communication else None
			if communication is None:
				communication = add_communication(
					rows,
					self.account,
					batch.folder.name,
					batch.folder.role == "Sent",
					parsed,
					message,
					key,
					self.limits,
					run.writes,
				)
				stored = StoredMail(communication, parsed, inserted=True)
			for doctype, values in run.extra_rows(communication, parsed) if run.extra_rows else ():
				rows.add(doctype, values)
		if quarantined := lookups.quarantined.get(message.uid):  # stored now: the copy is no longer
			frappe.db.set_value(
				"Mailbox Copy",
				quarantined,
				{
					"status": "Stored",
					"communication": communication,
					"message_key": key,
					"quarantine_reason": None,
					"raw_file": None,  # the Communication keeps the raw message now
				},
				update_modified=False,
			)
		elif message.uid not in lookups.copies:  # a copy the desk moved here is known already
			add_copy(
				rows, self.account.name, batch.folder.name, batch.uidvalidity, message, communication, key
			)
		return stored

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
		return communication

	def _lookups(self, folder: str, uidvalidity: int, parsed: dict) -> _Lookups:
		"""What storing a mail would ask the database once per mail, asked once per batch."""
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
		copies, quarantined = set(), {}
		for copy in frappe.get_all(
			"Mailbox Copy",
			{
				"account": self.account.name,
				"folder": folder,
				"uidvalidity": uidvalidity,
				"uid": ("in", list(parsed) or [0]),
			},
			["name", "uid", "status"],
		):
			if copy.status == "Quarantined":
				quarantined[copy.uid] = copy.name
			else:
				copies.add(copy.uid)
		erased = set(frappe.get_all("Mail Archive Erased Key", {"name": ("in", keys or [""])}, pluck="name"))
		return _Lookups(
			by_key=by_key, desk_sent=desk_sent, copies=copies, quarantined=quarantined, erased=erased
		)
