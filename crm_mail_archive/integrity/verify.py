"""Verification: is the archive what was sealed?

1. The chain: every entry links to the one before it, its hash is the hash of its lines (the
   Merkle root, or for entries made before it, the hash of the joined lines), its chain hash is
   recomputed from the previous one. A changed, deleted or inserted entry breaks it.
2. The seals: each Day entry's lines are recomputed from the database (the Communications that
   name the entry, their recorded SHA-256, their attachment files, their shown hash): a deleted,
   changed or added mail is named with its Communication. Erased mail (an Erasure entry) is
   expected gone.
3. The mails (integrity/file_checks.py): what the desk shows of every mail in scope is recomputed
   from the database and compared with its recorded shown hash; the original and the attachment
   files are re-hashed (the original rebuilt from its skeleton) and compared with the recorded
   SHA-256: changed, missing and altered mails are named.
4. Unknown files (whole-site verification only): files in the archive's folder
   (infra/archive_files.py) that no mail, attachment, quarantined copy or export refers to.
5. The timestamps (integrity/timestamps.py): each RFC 3161 token is over its entry's chain hash
   and signed by the configured TSA; the result says up to which head the chain is timestamped.
6. With `reparse` (integrity/rendition.py): the originals are parsed again and compared field by
   field with what the database shows (all mail in scope, or a random sample).

With --account the seals are checked for that account's mail (each sealed line names the mail's
Email Account, so a deleted mail of the account is still found) and its files are re-hashed; the
chain itself is always checked whole. With --since only entries of days from then on, and mail
stored from then on, are checked.
"""

from __future__ import annotations

import time

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime

from crm_mail_archive.integrity.file_checks import check_files, find_unknown_files
from crm_mail_archive.integrity.results import Finding, Progress, VerificationResult
from crm_mail_archive.integrity.seal import (
	DIGEST,
	account_of_line,
	chain_hash,
	entry_hash,
	lines_of,
	shown_of_line,
	without_shown,
)

VERIFICATION = "Mail Archive Verification"
MAX_STORED_FINDINGS = 5000
# re-exported: callers find what a verification found here
__all__ = ["Finding", "VerificationResult", "find_unknown_files", "verify"]


def verify(
	account: str | None = None,
	since=None,
	on_progress: Progress | None = None,
	unknown_files: bool | None = None,
	reparse: bool = False,
	sample: int | None = None,
) -> VerificationResult:
	"""Verify the chain, the seals, the timestamps and the mails (see the module's notes). Unknown
	files are looked for when the whole site is verified (no account), unless `unknown_files`
	says; with `reparse` the originals (all, or a sample of that many) are parsed again."""
	from crm_mail_archive.integrity.rendition import check_renditions
	from crm_mail_archive.integrity.timestamps import check_timestamps

	started = time.monotonic()
	since = getdate(since) if since else None
	result = VerificationResult(account=account, since=since.isoformat() if since else None)
	email_account = (
		frappe.db.get_value("Mail Archive Account", account, "email_account") or account if account else None
	)
	_check_chain_and_seals(result, since, email_account)
	check_timestamps(result)
	rehash_started = time.monotonic()
	check_files(result, account, since, on_progress)
	result.rehash_seconds = time.monotonic() - rehash_started
	if reparse:
		check_renditions(result, account, since, sample)
	if unknown_files if unknown_files is not None else not account:
		for finding in find_unknown_files():
			result.findings.append(finding)
	result.seconds = time.monotonic() - started
	return result


# --- 1 and 2: the chain and the seals ---------------------------------------------------------


def _entries(since) -> list[dict]:
	"""The entries to check (without their lines), after the one before the first in scope."""
	fields = "name, sequence, entry_type, day, mail_count, day_hash, hash_kind, previous_digest, chain_hash"
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
		if entry_hash(lines, entry["hash_kind"]) != entry["day_hash"] or len(lines) != entry["mail_count"]:
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
		"""select name, mail_archive_sha256, mail_archive_shown_sha256, mail_archive_raw_file, email_account
		from `tabCommunication` where mail_archive_digest = %s""",
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
		if now is not None and shown_of_line(line) is None:
			now = without_shown(now)  # sealed before lines held the shown hash
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


# --- the record of a verification, and who is told ---------------------------------------------


def run_verification(
	account: str | None = None,
	since=None,
	triggered_by: str = "Command Line",
	on_progress: Progress | None = None,
	unknown_files: bool | None = None,
	reparse: bool = False,
	sample: int | None = None,
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
		result = verify(account, since, on_progress, unknown_files, reparse, sample)
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
