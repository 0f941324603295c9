"""Committed Opportunities for the open-deal tests (server and browser), removed after the test."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, now_datetime

from tests.support.crm import CrmBuilder


def an_opportunity(
	crm: CrmBuilder,
	party_doctype: str,
	party: str,
	status: str = "Open",
	days_since_change: int = 0,
	**values,
) -> str:
	"""An Opportunity of a Customer or Lead (made by Administrator), in `status` (set as ERPNext's
	own actions set it, after the insert), last changed `days_since_change` days ago."""
	doc = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": party_doctype,
			"party_name": party,
			"company": frappe.db.get_single_value("Global Defaults", "default_company"),
			**values,
		}
	).insert(ignore_permissions=True)
	crm.register("Opportunity", doc.name)
	changed = add_days(now_datetime(), -days_since_change)
	frappe.db.set_value(
		"Opportunity", doc.name, {"status": status, "modified": changed}, update_modified=False
	)
	frappe.db.commit()
	return doc.name
