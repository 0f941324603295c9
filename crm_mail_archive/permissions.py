"""Who may read archived mail: the one rule, enforced here and nowhere else.

An archived mail (a Communication with a mail_archive_key) is readable by
- nobody but its account's owner when it came from a confidential account; otherwise by
- the account's owner and users who hold its Email Account (User Email),
- stock Communication readers (System Manager, Inbox User, …), and
- users whose *role* lets them read a document the mail is filed at: a role permission on that
  document type that is not "only if owner", passing the document's user permissions. Being
  able to read a document only because one created it (owner-only permission, Website User,
  portal) or because it was shared opens no archived mail filed there.

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
	return communication in readable_archived_mails([(communication, email_account)], user)


def readable_archived_mails(mails: list[tuple[str, str | None]], user: str) -> set[str]:
	"""The rule, for (communication, email account) pairs: those the user may read. Many mails
	at once share their lookups (the user's roles and mailboxes, each document's permission)."""
	if user == "Administrator":
		return {communication for communication, _account in mails}
	stock_reader = is_stock_reader(user)
	held = held_accounts(user)
	readable: set[str] = set()
	undecided: list[str] = []
	for communication, email_account in mails:
		owner = confidential_owner(email_account)
		if owner:
			if owner == user:
				readable.add(communication)
		elif stock_reader or (email_account and email_account in held):
			readable.add(communication)
		else:
			undecided.append(communication)
	documents: dict[tuple[str, str], bool] = {}
	for chunk in chunked(undecided):
		for link in frappe.get_all(
			"Timeline Link", {"communication": ("in", chunk)}, ["communication", "link_doctype", "link_name"]
		):
			if link.communication in readable:
				continue
			document = (link.link_doctype, link.link_name)
			if document not in documents:
				documents[document] = reads_by_role(*document, user)
			if documents[document]:
				readable.add(link.communication)
	return readable


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


def communication_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""List, report and export views. Stock readers see everything but other owners'
	confidential mail; everybody else sees what they own and their own accounts' mail (the
	Email Archive tab of a document lists what is filed there)."""
	user = user or frappe.session.user
	if user == "Administrator":
		return ""
	escaped_user = frappe.db.escape(user)
	confidential = others_confidential_accounts(user)
	not_confidential = (
		"ifnull(`tabCommunication`.email_account, '') not in ({})".format(
			", ".join(frappe.db.escape(account) for account in confidential)
		)
		if confidential
		else ""
	)
	if is_stock_reader(user):
		return not_confidential
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


# --- guards of the API (api/): each endpoint asks one of these before it does anything --------

# who runs the archive: retention, legal holds, erasure, deletion after retention
ARCHIVE_MANAGER_ROLES = ("Mail Archive Manager", "System Manager")


def is_archive_manager(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(set(ARCHIVE_MANAGER_ROLES) & set(frappe.get_roles(user)))


def require_archive_manager() -> None:
	if not is_archive_manager():
		frappe.throw(_("Only a Mail Archive Manager may do this."), frappe.PermissionError)


def require_account_management(account: str):
	"""The Mail Archive Account, if the session user may run and configure it (writers and its
	owner)."""
	if not frappe.db.exists("Mail Archive Account", account):
		frappe.throw(_("Mail Archive Account {0} does not exist.").format(account), frappe.DoesNotExistError)
	doc = frappe.get_doc("Mail Archive Account", account)
	if doc.account_owner != frappe.session.user and not frappe.has_permission(
		"Mail Archive Account", "write", doc
	):
		frappe.throw(
			_("Not permitted to manage the mail archive of {0}.").format(account), frappe.PermissionError
		)
	return doc


def require_account_holding(account: str) -> None:
	"""Import into an account: its holder or a manager of accounts."""
	if not account or not frappe.db.exists("Mail Archive Account", account):
		frappe.throw(_("Choose the Mail Archive Account to import into."), frappe.ValidationError)
	user = frappe.session.user
	email_account = frappe.db.get_value("Mail Archive Account", account, "email_account")
	if not (manages_accounts(user) or holds_account(user, email_account)):
		frappe.throw(_("Not permitted to import mail into {0}.").format(account), frappe.PermissionError)


def require_readable_mail(communication: str) -> None:
	if not frappe.db.exists("Communication", communication):
		frappe.throw(_("Communication {0} does not exist.").format(communication), frappe.DoesNotExistError)
	frappe.has_permission("Communication", "read", communication, throw=True)


def reads_document(doctype: str, name: str) -> bool:
	return bool(frappe.has_permission(doctype, "read", name))


def require_document(doctype: str | None, name: str | None, ptype: str = "read") -> None:
	"""The document exists and the session user has `ptype` on it."""
	if not (doctype and name and frappe.db.exists(doctype, name)):
		frappe.throw(
			_("{0} {1} does not exist.").format(_(doctype) if doctype else "", name or ""),
			frappe.DoesNotExistError,
		)
	frappe.has_permission(doctype, ptype, name, throw=True)


def require_mailbox_change(communication: str, accounts: list[str]) -> None:
	"""Server actions change someone's mailbox: beyond reading the mail, its holder (owner, User
	Email) or a manager of the Mail Archive Accounts holding it (`accounts`; with none left on a
	server, the account it was archived from: the desk still changes)."""
	require_readable_mail(communication)
	refused = _mailbox_change_refused(communication, accounts)
	if refused:
		frappe.throw(refused, frappe.PermissionError)


def may_change_mailbox(communication: str, accounts: list[str]) -> bool:
	"""The session user may read the mail and change it in its mailbox (require_mailbox_change)."""
	return bool(
		frappe.db.exists("Communication", communication)
		and frappe.has_permission("Communication", "read", communication)
		and not _mailbox_change_refused(communication, accounts)
	)


def _mailbox_change_refused(communication: str, accounts: list[str]) -> str | None:
	"""Why the session user may not change the mail in its mailbox, None when they may."""
	user = frappe.session.user
	if not accounts:
		email_account = frappe.db.get_value("Communication", communication, "email_account")
		account = email_account and frappe.db.get_value(
			"Mail Archive Account", {"email_account": email_account}, "name"
		)
		if account:
			accounts = [account]
		elif not frappe.has_permission("Mail Archive Account", "write"):
			return _("Not permitted to change this mail.")
	for account in accounts:
		email_account = frappe.db.get_value("Mail Archive Account", account, "email_account")
		if holds_account(user, email_account) or frappe.has_permission(
			"Mail Archive Account", "write", account
		):
			continue
		return _("Not permitted to change the mailbox of {0}.").format(email_account)
	return None


def require_own_upload(file_name: str) -> None:
	"""Importing a file makes its mail readable in the archive: only one's own uploads."""
	uploaded = frappe.db.get_value("File", file_name, ["owner", "is_folder"], as_dict=True)
	if not uploaded or uploaded.owner != frappe.session.user or uploaded.is_folder:
		frappe.throw(_("File {0} was not uploaded by you.").format(file_name), frappe.PermissionError)


def require_export_download(export: str, export_owner: str | None) -> None:
	"""An export's file: for the user who made it, nobody else. It holds what its maker may read
	(a confidential account's mail, say): that a System Manager may administer the site does not
	open it."""
	if not export_owner or export_owner != frappe.session.user:
		frappe.throw(_("Export {0} is not yours.").format(export), frappe.PermissionError)
