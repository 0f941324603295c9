"""Exporting archived mail: a record's archive, a search result or an account, as a ZIP of the
original messages (.eml, byte for byte as received) with an index (index.csv: date, from, to,
subject, filed at, SHA-256 of the .eml), as an evidence pack (transfer/evidence.py: the same with
proofs and a standalone verifier), or an account as one mbox file. Every export is logged
(Mail Export: who, when, what).

Only mail the exporting user may read goes in (permissions.readable_archived_mails), and "filed
at" names only records the user may read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import mailbox
import os
import zipfile
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import get_datetime

from crm_mail_archive.infra import archive_files, audit
from crm_mail_archive.infra.archive_files import file_sha256
from crm_mail_archive.permissions import archive_scope, readable_archived_mails
from crm_mail_archive.transfer.exported_mails import cell as _cell
from crm_mail_archive.transfer.exported_mails import mails_with_originals as _mails
from crm_mail_archive.views.email_archive import ArchiveFilters, _base_query
from crm_mail_archive.views.mail_search import MailSearch, _filtered

INDEX_COLUMNS = ("date", "from", "to", "cc", "subject", "filed at", "sha256", "file", "communication")


SEARCH_FILTERS = ("direction", "period", "has_attachment", "filing", "sender_domain")


@dataclass(frozen=True)
class ExportScope:
	scope: str  # Record | Search | Account | Mail (one Communication: reference_name)
	reference_doctype: str | None = None
	reference_name: str | None = None
	account: str | None = None
	search_text: str | None = None
	search_filters: dict | None = None  # the Mail Search page's other filters (SEARCH_FILTERS)
	# of a record's archive, only these mails (the tab's selected rows); kept in search_filters
	selected: tuple[str, ...] | None = None

	def mail_search(self) -> MailSearch:
		filters = {key: value for key, value in (self.search_filters or {}).items() if key in SEARCH_FILTERS}
		filters["has_attachment"] = bool(filters.get("has_attachment"))
		return MailSearch(text=self.search_text or "", account=self.account, **filters)

	def describe(self) -> str:
		if self.scope == "Record":
			return f"{self.reference_doctype} {self.reference_name}"
		if self.scope == "Account":
			return str(self.account)
		if self.scope == "Mail":
			return f"Communication {self.reference_name}"
		return f"search: {self.search_text}"


def mails_in_scope(scope: ExportScope, user: str) -> list[str]:
	"""The archived mails of the scope the user may read, oldest first."""
	if scope.scope == "Record":
		query, timeline, communication = _base_query(
			scope.reference_doctype,
			scope.reference_name,
			user,
			ArchiveFilters(search=scope.search_text),
			archive_scope(scope.reference_doctype, scope.reference_name, user),
		)
		query = query.where(communication.mail_archive_raw_file.isnotnull())
		if scope.selected is not None:
			query = query.where(communication.name.isin(list(scope.selected) or [""]))
	elif scope.scope == "Search":
		query, communication = _filtered(scope.mail_search(), user)
	elif scope.scope == "Mail":
		communication = frappe.qb.DocType("Communication")
		query = frappe.qb.from_(communication).where(communication.name == (scope.reference_name or ""))
	elif scope.scope == "Account":
		communication = frappe.qb.DocType("Communication")
		email_account = frappe.db.get_value("Mail Archive Account", scope.account, "email_account")
		query = frappe.qb.from_(communication).where(communication.email_account == (email_account or ""))
	else:
		frappe.throw(_("Unknown export scope {0}.").format(scope.scope))
	rows = (
		query.where(communication.mail_archive_raw_file.isnotnull())
		.select(communication.name, communication.email_account, communication.communication_date)
		.distinct()
		.run(as_dict=True)
	)
	readable = readable_archived_mails([(row.name, row.email_account) for row in rows], user)
	rows = [row for row in rows if row.name in readable]
	rows.sort(key=lambda row: (get_datetime(row.communication_date or "1970-01-01"), row.name))
	return [row.name for row in rows]


def write_zip(communications: list[str], path: str, user: str) -> int:
	"""The mails as .eml files and index.csv in a ZIP at `path`; returns how many it holds."""
	index = io.StringIO()
	writer = csv.writer(index)
	writer.writerow(INDEX_COLUMNS)
	count = 0
	with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
		for row, raw, filed in _mails(communications, user):
			date = get_datetime(row.communication_date) if row.communication_date else None
			member = f"mails/{date:%Y-%m-%d}_{row.name}.eml" if date else f"mails/{row.name}.eml"
			archive.writestr(member, raw)
			writer.writerow(
				[
					date.isoformat(sep=" ") if date else "",
					_cell(row.sender),
					_cell(row.recipients),
					_cell(row.cc),
					_cell(row.subject),
					_cell(filed),
					hashlib.sha256(raw).hexdigest(),
					member,
					row.name,
				]
			)
			count += 1
		archive.writestr("index.csv", "\ufeff" + index.getvalue())  # the BOM: Excel reads UTF-8
	return count


def write_mbox(communications: list[str], path: str, user: str) -> int:
	"""The mails, oldest first, in one mbox file at `path` (lines starting "From " quoted)."""
	if os.path.exists(path):
		os.remove(path)
	archive = mailbox.mbox(path, create=True)
	count = 0
	try:
		archive.lock()
		for _row, raw, _filed in _mails(communications, user):
			archive.add(raw)
			count += 1
		archive.flush()
	finally:
		archive.unlock()
		archive.close()
	return count


def stored_filters(scope: ExportScope) -> dict | None:
	"""What the log keeps of the scope's filters (the selected mails under "selected")."""
	if scope.selected is None:
		return scope.search_filters
	return {**(scope.search_filters or {}), "selected": list(scope.selected)}


def scope_of_log(log) -> ExportScope:
	filters = json.loads(log.search_filters) if log.search_filters else None
	selected = filters.pop("selected", None) if filters else None
	return ExportScope(
		log.scope,
		log.reference_doctype,
		log.reference_name,
		log.account,
		log.search_text,
		filters or None,
		tuple(selected) if selected is not None else None,
	)


def log_export(scope: ExportScope, export_format: str, user: str, **values) -> str:
	"""A Mail Export row (owner: the user); returns its name."""
	doc = frappe.get_doc(
		{
			"doctype": "Mail Export",
			"scope": scope.scope,
			"export_format": export_format,
			"reference_doctype": scope.reference_doctype,
			"reference_name": scope.reference_name,
			"account": scope.account,
			"search_text": (scope.search_text or "")[:140] or None,
			"search_filters": json.dumps(stored_filters(scope), sort_keys=True)
			if stored_filters(scope)
			else None,
			**values,
		}
	)
	doc.owner = user
	doc.insert(ignore_permissions=True)
	return doc.name


def export_to(scope: ExportScope, export_format: str, path: str, user: str) -> tuple[int, list[str]]:
	"""Write the scope's mails to `path`; returns the count and the mails."""
	communications = mails_in_scope(scope, user)
	if export_format == "mbox":
		count = write_mbox(communications, path, user)
	elif export_format == "Evidence":
		from crm_mail_archive.transfer.evidence import write_evidence

		count = write_evidence(communications, path, user)
	else:
		count = write_zip(communications, path, user)
	return count, communications


EXPORT_TYPES = {"ZIP": "application/zip", "mbox": "application/mbox", "Evidence": "application/zip"}


def export_file_name(export: str, export_format: str) -> str:
	if export_format == "Evidence":
		return f"mail-evidence-{export}.zip"
	return f"mail-export-{export}.{'mbox' if export_format == 'mbox' else 'zip'}"


def run_export(export: str) -> None:
	"""The background job of a desk export: the file, attached to its log, and a message to the
	user with the link."""
	log = frappe.get_doc("Mail Export", export)
	scope = scope_of_log(log)
	# one file, in the archive's folder: downloaded only through download_export, by its maker
	reference = archive_files.new_reference()
	path = archive_files.path_of(reference)
	log.db_set("status", "Running", update_modified=False)
	frappe.db.commit()
	try:
		os.makedirs(os.path.dirname(path), exist_ok=True)
		count, communications = export_to(scope, log.export_format, path, log.owner)
		audit.record("Exported", communications, reference=("Mail Export", log.name), user=log.owner)
		log.db_set(
			{
				"status": "Ready",
				"mail_count": count,
				"file": reference,
				"sha256": file_sha256(path),
				"mails": "\n".join(communications),
			},
			update_modified=False,
		)
	except Exception as error:
		frappe.db.rollback()
		if os.path.exists(path):
			os.remove(path)
		log.db_set({"status": "Failed", "error": str(error)[:1000]}, update_modified=False)
		frappe.log_error(title=f"Mail Archive: export {log.name} failed")
	frappe.db.commit()
	frappe.publish_realtime(
		"mail_archive_export_done",
		{"export": log.name, "status": log.status, "mails": log.mail_count},
		user=log.owner,
		after_commit=False,
	)
