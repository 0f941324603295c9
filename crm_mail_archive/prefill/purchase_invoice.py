"""A draft Purchase Invoice from an e-invoice in a mail: what the reader's "E-Rechnung" panel shows,
what the draft would hold (reviewed in the desk), and the draft made from what was confirmed, with
the mail and its thread filed there (source "Created From"). The draft is never submitted here."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from crm_mail_archive.einvoice import READ, EInvoice
from crm_mail_archive.einvoice.model import decimal
from crm_mail_archive.filing.einvoice import einvoices_of, suppliers_of
from crm_mail_archive.filing.manual import file_thread
from crm_mail_archive.prefill import purchase_taxes
from crm_mail_archive.prefill.create import default_company

# what the review dialog may set (the lines and amounts are the invoice's own)
EDITABLE = ("supplier", "bill_no", "bill_date", "posting_date", "due_date", "company")


def panel(communication: str) -> list[dict]:
	"""The mail's e-invoices as the panel shows them: every value text (the desk escapes it)."""
	shown = []
	for attachment, file_name, invoice in einvoices_of(communication):
		entry = {"attachment": attachment, "file_name": file_name or "", **_fields(invoice)}
		if invoice.status == READ:
			entry["totals_problem"] = invoice.totals_problem()
			suppliers = list(suppliers_of(communication, invoice))
			entry["supplier"] = suppliers[0] if len(suppliers) == 1 else ""
			entry["purchase_invoices"] = _existing(suppliers, invoice.invoice_number)
		shown.append(entry)
	return shown


def _fields(invoice: EInvoice) -> dict:
	return {
		"format": invoice.format,
		"status": invoice.status,
		"note": invoice.note,
		"invoice_number": invoice.invoice_number,
		"issue_date": invoice.issue_date,
		"due_date": invoice.due_date,
		"currency": invoice.currency,
		"net_total": invoice.net_total,
		"tax_total": invoice.tax_total,
		"gross_total": invoice.gross_total,
		"iban": invoice.iban,
		"order_reference": invoice.order_reference,
		"seller": vars(invoice.seller),
		"buyer": vars(invoice.buyer),
		"lines": [vars(line) for line in invoice.lines],
	}


def _existing(suppliers: list[str], bill_no: str) -> list[str]:
	if not (suppliers and bill_no):
		return []
	return frappe.get_all(
		"Purchase Invoice",
		{"supplier": ("in", suppliers), "bill_no": bill_no, "docstatus": ("<", 2)},
		pluck="name",
	)


def invoice_of(communication: str, attachment: str) -> EInvoice:
	"""The e-invoice read from the mail's attachment; a clear error for anything else."""
	for name, _file_name, invoice in einvoices_of(communication):
		if name == attachment:
			if invoice.status != READ:
				frappe.throw(_("This e-invoice was rejected: {0}").format(invoice.note))
			return invoice
	frappe.throw(
		_("The attachment {0} of this mail is no e-invoice.").format(attachment), frappe.DoesNotExistError
	)


def expense_item() -> str:
	item = frappe.db.get_single_value("Mail Archive Settings", "einvoice_expense_item")
	if not item:
		frappe.throw(_("Set the expense item for e-invoices in Mail Archive Settings first."))
	return item


def _date(value: str) -> str | None:
	try:
		return str(getdate(value)) if value else None
	except Exception:
		return None


def prefill(communication: str, attachment: str) -> dict:
	"""What the draft would hold, for the review dialog."""
	invoice = invoice_of(communication, attachment)
	suppliers = list(suppliers_of(communication, invoice))
	issued = _date(invoice.issue_date) or nowdate()
	return {
		"supplier": suppliers[0] if len(suppliers) == 1 else "",
		"bill_no": invoice.invoice_number,
		"bill_date": issued,
		"posting_date": issued,
		"due_date": _date(invoice.due_date) or issued,
		"company": default_company() or "",
		"currency": invoice.currency,
		"item": expense_item(),
		"items": _items(invoice),
		"taxes": purchase_taxes.review(invoice),
		"net_total": invoice.net_total,
		"tax_total": invoice.tax_total,
		"gross_total": invoice.gross_total,
		"totals_problem": invoice.totals_problem(),
	}


def _items(invoice: EInvoice) -> list[dict]:
	items = []
	for line in invoice.lines:
		quantity = decimal(line.quantity) or Decimal(1)
		amount = decimal(line.net_amount)
		rate = decimal(line.unit_price)
		if amount is not None and (rate is None or rate * quantity != amount):
			quantity, rate = Decimal(1), amount  # price units or allowances: the line's amount counts
		items.append(
			{
				"description": line.text or "-",
				"qty": str(quantity),
				"rate": str(rate or 0),
				"tax_rate": line.tax_rate,
			}
		)
	if not items and invoice.net_total:  # an invoice without lines: one line of its net total
		items.append(
			{
				"description": invoice.invoice_number or "-",
				"qty": "1",
				"rate": invoice.net_total,
				"tax_rate": "",
			}
		)
	return items


def create(communication: str, attachment: str, user: str, values: dict | None = None) -> dict:
	"""The draft Purchase Invoice from the reviewed values; the mail and its thread filed there."""
	proposed = prefill(communication, attachment)
	confirmed = {key: value for key, value in (values or {}).items() if key in EDITABLE and value}
	chosen = {**{key: proposed[key] for key in EDITABLE}, **confirmed}
	if not chosen["supplier"] or not frappe.db.exists("Supplier", chosen["supplier"]):
		frappe.throw(_("Choose the Supplier of this invoice."))
	if not chosen["company"]:
		frappe.throw(_("Set a default Company first."))
	existing = _existing([chosen["supplier"]], chosen["bill_no"])
	if existing:
		frappe.throw(
			_("Supplier invoice {0} is already Purchase Invoice {1}.").format(chosen["bill_no"], existing[0]),
			frappe.DuplicateEntryError,
		)
	doc = frappe.new_doc("Purchase Invoice")
	doc.update(
		{
			"supplier": chosen["supplier"],
			"company": chosen["company"],
			"bill_no": chosen["bill_no"],
			"bill_date": chosen["bill_date"],
			"set_posting_time": 1,
			"posting_date": chosen["posting_date"],
			"due_date": chosen["due_date"],
		}
	)
	if proposed["currency"]:
		doc.currency = proposed["currency"]
	for item in proposed["items"]:
		doc.append(
			"items",
			{
				"item_code": proposed["item"],
				"description": item["description"],
				"qty": flt(item["qty"]),
				"rate": flt(item["rate"]),
			},
		)
	purchase_taxes.apply(
		doc, invoice_of(communication, attachment), [item["tax_rate"] for item in proposed["items"]]
	)
	doc.insert()
	file_thread(communication, "Purchase Invoice", doc.name, "Created From", user)
	return {
		"doctype": "Purchase Invoice",
		"name": doc.name,
		"totals_problem": _differences(doc, proposed) or proposed["totals_problem"],
	}


def _differences(doc, proposed: dict) -> str:
	"""Where the draft's totals (computed by ERPNext from its rows) differ from the invoice's."""
	found = []
	net, gross = decimal(proposed["net_total"]), decimal(proposed["gross_total"])
	if net is not None and abs(Decimal(str(doc.net_total)) - net) > Decimal("0.005"):
		found.append(
			_("The draft's net total {0} differs from the invoice's {1}.").format(doc.net_total, net)
		)
	if gross is not None and abs(Decimal(str(doc.grand_total)) - gross) > Decimal("0.005"):
		found.append(
			_("The draft's grand total {0} differs from the invoice's gross total {1}.").format(
				doc.grand_total, gross
			)
		)
	return " ".join(found)
