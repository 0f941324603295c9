"""Retention, legal hold, deletion after retention and erasure (GDPR): the Mail Archive Manager's
work; how long a mail is kept, for its readers."""

import frappe
from frappe import _
from frappe.utils import cint

from crm_mail_archive.compliance.erasure import erase_address, plan_erasure, remove_mails
from crm_mail_archive.permissions.guards import (
	is_archive_manager,
	require_archive_manager,
	require_readable_mail,
)
from crm_mail_archive.retention.policy import (
	deletion_refusals,
	legal_holds,
	retention_ends,
	set_mail_legal_hold,
)


@frappe.whitelist(methods=["POST"])
def set_legal_hold(communication: str, hold: bool = True) -> dict:
	"""Put an archived mail on legal hold, or release it (Mail Archive Manager)."""
	require_archive_manager()
	return {"legal_hold": set_mail_legal_hold(communication, bool(cint(hold)))}


@frappe.whitelist(methods=["GET", "POST"])
def get_retention(communication: str) -> dict:
	"""Until when an archived mail is kept, and what holds it."""
	require_readable_mail(communication)
	ends = retention_ends([communication])
	holds = legal_holds([communication])
	return {
		"retention_end": ends.get(communication),
		"legal_hold": holds.get(communication),
		"may_delete": is_archive_manager() and not deletion_refusals([communication]),
	}


@frappe.whitelist(methods=["GET", "POST"])
def erasure_preview(address: str) -> dict:
	"""What erasing the personal data of an address would remove, and what is kept and why."""
	require_archive_manager()
	return plan_erasure(address).as_dict()


@frappe.whitelist(methods=["POST"])
def erase_personal_data(address: str, reason: str, on_server: bool = False) -> dict:
	"""Erase the archived mail from and to an address (GDPR Art. 17), except what retention or
	a legal hold keeps; recorded without the content (Mail Archive Erasure). With `on_server`,
	the mails are deleted in their mailboxes on the mail server too."""
	require_archive_manager()
	if not (reason or "").strip():
		frappe.throw(_("Give the reason for the erasure (the request it answers)."))
	return erase_address(address, reason.strip(), on_server=bool(cint(on_server)))


@frappe.whitelist(methods=["POST"])
def delete_archived_mail(communication: str, reason: str) -> dict:
	"""Delete an archived mail after its retention period, when no legal hold keeps it (Mail
	Archive Manager); recorded without the content."""
	require_archive_manager()
	if not frappe.db.get_value("Communication", communication, "mail_archive_key"):
		frappe.throw(_("{0} is not an archived mail.").format(communication), frappe.DoesNotExistError)
	refusal = deletion_refusals([communication]).get(communication)
	if refusal:
		frappe.throw(_("This archived mail cannot be deleted: {0}.").format(refusal), frappe.PermissionError)
	if not (reason or "").strip():
		frappe.throw(_("Give the reason for the deletion."))
	return {"erasure": remove_mails([communication], "Deleted", reason.strip())}
