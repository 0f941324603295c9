"""Changes of a mail that reach the mail server: read/unread, move, spam, trash (the mailbox's
holder or a manager of its account)."""

import frappe
from frappe.utils import cint

from crm_mail_archive.actions import service as actions
from crm_mail_archive.api.params import as_list
from crm_mail_archive.permissions.guards import require_mailbox_change, require_readable_mail


def _request(communications: list[str] | str, action: str, target_folder: str | None = None) -> dict:
	names = as_list(communications)
	for communication in names:
		require_mailbox_change(communication, actions.accounts_holding(communication))
	queued = [
		name for communication in names for name in actions.request(communication, action, target_folder)
	]
	return {"queued": queued}


@frappe.whitelist(methods=["POST"])
def mark_read(communications: list[str] | str, read: bool = True) -> dict:
	"""Mark mail read or unread, in the desk and on the server (\\Seen)."""
	return _request(communications, "Mark Read" if cint(read) else "Mark Unread")


@frappe.whitelist(methods=["POST"])
def move_mail(communication: str, folder: str) -> dict:
	"""Move a mail to another server folder."""
	return _request(communication, "Move", folder)


@frappe.whitelist(methods=["POST"])
def mark_spam(communication: str) -> dict:
	"""Move a mail to the Junk folder; future mail from its sender is marked spam (stock rule)."""
	return _request(communication, "Spam")


@frappe.whitelist(methods=["POST"])
def trash_mail(communication: str) -> dict:
	"""Move a mail to the Trash folder."""
	return _request(communication, "Trash")


@frappe.whitelist(methods=["GET", "POST"])
def get_server_state(communication: str) -> dict:
	"""The mail's copies on the server and its pending or failed server actions."""
	require_readable_mail(communication)
	return actions.server_state(communication)
