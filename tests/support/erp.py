"""Committed ERP documents for a test (Suppliers, Quotations, Sales Orders, Purchase Invoices …),
named by the site's own naming series, removed after it.

The documents are inserted as drafts without their controllers' validation (no items, prices or
taxes are needed to be named and to belong to a party): what filing by document number reads
is a document's name, its party, its contact and its order or invoice number."""

from __future__ import annotations

from collections.abc import Callable

import frappe

from tests.support.crm import CrmBuilder


class ErpBuilder:
	def __init__(self, crm: CrmBuilder, register: Callable[[str, str], None]):
		self.crm = crm
		self.register = register

	def supplier(self, name: str) -> str:
		doc = frappe.get_doc({"doctype": "Supplier", "supplier_name": f"{name} {self.crm.tag}"})
		doc.flags.ignore_mandatory = True
		doc.insert(ignore_permissions=True)
		self.register("Supplier", doc.name)
		return doc.name

	def document(self, doctype: str, **values) -> str:
		"""A draft `doctype` document with `values` (customer=…, supplier=…, po_no=…, …)."""
		doc = frappe.get_doc(
			{"doctype": doctype, "company": frappe.defaults.get_global_default("company"), **values}
		)
		doc.flags.ignore_validate = True
		doc.flags.ignore_mandatory = True
		doc.flags.ignore_links = True
		doc.insert(ignore_permissions=True)
		self.register(doctype, doc.name)
		return doc.name
