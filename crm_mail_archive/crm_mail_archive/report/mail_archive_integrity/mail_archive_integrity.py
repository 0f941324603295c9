# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt
"""The last verification of the archive's integrity (or the one chosen), and its findings; or,
with "Show: Completeness", what each mailbox folder held and what the archive lacks of it and why."""

import frappe
from frappe import _

from crm_mail_archive.crm_mail_archive.report.mail_archive_integrity.completeness import completeness_report

VERIFICATION = "Mail Archive Verification"


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if filters.show == "Completeness":
		return completeness_report(filters)
	name = filters.verification or frappe.db.get_value(
		VERIFICATION, {"status": ("!=", "Running")}, "name", order_by="creation desc"
	)
	columns = [
		{"fieldname": "kind", "label": _("Finding"), "fieldtype": "Data", "width": 120},
		{
			"fieldname": "communication",
			"label": _("Mail"),
			"fieldtype": "Link",
			"options": "Communication",
			"width": 130,
		},
		{"fieldname": "file", "label": _("File"), "fieldtype": "Data", "width": 260},
		{
			"fieldname": "entry",
			"label": _("Chain Entry"),
			"fieldtype": "Link",
			"options": "Mail Archive Digest",
			"width": 130,
		},
		{"fieldname": "detail", "label": _("Detail"), "fieldtype": "Data", "width": 480},
	]
	if not name:
		return columns, [], _("No verification has run yet: bench --site SITE mail-archive verify")
	frappe.has_permission(VERIFICATION, "read", name, throw=True)
	record = frappe.get_doc(VERIFICATION, name)
	kinds = {
		"chain": _("Hash chain"),
		"seal": _("Seal"),
		"missing": _("Missing file"),
		"altered": _("Altered file"),
		"unknown": _("Unknown file"),
		"shown": _("Shown mail changed"),
		"rendition": _("Differs from the original"),
		"timestamp": _("Timestamp"),
	}
	data = []
	for line in (record.findings or "").split("\n"):
		parts = line.split("\t")
		if len(parts) == 5:
			kind, communication, file, entry, detail = (part if part != "-" else "" for part in parts)
			data.append(
				{
					"kind": kinds.get(kind, kind),
					"communication": communication,
					"file": file,
					"entry": entry,
					"detail": detail,
				}
			)
	summary = [
		{"label": _("Verification"), "value": record.name, "datatype": "Data"},
		{"label": _("Started"), "value": record.started, "datatype": "Datetime"},
		{"label": _("Scope"), "value": record.scope, "datatype": "Data"},
		{"label": _("Mails"), "value": record.mails_checked, "datatype": "Int"},
		{"label": _("Files Re-Hashed"), "value": record.files_checked, "datatype": "Int"},
		{"label": _("Chain Entries"), "value": record.digests_checked, "datatype": "Int"},
		{
			"label": _("Findings"),
			"value": record.findings_count,
			"datatype": "Int",
			"indicator": "Green" if record.ok else "Red",
		},
	]
	return columns, data, None, None, summary
