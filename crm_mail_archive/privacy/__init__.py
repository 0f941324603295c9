"""Privacy a sales team sets: the per-mail "Private" mark, and the audit of every change of a
Mail Archive Account that decides who reads its mail (owner, Email Account, confidential,
visibility). Who reads what is permissions/'s rule; this package only changes and records."""

from __future__ import annotations

import frappe
from frappe import _

from crm_mail_archive.infra import audit

# the fields of a Mail Archive Account that decide who reads its mail
ACCESS_FIELDS = ("account_owner", "email_account", "confidential", "visibility")


def mark_private(communication: str, private: bool) -> bool:
	"""Set the mark (a column the app writes: the field is protected from edits, retention/guard.py)
	and audit it; returns the mark."""
	current = bool(frappe.db.get_value("Communication", communication, "mail_archive_private"))
	if current != private:
		frappe.db.set_value(
			"Communication", communication, "mail_archive_private", int(private), update_modified=False
		)
		audit.record("Marked Private" if private else "Marked Shared", [communication])
	return private


def default_visibility() -> str:
	from crm_mail_archive.permissions import SHARED, VISIBILITIES

	visibility = frappe.db.get_single_value("Mail Archive Settings", "default_visibility")
	return visibility if visibility in VISIBILITIES else SHARED


def audit_access_change(account) -> None:
	"""validate of Mail Archive Account: one audit entry per change of who reads its mail."""
	if account.is_new():
		return
	before = account.get_doc_before_save()
	if before is None:
		return
	for field in ACCESS_FIELDS:
		old, new = before.get(field), account.get(field)
		if (old or None) != (new or None):
			audit.record_account(
				"Access Changed",
				account.name,
				detail=f"{field}: {old if old is not None else ''} → {new if new is not None else ''}",
			)


def audit_mailbox_holders(user, method=None) -> None:
	"""on_update of User: a user given (or taken) an Email Account in their User Emails holds (or no
	longer holds) the mailbox of its Mail Archive Account, and reads all its mail."""
	before = user.get_doc_before_save()
	held_before = {row.email_account for row in (before.get("user_emails") or [])} if before else set()
	held_now = {row.email_account for row in user.get("user_emails") or []}
	for email_account, change in [(account, "added") for account in held_now - held_before] + [
		(account, "removed") for account in held_before - held_now
	]:
		account = frappe.db.get_value(
			"Mail Archive Account", {"email_account": email_account}, ["name", "account_owner"], as_dict=True
		)
		# the account's owner reads its mail either way (the row only lets them send from it)
		if account and account.account_owner != user.name:
			audit.record_account("Access Changed", account.name, detail=f"holder {change}: {user.name}")


def refuse_deletion_with_mail(account) -> None:
	"""on_trash of Mail Archive Account: archived mail keeps its account (its holder and its
	visibility are what decide who reads it). Disable the account instead; removing its mail is
	the retention and erasure path's (which removes the account itself, flagged)."""
	if frappe.flags.mail_archive_removing or not account.email_account:
		return
	if frappe.db.exists(
		"Communication", {"email_account": account.email_account, "mail_archive_key": ("is", "set")}
	):
		frappe.throw(
			_(
				"Mail Archive Account {0} holds archived mail and cannot be deleted. Disable it instead; its mail is removed through retention or erasure."
			).format(account.name),
			frappe.LinkExistsError,
			title=_("Archived Mail"),
		)
