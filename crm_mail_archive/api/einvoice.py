"""E-invoices in a mail (XRechnung, ZUGFeRD / Factur-X): what the reader's "E-Rechnung" panel shows,
and a draft Purchase Invoice made from one after review. Reading them is reading the mail and its
attachments (the read rule); creating the draft needs the right to create Purchase Invoices."""

import frappe

from crm_mail_archive.permissions.guards import require_creation, require_readable_mail
from crm_mail_archive.prefill import purchase_invoice


@frappe.whitelist(methods=["GET", "POST"])
def get_einvoice(communication: str) -> list[dict]:
	"""The mail's e-invoices as read from its attachments (every value text), with a note for one
	that was rejected."""
	require_readable_mail(communication)
	return purchase_invoice.panel(communication)


@frappe.whitelist(methods=["GET", "POST"])
def prefill_purchase_invoice(communication: str, attachment: str) -> dict:
	"""What the draft Purchase Invoice would hold, for the person to review before creating it."""
	require_readable_mail(communication)
	require_creation("Purchase Invoice")
	return purchase_invoice.prefill(communication, attachment)


@frappe.whitelist(methods=["POST"])
def create_purchase_invoice(communication: str, attachment: str, values: dict | str | None = None) -> dict:
	"""A draft Purchase Invoice from the e-invoice with the reviewed `values` (supplier, bill no,
	dates, company); the mail and its thread are filed there (source "Created From")."""
	require_readable_mail(communication)
	require_creation("Purchase Invoice")
	values = frappe.parse_json(values) if isinstance(values, str) else dict(values or {})
	return purchase_invoice.create(communication, attachment, frappe.session.user, values)
