"""The guards of the API (api/): each endpoint asks one of these before it does anything. They
apply the read rule of this package (permissions/__init__.py) to one request; no endpoint writes a
role or a rule of its own."""

from __future__ import annotations

import frappe
from frappe import _

from crm_mail_archive.permissions import (
	FULL,
	HEADERS,
	archived_mail_access,
	holds_account,
	manages_accounts,
)

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


# who checks the archive without running it: reads the audit trail, the integrity report, the
# completeness figures (never mail, never a mailbox's credentials)
ARCHIVE_AUDITOR_ROLES = ("Mail Archive Auditor",)


def require_completeness_reading(account: str) -> None:
	"""An account's completeness figures: whoever reads the account (its holder, managers of
	accounts), and the archive's managers and auditors, who do not read its mail. Another user
	learns nothing, not even whether the account exists."""
	user = frappe.session.user
	exists = bool(account) and frappe.db.exists("Mail Archive Account", account)
	if is_archive_manager(user) or set(ARCHIVE_AUDITOR_ROLES) & set(frappe.get_roles(user)):
		if not exists:
			frappe.throw(
				_("Mail Archive Account {0} does not exist.").format(account), frappe.DoesNotExistError
			)
		return
	if not (exists and frappe.has_permission("Mail Archive Account", "read", account)):
		frappe.throw(
			_("Not permitted to read the completeness of {0}.").format(account), frappe.PermissionError
		)


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


def require_visible_mail(communication: str) -> str:
	"""What of the mail the session user may see (FULL, HEADERS), refused when nothing: the
	reader's view of a mail of a Headers only account shows its headers to its colleagues."""
	if not frappe.db.exists("Communication", communication):
		frappe.throw(_("Communication {0} does not exist.").format(communication), frappe.DoesNotExistError)
	if frappe.has_permission("Communication", "read", communication):
		return FULL
	if frappe.db.get_value("Communication", communication, "mail_archive_key"):
		if archived_mail_access(communication, frappe.session.user) == HEADERS:
			return HEADERS
	frappe.throw(_("Not permitted to read this mail."), frappe.PermissionError)


def manages_privacy(user: str) -> bool:
	"""Marks any archived mail private or shared: managers of accounts or of the archive."""
	return manages_accounts(user) or is_archive_manager(user)


def may_mark_private(email_account: str | None, user: str) -> bool:
	return holds_account(user, email_account) or manages_privacy(user)


def require_privacy_change(communication: str) -> None:
	"""Marking a mail private (or shared again): the holder of its mailbox or a manager of Mail
	Archive Accounts; reading the mail is not enough."""
	values = frappe.db.get_value(
		"Communication", communication, ["mail_archive_key", "email_account"], as_dict=True
	)
	if not values:
		frappe.throw(_("Communication {0} does not exist.").format(communication), frappe.DoesNotExistError)
	if not values.mail_archive_key:
		frappe.throw(_("Only archived mail can be marked private."), frappe.ValidationError)
	if may_mark_private(values.email_account, frappe.session.user):
		return
	frappe.throw(_("Only the holder of this mailbox marks its mail private."), frappe.PermissionError)


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


def require_creation(doctype: str) -> None:
	"""The session user may create documents of `doctype` (a Purchase Invoice from an e-invoice)."""
	if not frappe.has_permission(doctype, "create"):
		frappe.throw(_("Not permitted to create a {0}.").format(_(doctype)), frappe.PermissionError)
