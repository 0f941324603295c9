"""Changes of a mail that reach the mail server: read/unread, move, spam, trash (the mailbox's
holder or a manager of its account), one mail or many at once."""

import frappe
from frappe import _
from frappe.utils import cint

from crm_mail_archive.actions import service as actions
from crm_mail_archive.api.params import as_list
from crm_mail_archive.permissions.guards import (
	may_change_mailbox,
	require_mailbox_change,
	require_readable_mail,
)

BULK_ACTIONS = ("Mark Read", "Mark Unread", "Move", "Spam", "Trash")
BULK_MAX = 500


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


@frappe.whitelist(methods=["POST"])
def change_mails(communications: list[str] | str, action: str, folder: str | None = None) -> dict:
	"""One change for the selected mails (the Email Archive tab's bulk actions): Mark Read, Mark
	Unread, Move (to `folder`), Spam or Trash, in the desk and on the server. Each mail is checked
	on its own as the single endpoints check it; mails the user may not change stay as they are and
	are returned as `refused`. Refused as a whole when the user may change none of them."""
	if action not in BULK_ACTIONS:
		frappe.throw(_("Unknown mail action {0}.").format(action))
	names = list(dict.fromkeys(as_list(communications)))
	if not names:
		frappe.throw(_("Select the mails to change."))
	if len(names) > BULK_MAX:
		frappe.throw(_("Change at most {0} mails at once.").format(BULK_MAX))
	holding = {name: actions.accounts_holding(name) for name in names}
	allowed = [name for name in names if may_change_mailbox(name, holding[name])]
	if not allowed:
		frappe.throw(_("Not permitted to change these mails."), frappe.PermissionError)
	queued = [
		queued_action
		for name in allowed
		for queued_action in actions.request(name, action, folder if action == "Move" else None)
	]
	return {"changed": allowed, "refused": [name for name in names if name not in allowed], "queued": queued}
