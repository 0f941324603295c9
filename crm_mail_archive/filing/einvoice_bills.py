"""A Purchase Invoice made (or given its supplier invoice number, or another supplier) after its
e-invoice arrived files that past mail: the mails whose e-invoice has the invoice's `bill_no` as
its number (one indexed query on Mail Attachment.einvoice_number) and names the invoice's supplier
— by tax ID, else the mail is filed at that supplier — are filed at the Purchase Invoice (source
"E-Invoice", the number as the reason), in a background job, at most MAX_PAST_MAILS mails.

Another supplier's invoice with the same number is no match; a confidential account, a mail marked
private and a blocked sender file nothing (`filing_sender`, as for every e-invoice filing)."""

from __future__ import annotations

import frappe

from crm_mail_archive.einvoice import READ, EInvoice
from crm_mail_archive.filing.einvoice import SOURCE, filing_sender, suppliers_of
from crm_mail_archive.filing.links import Reason, Target, link_mails
from crm_mail_archive.infra.conflicts import retrying_lock_conflicts
from crm_mail_archive.infra.jobs import BULK_QUEUE, enqueue

MAX_PAST_MAILS = 200  # e-invoices with one number: one, a few resent; never a scan
MAX_NUMBER = 140  # the length Mail Attachment.einvoice_number keeps


def enqueue_past_einvoices(doc) -> None:
	"""A Purchase Invoice saved (doc_events on_update): when it is new or its bill no or supplier
	changed, its past e-invoice mail is filed in the background."""
	if frappe.flags.in_install or frappe.flags.in_migrate:
		return
	if not doc.get("bill_no") or doc.docstatus == 2:
		return
	if not (doc.has_value_changed("bill_no") or doc.has_value_changed("supplier")):
		return
	enqueue(
		"crm_mail_archive.filing.einvoice_bills.file_past_einvoices_job",
		queue=BULK_QUEUE,
		job_id=f"mail-archive-einvoice-bill::{doc.name}",
		purchase_invoice=doc.name,
	)


def file_past_einvoices_job(purchase_invoice: str) -> int:
	"""Background job (its own transaction; a lock conflict with the sync runs it again)."""
	return retrying_lock_conflicts(lambda: file_past_einvoices(purchase_invoice))


def file_past_einvoices(purchase_invoice: str) -> int:
	bill = frappe.db.get_value(
		"Purchase Invoice", purchase_invoice, ["bill_no", "supplier", "docstatus"], as_dict=True
	)
	if not bill or not bill.bill_no or not bill.supplier or bill.docstatus == 2:
		return 0
	targets: dict[str, dict[Target, Reason]] = {}
	for row in frappe.get_all(
		"Mail Attachment",
		{"einvoice_number": bill.bill_no[:MAX_NUMBER], "einvoice_status": READ},
		["communication", "einvoice_json"],
		order_by="creation desc",
		limit=MAX_PAST_MAILS,
	):
		invoice = EInvoice.from_json(row.einvoice_json) if row.einvoice_json else None
		if invoice is None or invoice.invoice_number != bill.bill_no:
			continue  # the index keeps a cut number, case-insensitively: the invoice's own decides
		if row.communication in targets or bill.supplier not in suppliers_of(row.communication, invoice):
			continue
		sender = filing_sender(row.communication)
		if sender:
			reason = Reason(matched_address=sender, matched_text=bill.bill_no[:MAX_NUMBER])
			targets[row.communication] = {("Purchase Invoice", purchase_invoice): reason}
	filed = link_mails(targets, SOURCE, "Administrator") if targets else 0
	frappe.db.commit()
	return filed
