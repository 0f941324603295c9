"""The mails of an export, read a chunk at a time with their originals and where they are filed
(naming only records the user may read), and index cells a spreadsheet shows as text: shared by the
ZIP and mbox exports (transfer/exports.py) and the evidence pack (transfer/evidence.py)."""

from __future__ import annotations

import frappe

from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.permissions import reads_by_role
from crm_mail_archive.storage.files import read_original

# a spreadsheet runs a cell that starts with one of these as a formula: a subject is not one
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
	text = str(value or "")
	return "'" + text if text.startswith(FORMULA_STARTS) else text


class FiledAt:
	"""Where mails are filed, naming only records the user may read (asked once per record)."""

	def __init__(self, user: str):
		self.user = user
		self.readable: dict[tuple[str, str], bool] = {}

	def of(self, communications: list[str]) -> dict[str, str]:
		filed: dict[str, list[str]] = {}
		for link in frappe.get_all(
			"Timeline Link",
			{"communication": ("in", communications)},
			["communication", "link_doctype", "link_name"],
			order_by="creation asc",
		):
			document = (link.link_doctype, link.link_name)
			if document not in self.readable:
				self.readable[document] = self.user == "Administrator" or reads_by_role(*document, self.user)
			if self.readable[document]:
				filed.setdefault(link.communication, []).append(f"{link.link_doctype}: {link.link_name}")
		return {name: "; ".join(documents) for name, documents in filed.items()}


def mails_with_originals(communications: list[str], user: str):
	"""(row, original bytes, filed at) per mail, read a chunk at a time."""
	filed_at = FiledAt(user)
	for chunk in chunked(communications, 200):
		rows = {
			row.name: row
			for row in frappe.get_all(
				"Communication",
				{"name": ("in", chunk)},
				[
					"name",
					"communication_date",
					"sender",
					"recipients",
					"cc",
					"subject",
					"mail_archive_raw_file",
					"mail_archive_sha256",
				],
			)
		}
		filings = filed_at.of(chunk)
		for name in chunk:
			row = rows.get(name)
			if row and row.mail_archive_raw_file:
				yield (
					row,
					read_original(row.mail_archive_raw_file, row.mail_archive_sha256),
					filings.get(name, ""),
				)
