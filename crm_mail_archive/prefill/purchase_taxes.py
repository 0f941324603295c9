"""The tax rows of a draft Purchase Invoice made from an e-invoice: one per VAT rate of the
invoice's breakdown, booked on the company's input tax account of that rate.

The account of a rate is the company's leaf Account of type "Tax" with that tax rate — of several
(a German chart has input tax, intra-EU acquisition and § 13b accounts at 19 %), the one the
company's default purchase taxes template uses, else an asset (input tax) account, else any —
then the input tax account of Mail Archive Settings; else a clear error says what to set.

A single rate is a row "On Net Total" (ERPNext computes it from the items). Several rates are rows
"On Net Total" too when every line says its rate and the company has an Item Tax Template per rate
(the German setup makes "19 %", "7 %", "0 %") that taxes the line at its rate only; otherwise
they are rows of the invoice's own tax amounts ("Actual"), so that the grand total still holds."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt

from crm_mail_archive.einvoice import EInvoice
from crm_mail_archive.einvoice.model import decimal

ON_NET_TOTAL = "On Net Total"
ACTUAL = "Actual"


def rate_text(rate: Decimal) -> str:
	"""19.00 → "19", 5.50 → "5.5"."""
	return format(rate.normalize(), "f")


def breakdown(invoice: EInvoice) -> list[dict]:
	"""The invoice's VAT per rate that carries tax: rate, taxable amount, tax amount (decimals)."""
	rows: dict[Decimal, dict] = {}
	for tax in invoice.taxes:
		rate, amount = decimal(tax.rate), decimal(tax.tax_amount)
		if rate is None or amount is None or (not rate and not amount):
			continue  # zero-rated, exempt, reverse charge: no tax to book
		row = rows.setdefault(rate, {"rate": rate, "taxable": Decimal(0), "tax": Decimal(0)})
		row["taxable"] += decimal(tax.taxable_amount) or Decimal(0)
		row["tax"] += amount
	return list(rows.values())


def review(invoice: EInvoice) -> list[dict]:
	"""The tax rows as the review dialog shows them (text)."""
	return [
		{
			"description": description(row["rate"]),
			"rate": rate_text(row["rate"]),
			"taxable_amount": str(row["taxable"]),
			"tax_amount": str(row["tax"]),
		}
		for row in breakdown(invoice)
	]


def description(rate: Decimal) -> str:
	return _("Input tax {0} %").format(rate_text(rate))


def input_tax_account(company: str, rate: Decimal) -> str:
	"""The account the input tax of `rate` is booked on (see the module's text)."""
	candidates = frappe.get_all(
		"Account",
		{"company": company, "account_type": "Tax", "is_group": 0, "disabled": 0, "tax_rate": flt(rate)},
		["name", "root_type"],
		order_by="name asc",
		limit=50,
	)
	if candidates:
		in_default = set(
			frappe.get_all(
				"Purchase Taxes and Charges",
				{
					"parenttype": "Purchase Taxes and Charges Template",
					"parent": ("in", _default_templates(company) or [""]),
					"add_deduct_tax": "Add",
				},
				pluck="account_head",
			)
		)
		candidates.sort(
			key=lambda row: (row.name not in in_default, row.root_type != "Asset", len(row.name), row.name)
		)
		return candidates[0].name
	configured = frappe.db.get_single_value("Mail Archive Settings", "einvoice_tax_account")
	if configured and frappe.db.get_value("Account", configured, "company") == company:
		return configured
	frappe.throw(
		_(
			"No input tax account for {0} % VAT: the company {1} has no Account of type Tax with that tax rate. Set the tax rate on its input tax account, or the input tax account for e-invoices in Mail Archive Settings."
		).format(rate_text(rate), company),
		title=_("Input tax account missing"),
	)


def _default_templates(company: str) -> list[str]:
	return frappe.get_all(
		"Purchase Taxes and Charges Template",
		{"company": company, "is_default": 1, "disabled": 0},
		pluck="name",
	)


def _item_tax_templates(company: str, accounts: dict[Decimal, str]) -> dict[Decimal, str] | None:
	"""Per rate an Item Tax Template of the company taxing that rate's account at the rate and the
	other rates' accounts at 0 (None when one is missing)."""
	templates = frappe.get_all(
		"Item Tax Template", {"company": company, "disabled": 0}, pluck="name", order_by="name asc"
	)
	details: dict[str, dict[str, float]] = {}
	for row in frappe.get_all(
		"Item Tax Template Detail",
		{"parenttype": "Item Tax Template", "parent": ("in", templates or [""])},
		["parent", "tax_type", "tax_rate"],
	):
		details.setdefault(row.parent, {})[row.tax_type] = flt(row.tax_rate)
	chosen: dict[Decimal, str] = {}
	for rate, account in accounts.items():
		for template in templates:
			rates = details.get(template, {})
			if rates.get(account) == flt(rate) and all(
				rates.get(other) == 0 for other_rate, other in accounts.items() if other_rate != rate
			):
				chosen[rate] = template
				break
		else:
			return None
	return chosen


def apply(doc, invoice: EInvoice, line_rates: list[str]) -> None:
	"""Add the tax rows of the invoice's breakdown to the draft `doc` (its items appended, in the
	order of `line_rates`: each line's VAT rate as the invoice gives it, "" unknown)."""
	rows = breakdown(invoice)
	if not rows:
		return
	accounts = {row["rate"]: input_tax_account(doc.company, row["rate"]) for row in rows}
	charge_type = ON_NET_TOTAL
	if len(rows) > 1:
		rates = [decimal(rate) for rate in line_rates]
		templates = (
			_item_tax_templates(doc.company, accounts)
			if rates and all(rate in accounts for rate in rates)
			else None
		)
		if templates is None:
			charge_type = ACTUAL
		else:
			for item, rate in zip(doc.items, rates, strict=True):
				item.item_tax_template = templates[rate]
	for row in rows:
		doc.append(
			"taxes",
			{
				"category": "Total",
				"add_deduct_tax": "Add",
				"charge_type": charge_type,
				"account_head": accounts[row["rate"]],
				"rate": flt(row["rate"]) if charge_type == ON_NET_TOTAL else 0,
				"tax_amount": flt(row["tax"]) if charge_type == ACTUAL else 0,
				"description": description(row["rate"]),
			},
		)
