# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt
"""The Mail Archive Integrity report's completeness view: one row per folder of each mailbox the
user may read, with the figures of integrity/completeness.py and their totals."""

import frappe
from frappe import _

from crm_mail_archive.integrity.completeness import account_completeness

FIGURES = (
	("held", "Held on the Server"),
	("seen", "Seen"),
	("archived", "Archived"),
	("headers_only", "Headers Only (over the Size Limit)"),
	("missing", "Missing"),
	("expunged_unarchived", "Expunged Before Archived"),
	("expunged_reported", "Reported by the Server"),
	("expunged_inferred", "From UID Gaps"),
	("quarantined", "Quarantined"),
	("before_first_sync", "Deleted Before the First Sync"),
	("blocked", "Archived with a Blocked Address"),
)


def completeness_report(filters):
	columns = [
		{
			"fieldname": "account",
			"label": _("Account"),
			"fieldtype": "Link",
			"options": "Mail Archive Account",
			"width": 200,
		},
		{"fieldname": "folder", "label": _("Folder"), "fieldtype": "Data", "width": 140},
		{"fieldname": "counting_since", "label": _("Counting Since"), "fieldtype": "Datetime", "width": 150},
		*(
			{"fieldname": name, "label": _(label), "fieldtype": "Int", "width": 110}
			for name, label in FIGURES
		),
		{"fieldname": "last_gap_on", "label": _("Last Gap Detected"), "fieldtype": "Datetime", "width": 150},
	]
	# whoever reads the gap records (the archive's auditors and managers) sees every mailbox's
	# figures: counts, no mail; anyone else the accounts they may read
	listing = frappe.get_all if frappe.has_permission("Mail Archive Gap", "read") else frappe.get_list
	accounts = listing(
		"Mail Archive Account",
		filters={"name": filters.account} if filters.account else {},
		pluck="name",
		order_by="name asc",
	)
	data, totals = [], dict.fromkeys((name for name, _label in FIGURES), 0)
	for account in accounts:
		for folder in account_completeness(account).folders:
			row = folder.as_dict()
			data.append({key: row[key] for key in ("account", "folder", "counting_since", "last_gap_on")})
			data[-1].update({name: row[name] for name, _label in FIGURES})
			for name in totals:
				totals[name] += row[name]
	summary = [
		{"label": _("Held on the Server"), "value": totals["held"], "datatype": "Int"},
		{"label": _("Archived"), "value": totals["archived"], "datatype": "Int"},
		{
			"label": _("Missing"),
			"value": totals["missing"],
			"datatype": "Int",
			"indicator": "Green" if not totals["missing"] else "Orange",
		},
		{"label": _("Expunged Before Archived"), "value": totals["expunged_unarchived"], "datatype": "Int"},
		{"label": _("Quarantined"), "value": totals["quarantined"], "datatype": "Int"},
	]
	message = None if accounts else _("No mailbox to report on.")
	return columns, data, message, None, summary
