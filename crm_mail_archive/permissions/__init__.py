"""Who may read archived mail: the one rule, enforced here and nowhere else.

An archived mail (a Communication with a mail_archive_key) is readable by
- nobody but its account's owner when it came from a confidential account; otherwise by
- the account's owner and users who hold its Email Account (User Email) — its holders;
- nobody else when the mail is marked private (mail_archive_private) or its account's
  visibility is "Private";
- stock Communication readers (System Manager, Inbox User, …), and
- users whose *role* lets them read a document the mail is filed at: a role permission on that
  document type that is not "only if owner", passing the document's user permissions. Being
  able to read a document only because one created it (owner-only permission, Website User,
  portal) or because it was shared opens no archived mail filed there.
These last two read all of it when the account's visibility is "Shared"; when it is "Headers
only" they see that the mail exists (date, subject, who wrote to whom: `mail_access` says
HEADERS) but neither its body nor its files, and it is not searched for them (its words are its
body's). Everywhere "read" means the whole mail; only the Email Archive tab and the reader's
header view show the headers of such mail (`require_visible_mail`, `archive_read_criteria`).

Changing a mail (flags, folder, spam) needs the holder of its mailbox or a manager of its
Mail Archive Account. The API's endpoints ask through the guards at the end of this module
(`require_…`), never with role names of their own.

Stock Frappe lets only a Communication's owner or a stock reader open it, so a Sales User could
not open the mail in a Customer's Email Archive. The app therefore grants "Desk User" read on
Communication (install.py) and these hooks narrow that grant back down: to the rule above for
archived mail, and to exactly what stock allowed for every other Communication. Stock endpoints
that bypass Communication permissions (the form timeline, relink, the inbox actions) are
overridden in overrides/stock_mail_endpoints.py and ask `can_read_archived_mail`.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.permissions import get_doctype_roles, get_role_permissions

from crm_mail_archive.infra.chunks import chunked

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


# Mail Archive Account.visibility: who besides the holders reads the account's mail
SHARED, HEADERS_ONLY, PRIVATE = "Shared", "Headers only", "Private"
VISIBILITIES = (SHARED, HEADERS_ONLY, PRIVATE)
# what of a mail a user gets: all of it, or its headers only
FULL, HEADERS = "full", "headers"


def account_visibility(email_account: str | None) -> str:
	"""Shared for mail of no Mail Archive Account (and accounts made before the setting)."""
	if not email_account:
		return SHARED
	visibility = frappe.db.get_value("Mail Archive Account", {"email_account": email_account}, "visibility")
	return visibility if visibility in VISIBILITIES else SHARED


def private_mails(communications: list[str]) -> set[str]:
	"""Those of the mails their holder marked private."""
	marked: set[str] = set()
	for chunk in chunked(communications):
		marked |= set(
			frappe.get_all("Communication", {"name": ("in", chunk), "mail_archive_private": 1}, pluck="name")
		)
	return marked


def held_accounts(user: str) -> set[str]:
	"""The Email Accounts whose mailbox the user holds: owned Mail Archive Accounts, User Emails."""
	return set(frappe.get_all("Mail Archive Account", {"account_owner": user}, pluck="email_account")) | set(
		frappe.get_all("User Email", {"parent": user}, pluck="email_account")
	)


def holds_account(user: str, email_account: str | None) -> bool:
	"""The user owns the Mail Archive Account or has the Email Account in their User Emails."""
	if not email_account:
		return False
	if frappe.db.exists("Mail Archive Account", {"email_account": email_account, "account_owner": user}):
		return True
	return bool(frappe.db.exists("User Email", {"parent": user, "email_account": email_account}))


def reads_by_role(doctype: str, name: str, user: str) -> bool:
	"""The user reads this document through a role permission on its type: not one that holds
	only for documents they own, and not a share."""
	if user == "Administrator":
		return True
	if not frappe.db.exists("DocType", doctype) or frappe.get_meta(doctype).istable:
		return False
	role_permissions = get_role_permissions(doctype, user=user)
	if not role_permissions.get("read") or "read" in role_permissions.get("if_owner", {}):
		return False
	if not frappe.db.exists(doctype, name):
		return False
	return bool(frappe.has_permission(doctype, "read", name, user=user, ignore_share_permissions=True))


def can_read_archived_mail(communication: str, email_account: str | None, user: str) -> bool:
	"""The whole mail: body, attachments, original."""
	return communication in readable_archived_mails([(communication, email_account)], user)


def readable_archived_mails(mails: list[tuple[str, str | None]], user: str) -> set[str]:
	"""Those of the (communication, email account) pairs the user reads in full."""
	return {communication for communication, access in mail_access(mails, user).items() if access == FULL}


def mail_access(mails: list[tuple[str, str | None]], user: str) -> dict[str, str]:
	"""The rule, for (communication, email account) pairs: FULL or HEADERS for those the user may
	see, absent for the others. Many mails at once share their lookups (the user's roles and
	mailboxes, each account's visibility, each document's permission)."""
	if user == "Administrator":
		return {communication: FULL for communication, _account in mails}
	stock_reader = is_stock_reader(user)
	held = held_accounts(user)
	marked_private = private_mails([communication for communication, _account in mails])
	visibilities: dict[str | None, str] = {}
	access: dict[str, str] = {}
	undecided: dict[str, str] = {}  # communication -> what a reader of its documents gets
	for communication, email_account in mails:
		owner = confidential_owner(email_account)
		if owner:
			if owner == user:
				access[communication] = FULL
			continue
		if email_account and email_account in held:
			access[communication] = FULL
			continue
		if communication in marked_private:
			continue
		if email_account not in visibilities:
			visibilities[email_account] = account_visibility(email_account)
		if visibilities[email_account] == PRIVATE:
			continue
		level = HEADERS if visibilities[email_account] == HEADERS_ONLY else FULL
		if stock_reader:
			access[communication] = level
		else:
			undecided[communication] = level
	documents: dict[tuple[str, str], bool] = {}
	for chunk in chunked(list(undecided)):
		for link in frappe.get_all(
			"Timeline Link", {"communication": ("in", chunk)}, ["communication", "link_doctype", "link_name"]
		):
			if link.communication in access:
				continue
			document = (link.link_doctype, link.link_name)
			if document not in documents:
				documents[document] = reads_by_role(*document, user)
			if documents[document]:
				access[link.communication] = undecided[link.communication]
	return access


def archived_mail_access(communication: str, user: str) -> str | None:
	"""FULL, HEADERS or None (nothing) for one archived mail."""
	email_account = frappe.db.get_value("Communication", communication, "email_account")
	return mail_access([(communication, email_account)], user).get(communication)


def signed_in_users() -> set[str]:
	"""Users with a session that has not expired: the only ones a desk can be open for."""
	from frappe.sessions import get_expired_threshold

	sessions = frappe.qb.DocType("Sessions")
	users = (
		frappe.qb.from_(sessions)
		.select(sessions.user)
		.distinct()
		.where(sessions.lastupdate >= get_expired_threshold())
		.run(pluck=True)
	)
	return set(users) - {"Guest"}


def readers_of(communications: list[str]) -> dict[str, set[str]]:
	"""{user: the mails among `communications` they may read}, for the signed-in, enabled users:
	who is told that these archived mails changed (live.py)."""
	if not communications:
		return {}
	mails = [
		(row.name, row.email_account)
		for chunk in chunked(communications)
		for row in frappe.get_all(
			"Communication",
			{"name": ("in", chunk), "mail_archive_key": ("is", "set")},
			["name", "email_account"],
		)
	]
	users = signed_in_users()
	if not mails or not users:
		return {}
	users &= _may_read_some(mails)
	enabled = set(frappe.get_all("User", {"name": ("in", sorted(users) or [""]), "enabled": 1}, pluck="name"))
	readers = {}
	for user in sorted(enabled):
		readable = readable_archived_mails(mails, user)
		if readable:
			readers[user] = readable
	return readers


def _may_read_some(mails: list[tuple[str, str | None]]) -> set[str]:
	"""Users who might read some of the mails (a few queries; the rule then decides per user): the
	holders of their accounts, stock readers, and holders of a role that reads a type of document
	they are filed at."""
	accounts = sorted({account for _name, account in mails if account})
	roles = stock_reader_roles()
	for chunk in chunked([name for name, _account in mails]):
		for doctype in frappe.get_all(
			"Timeline Link", {"communication": ("in", chunk)}, pluck="link_doctype", distinct=True
		):
			if frappe.db.exists("DocType", doctype):
				roles |= set(get_doctype_roles(doctype, "read"))
	return (
		{"Administrator"}
		| set(
			frappe.get_all(
				"Mail Archive Account", {"email_account": ("in", accounts or [""])}, pluck="account_owner"
			)
		)
		| set(frappe.get_all("User Email", {"email_account": ("in", accounts or [""])}, pluck="parent"))
		| set(
			frappe.get_all(
				"Has Role", {"role": ("in", sorted(roles) or [""]), "parenttype": "User"}, pluck="parent"
			)
		)
	)


def can_read_communication(row, user: str | None = None) -> bool:
	"""For stock endpoints that list Communications without asking their permissions: archived
	mail by the rule above, every other Communication as stock decides."""
	user = user or frappe.session.user
	values = frappe.db.get_value(
		"Communication", row.name, ["mail_archive_key", "email_account"], as_dict=True
	)
	if not values or not values.mail_archive_key:
		return True  # not ours: stock's own timeline rules
	return can_read_archived_mail(row.name, values.email_account, user)


def archive_scope(doctype: str, name: str, user: str) -> str:
	"""What of a document's Email Archive the user sees (after read on the document itself):
	"all" its filed mail (others' confidential mail aside), or only the mail of "own" mailboxes."""
	if is_stock_reader(user) or reads_by_role(doctype, name, user):
		return "all"
	return "own"


def _private_file_download() -> bool:
	request = getattr(frappe.local, "request", None)
	return bool(request is not None and (request.path or "").startswith("/private/files/"))


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
	if _private_file_download():
		# an archived mail's files are read through the app's endpoints (api/reader.py), which
		# apply this rule and audit; a File row attached to the mail (what the desk's composer
		# attached to a mail it sent) is no way round that
		return False
	if ptype not in ARCHIVE_READ_PTYPES:
		return None  # writes and deletes: stock role permissions (our grant is read-only)
	return can_read_archived_mail(doc.name, doc.get("email_account"), user)


def others_confidential_accounts(user: str) -> list[str]:
	"""The Email Accounts of confidential Mail Archive Accounts the user does not own: all a stock
	reader may not read."""
	return frappe.get_all(
		"Mail Archive Account", {"confidential": 1, "account_owner": ("!=", user)}, pluck="email_account"
	)


def restricted_accounts(user: str) -> tuple[list[str], list[str]]:
	"""(hidden, headers only): the Email Accounts whose mail the user, not holding them, may not
	see at all (others' confidential accounts, Private ones) or only the headers of."""
	held = held_accounts(user)
	hidden = set(others_confidential_accounts(user))
	headers_only = set()
	for row in frappe.get_all(
		"Mail Archive Account",
		{"visibility": ("in", (HEADERS_ONLY, PRIVATE))},
		["email_account", "visibility"],
	):
		if row.email_account in held or row.email_account in hidden:
			continue
		(hidden if row.visibility == PRIVATE else headers_only).add(row.email_account)
	return sorted(hidden), sorted(headers_only)


def archive_read_criteria(communication, user: str, headers: bool = False) -> list:
	"""The rule's account and private-mark part as query criteria on `communication` (a
	query-builder table): for listings that already stand for "reads the documents the mail is
	filed at" (the Email Archive tab) or "reads any mail" (a stock reader). `headers`: the mail
	of Headers only accounts stays in (its body is not shown)."""
	if user == "Administrator":
		return []
	hidden, headers_only = restricted_accounts(user)
	excluded = hidden if headers else hidden + headers_only
	criteria = []
	if excluded:
		criteria.append(communication.email_account.isnull() | communication.email_account.notin(excluded))
	held = sorted(held_accounts(user))
	not_private = communication.mail_archive_private.isnull() | (communication.mail_archive_private == 0)
	criteria.append(not_private | communication.email_account.isin(held) if held else not_private)
	return criteria


def communication_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""List, report and export views (which can ask for any column, the body too). Stock readers
	see everything but what the rule keeps from them: others' confidential mail, the mail of
	accounts neither Shared nor theirs, others' private mail; everybody else sees what they own
	and their own accounts' mail (the Email Archive tab of a document lists what is filed there)."""
	user = user or frappe.session.user
	if user == "Administrator":
		return ""
	escaped_user = frappe.db.escape(user)
	if is_stock_reader(user):
		hidden, headers_only = restricted_accounts(user)
		conditions = []
		if hidden or headers_only:
			conditions.append(
				"ifnull(`tabCommunication`.email_account, '') not in ({})".format(
					", ".join(frappe.db.escape(account) for account in hidden + headers_only)
				)
			)
		held = sorted(held_accounts(user))
		not_private = "ifnull(`tabCommunication`.mail_archive_private, 0) = 0"
		if held:
			not_private = "({} or `tabCommunication`.email_account in ({}))".format(
				not_private, ", ".join(frappe.db.escape(account) for account in held)
			)
		conditions.append(not_private)
		return " and ".join(conditions)
	confidential = others_confidential_accounts(user)
	not_confidential = (
		"ifnull(`tabCommunication`.email_account, '') not in ({})".format(
			", ".join(frappe.db.escape(account) for account in confidential)
		)
		if confidential
		else ""
	)
	own_accounts = held_accounts(user)
	readable = f"`tabCommunication`.owner = {escaped_user}"
	if own_accounts:
		readable = "({} or (ifnull(`tabCommunication`.mail_archive_key, '') != '' and `tabCommunication`.email_account in ({})))".format(
			readable, ", ".join(frappe.db.escape(account) for account in sorted(own_accounts))
		)
	return f"({readable} and {not_confidential})" if not_confidential else readable


def file_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""File list and report: a file attached to a Communication is listed only to who may list
	that Communication (stock lists them to every desk user who can read any Communication)."""
	from frappe.core.doctype.communication.communication import (
		get_permission_query_conditions_for_communication as stock_conditions,
	)

	user = user or frappe.session.user
	if user == "Administrator":
		return ""
	conditions = [c for c in (communication_query_conditions(user), stock_conditions(user)) if c]
	if not conditions:
		return ""
	readable = " and ".join(f"({condition})" for condition in conditions)
	return (
		"(ifnull(`tabFile`.attached_to_doctype, '') != 'Communication' or `tabFile`.attached_to_name in "
		f"(select `tabCommunication`.name from `tabCommunication` where {readable}))"
	)


# --- Mail Archive Account: its holder reads it (health, folders, last sync), managers manage it ---


def manages_accounts(user: str) -> bool:
	"""Managers of the archive: stock roles that write Mail Archive Accounts (DocPerm, not the
	"Desk User" read grant that holders get)."""
	roles = set(
		frappe.get_all(
			"DocPerm", {"parent": "Mail Archive Account", "write": 1, "permlevel": 0}, pluck="role"
		)
	) | set(
		frappe.get_all(
			"Custom DocPerm", {"parent": "Mail Archive Account", "write": 1, "permlevel": 0}, pluck="role"
		)
	)
	return user == "Administrator" or bool(roles & set(frappe.get_roles(user)))


def account_has_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	"""A desk user reads the account of a mailbox they hold; write stays with the managers."""
	user = user or frappe.session.user
	if manages_accounts(user):
		return None
	if ptype in ARCHIVE_READ_PTYPES and holds_account(user, doc.get("email_account")):
		return None
	return False


def account_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if manages_accounts(user):
		return ""
	held = sorted(held_accounts(user))
	if not held:
		return "1 = 0"
	return "`tabMail Archive Account`.email_account in ({})".format(
		", ".join(frappe.db.escape(account) for account in held)
	)
