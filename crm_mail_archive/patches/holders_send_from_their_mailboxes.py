"""Owners of Mail Archive Accounts made before they could send from them get the User Email row
that lets them (compose/senders.py)."""

import frappe

from crm_mail_archive.compose.senders import link_holder


def execute() -> None:
	for name in frappe.get_all("Mail Archive Account", pluck="name"):
		link_holder(frappe.get_doc("Mail Archive Account", name))
