"""The hash chain: each stored mail is sealed once, in the first daily seal after it was stored.

When a mail is stored, its Communication records the SHA-256 of the original message
(`mail_archive_sha256`), and each of its Mail Attachments the SHA-256 of its bytes. The daily seal takes the archived mail not sealed yet that was
stored (Communication.creation) before the end of the day it seals, writes one line per mail

	<Communication> <SHA-256 of the original> <SHA-256 of each attachment file, sorted, comma-separated, or -> shown:<SHA-256 of what is shown> <Email Account>

(the shown hash, storage/shown.py, since line version 2: mail stored before has none and its line
still verifies) into a Mail Archive Digest entry, hashes the sorted lines (day_hash: the RFC 6962
Merkle root of the lines, hash_kind "Merkle", integrity/merkle.py; entries made before hash the
joined lines, hash_kind "Lines") and chains the entry to the one before it: chain_hash = SHA-256("<previous chain_hash>|<sequence>|<type>|<day>|<mail count>|<day_hash>").
The sealed Communications name their entry (`mail_archive_digest`). Sealing by storing time, not
by the mail's date: mail imported today with a date of 2019 is sealed tonight, and a mail whose
storing transaction ends after its day was sealed is sealed the next night, never left out.
A day with no mail gets an entry too: the chain has no gaps. A day of more than MAILS_PER_ENTRY
mails is sealed in several entries of that day.

Erasure (GDPR) keeps the chain verifiable: before it deletes sealed mail it calls
`seal_erasure`, which appends an "Erasure" entry listing the erased mails' lines, each after
the entry that sealed it. Verification takes those lines out of what it expects of that entry,
and expects the erased mails' files to be gone.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import frappe
from frappe.utils import getdate, now_datetime

from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.integrity.merkle import merkle_root

DIGEST = "Mail Archive Digest"
MAILS_PER_ENTRY = 20_000
# a day is sealed an hour after it ended: a batch stored at 23:59 has committed by then
GRACE = timedelta(hours=1)


SHOWN = "shown:"  # the token of a version 2 line before the account (names may hold spaces)


def mail_line(
	communication: str,
	sha256: str | None,
	attachments: list[str],
	account: str | None,
	shown: str | None = None,
) -> str:
	shown_token = f"{SHOWN}{shown} " if shown else ""
	return f"{communication} {sha256 or '-'} {','.join(sorted(attachments)) or '-'} {shown_token}{account or '-'}"


def _parts(line: str) -> list[str]:
	parts = line.split(" ", 4)
	return parts if len(parts) == 5 and parts[3].startswith(SHOWN) else line.split(" ", 3)


def account_of_line(line: str) -> str:
	return _parts(line)[-1]


def shown_of_line(line: str) -> str | None:
	"""The shown hash a version 2 line seals, or None."""
	parts = _parts(line)
	return parts[3][len(SHOWN) :] if len(parts) == 5 else None


def without_shown(line: str) -> str:
	"""The version 1 form of a line (how mail sealed before the shown hash was sealed)."""
	parts = _parts(line)
	return " ".join([*parts[:3], parts[4]]) if len(parts) == 5 else line


def lines_hash(lines) -> str:
	return hashlib.sha256("".join(f"{line}\n" for line in sorted(lines)).encode()).hexdigest()


def entry_hash(lines, hash_kind: str = "Merkle") -> str:
	"""The entry's hash of its lines: the Merkle root, or (entries made before) the joined lines'."""
	return merkle_root(lines) if hash_kind == "Merkle" else lines_hash(lines)


def chain_hash(previous: str | None, sequence: int, entry_type: str, day, count: int, day_hash: str) -> str:
	text = f"{previous or ''}|{sequence}|{entry_type}|{getdate(day).isoformat()}|{count}|{day_hash}"
	return hashlib.sha256(text.encode()).hexdigest()


def lines_of(rows: list[dict]) -> dict[str, str]:
	"""Communication name → its line, for rows with name, mail_archive_sha256, email_account and
	(optionally) mail_archive_shown_sha256 (one query per chunk for the attachments)."""
	attachments: dict[str, list[str]] = defaultdict(list)
	for chunk in chunked([row["name"] for row in rows]):
		for communication, sha256 in frappe.db.sql(
			"select communication, sha256 from `tabMail Attachment` where communication in %s",
			[tuple(chunk)],
		):
			if sha256:
				attachments[communication].append(sha256)
	return {
		row["name"]: mail_line(
			row["name"],
			row["mail_archive_sha256"],
			attachments[row["name"]],
			row["email_account"],
			row.get("mail_archive_shown_sha256"),
		)
		for row in rows
	}


def chain_head() -> dict | None:
	rows = frappe.db.sql(
		f"select name, sequence, chain_hash from `tab{DIGEST}` order by sequence desc limit 1", as_dict=True
	)
	return rows[0] if rows else None


def _append(head: dict | None, entry_type: str, day: date, lines: list[str], erased_from: str = "") -> dict:
	sequence = (head["sequence"] + 1) if head else 1
	day_hash = entry_hash(lines)
	entry = frappe.get_doc(
		{
			"doctype": DIGEST,
			"sequence": sequence,
			"entry_type": entry_type,
			"day": day,
			"mail_count": len(lines),
			"day_hash": day_hash,
			"hash_kind": "Merkle",
			"previous_digest": head["name"] if head else None,
			"chain_hash": chain_hash(
				head["chain_hash"] if head else None, sequence, entry_type, day, len(lines), day_hash
			),
			"erased_from": erased_from,
			"mails": "\n".join(sorted(lines)),
		}
	).insert(ignore_permissions=True)
	return {"name": entry.name, "sequence": sequence, "chain_hash": entry.chain_hash}


def sealable_until() -> date:
	"""Days before this one are sealed."""
	return (now_datetime() - GRACE).date()


def _first_pending_day() -> date | None:
	first = frappe.db.sql(
		"""select min(creation) from `tabCommunication`
		where mail_archive_digest is null and ifnull(mail_archive_sha256, '') != ''"""
	)[0][0]
	return first.date() if first else None


def seal(until: date | None = None) -> list[str]:
	"""Seal every day before `until` (default: up to yesterday, an hour after midnight) that has
	no entry yet, in order, each committed; returns the new entries. Idempotent."""
	until = getdate(until) if until else sealable_until()
	last_day = frappe.db.sql(f"select max(day) from `tab{DIGEST}` where entry_type = 'Day'")[0][0]
	day = last_day + timedelta(days=1) if last_day else _first_pending_day()
	made = []
	while day and day < until:
		end = datetime.combine(day + timedelta(days=1), time.min)
		while True:
			rows = frappe.db.sql(
				"""select name, mail_archive_sha256, mail_archive_shown_sha256, mail_archive_raw_file,
					email_account from `tabCommunication`
				where mail_archive_digest is null and creation < %s and ifnull(mail_archive_sha256, '') != ''
				order by creation, name limit %s""",
				[end, MAILS_PER_ENTRY],
				as_dict=True,
			)
			entry = _append(chain_head(), "Day", day, list(lines_of(rows).values()))
			for chunk in chunked([row["name"] for row in rows]):
				frappe.db.sql(
					"""update `tabCommunication` set mail_archive_digest = %s
					where name in %s and mail_archive_digest is null""",
					[entry["name"], tuple(chunk)],
				)
			frappe.db.commit()
			made.append(entry["name"])
			if len(rows) < MAILS_PER_ENTRY:
				break
		day += timedelta(days=1)
	if made:
		# the new head, timestamped by the TSA (if one is set): from then on nobody can rewrite the
		# chain up to it unnoticed, not even with the database in hand (integrity/timestamps.py)
		from crm_mail_archive.integrity.timestamps import timestamp_entry

		timestamp_entry(made[-1])
		frappe.db.commit()
	return made


def seal_erasure(communications: list[str]) -> str | None:
	"""For the erasure of mail (GDPR), in its transaction, before it deletes the rows and files:
	one "Erasure" entry listing the sealed mails' lines (`<entry> <line>`), so that verification
	expects them gone. Mail not sealed yet needs no entry. Returns the entry, if one was made."""
	rows = []
	for chunk in chunked(list(communications)):
		rows += frappe.db.sql(
			"""select name, mail_archive_sha256, mail_archive_shown_sha256, mail_archive_raw_file,
				email_account, mail_archive_digest
			from `tabCommunication` where name in %s and ifnull(mail_archive_digest, '') != ''""",
			[tuple(chunk)],
			as_dict=True,
		)
	if not rows:
		return None
	lines = lines_of(rows)
	# a mail sealed before lines held the shown hash is erased with the line it was sealed with
	sealed_without_shown = set()
	for entry in {row["mail_archive_digest"] for row in rows}:
		for line in (frappe.db.get_value(DIGEST, entry, "mails") or "").split("\n"):
			if line and shown_of_line(line) is None:
				sealed_without_shown.add(line.partition(" ")[0])
	erased = [
		f"{row['mail_archive_digest']} "
		f"{without_shown(lines[row['name']]) if row['name'] in sealed_without_shown else lines[row['name']]}"
		for row in rows
	]
	erased_from = ",".join(sorted({row["mail_archive_digest"] for row in rows}))
	return _append(chain_head(), "Erasure", now_datetime().date(), erased, erased_from)["name"]
