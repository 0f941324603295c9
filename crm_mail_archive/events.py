"""Document events (hooks.py → doc_events): thin handlers that hand the change to the service it
concerns."""

from __future__ import annotations

import re

import frappe

from crm_mail_archive.accounts.schedule import repair_future_job_times
from crm_mail_archive.actions.service import request
from crm_mail_archive.compose.sent import archive_queued_mail
from crm_mail_archive.document_numbers.retroactive import (
	enqueue_past_mail_of_document,
	enqueue_past_mail_of_reference,
)
from crm_mail_archive.filing import threads
from crm_mail_archive.filing.blocklist import enqueue_blocklist_entry
from crm_mail_archive.filing.einvoice_bills import enqueue_past_einvoices
from crm_mail_archive.filing.retroactive import enqueue_past_mail
from crm_mail_archive.filing.targets import may_keep_records
from crm_mail_archive.infra.conflicts import is_lock_conflict
from crm_mail_archive.mailbox.addresses import normalize_address
from crm_mail_archive.storage.files import forget_files_of

# Frappe's composer prefixes forwards with "Fw:" (and its translations); mail clients add more
FORWARD_PREFIX = re.compile(r"^\s*(fw|fwd|wg|tr|rv|doorst)\s*:", re.IGNORECASE)


def _addresses(values) -> list[str]:
	return sorted({a for a in (normalize_address(v or "") for v in values) if a})


def contact_changed(doc, method=None) -> None:
	"""A Contact gained an address or a link: file the past mail of its addresses there (only a
	Contact that files mail at all: targets.trusted_makers)."""
	if not may_keep_records("Contact", doc.owner):
		return
	before = doc.get_doc_before_save()
	addresses = _addresses(row.email_id for row in doc.email_ids)
	links = {(row.link_doctype, row.link_name) for row in doc.links}
	if before:
		old_addresses = set(_addresses(row.email_id for row in before.email_ids))
		old_links = {(row.link_doctype, row.link_name) for row in before.links}
		if set(addresses) <= old_addresses and links <= old_links:
			return
	enqueue_past_mail(addresses, [("Contact", doc.name), *sorted(links)])


def lead_changed(doc, method=None) -> None:
	"""A Lead appeared with an address, or its address changed: file that address's past mail."""
	before = doc.get_doc_before_save()
	if not doc.email_id or (before and before.email_id == doc.email_id):
		return
	if may_keep_records("Lead", doc.owner):
		enqueue_past_mail(_addresses([doc.email_id]), [("Lead", doc.name)])


def blocklist_entry_removed(doc, method=None) -> None:
	if doc.enabled:  # what it held back is filed again
		enqueue_blocklist_entry(doc.entry_type, doc.value)


# the app's rows of a mail, each naming it in `communication`
MAIL_ROWS = ("Timeline Link", "Mail Address Index", "Mail Search Text", "Mailbox Copy", "Mail Server Action")


def document_deleted(doc, method=None) -> None:
	"""A deleted document takes its filings along (stock removes the Communication Link rows)."""
	# while the app is (un)installed our tables may not exist (yet, or any more)
	if frappe.flags.in_uninstall or frappe.flags.in_install:
		return
	if doc.doctype in MAIL_ROWS:
		return
	if doc.doctype == "Communication":
		# a deleted mail takes its filings, index rows, words, server copies and queued actions along
		for doctype in MAIL_ROWS:
			frappe.db.delete(doctype, {"communication": doc.name})
		if doc.get("mail_archive_key"):
			forget_files_of(doc.name)  # its attachments and original
		return
	frappe.db.delete("Timeline Link", {"link_doctype": doc.doctype, "link_name": doc.name})


def communication_before_insert(doc, method=None) -> None:
	threads.set_in_reply_to(doc)


def communication_after_insert(doc, method=None) -> None:
	"""Mail sent from the desk marks the mail it answers (\\Answered) or forwards ($Forwarded),
	on the server too."""
	if doc.communication_medium != "Email" or doc.sent_or_received != "Sent" or doc.get("mail_archive_key"):
		return
	original = threads.answered_communication(doc)
	if original:
		request(original, "Forwarded" if FORWARD_PREFIX.match(doc.subject or "") else "Answered")


def email_queue_before_insert(doc, method=None) -> None:
	threads.add_thread_headers(doc)


def email_queue_after_insert(doc, method=None) -> None:
	"""Archive the mail being sent; a failure here never stops the sending (the Sent folder's sync
	archives it later)."""
	frappe.db.savepoint("mail_archive_sent")
	try:
		archive_queued_mail(doc)
	except Exception as error:
		if is_lock_conflict(error):
			raise
		frappe.db.rollback(save_point="mail_archive_sent")
		frappe.log_error(title=f"Mail Archive: sent mail not archived ({doc.communication})")


def time_zone_may_have_changed(*args, **kwargs) -> None:
	"""Setup wizard done, or System Settings saved: jobs created in the old time zone may lie in
	the future now."""
	repair_future_job_times()


def document_inserted(doc, method=None) -> None:
	"""A new document of a DocType recognised by number files the past mail that named it."""
	enqueue_past_mail_of_document(doc)


def party_reference_saved(doc, method=None) -> None:
	"""A Sales Order or Sales Invoice saved: new, or its customer's order number or customer
	changed, the past mail that named the number is filed there."""
	enqueue_past_mail_of_reference(doc)


def purchase_invoice_saved(doc, method=None) -> None:
	"""A Purchase Invoice saved: new, or its supplier invoice number or supplier changed, its past
	e-invoice mail and the past mail that named the number are filed there."""
	enqueue_past_einvoices(doc)
	enqueue_past_mail_of_reference(doc)
