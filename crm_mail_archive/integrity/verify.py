"""Verification: is the archive what was sealed?

1. The chain: every entry links to the one before it, its hash is the hash of its lines, its chain
   hash is recomputed from the previous one. A changed, deleted or inserted entry breaks it.
2. The seals: each Day entry's lines are recomputed from the database (the Communications that
   name the entry, their recorded SHA-256, their attachment files): a deleted, changed or added
   mail is named with its Communication. Erased mail (an Erasure entry) is expected gone.
3. The files: the original and the attachment files of every mail in scope are re-hashed (the
   original rebuilt from its skeleton) and compared with the recorded SHA-256: missing and
   altered files are named with their mail.
4. Unknown files (whole-site verification only): files in the archive's folder
   (infra/archive_files.py) that no mail, attachment, quarantined copy or export refers to.

With --account the seals are checked for that account's mail (each sealed line names the mail's
Email Account, so a deleted mail of the account is still found) and its files are re-hashed; the
chain itself is always checked whole. With --since only entries of days from then on, and mail
stored from then on, are checked.
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime

from crm_mail_archive.infra import archive_files
from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.integrity.seal import DIGEST, account_of_line, chain_hash, entry_hash, lines_of
from crm_mail_archive.storage.files import OriginalDamaged, read_original
from crm_mail_archive.storage.originals import digest

VERIFICATION = "Mail Archive Verification"
MAILS_PER_CHUNK = 500
MAX_STORED_FINDINGS = 5000
Progress = Callable[[int, int], None]  # (mails re-hashed, mails in scope)


@dataclass
class Finding:
	kind: str  # chain | seal | missing | altered | unknown
	detail: str
	communication: str = ""
	file: str = ""
	entry: str = ""  # the chain entry (Mail Archive Digest)

	def line(self) -> str:
		return "\t".join(
			(self.kind, self.communication or "-", self.file or "-", self.entry or "-", self.detail)
		)


@dataclass
class VerificationResult:
	account: str | None = None
	since: str | None = None
	findings: list[Finding] = field(default_factory=list)
	mails_checked: int = 0
	files_checked: int = 0
	bytes_checked: int = 0
	digests_checked: int = 0
	seconds: float = 0.0
	rehash_seconds: float = 0.0
	chain_head: str = ""

	@property
	def ok(self) -> bool:
		return not self.findings

	@property
	def mails_per_second(self) -> float:
		return self.mails_checked / self.rehash_seconds if self.rehash_seconds else 0.0

	def add(self, kind: str, detail: str, communication: str = "", file: str = "", entry: str = "") -> None:
		self.findings.append(Finding(kind, detail, communication or "", file or "", entry or ""))


def verify(
	account: str | None = None,
	since=None,
	on_progress: Progress | None = None,
	unknown_files: bool | None = None,
) -> VerificationResult:
	"""Verify the chain, the seals and the files (see the module's notes). Unknown files are
	looked for when the whole site is verified (no account), unless `unknown_files` says."""
	started = time.monotonic()
	since = getdate(since) if since else None
	result = VerificationResult(account=account, since=since.isoformat() if since else None)
	email_account = (
		frappe.db.get_value("Mail Archive Account", account, "email_account") or account if account else None
	)
	_check_chain_and_seals(result, since, email_account)
	rehash_started = time.monotonic()
	_check_files(result, account, since, on_progress)
	result.rehash_seconds = time.monotonic() - rehash_started
	if unknown_files if unknown_files is not None else not account:
		for finding in find_unknown_files():
			result.findings.append(finding)
	result.seconds = time.monotonic() - started
	return result


# --- 1 and 2: the chain and the seals ---------------------------------------------------------


def _entries(since) -> list[dict]:
	"""The entries to check (without their lines), after the one before the first in scope."""
	fields = "name, sequence, entry_type, day, mail_count, day_hash, previous_digest, chain_hash"
	if not since:
		return frappe.db.sql(f"select {fields} from `tab{DIGEST}` order by sequence", as_dict=True)
	first = frappe.db.sql(
		f"select min(sequence) from `tab{DIGEST}` where entry_type = 'Day' and day >= %s", [since]
	)[0][0]
	if first is None:
		return []
	return frappe.db.sql(
		f"select {fields} from `tab{DIGEST}` where sequence >= %s order by sequence",
		[first - 1],
		as_dict=True,
	)


def _lines_of_entry(name: str) -> list[str]:
	text = frappe.db.get_value(DIGEST, name, "mails") or ""
	return [line for line in text.split("\n") if line]


def _erased_lines() -> dict[str, set[str]]:
	"""Entry → the lines of its mails that an Erasure entry says are erased."""
	erased: dict[str, set[str]] = {}
	for (name,) in frappe.db.sql(f"select name from `tab{DIGEST}` where entry_type = 'Erasure'"):
		for line in _lines_of_entry(name):
			entry, _space, mail_line = line.partition(" ")
			erased.setdefault(entry, set()).add(mail_line)
	return erased


def _check_chain_and_seals(result: VerificationResult, since, email_account: str | None) -> None:
	entries = _entries(since)
	if since and entries and entries[0]["day"] and getdate(entries[0]["day"]) < since:
		previous = entries.pop(0)  # the entry before the scope: its chain hash is taken as it is
	else:
		previous = None
	if entries and not since and entries[0]["sequence"] != 1:
		result.add("chain", _("The chain does not start at its first entry."), entry=entries[0]["name"])
	erased = _erased_lines()
	for entry in entries:
		result.digests_checked += 1
		name = entry["name"]
		lines = _lines_of_entry(name)
		if previous and (
			entry["previous_digest"] != previous["name"] or entry["sequence"] != previous["sequence"] + 1
		):
			result.add(
				"chain",
				_("The entry does not follow {0}: an entry was removed or inserted.").format(
					previous["name"]
				),
				entry=name,
			)
		if entry_hash(lines) != entry["day_hash"] or len(lines) != entry["mail_count"]:
			result.add(
				"chain", _("The entry's mails do not match its hash: the entry was changed."), entry=name
			)
		expected_chain = chain_hash(
			previous["chain_hash"] if previous else None,
			entry["sequence"],
			entry["entry_type"],
			entry["day"],
			entry["mail_count"],
			entry["day_hash"],
		)
		if expected_chain != entry["chain_hash"]:
			result.add("chain", _("The entry's chain hash is wrong: the chain was changed."), entry=name)
		if entry["entry_type"] == "Day":
			_check_seal(result, name, set(lines) - erased.get(name, set()), email_account)
		previous = entry
	if previous:
		result.chain_head = f"{previous['name']} {previous['chain_hash']}"


def _check_seal(
	result: VerificationResult, entry: str, sealed_lines: set[str], email_account: str | None
) -> None:
	"""The entry's mails as sealed against the database now (of one account's mail, if given)."""
	rows = frappe.db.sql(
		"""select name, mail_archive_sha256, mail_archive_raw_file, email_account from `tabCommunication`
		where mail_archive_digest = %s""",
		[entry],
		as_dict=True,
	)
	current = lines_of(rows)
	sealed = {line.partition(" ")[0]: line for line in sealed_lines}
	if email_account:
		sealed = {name: line for name, line in sealed.items() if account_of_line(line) == email_account}
		current = {
			name: line
			for name, line in current.items()
			if account_of_line(line) == email_account or name in sealed
		}
	for communication, line in sealed.items():
		now = current.get(communication)
		if now is None:
			still_there = frappe.db.exists("Communication", communication)
			result.add(
				"seal",
				_("Sealed mail is no longer in the archive (sealed as: {0}).").format(line)
				if not still_there
				else _("Sealed mail no longer names its seal (sealed as: {0}).").format(line),
				communication=communication,
				entry=entry,
			)
		elif now != line:
			result.add(
				"seal",
				_("Mail changed since it was sealed: sealed as {0}, now {1}.").format(line, now),
				communication=communication,
				entry=entry,
			)
	for communication in set(current) - set(sealed):
		result.add(
			"seal",
			_("Mail names a seal it is not in (now: {0}).").format(current[communication]),
			communication=communication,
			entry=entry,
		)


# --- 3: the files -----------------------------------------------------------------------------


def _scope_condition(account: str | None, since) -> tuple[str, list]:
	condition, values = "ifnull(c.mail_archive_raw_file, '') != ''", []
	if account:
		condition += """ and (c.email_account = %s or exists (select 1 from `tabMailbox Copy` copy
			where copy.communication = c.name and copy.account = %s))"""
		values += [frappe.db.get_value("Mail Archive Account", account, "email_account") or account, account]
	if since:
		condition += " and c.creation >= %s"
		values.append(since)
	return condition, values


def _check_files(result: VerificationResult, account: str | None, since, on_progress: Progress | None):
	condition, values = _scope_condition(account, since)
	total = frappe.db.sql(f"select count(*) from `tabCommunication` c where {condition}", values)[0][0]
	last = ""
	while True:
		rows = frappe.db.sql(
			f"""select c.name, c.mail_archive_sha256, c.mail_archive_raw_file from `tabCommunication` c
			where {condition} and c.name > %s order by c.name limit {MAILS_PER_CHUNK}""",
			[*values, last],
			as_dict=True,
		)
		if not rows:
			break
		last = rows[-1]["name"]
		attachments: dict[str, list[tuple[str, str]]] = {}
		for chunk in chunked([row["name"] for row in rows]):
			for communication, stored_file, sha256 in frappe.db.sql(
				"""select communication, stored_file, sha256 from `tabMail Attachment`
				where communication in %s""",
				[tuple(chunk)],
			):
				attachments.setdefault(communication, []).append((stored_file, sha256))
		for row in rows:
			_check_original(result, row)
			for stored_file, sha256 in attachments.get(row["name"], ()):
				_check_attachment(result, row["name"], stored_file, sha256)
			result.mails_checked += 1
		if on_progress:
			on_progress(result.mails_checked, total)


def _path(reference: str) -> str | None:
	try:
		return archive_files.path_of(reference)
	except archive_files.NotAnArchiveFile:
		return None


def _check_original(result: VerificationResult, row: dict) -> None:
	communication, reference, recorded = row["name"], row["mail_archive_raw_file"], row["mail_archive_sha256"]
	if not recorded:
		result.add("altered", _("No SHA-256 is recorded for the mail."), communication, reference)
	path = _path(reference)
	if not path or not os.path.isfile(path):
		result.add("missing", _("The original message is missing."), communication, reference)
		return
	result.files_checked += 1
	try:
		raw = read_original(reference, None)
	except FileNotFoundError as error:
		result.add(
			"altered",
			_("The original message cannot be rebuilt: {0} is missing.").format(
				os.path.basename(error.filename or "")
			),
			communication,
			reference,
		)
		return
	except (ValueError, KeyError, zlib.error, OriginalDamaged) as error:
		result.add(
			"altered",
			_("The original message cannot be read: {0}").format(str(error)),
			communication,
			reference,
		)
		return
	result.bytes_checked += len(raw)
	if recorded and digest(raw) != recorded:
		result.add("altered", _("The original message does not match its SHA-256."), communication, reference)


def file_sha256(path: str) -> str:
	sha256 = hashlib.sha256()
	with open(path, "rb") as handle:
		while block := handle.read(1024 * 1024):
			sha256.update(block)
	return sha256.hexdigest()


def _check_attachment(result: VerificationResult, communication: str, reference: str, sha256: str) -> None:
	path = _path(reference)
	if not path or not os.path.isfile(path):
		result.add("missing", _("The attachment file is missing."), communication, reference)
		return
	result.files_checked += 1
	result.bytes_checked += os.path.getsize(path)
	if file_sha256(path) != sha256:
		result.add("altered", _("The attachment file does not match its SHA-256."), communication, reference)


# --- 4: unknown files -------------------------------------------------------------------------


def _archive_files():
	"""The references of the files in the archive's folder, one at a time."""
	folder = archive_files.archive_folder()
	if not os.path.isdir(folder):
		return
	with os.scandir(folder) as shards:
		for shard in shards:
			if not shard.is_dir():
				continue
			with os.scandir(shard.path) as entries:
				for entry in entries:
					reference = f"{archive_files.ARCHIVE_FOLDER}/{shard.name}/{entry.name}"
					if entry.is_file() and archive_files.REFERENCE.match(reference):
						yield reference


def find_unknown_files():
	"""Unknown files (Findings): files in the archive's folder that nothing refers to. The folder is
	read in chunks of references, each looked up where a reference can be kept."""
	references: list[str] = []
	for reference in _archive_files():
		references.append(reference)
		if len(references) >= 1000:
			yield from _unknown_among(references)
			references = []
	if references:
		yield from _unknown_among(references)


# where the archive keeps references to its files (table, column)
REFERRING_COLUMNS = (
	("Communication", "mail_archive_raw_file"),
	("Mail Attachment", "stored_file"),
	("Mailbox Copy", "raw_file"),
	("Mail Export", "file"),
)


def _unknown_among(references: list[str]):
	known: set[str] = set()
	for table, column in REFERRING_COLUMNS:
		known |= {
			value
			for (value,) in frappe.db.sql(
				f"select `{column}` from `tab{table}` where `{column}` in %s", [tuple(references)]
			)
		}
	for reference in sorted(set(references) - known):
		yield Finding("unknown", _("A file in the archive's folder that no mail refers to."), file=reference)


# --- the record of a verification, and who is told ---------------------------------------------


def run_verification(
	account: str | None = None,
	since=None,
	triggered_by: str = "Command Line",
	on_progress: Progress | None = None,
	unknown_files: bool | None = None,
) -> tuple[str, VerificationResult]:
	"""Verify and record it (a Mail Archive Verification, committed); returns its name and the result."""
	scope = _("whole site") if not account else _("account {0}").format(account)
	if since:
		scope += " " + _("since {0}").format(getdate(since).isoformat())
	record = frappe.get_doc(
		{
			"doctype": VERIFICATION,
			"started": now_datetime(),
			"status": "Running",
			"triggered_by": triggered_by,
			"account": account,
			"since": getdate(since) if since else None,
			"scope": scope,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	try:
		result = verify(account, since, on_progress, unknown_files)
	except Exception:
		frappe.db.rollback()
		record.db_set(
			{"status": "Failed", "finished": now_datetime(), "error": frappe.get_traceback()[-2000:]}
		)
		frappe.db.commit()
		raise
	findings = [finding.line() for finding in result.findings[:MAX_STORED_FINDINGS]]
	if len(result.findings) > MAX_STORED_FINDINGS:
		findings.append(_("… and {0} more").format(len(result.findings) - MAX_STORED_FINDINGS))
	record.db_set(
		{
			"status": "Finished",
			"finished": now_datetime(),
			"ok": int(result.ok),
			"mails_checked": result.mails_checked,
			"files_checked": result.files_checked,
			"digests_checked": result.digests_checked,
			"findings_count": len(result.findings),
			"seconds": round(result.seconds, 3),
			"chain_head": result.chain_head,
			"findings": "\n".join(findings),
		}
	)
	frappe.db.commit()
	return record.name, result


def notify_system_managers(verification: str, findings: int) -> list[str]:
	"""A Notification Log for every System Manager: the verification found something."""
	from frappe.utils.user import get_users_with_role

	users = sorted(set(get_users_with_role("System Manager")) | {"Administrator"})
	for user in users:
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"from_user": "Administrator",
				"type": "Alert",
				"document_type": VERIFICATION,
				"document_name": verification,
				"subject": _(
					"Mail archive verification: {0} findings (missing, altered or unknown files, or a broken hash chain)"
				).format(findings),
			}
		).insert(ignore_permissions=True)
	frappe.db.commit()
	return users
