"""E-invoices in a mail's attachments, read in the background after the batch is stored: what each
says is kept on its Mail Attachment (`einvoice_status`, `einvoice_json`), and the mail is filed at
the Supplier the invoice names (by VAT ID or tax number; else the Suppliers its sender's address
filed it at), at that Supplier's Purchase Invoice with the invoice's number as `bill_no`, and at
the Purchase Order it references (source "E-Invoice", the matched text as the reason).

A number of another supplier's document is no match; a confidential account, a mail marked private
and a blocked sender file nothing."""

from __future__ import annotations

import frappe

from crm_mail_archive.einvoice import READ, EInvoice, is_candidate
from crm_mail_archive.einvoice.isolated import Reader
from crm_mail_archive.filing.address_index import mail_addresses_in_bulk
from crm_mail_archive.filing.links import Reason, Target, link_mails
from crm_mail_archive.filing.policy import account_of, files_automatically, filing_policy
from crm_mail_archive.filing.rules import considered_addresses
from crm_mail_archive.infra import archive_files
from crm_mail_archive.infra.jobs import LIVE_QUEUE, enqueue

SOURCE = "E-Invoice"
MAX_SUPPLIERS = 3  # one tax ID names one party; a few duplicates of it at most are filed


def enqueue_einvoices(communications: list[str], queue: str = LIVE_QUEUE) -> None:
	"""After the batch commits: read its attachments as e-invoices in the background (beside their
	words: live work for synced mail, the bulk queue for an import's)."""
	if communications:
		enqueue(
			"crm_mail_archive.filing.einvoice.read_einvoices_job",
			queue=queue,
			timeout=60 * 60,
			communications=communications,
		)


def read_einvoices_job(communications: list[str]) -> None:
	"""Read the XML and PDF attachments of new mail as e-invoices and file the mails they make
	known (a job enqueued after the batch commits, like the attachments' words)."""
	found: dict[str, list[EInvoice]] = {}
	rows = [
		row
		for row in frappe.get_all(
			"Mail Attachment",
			{"communication": ("in", communications or [""])},
			["name", "communication", "file_name", "content_type", "stored_file"],
			order_by="creation asc",
		)
		if is_candidate(row.file_name or "", row.content_type)
	]
	if not rows:
		return
	with Reader() as reader:
		for row in rows:
			invoice = read_attachment(row, reader)
			if invoice is not None and invoice.status == READ:
				found.setdefault(row.communication, []).append(invoice)
	frappe.db.commit()
	for communication, invoices in found.items():
		try:
			file_einvoices(communication, invoices)
			frappe.db.commit()
		except Exception:  # one mail's filing never stops the others
			frappe.db.rollback()
			frappe.log_error(title=f"Mail Archive: e-invoice filing failed for {communication}")


def read_attachment(row, reader: Reader) -> EInvoice | None:
	"""Read one attachment (in the reader's process, time-limited) and keep the result on its row
	(nothing for a file that is no e-invoice)."""
	try:
		content = archive_files.read(row.stored_file)
	except Exception as error:  # a file gone from disk: noted, the others go on
		invoice = EInvoice(format="", status="Rejected", note=f"not read ({type(error).__name__})")
	else:
		invoice = reader.read(row.file_name or "", content, row.content_type)
	if invoice is None:
		return None
	frappe.db.set_value(
		"Mail Attachment",
		row.name,
		{
			"einvoice_status": invoice.status,
			"einvoice_json": invoice.to_json(),
			# a Purchase Invoice with this bill no, made later, finds the mail by it (einvoice_bills.py)
			"einvoice_number": invoice.invoice_number[:140] if invoice.status == READ else None,
		},
		update_modified=False,
	)
	return invoice


def filing_sender(communication: str) -> str | None:
	"""The sender whose e-invoice may file the mail, under the rules every automatic filing obeys:
	the account files automatically (not confidential), the mail is not private, the sender is not
	blocked (nor the account's own, nor internal). None: the mail is not filed."""
	if frappe.db.get_value("Communication", communication, "mail_archive_private"):
		return None
	account = account_of(communication)
	if not files_automatically(account):
		return None
	addresses = mail_addresses_in_bulk([communication]).get(communication)
	if addresses is None or addresses.sent:
		return None
	sender = next(iter(considered_addresses(addresses)), None)
	return sender if sender and filing_policy(account).exclusion(sender) is None else None


def suppliers_of(communication: str, invoice: EInvoice) -> dict[str, Reason]:
	"""The Suppliers the invoice names by tax ID, else those the sender's address filed it at."""
	ids = {
		variant
		for value in (invoice.seller.vat_id, invoice.seller.tax_number)
		if value
		for variant in (value, value.replace(" ", ""))
	}
	found: dict[str, Reason] = {}
	if ids:
		for row in frappe.get_all(
			"Supplier",
			{"tax_id": ("in", sorted(ids)), "disabled": 0},
			["name", "tax_id"],
			order_by="creation asc",
			limit=MAX_SUPPLIERS,
		):
			found[row.name] = Reason(matched_text=row.tax_id)
	if found:
		return found
	for name in frappe.get_all(
		"Timeline Link",
		{"communication": communication, "link_doctype": "Supplier"},
		pluck="link_name",
		limit=MAX_SUPPLIERS,
	):
		found[name] = Reason()
	return found


def targets_of(communication: str, invoice: EInvoice) -> dict[Target, Reason]:
	suppliers = suppliers_of(communication, invoice)
	targets: dict[Target, Reason] = {("Supplier", name): reason for name, reason in suppliers.items()}
	if not suppliers:
		return targets
	if invoice.invoice_number:
		for name in frappe.get_all(
			"Purchase Invoice",
			{"bill_no": invoice.invoice_number, "supplier": ("in", list(suppliers)), "docstatus": ("<", 2)},
			pluck="name",
			limit=5,
		):
			targets[("Purchase Invoice", name)] = Reason(matched_text=invoice.invoice_number)
	if invoice.order_reference:
		for name in frappe.get_all(
			"Purchase Order",
			{"name": invoice.order_reference, "supplier": ("in", list(suppliers)), "docstatus": ("<", 2)},
			pluck="name",
		):
			targets[("Purchase Order", name)] = Reason(matched_text=invoice.order_reference)
	return targets


def file_einvoices(communication: str, invoices: list[EInvoice]) -> int:
	sender = filing_sender(communication)
	if not sender:
		return 0
	targets: dict[Target, Reason] = {}
	for invoice in invoices:
		for target, reason in targets_of(communication, invoice).items():
			# the sender too: a later blocklist entry for it takes these filings back
			targets.setdefault(target, Reason(matched_address=sender, matched_text=reason.matched_text))
	return link_mails({communication: targets}, SOURCE, "Administrator") if targets else 0


def einvoices_of(communication: str) -> list[tuple[str, str, EInvoice]]:
	"""The e-invoices among a mail's attachments: (attachment, file name, what it says)."""
	return [
		(row.name, row.file_name, EInvoice.from_json(row.einvoice_json))
		for row in frappe.get_all(
			"Mail Attachment",
			{"communication": communication, "einvoice_status": ("in", ["Read", "Rejected"])},
			["name", "file_name", "einvoice_json"],
			order_by="position asc, creation asc",
		)
		if row.einvoice_json
	]
