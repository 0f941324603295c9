"""Creating a Contact, Lead, Opportunity or Issue from a mail: what it would hold, reviewed, then
created with the mail and its thread filed there."""

import frappe
from frappe import _

from crm_mail_archive.permissions.guards import require_readable_mail
from crm_mail_archive.prefill import create as creating


@frappe.whitelist(methods=["GET", "POST"])
def open_opportunities(communication: str) -> list[dict]:
	"""Open Opportunities the mail may belong to, for the user to pick one before creating."""
	require_readable_mail(communication)
	return [
		row
		for row in creating.open_opportunities(communication)
		if frappe.has_permission("Opportunity", "read", row.name)
	]


def _creatable(communication: str, doctype: str) -> None:
	require_readable_mail(communication)
	if doctype not in creating.CREATABLE:
		frappe.throw(_("Cannot create a {0} from a mail.").format(_(doctype)))
	frappe.has_permission(doctype, "create", throw=True)


@frappe.whitelist(methods=["GET", "POST"])
def prefill_from_mail(communication: str, doctype: str) -> dict:
	"""What a new Contact, Lead, Opportunity or Issue would hold, read from the mail (sender,
	signature), for the person to review before creating it."""
	_creatable(communication, doctype)
	values = creating.prefill(communication, doctype)
	if "open" in values:
		values["open"] = [
			row for row in values["open"] if frappe.has_permission("Opportunity", "read", row.name)
		]
	return values


@frappe.whitelist(methods=["POST"])
def create_from_mail(
	communication: str, doctype: str, company: str | None = None, values: dict | str | None = None
) -> dict:
	"""Create a Contact, Lead, Opportunity or Issue from a mail with the reviewed `values`; the mail
	and its thread are filed there (source "Created From")."""
	_creatable(communication, doctype)
	values = frappe.parse_json(values) if isinstance(values, str) else dict(values or {})
	if company and doctype == "Opportunity":
		values.setdefault("company", company)
	name = creating.create_from_mail(communication, doctype, frappe.session.user, values)
	return {"doctype": doctype, "name": name}
