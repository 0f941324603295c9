"""Document events that file past mail retroactively, or again after a blocklist change."""

import frappe

from crm_mail_archive.filing import service
from crm_mail_archive.mailbox.parser import normalize_address


def _addresses(values) -> list[str]:
	return sorted({a for a in (normalize_address(v or "") for v in values) if a})


def contact_changed(doc, method=None) -> None:
	"""A Contact gained an address or a link: file the past mail of its addresses there (only
	a Contact that files mail at all: service.trusted_makers)."""
	if not service.may_keep_records("Contact", doc.owner):
		return
	before = doc.get_doc_before_save()
	addresses = _addresses(row.email_id for row in doc.email_ids)
	links = {(row.link_doctype, row.link_name) for row in doc.links}
	if before:
		old_addresses = set(_addresses(row.email_id for row in before.email_ids))
		old_links = {(row.link_doctype, row.link_name) for row in before.links}
		if set(addresses) <= old_addresses and links <= old_links:
			return
	targets = [("Contact", doc.name), *sorted(links)]
	enqueue_past_mail(addresses, targets)


def lead_changed(doc, method=None) -> None:
	before = doc.get_doc_before_save()
	if not doc.email_id or (before and before.email_id == doc.email_id):
		return
	if not service.may_keep_records("Lead", doc.owner):
		return
	enqueue_past_mail(_addresses([doc.email_id]), [("Lead", doc.name)])


def enqueue_past_mail(addresses: list[str], targets: list[tuple[str, str]]) -> None:
	if not addresses:
		return
	frappe.enqueue(
		"crm_mail_archive.filing.service.file_past_mail_job",
		queue="default",
		enqueue_after_commit=True,
		now=frappe.flags.in_test,
		addresses=addresses,
		targets=targets,
	)


def blocklist_entry_removed(doc, method=None) -> None:
	if doc.enabled:  # what it held back is filed again
		service.enqueue_blocklist_entry(doc.entry_type, doc.value)


def document_deleted(doc, method=None) -> None:
	"""A deleted document takes its filings along (stock removes the Communication Link rows)."""
	# while the app is (un)installed our tables may not exist (yet, or any more)
	if frappe.flags.in_uninstall or frappe.flags.in_install:
		return
	if doc.doctype in ("Timeline Link", "Mail Address Index", "Mailbox Copy"):
		return
	if doc.doctype == "Communication":
		for doctype in ("Timeline Link", "Mail Address Index"):
			frappe.db.delete(doctype, {"communication": doc.name})
		return
	frappe.db.delete("Timeline Link", {"link_doctype": doc.doctype, "link_name": doc.name})
