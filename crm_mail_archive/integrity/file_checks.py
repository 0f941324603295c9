"""Verification of what the database and the archive's files hold against what was recorded:
each mail's original and attachment files re-hashed, what the desk shows of it (storage/shown.py)
recomputed, and files nobody refers to (integrity/verify.py, steps 3 and 4)."""

from __future__ import annotations

import hashlib
import os
import zlib

import frappe
from frappe import _

from crm_mail_archive.infra import archive_files
from crm_mail_archive.infra.archive_files import file_sha256
from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.integrity.results import Finding, Progress, VerificationResult
from crm_mail_archive.storage.files import OriginalDamaged, read_original
from crm_mail_archive.storage.originals import digest
from crm_mail_archive.storage.shown import SHOWN_FIELD, shown_hashes_of

MAILS_PER_CHUNK = 500


# --- 3: the files -----------------------------------------------------------------------------


def scope_condition(account: str | None, since) -> tuple[str, list]:
	condition, values = "ifnull(c.mail_archive_raw_file, '') != ''", []
	if account:
		condition += """ and (c.email_account = %s or exists (select 1 from `tabMailbox Copy` copy
			where copy.communication = c.name and copy.account = %s))"""
		values += [frappe.db.get_value("Mail Archive Account", account, "email_account") or account, account]
	if since:
		condition += " and c.creation >= %s"
		values.append(since)
	return condition, values


def check_files(result: VerificationResult, account: str | None, since, on_progress: Progress | None):
	condition, values = scope_condition(account, since)
	total = frappe.db.sql(f"select count(*) from `tabCommunication` c where {condition}", values)[0][0]
	last = ""
	while True:
		rows = frappe.db.sql(
			f"""select c.name, c.mail_archive_sha256, c.mail_archive_raw_file, c.{SHOWN_FIELD}
			from `tabCommunication` c
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
		shown_now = shown_hashes_of([row["name"] for row in rows if row[SHOWN_FIELD]])
		for row in rows:
			_check_shown(result, row, shown_now.get(row["name"]))
			_check_original(result, row)
			for stored_file, sha256 in attachments.get(row["name"], ()):
				_check_attachment(result, row["name"], stored_file, sha256)
			result.mails_checked += 1
		if on_progress:
			on_progress(result.mails_checked, total)


def _check_shown(result: VerificationResult, row: dict, now: str | None) -> None:
	"""What the desk shows, recomputed from the database, against the hash recorded when the mail
	was stored (mail stored before the shown hash has none: the patch recorded it as it was)."""
	if row[SHOWN_FIELD] and now != row[SHOWN_FIELD]:
		result.add(
			"shown",
			_(
				"What the archive shows of the mail (subject, addresses, date, text or attachments) was changed in the database since it was stored."
			),
			row["name"],
		)


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
