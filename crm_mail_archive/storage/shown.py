"""What the desk shows of a mail, as one hash: the SHA-256 of a canonical JSON of its shown fields
as stored (subject, sender, recipients, cc, bcc, their display names, date, Message-ID, direction, text and HTML
content) and its attachments' names and SHA-256.

Recorded when the mail is stored (Communication.mail_archive_shown_sha256) and sealed in the day's
line of the hash chain (integrity/seal.py): the original file proves what was received, this hash
proves that what the archive shows is what was stored — an `UPDATE tabCommunication SET content=…`
is found by verify. The canonical form is plain JSON, so that an evidence pack carries it and a
verifier without the app recomputes the hash (integrity/verify_evidence.py).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime

import frappe
from frappe.utils import get_datetime

from crm_mail_archive.infra.chunks import chunked

SHOWN_FIELD = "mail_archive_shown_sha256"
# the Communication columns the desk shows of a mail, in the canonical form's order
SHOWN_COLUMNS = (
	"subject",
	"sender",
	"sender_full_name",
	"recipients",
	"cc",
	"bcc",
	"mail_archive_address_names",
	"communication_date",
	"message_id",
	"sent_or_received",
	"text_content",
	"content",
)
RENDITION_VERSION = 1
# mails whose bodies are read at once (a body may be megabytes of HTML)
MAILS_PER_QUERY = 100


def _canonical(column: str, value) -> str:
	if value in (None, ""):
		return ""
	if column == "communication_date":
		moment = value if isinstance(value, datetime) else get_datetime(value)
		return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
	return str(value)


def rendition(values: dict, attachments: list[tuple[str, str]]) -> dict:
	"""The canonical rendition of a mail: its shown columns (from `values`) and its attachments
	as (file name, SHA-256)."""
	shown = {column: _canonical(column, values.get(column)) for column in SHOWN_COLUMNS}
	shown["attachments"] = sorted([name or "", sha256 or ""] for name, sha256 in attachments)
	shown["version"] = RENDITION_VERSION
	return shown


def canonical_bytes(shown: dict) -> bytes:
	return json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def shown_sha256(values: dict, attachments: list[tuple[str, str]]) -> str:
	return hashlib.sha256(canonical_bytes(rendition(values, attachments))).hexdigest()


def renditions_of(communications: list[str]) -> dict[str, dict]:
	"""Communication → its rendition as the database holds it now (a query per chunk)."""
	found: dict[str, dict] = {}
	for chunk in chunked(list(communications), MAILS_PER_QUERY):
		rows = frappe.db.sql(
			f"select name, {', '.join(SHOWN_COLUMNS)} from `tabCommunication` where name in %s",
			[tuple(chunk)],
			as_dict=True,
		)
		attachments: dict[str, list[tuple[str, str]]] = defaultdict(list)
		for communication, file_name, sha256 in frappe.db.sql(
			"select communication, file_name, sha256 from `tabMail Attachment` where communication in %s",
			[tuple(chunk)],
		):
			attachments[communication].append((file_name, sha256))
		for row in rows:
			found[row["name"]] = rendition(row, attachments[row["name"]])
	return found


def shown_hashes_of(communications: list[str]) -> dict[str, str]:
	"""Communication → the SHA-256 of its rendition as the database holds it now."""
	return {
		name: hashlib.sha256(canonical_bytes(shown)).hexdigest()
		for name, shown in renditions_of(communications).items()
	}
