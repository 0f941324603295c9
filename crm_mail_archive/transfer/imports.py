"""Importing mail kept in files (.eml, .msg, .mbox, Outlook's .pst/.ost) into one Mail Archive
Account, through the same ingest path as synced mail: stored once (by Message-ID, else content),
indexed, threaded, filed by the account's rules, a file that holds no mail quarantined with the
reason; and filed by hand ("Manual") at the record it was dropped on.

An imported mail's place is a Mailbox Copy in the account's "Import" folder under UIDVALIDITY 0,
which no server folder has (RFC 3501: UIDVALIDITY is a non-zero number): the sync and the
server actions leave such copies alone. Its UID is taken from the SHA-256 of the message, so
importing the same file again finds its copy and adds nothing. A mail of an Outlook data file
keeps its folder there: its copy is in "Import/<folder path>" ("Import/Inbox/Projects").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import frappe

from crm_mail_archive.contracts import FolderBatch, FolderConfig
from crm_mail_archive.filing import manual
from crm_mail_archive.filing.policy import filing_policy
from crm_mail_archive.infra import audit
from crm_mail_archive.infra.jobs import BULK_QUEUE
from crm_mail_archive.infra.text import as_text
from crm_mail_archive.ingest import Ingest
from crm_mail_archive.mailbox.client import IMPORT_UIDVALIDITY, FetchedMessage
from crm_mail_archive.mailbox.containers import FileMessage, read_messages
from crm_mail_archive.mailbox.containers import count_messages as messages_in_file
from crm_mail_archive.mailbox.parser import ParsedMail, parse_message
from crm_mail_archive.storage.copies import IMPORT_FOLDER
from crm_mail_archive.storage.limits import StorageLimits

BATCH_SIZE = 50
Progress = Callable[[int, int], None]  # (messages done, messages in all)


class NotAMail(Exception):
	"""A file or mbox entry that holds no mail (kept, quarantined, with this reason)."""


@dataclass
class ImportResult:
	messages: int = 0  # messages read from the files
	new: int = 0  # new to the archive
	known: int = 0  # archived already (synced, or imported before)
	quarantined: list[str] = field(default_factory=list)  # "source: reason"
	filed: int = 0  # mails filed at the record the files were dropped on
	communications: list[str] = field(default_factory=list)  # every mail the files hold

	def as_dict(self) -> dict:
		return {
			"messages": self.messages,
			"new": self.new,
			"known": self.known,
			"quarantined": len(self.quarantined),
			"quarantine_reasons": self.quarantined[:20],
			"filed": self.filed,
		}


def message_uid(raw: bytes) -> int:
	"""A UID for an imported message: 63 bits of its SHA-256 (a signed BIGINT holds it)."""
	return int.from_bytes(hashlib.sha256(raw).digest()[:8], "big") >> 1


def count_messages(paths: Iterable[tuple[str, str]]) -> int:
	return sum(messages_in_file(path, label) for path, label in paths)


def import_folder(message: FileMessage) -> str:
	"""The folder of an imported mail's copy: "Import", or "Import/<its folder in the file>"."""
	if not message.folder:
		return IMPORT_FOLDER
	return f"{IMPORT_FOLDER}/{message.folder}"[:140]


class MailImport:
	"""An import into one account, optionally filing every mail at one record."""

	def __init__(self, account_name: str, file_at: tuple[str, str] | None = None, user: str | None = None):
		self.account = frappe.get_doc("Mail Archive Account", account_name)
		self.file_at = file_at
		self.user = user or frappe.session.user
		self.limits = StorageLimits.from_settings(frappe.get_cached_doc("Mail Archive Settings"))
		self.ingest = Ingest(self.account, self.limits)
		self.ingest.attachment_queue = BULK_QUEUE  # an import's attachments never delay synced mail's
		self.own_addresses = filing_policy(self.account).own_addresses

	def run(self, paths: list[tuple[str, str]], on_progress: Progress | None = None) -> ImportResult:
		"""Import (path, label) files. Each batch is committed: a failure later keeps what was
		imported before it, and importing again adds only the rest."""
		total = count_messages(paths) if on_progress else 0
		result = ImportResult()
		pending: list[FileMessage] = []
		for path, label in paths:
			for message in read_messages(path, label):
				pending.append(message)
				if len(pending) >= BATCH_SIZE:
					self._batch(pending, result)
					pending = []
					if on_progress:
						on_progress(result.messages, total)
		if pending:
			self._batch(pending, result)
		if on_progress:
			on_progress(result.messages, total)
		return result

	def _batch(self, messages: list[FileMessage], result: ImportResult) -> None:
		by_copy: dict[tuple[str, int], FileMessage] = {}
		for message in messages:
			# what holds no mail is told apart by where it came from (its bytes may be none)
			identity = message.raw if not message.error else message.source.encode() + message.raw
			by_copy.setdefault((import_folder(message), message_uid(identity)), message)
		groups: dict[tuple[str, str], tuple[list[FetchedMessage], dict]] = {}
		for (folder, uid), message in by_copy.items():
			parsed = self._parse(message)
			role = "Sent" if self._sent_by_account(parsed) else "Inbox"
			fetched, parsed_by_uid = groups.setdefault((folder, role), ([], {}))
			fetched.append(
				FetchedMessage(
					uid=uid, raw=message.raw, flags=("\\Seen",), internaldate=None, size=len(message.raw)
				)
			)
			parsed_by_uid[uid] = parsed
		new = quarantined = 0
		for (folder, role), (fetched, parsed_by_uid) in groups.items():
			batch = self.ingest.store_batch(
				FolderBatch(FolderConfig(folder, role), IMPORT_UIDVALIDITY, fetched, parsed=parsed_by_uid)
			)
			result.quarantined.extend(self._quarantine_reasons(folder, batch.quarantined_uids))
			new += len(batch.new_communications)
			quarantined += len(batch.quarantined_uids)
		result.messages += len(messages)
		result.new += new
		result.known += len(messages) - new - quarantined
		stored = sorted(set(self._stored_copies(list(by_copy)).values()))
		result.communications.extend(stored)
		if self.file_at:
			doctype, name = self.file_at
			for communication in stored:
				manual.file_by_hand(communication, doctype, name, "Manual", self.user)
			audit.record("Filed", stored, reference=(doctype, name), detail="import", user=self.user)
			result.filed += len(stored)
			frappe.db.commit()

	def _parse(self, message: FileMessage) -> ParsedMail | Exception:
		if message.error:
			return NotAMail(f"{message.source}: {message.error}")
		try:
			return parse_message(message.raw, max_attachment_size=self.limits.max_attachment_size)
		except Exception as error:  # quarantined with its reason, the others go on
			return error

	def _sent_by_account(self, parsed: ParsedMail | Exception) -> bool:
		return (
			isinstance(parsed, ParsedMail)
			and parsed.from_address is not None
			and parsed.from_address.email.lower() in self.own_addresses
		)

	def _quarantine_reasons(self, folder: str, uids: list[int]) -> list[str]:
		reasons = frappe.get_all(
			"Mailbox Copy",
			{
				"account": self.account.name,
				"folder": folder,
				"uidvalidity": IMPORT_UIDVALIDITY,
				"uid": ("in", uids or [0]),
				"status": "Quarantined",
			},
			pluck="quarantine_reason",
		)
		return [as_text(reason) for reason in reasons]  # stored inert; shown escaped

	def _stored_copies(self, copies: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
		wanted = set(copies)
		return {
			(row.folder, row.uid): row.communication
			for row in frappe.get_all(
				"Mailbox Copy",
				{
					"account": self.account.name,
					"folder": ("in", sorted({folder for folder, _uid in copies}) or [IMPORT_FOLDER]),
					"uidvalidity": IMPORT_UIDVALIDITY,
					"uid": ("in", sorted({uid for _folder, uid in copies}) or [0]),
					"status": "Stored",
				},
				["folder", "uid", "communication"],
			)
			if (row.folder, row.uid) in wanted
		}
