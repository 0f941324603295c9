"""Mail Archive Accounts made before visibility existed keep what they had: Shared."""

import frappe


def execute() -> None:
	frappe.db.sql(
		"update `tabMail Archive Account` set visibility = 'Shared' where ifnull(visibility, '') = ''"
	)
