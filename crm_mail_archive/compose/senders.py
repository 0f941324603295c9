"""The holder of a mailbox sends from it: a Mail Archive Account puts its Email Account in its
owner's User Emails (what the desk's composer offers as "From" and stock's sending accepts), ready
to send (no password awaited: the account keeps it). When the owner changes, the previous owner's
row goes, unless stock gave it (their own address is the account's)."""

from __future__ import annotations

import frappe


def _user_email_row(user: str, email_account: str) -> str | None:
	return frappe.db.get_value("User Email", {"parent": user, "email_account": email_account}, "name")


def link_holder(account) -> None:
	"""After a Mail Archive Account is saved: its owner holds its Email Account as a User Email."""
	email_account = frappe.db.get_value(
		"Email Account", account.email_account, ["name", "email_id", "enable_outgoing"], as_dict=True
	)
	if not email_account:
		return
	before = account.get_doc_before_save()
	if before and before.account_owner and before.account_owner != account.account_owner:
		unlink(before.account_owner, email_account.name, email_account.email_id)
	owner = account.account_owner
	if not owner or owner in ("Administrator", "Guest") or not frappe.db.exists("User", owner):
		return
	values = {"awaiting_password": 0, "enable_outgoing": email_account.enable_outgoing or 0}
	row = _user_email_row(owner, email_account.name)
	if row:
		frappe.db.set_value("User Email", row, values, update_modified=False)
	else:
		user = frappe.get_doc("User", owner)
		user.append(
			"user_emails", {"email_account": email_account.name, "email_id": email_account.email_id, **values}
		)
		user.flags.ignore_permissions = True
		user.save()
	frappe.cache.hdel("bootinfo", owner)  # the desk's list of the user's mailboxes


def unlink(user: str, email_account: str, email_id: str | None) -> None:
	"""The user no longer holds the mailbox (stock's own row for the account's address stays)."""
	if (frappe.db.get_value("User", user, "email") or "").lower() == (email_id or "").lower():
		return
	frappe.db.delete("User Email", {"parent": user, "email_account": email_account})
	frappe.cache.hdel("bootinfo", user)


def sync_outgoing(email_account) -> None:
	"""An Email Account's sending switched on or off: its holders' rows say the same (stock does
	this only for rows of users whose address is the account's)."""
	frappe.db.set_value(
		"User Email",
		{"email_account": email_account.name},
		"enable_outgoing",
		int(email_account.enable_outgoing or 0),
		update_modified=False,
	)
