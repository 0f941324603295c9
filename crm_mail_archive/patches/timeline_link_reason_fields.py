"""Timeline Link's `rule` held either the matching address or, for replies, the mail replied to:
each now has its own field (matched_address, reply_to_mail). Copies the old values and drops the
old column."""

import frappe


def execute() -> None:
	if not frappe.db.has_column("Timeline Link", "rule"):
		return
	frappe.db.sql(
		"""update `tabTimeline Link` set reply_to_mail = `rule`
		where source = 'Reply' and ifnull(`rule`, '') != '' and reply_to_mail is null"""
	)
	frappe.db.sql(
		"""update `tabTimeline Link` set matched_address = `rule`
		where source != 'Reply' and ifnull(`rule`, '') != '' and matched_address is null"""
	)
	frappe.db.sql_ddl("alter table `tabTimeline Link` drop column `rule`")
