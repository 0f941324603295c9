"""Desk actions mirrored to the mail server through the mailbox copies.

The desk changes at once (Communication.seen, email_status, imap_folder); the server follows from
a queue of Mail Server Action rows, one per (mail, account holding a copy). A job applies them
under the account's sync lock, on the same connection as a sync when one runs; while the server
is unreachable an action stays Pending and is retried with backoff, and an action the server
refuses ends Failed with the reason, visible on the mail's form.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from crm_mail_archive.infra.connection import connection_settings
from crm_mail_archive.infra.jobs import enqueue
from crm_mail_archive.infra.locks import AccountLock
from crm_mail_archive.infra.text import inert_text
from crm_mail_archive.live import mail_changed
from crm_mail_archive.mailbox.client import (
	IMPORT_UIDVALIDITY,
	MailboxClient,
	MailboxError,
	MailboxUnavailable,
)

FLAG_ACTIONS = {
	"Mark Read": ("add", "\\Seen"),
	"Mark Unread": ("remove", "\\Seen"),
	"Answered": ("add", "\\Answered"),
	"Forwarded": ("add", "$Forwarded"),
}
FOLDER_ACTIONS = ("Move", "Spam", "Trash")
ACTIONS = (*FLAG_ACTIONS, *FOLDER_ACTIONS)
# server folder names tried when the server names no SPECIAL-USE folder for the role
FOLDER_NAMES = {
	"junk": ("Junk", "Spam", "Junk E-Mail", "Junk-E-Mail", "INBOX.Junk", "INBOX.Spam"),
	"trash": ("Trash", "Papierkorb", "Deleted Items", "Gelöschte Elemente", "INBOX.Trash"),
}
MAX_ATTEMPTS = 10


class ActionRefused(Exception):
	"""The server cannot do this (no such folder, say): retrying will not help."""


# --- requesting ------------------------------------------------------------------------------


def accounts_holding(communication: str) -> list[str]:
	return sorted(
		set(
			frappe.get_all(
				"Mailbox Copy",
				{
					"communication": communication,
					"status": "Stored",
					"uidvalidity": ("!=", IMPORT_UIDVALIDITY),
				},
				pluck="account",
			)
		)
	)


def request(communication: str, action: str, target_folder: str | None = None) -> list[str]:
	"""Change the mail in the desk now and queue the change for every account holding a copy.
	Returns the queued Mail Server Action names (none for mail no mailbox holds)."""
	if action not in ACTIONS:
		frappe.throw(_("Unknown mail action {0}.").format(action))
	if action == "Move" and not (target_folder or "").strip():
		frappe.throw(_("Choose the folder to move the mail to."))
	_apply_in_desk(communication, action, target_folder)
	mail_changed([communication])
	queued = []
	for account in accounts_holding(communication):
		# a newer read/unread supersedes a pending opposite one
		if action in ("Mark Read", "Mark Unread"):
			frappe.db.delete(
				"Mail Server Action",
				{
					"communication": communication,
					"account": account,
					"status": "Pending",
					"action": ("in", ["Mark Read", "Mark Unread"]),
				},
			)
		row = frappe.new_doc("Mail Server Action")
		row.update(
			{
				"communication": communication,
				"account": account,
				"action": action,
				"target_folder": (target_folder or "").strip() or None,
				"status": "Pending",
				"requested_by": frappe.session.user,
			}
		)
		row.insert(ignore_permissions=True)
		queued.append(row.name)
		enqueue_apply(account)
	return queued


def _apply_in_desk(communication: str, action: str, target_folder: str | None) -> None:
	if action in ("Mark Read", "Mark Unread"):
		frappe.db.set_value(
			"Communication", communication, "seen", int(action == "Mark Read"), update_modified=False
		)
	elif action == "Spam":
		frappe.db.set_value("Communication", communication, "email_status", "Spam", update_modified=False)
		_spam_rule_for_sender(communication)
	elif action == "Trash":
		frappe.db.set_value("Communication", communication, "email_status", "Trash", update_modified=False)
	elif action == "Move":
		frappe.db.set_value(
			"Communication", communication, "imap_folder", target_folder, update_modified=False
		)


def _spam_rule_for_sender(communication: str) -> None:
	"""As stock "Mark as Spam" does: future mail from the sender is marked spam on arrival. The
	rule holds for the whole site, so only for users who may make Email Rules."""
	if not frappe.has_permission("Email Rule", "create"):
		return
	sender = frappe.db.get_value("Communication", communication, "sender")
	if sender and not frappe.db.exists("Email Rule", {"email_id": sender}):
		frappe.get_doc({"doctype": "Email Rule", "email_id": sender, "is_spam": 1}).insert(
			ignore_permissions=True
		)


def job_id(account: str) -> str:
	return f"mail-archive-actions::{account}"


def enqueue_apply(account: str) -> None:
	enqueue(
		"crm_mail_archive.actions.service.run_apply_job",
		queue="short",
		job_id=job_id(account),
		account=account,
	)


def run_apply_job(account: str) -> None:
	"""Background job: apply the account's pending actions unless a sync holds the account (the
	sync applies them itself first; the scheduler retries what is left)."""
	lock = AccountLock(account)
	if not lock.acquire():
		return
	try:
		email_account = frappe.db.get_value("Mail Archive Account", account, "email_account")
		with MailboxClient(connection_settings(email_account)) as client:
			apply_pending(account, client)
	except MailboxError as error:
		postpone_all(account, error)
	finally:
		lock.release()


def due_accounts() -> list[str]:
	"""Accounts with pending actions whose next attempt is due (for the scheduler)."""
	rows = frappe.get_all(
		"Mail Server Action",
		filters={"status": "Pending"},
		or_filters=[["next_attempt", "is", "not set"], ["next_attempt", "<=", now_datetime()]],
		pluck="account",
		distinct=True,
	)
	return sorted(set(rows))


# --- applying --------------------------------------------------------------------------------


def pending(account: str) -> list:
	return frappe.get_all(
		"Mail Server Action",
		{"account": account, "status": "Pending"},
		["name", "communication", "action", "target_folder", "attempts"],
		order_by="creation asc",
	)


def apply_pending(account: str, client: MailboxClient) -> int:
	"""Apply the account's pending actions in order; returns how many were done. A connection
	failure leaves the rest pending (raised to the caller); a refused action fails alone."""
	done = 0
	folders = None
	for action in pending(account):
		try:
			if action.action in FOLDER_ACTIONS and folders is None:
				folders = client.list_folders()
			_apply_on_server(account, client, action, folders)
		except MailboxUnavailable:
			raise
		except (MailboxError, ActionRefused) as error:
			frappe.db.set_value(
				"Mail Server Action",
				action.name,
				{
					"status": "Failed",
					"last_error": inert_text(str(error))[:1000],
					"attempts": action.attempts + 1,
				},
			)
		else:
			frappe.db.set_value(
				"Mail Server Action", action.name, {"status": "Done", "attempts": action.attempts + 1}
			)
			done += 1
		frappe.db.commit()  # each action is one server change: record it before the next
	return done


def postpone_all(account: str, error: Exception) -> None:
	"""The server is unreachable: retry later with backoff, give up after MAX_ATTEMPTS."""
	frappe.db.rollback()
	for action in pending(account):
		attempts = action.attempts + 1
		values = {"attempts": attempts, "last_error": inert_text(str(error))[:1000]}
		if attempts >= MAX_ATTEMPTS:
			values["status"] = "Failed"
		else:
			values["next_attempt"] = add_to_date(now_datetime(), minutes=min(2**attempts, 60))
		frappe.db.set_value("Mail Server Action", action.name, values)
	frappe.db.commit()


def _target_folder(action, folders) -> str:
	if action.action == "Move":
		names = {folder.name for folder in folders}
		if action.target_folder not in names:
			raise ActionRefused(_("The mail server has no folder {0}.").format(action.target_folder))
		return action.target_folder
	role = "junk" if action.action == "Spam" else "trash"
	for folder in folders:
		if folder.role == role:
			return folder.name
	by_name = {folder.name.lower(): folder.name for folder in folders}
	for candidate in FOLDER_NAMES[role]:
		if candidate.lower() in by_name:
			return by_name[candidate.lower()]
	label = _("Junk") if role == "junk" else _("Trash")
	raise ActionRefused(_("The mail server has no {0} folder.").format(label))


def _apply_on_server(account: str, client: MailboxClient, action, folders) -> None:
	copies = frappe.get_all(
		"Mailbox Copy",
		{
			"communication": action.communication,
			"account": account,
			"status": "Stored",
			"uidvalidity": ("!=", IMPORT_UIDVALIDITY),  # imported from a file: on no server
		},
		["name", "folder", "uidvalidity", "uid", "server_flags"],
	)
	target = _target_folder(action, folders) if action.action in FOLDER_ACTIONS else None
	for copy in copies:
		state = client.select(copy.folder, readonly=False)
		if state.uidvalidity != copy.uidvalidity:
			continue  # the folder was rebuilt: the next sync re-addresses this mail
		if action.action in FLAG_ACTIONS:
			operation, flag = FLAG_ACTIONS[action.action]
			if operation == "add":
				client.add_flags([copy.uid], [flag])
			else:
				client.remove_flags([copy.uid], [flag])
			flags = set((copy.server_flags or "").split())
			flags = flags | {flag} if operation == "add" else flags - {flag}
			frappe.db.set_value(
				"Mailbox Copy",
				copy.name,
				{"server_flags": " ".join(sorted(flags))[:140], "seen": int("\\Seen" in flags)},
				update_modified=False,
			)
		elif copy.folder != target:
			_move_copy(client, account, copy, target)


def _move_copy(client: MailboxClient, account: str, copy, target: str) -> None:
	"""Move on the server; the copy row follows to the new folder and UID. When the server does
	not tell the new UID the row goes, and the next sync of that folder finds the mail again."""
	new_uids = client.move([copy.uid], target)
	new_uid = new_uids.get(copy.uid)
	if new_uid is None:
		frappe.db.delete("Mailbox Copy", copy.name)
		return
	state = client.select(target, readonly=True)
	if frappe.db.exists(
		"Mailbox Copy",
		{"account": account, "folder": target, "uidvalidity": state.uidvalidity, "uid": new_uid},
	):
		frappe.db.delete("Mailbox Copy", copy.name)
		return
	frappe.db.set_value(
		"Mailbox Copy",
		copy.name,
		{"folder": target, "uid": new_uid, "uidvalidity": state.uidvalidity},
		update_modified=False,
	)


# --- what the form shows ---------------------------------------------------------------------


def server_state(communication: str) -> dict:
	actions = frappe.get_all(
		"Mail Server Action",
		{"communication": communication, "status": ("in", ["Pending", "Failed"])},
		["name", "action", "status", "target_folder", "last_error", "next_attempt", "creation"],
		order_by="creation desc",
		limit=10,
	)
	copies = frappe.get_all(
		"Mailbox Copy",
		{"communication": communication, "status": "Stored"},
		["account", "folder", "server_flags"],
		order_by="account asc, folder asc",
	)
	return {"actions": actions, "copies": copies}
