"""Committed purchasing records for the e-invoice tests: a supplier with a VAT ID, its Purchase
Order and a draft Purchase Invoice with a bill no, another supplier and its order, a service item
set as the e-invoice expense item (the setting is put back afterwards by `restore`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import frappe


def purchasing_records(tag: str, register: Callable[[str, str], None]) -> dict:
	company = frappe.db.get_single_value("Global Defaults", "default_company")
	item = frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": f"Fremdleistung {tag}",
			"item_group": "Services",
			"stock_uom": "Nos",
			"is_stock_item": 0,
		}
	).insert(ignore_permissions=True)
	register("Item", item.name)

	def supplier(name, tax_id):
		doc = frappe.get_doc(
			{
				"doctype": "Supplier",
				"supplier_name": f"{name} {tag}",
				"supplier_group": "Hardware",
				"tax_id": tax_id,
			}
		).insert(ignore_permissions=True)
		register("Supplier", doc.name)
		return doc.name

	def order(supplier_name):
		doc = frappe.get_doc(
			{
				"doctype": "Purchase Order",
				"supplier": supplier_name,
				"company": company,
				"transaction_date": "2026-11-20",
				"schedule_date": "2026-12-20",
				"items": [{"item_code": item.name, "qty": 1, "rate": 59.5, "schedule_date": "2026-12-20"}],
			}
		).insert(ignore_permissions=True)
		register("Purchase Order", doc.name)
		return doc.name

	vat = f"DE{uuid.uuid4().int % 10**9:09d}"
	ours = supplier("Lieferant Schrauben", vat)
	other = supplier("Fremdlieferant", f"DE{uuid.uuid4().int % 10**9:09d}")
	bill_no = f"RE-{tag}"
	invoice = frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"supplier": ours,
			"company": company,
			"bill_no": bill_no,
			"bill_date": "2026-11-30",
			"items": [{"item_code": item.name, "qty": 1, "rate": 59.5}],
		}
	).insert(ignore_permissions=True)
	register("Purchase Invoice", invoice.name)
	previous_item = frappe.db.get_single_value("Mail Archive Settings", "einvoice_expense_item")
	frappe.db.set_single_value("Mail Archive Settings", "einvoice_expense_item", item.name)
	frappe.db.commit()
	return {
		"supplier": ours,
		"other_supplier": other,
		"vat": vat,
		"order": order(ours),
		"other_order": order(other),
		"invoice": invoice.name,
		"bill_no": bill_no,
		"item": item.name,
		"company": company,
		"previous_item": previous_item,
	}


def restore(records: dict) -> None:
	frappe.db.set_single_value("Mail Archive Settings", "einvoice_expense_item", records["previous_item"])
	frappe.db.commit()
