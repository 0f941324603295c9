"""Getting a mail in: one use case for every way mail arrives (a sync batch, the retry of a
quarantined mail, and any later import).

parse → persist → index → thread → file, for a batch, in one transaction:
- parse each mail (a mail that cannot be parsed is quarantined, the others go on);
- persist through storage (Communications, files, copies; one INSERT per table);
- index the new mails' addresses and words (written with them; the attachments' words are read
  by a background job after the commit);
- thread replies to the mail they answer, and file the new mails automatically (account rules);
- advance the folder's state, and commit.
A batch that loses a deadlock or lock wait to a filing job or another worker runs again. After
the commit, the batch is filed once more if the CRM changed while it ran (retroactive filing
could not see its mail, and its filing could not see the change).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, get_system_timezone, now_datetime

from crm_mail_archive.contracts import BatchResult, FolderBatch, FolderConfig, StoredFolderState
from crm_mail_archive.document_numbers.filing import file_parsed_mails
from crm_mail_archive.filing.address_index import ADDRESS_INDEX, index_rows
from crm_mail_archive.filing.automatic import file_mails
from crm_mail_archive.filing.deals import deal_rule, file_open_deals
from crm_mail_archive.filing.einvoice import enqueue_einvoices
from crm_mail_archive.filing.policy import files_automatically, filing_policy, internal_domains
from crm_mail_archive.filing.rules import MailAddresses
from crm_mail_archive.filing.threads import Reply, file_desk_answer, thread_replies
from crm_mail_archive.infra import archive_files
from crm_mail_archive.infra.conflicts import is_lock_conflict, retrying_lock_conflicts
from crm_mail_archive.infra.jobs import LIVE_QUEUE
from crm_mail_archive.infra.rows import RowBuffer
from crm_mail_archive.live import mail_changed
from crm_mail_archive.mailbox.client import FetchedMessage
from crm_mail_archive.mailbox.journal import envelope_addresses
from crm_mail_archive.mailbox.parser import ParsedMail, parse_message
from crm_mail_archive.search.index import enqueue_attachment_text, search_row
from crm_mail_archive.storage.communications import MESSAGE_KEY_FIELD, message_key
from crm_mail_archive.storage.desk_mail import keep_desk_mail
from crm_mail_archive.storage.folders import FolderStates
from crm_mail_archive.storage.limits import StorageLimits
from crm_mail_archive.storage.store import MailStore, StoredBatch, StoredMail
from crm_mail_archive.storage.wrapped import unwrap_batch, unwraps


def mail_addresses(parsed: ParsedMail, sent: bool, limit: int) -> MailAddresses:
	"""The addresses of a mail as filing sees them: the first `limit` of them (From first), so
	that one mail with thousands of recipients cannot flood the index or the filing."""
	sent = sent if getattr(parsed, "sent", None) is None else parsed.sent  # (an unwrapped mail's own)
	envelope = envelope_addresses(parsed)  # a journal's recipients the headers hide
	groups = []
	for addresses in (
		[parsed.from_address] if parsed.from_address else [],
		parsed.reply_to,
		[*parsed.to, *envelope["To"]],
		[*parsed.cc, *envelope["Cc"]],
		[*parsed.bcc, *envelope["Bcc"]],
	):
		groups.append(
			tuple(getattr(address, "email", address)[:255] for address in addresses[: max(0, limit)])
		)
		limit -= len(groups[-1])
	sender, reply_to, to, cc, bcc = groups
	return MailAddresses(
		sent=sent,
		sender=sender[0] if sender else None,
		reply_to=reply_to,
		to=to,
		cc=cc,
		bcc=bcc,
		is_bulk=bool(parsed.is_bulk),
	)


class Ingest:
	"""Getting mail into the archive of one Mail Archive Account: the sync engine's store
	(contracts.ArchiveStore), and the way in for imports and quarantine retries."""

	# synced mail's attachment words are live work; an import sets the bulk queue (infra/jobs.py)
	attachment_queue = LIVE_QUEUE

	def __init__(self, account, limits: StorageLimits | None = None):
		self.account = account
		self.limits = limits or StorageLimits()
		self.store = MailStore(account, self.limits)
		self.folders = FolderStates(account)

	# --- the store the sync engine talks to (contracts.ArchiveStore) ---------------------------

	def folder_state(self, folder: str) -> StoredFolderState:
		return self.folders.state(folder)

	def start_folder(self, folder: str, uidvalidity: int) -> None:
		self.folders.start(folder, uidvalidity)

	def apply_server_state(
		self,
		folder: str,
		uidvalidity: int,
		flags: dict[int, set[str]],
		present_uids: set[int] | None,
		highest_modseq: int | None,
	) -> tuple[int, int]:
		return self.folders.apply_server_state(folder, uidvalidity, flags, present_uids, highest_modseq)

	def store_batch(self, batch: FolderBatch) -> BatchResult:
		"""Get a batch of one folder in (and its folder's state moved, in the same transaction)."""
		snapshot_taken = now_datetime()
		stored = retrying_lock_conflicts(lambda: self._batch_once(batch))
		# the batch is committed: a conflict from here on repeats only this step, never the batch
		# (run again, the batch would find its mail stored and file nothing)
		retrying_lock_conflicts(
			lambda: self._file_again_if_crm_changed(batch.folder, stored.new, snapshot_taken)
		)
		enqueue_attachment_text(
			[mail.communication for mail in stored.new if mail.inserted and mail.parsed.attachments],
			queue=self.attachment_queue,
		)
		enqueue_einvoices(
			[mail.communication for mail in stored.new if mail.inserted and mail.parsed.attachments],
			queue=self.attachment_queue,
		)
		frappe.db.commit()  # the job is queued on commit
		return BatchResult(
			stored_uids=stored.stored_uids,
			new_communications=[mail.communication for mail in stored.new],
			quarantined_uids=stored.quarantined_uids,
		)

	def _batch_once(self, batch: FolderBatch) -> StoredBatch:
		frappe.db.commit()  # a fresh snapshot
		parsed: dict[int, ParsedMail | Exception] = {}
		if unwraps(self.account):  # a journal mailbox or an archive address: the originals
			messages, parsed = unwrap_batch(
				self.account, batch.messages, self.limits.max_attachment_size, internal_domains()
			)
			batch = FolderBatch(
				batch.folder, batch.uidvalidity, messages, batch.advance_to, {}, gaps=batch.gaps
			)
		for message in batch.messages:
			if message.uid in parsed:
				continue
			if message.uid in batch.parsed:
				parsed[message.uid] = batch.parsed[message.uid]
				continue
			try:
				parsed[message.uid] = parse_message(
					message.raw, max_attachment_size=self.limits.max_attachment_size
				)
			except Exception as error:  # quarantined by storage, with the others' savepoint handling
				parsed[message.uid] = error
		sent = batch.folder.role == "Sent"
		stored = self.store.persist(
			FolderBatch(batch.folder, batch.uidvalidity, batch.messages, batch.advance_to, parsed),
			extra_rows=lambda communication, mail: [
				*index_rows(communication, mail_addresses(mail, sent, self.limits.max_addresses)),
				search_row(communication, mail),
			],
		)
		self._thread_and_file(batch.folder, stored.new)
		if unwraps(self.account):
			self._index_and_file_envelopes_of_known_mail(parsed, stored)
		mail_changed([mail.communication for mail in stored.new])
		if batch.advance_to is not None:
			self.folders.advance(batch.folder.name, batch.uidvalidity, batch.advance_to)
			self.folders.count(batch, stored.stored_uids)  # the completeness figures, same commit
		frappe.db.commit()
		return stored

	def _thread_and_file(
		self, folder: FolderConfig, mails: list[StoredMail], open_deals: bool = True
	) -> None:
		"""Thread and file new mail, in the batch's transaction, the open deal last (unless the
		caller files it after its own threading). An error here leaves the mail stored and
		unfiled (logged; "Re-file" repairs it), never lost."""
		if not mails or not files_automatically(self.account):
			return
		sent = folder.role == "Sent"
		frappe.db.savepoint("mail_archive_filing")
		try:
			thread_replies(
				[
					Reply(
						mail.communication,
						mail.parsed.message_id,
						mail.parsed.in_reply_to,
						mail.parsed.references,
					)
					for mail in mails
					if mail.inserted
				]
			)
			addresses = {
				mail.communication: mail_addresses(mail.parsed, sent, self.limits.max_addresses)
				for mail in mails
			}
			policy = filing_policy(self.account)
			file_mails(addresses, policy)
			file_parsed_mails(
				{mail.communication: (addresses[mail.communication], mail.parsed) for mail in mails}, policy
			)
			if open_deals:
				file_open_deals([mail.communication for mail in mails], deal_rule(self.account))
		except Exception as error:
			if is_lock_conflict(error):
				raise
			frappe.db.rollback(save_point="mail_archive_filing")
			frappe.log_error(title=f"Mail Archive: filing failed for {self.account.name}")

	def _index_and_file_envelopes_of_known_mail(self, parsed: dict, stored: StoredBatch) -> None:
		"""A journal's copy of a mail archived before (from a personal mailbox, or in another
		report of the same mail): the recipients its envelope adds (Bcc, members of an expanded
		list) are indexed and filed like the mail's own addresses."""
		new = {mail.communication for mail in stored.new}
		mails = {
			message_key(mail): mail
			for uid, mail in parsed.items()
			if uid in stored.stored_uids and getattr(mail, "envelope", ())
		}
		by_key = dict(
			frappe.get_all(
				"Communication",
				{MESSAGE_KEY_FIELD: ("in", list(mails) or [""])},
				[MESSAGE_KEY_FIELD, "name"],
				as_list=True,
			)
		)
		known = {by_key[key]: mail for key, mail in mails.items() if by_key.get(key) not in (None, *new)}
		if not known:
			return
		indexed = {
			(row.communication, row.address, row.role)
			for row in frappe.get_all(
				ADDRESS_INDEX,
				{"communication": ("in", list(known))},
				["communication", "address", "role"],
			)
		}
		addresses = {
			name: mail_addresses(mail, False, self.limits.max_addresses) for name, mail in known.items()
		}
		rows = RowBuffer()
		for name, mail in addresses.items():
			for doctype, row in index_rows(name, mail):
				if (name, row["address"], row["role"]) not in indexed:
					indexed.add((name, row["address"], row["role"]))
					rows.add(doctype, row)
		rows.write()
		if not files_automatically(self.account):
			return
		frappe.db.savepoint("mail_archive_filing")
		try:
			file_mails(addresses, filing_policy(self.account))
		except Exception as error:
			if is_lock_conflict(error):
				raise
			frappe.db.rollback(save_point="mail_archive_filing")
			frappe.log_error(title=f"Mail Archive: filing failed for {self.account.name}")

	def _file_again_if_crm_changed(
		self, folder: FolderConfig, mails: list[StoredMail], snapshot_taken
	) -> None:
		"""Filing is idempotent: a Contact, link or Lead committed while the batch ran makes the
		batch file once more."""
		if not mails:
			return
		since = add_to_date(snapshot_taken, seconds=-5)  # clock and commit skew
		if any(
			frappe.db.exists(doctype, {"modified": (">=", since)})
			for doctype in ("Contact", "Lead", "Customer", "Supplier", "Opportunity")
		):
			self._thread_and_file(folder, mails)
			frappe.db.commit()


def retry_quarantined(copy_name: str) -> str:
	"""Get a quarantined copy in again from its kept raw bytes, exactly as the sync would (stored,
	indexed, threaded, filed). Returns its Communication; a new failure keeps it quarantined
	with the new reason and raises a clear error."""
	copy = frappe.get_doc("Mailbox Copy", copy_name)
	if copy.status != "Quarantined":
		frappe.throw(_("Mailbox Copy {0} is not quarantined.").format(copy_name))
	account = frappe.get_doc("Mail Archive Account", copy.account)
	role = next((row.role for row in account.folders if row.folder_name == copy.folder), "Other")
	internal_date = (
		get_datetime(copy.internal_date).replace(tzinfo=ZoneInfo(get_system_timezone()))
		if copy.internal_date
		else None
	)
	message = FetchedMessage(
		uid=copy.uid,
		raw=archive_files.read(copy.raw_file),
		flags=tuple((copy.server_flags or "").split()),
		internaldate=internal_date,
		size=copy.size,
	)
	ingest = Ingest(account, StorageLimits.from_settings(frappe.get_cached_doc("Mail Archive Settings")))
	result = ingest.store_batch(FolderBatch(FolderConfig(copy.folder, role), copy.uidvalidity, [message]))
	if result.quarantined_uids:
		reason = frappe.db.get_value("Mailbox Copy", copy_name, "quarantine_reason")
		frappe.throw(
			_("The mail could not be stored again: {0}").format(reason), title=_("Still Quarantined")
		)
	# the Communication now keeps its own original; the quarantined bytes go once that is committed
	if not frappe.db.exists("Mailbox Copy", {"raw_file": copy.raw_file}):
		archive_files.remove_after_commit([copy.raw_file])
	return frappe.db.get_value("Mailbox Copy", copy_name, "communication")


def archive_sent_from_desk(account_name: str, communication: str, raw: bytes) -> str | None:
	"""A mail the desk is sending from a managed mailbox: archived now as Sent mail of that account
	(indexed, threaded, filed like a synced one). Returns the Communication, or None when there is
	nothing to do (archived already, or the message cannot be parsed: the Sent folder's sync then
	brings it)."""
	account = frappe.get_doc("Mail Archive Account", account_name)
	limits = StorageLimits.from_settings(frappe.get_cached_doc("Mail Archive Settings"))
	try:
		parsed = parse_message(raw, max_attachment_size=limits.max_attachment_size)
	except Exception:
		frappe.log_error(title=f"Mail Archive: a sent mail could not be parsed ({communication})")
		return None
	stored = keep_desk_mail(
		account,
		communication,
		raw,
		parsed,
		limits,
		extra_rows=lambda name, mail: [
			*index_rows(name, mail_addresses(mail, True, limits.max_addresses)),
			search_row(name, mail),
		],
	)
	if not stored:
		return None
	Ingest(account, limits)._thread_and_file(FolderConfig("", "Sent"), [stored], open_deals=False)
	if files_automatically(account):
		file_desk_answer(communication, frappe.session.user)
		# the answer follows the mail it answers first: at an Opportunity already, no open deal
		file_open_deals([communication], deal_rule(account))
	if parsed.attachments:
		enqueue_attachment_text([communication])
		enqueue_einvoices([communication])
	return communication
