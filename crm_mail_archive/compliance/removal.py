"""Deleting archived mail in batches: what stock `frappe.delete_doc` does for one Communication
(its child rows, attachments, search and tag entries, the references other records hold), done
for a batch in one statement per table — and without the `delete_dynamic_links` job stock
enqueues per deleted document: an erasure of 10,000 mails queues no job at all, so it never puts
thousands of jobs ahead of a new mail's sync (issue 27)."""

from __future__ import annotations

import frappe

from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.storage.files import forget_files_of_many

MAILS_PER_BATCH = 500

# the mail's own rows (events.document_deleted removes the same for a single deletion)
MAIL_ROWS = (
	"Timeline Link",
	"Mail Address Index",
	"Mail Search Text",
	"Mailbox Copy",
	"Mail Server Action",
)

# stock's delete_dynamic_links: rows that belong to the deleted document (table, doctype field,
# name field), deleted ...
OWNED_BY_REFERENCE = (
	("ToDo", "reference_type", "reference_name"),
	("Email Unsubscribe", "reference_doctype", "reference_name"),
	("DocShare", "share_doctype", "share_name"),
	("Version", "ref_doctype", "docname"),
	("Comment", "reference_doctype", "reference_name"),
	("View Log", "reference_doctype", "reference_name"),
	("Document Follow", "ref_doctype", "ref_docname"),
	("Notification Log", "document_type", "document_name"),
	("Tag Link", "document_type", "document_name"),
)
# ... and rows that only point at it, whose reference is cleared
POINTING_AT = (
	("Communication", "reference_doctype", "reference_name"),
	("Activity Log", "reference_doctype", "reference_name"),
	("Activity Log", "timeline_doctype", "timeline_name"),
)


def delete_communications(communications: list[str]) -> int:
	"""Delete the Communications (archived mail; the caller has checked that nothing keeps them
	and records the removal) with everything that belongs to them; returns how many. Their files
	go once the deletion is committed."""
	deleted = 0
	for batch in chunked(sorted(set(communications)), MAILS_PER_BATCH):
		deleted += _delete_batch(batch)
	return deleted


def _delete_batch(batch: list[str]) -> int:
	names = frappe.get_all("Communication", {"name": ("in", batch)}, pluck="name")
	if not names:
		return 0
	_delete_rows("Email Queue", {"communication": ("in", names)})
	for doctype in MAIL_ROWS:
		_delete_rows(doctype, {"communication": ("in", names)})
	forget_files_of_many(names)
	# stock Files attached to a mail (not the archive's own files): deleted as stock does it
	for file in frappe.get_all(
		"File", {"attached_to_doctype": "Communication", "attached_to_name": ("in", names)}, pluck="name"
	):
		frappe.delete_doc("File", file, ignore_permissions=True, delete_permanently=True)
	# the timeline rows of the mails, and those of other mails that point at them
	_delete_rows("Communication Link", {"parenttype": "Communication", "parent": ("in", names)})
	_delete_rows("Communication Link", {"link_doctype": "Communication", "link_name": ("in", names)})
	for doctype, doctype_field, name_field in OWNED_BY_REFERENCE:
		_delete_rows(doctype, {doctype_field: "Communication", name_field: ("in", names)})
	for doctype, doctype_field, name_field in POINTING_AT:
		pointing = frappe.get_all(
			doctype, {doctype_field: "Communication", name_field: ("in", names)}, pluck="name"
		)
		for chunk in chunked(pointing):
			table = frappe.qb.DocType(doctype)
			(
				frappe.qb.update(table)
				.set(table[doctype_field], None)
				.set(table[name_field], None)
				.where(table.name.isin(chunk))
			).run()
	if frappe.db.sql(
		"select 1 from `__global_search` where doctype = 'Communication' and name in %(names)s limit 1",
		{"names": names},
	):
		frappe.db.delete("__global_search", {"doctype": "Communication", "name": ("in", names)})
	frappe.db.delete("Communication", {"name": ("in", names)})
	for name in names:
		frappe.clear_document_cache("Communication", name)
	return len(names)


def _delete_rows(doctype: str, filters: dict) -> None:
	"""Delete the rows found by a plain read, by their primary key: a delete by another index
	would lock the gaps around the mails' keys until the erasure commits, and a new mail's rows
	(random names, arriving beside it) would wait for that."""
	for chunk in chunked(frappe.get_all(doctype, filters, pluck="name")):
		frappe.db.delete(doctype, {"name": ("in", chunk)})
