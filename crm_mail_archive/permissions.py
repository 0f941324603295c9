"""Who may read archived mail.

Rule: an archived mail (a Communication with a mail_archive_key) is readable by
- nobody but its owner when it came from a confidential account, and otherwise by
- the account's owner and users who hold the Email Account (User Email),
- stock Communication readers (System Manager, Inbox User, …), and
- anyone who can read a document the mail is filed at.

Stock Frappe lets only a Communication's owner or a stock reader open it, so a Sales User could
not open the mail in a Customer's Email Archive. The app therefore grants "Desk User" read on
Communication (install.py) and these hooks narrow that grant back down: to the rule above for
archived mail, and to exactly what stock allowed for every other Communication.
"""

from __future__ import annotations

import frappe

ARCHIVE_READ_PTYPES = ("read", "print", "email")
# the role our grant is made to (every System User holds it in v15)
GRANTED_ROLE = "Desk User"


def stock_reader_roles() -> set[str]:
	"""Roles that stock Frappe lets read any Communication (DocPerm, not our Custom DocPerm)."""
	return set(
		frappe.get_all(
			"DocPerm",
			{"parent": "Communication", "read": 1, "permlevel": 0, "if_owner": 0},
			pluck="role",
		)
	) - {GRANTED_ROLE}


def is_stock_reader(user: str) -> bool:
	return user == "Administrator" or bool(stock_reader_roles() & set(frappe.get_roles(user)))


def confidential_owner(email_account: str | None) -> str | None:
	"""The owner of the mail of a confidential account, None when the account is not one."""
	if not email_account:
		return None
	values = frappe.db.get_value(
		"Mail Archive Account",
		{"email_account": email_account},
		["confidential", "account_owner"],
		as_dict=True,
		cache=True,
	)
	if values and values.confidential:
		return values.account_owner or "Administrator"
	return None


def holds_account(user: str, email_account: str | None) -> bool:
	"""The user owns the Mail Archive Account or has the Email Account in their User Emails."""
	if not email_account:
		return False
	if frappe.db.exists("Mail Archive Account", {"email_account": email_account, "account_owner": user}):
		return True
	return bool(frappe.db.exists("User Email", {"parent": user, "email_account": email_account}))


def filed_at_readable_document(communication: str, user: str) -> bool:
	for link in frappe.get_all(
		"Timeline Link", {"communication": communication}, ["link_doctype", "link_name"]
	):
		if not frappe.db.exists(link.link_doctype, link.link_name):
			continue
		if frappe.has_permission(link.link_doctype, "read", link.link_name, user=user):
			return True
	return False


def can_read_archived_mail(communication: str, email_account: str | None, user: str) -> bool:
	if user == "Administrator":
		return True
	owner = confidential_owner(email_account)
	if owner:
		return owner == user
	return (
		is_stock_reader(user)
		or holds_account(user, email_account)
		or filed_at_readable_document(communication, user)
	)


def communication_has_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	"""has_permission hook for Communication. Ours runs before stock's (hooks run in reverse
	order) and is conclusive for archived mail; None leaves the decision to stock."""
	user = user or frappe.session.user
	if user == "Administrator":
		return None
	if not doc.get("mail_archive_key"):
		# not ours: take back the grant, stock rules only (owner, or a stock reader)
		if is_stock_reader(user) or (doc.get("owner") or "").lower() == user.lower():
			return None
		return False
	owner = confidential_owner(doc.get("email_account"))
	if owner and owner != user:
		return False
	if ptype not in ARCHIVE_READ_PTYPES:
		return None  # writes and deletes: stock role permissions (our grant is read-only)
	return can_read_archived_mail(doc.name, doc.get("email_account"), user)


def communication_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""List, report and export views. Stock readers see everything but other owners'
	confidential mail; everybody else sees what they own and their own accounts' mail (the
	Email Archive tab of a document lists what is filed there)."""
	user = user or frappe.session.user
	if user == "Administrator":
		return ""
	escaped_user = frappe.db.escape(user)
	confidential = frappe.get_all(
		"Mail Archive Account",
		{"confidential": 1, "account_owner": ("!=", user)},
		pluck="email_account",
	)
	not_confidential = (
		"ifnull(`tabCommunication`.email_account, '') not in ({})".format(
			", ".join(frappe.db.escape(account) for account in confidential)
		)
		if confidential
		else ""
	)
	if is_stock_reader(user):
		return not_confidential
	own_accounts = frappe.get_all(
		"Mail Archive Account", {"account_owner": user}, pluck="email_account"
	) + frappe.get_all("User Email", {"parent": user}, pluck="email_account")
	readable = f"`tabCommunication`.owner = {escaped_user}"
	if own_accounts:
		readable = "({} or (ifnull(`tabCommunication`.mail_archive_key, '') != '' and `tabCommunication`.email_account in ({})))".format(
			readable, ", ".join(frappe.db.escape(account) for account in set(own_accounts))
		)
	return f"({readable} and {not_confidential})" if not_confidential else readable
