"""An archived mail is immutable: its content, headers, original message and attachments cannot be
changed by anyone, through any path that runs document hooks (desk, REST, frappe.client). It is
deleted only by a Mail Archive Manager (or System Manager) after its retention period and when no
legal hold keeps it, or by the app's erasure and purge (which record what they removed).

Filing (links), read state and the other bookkeeping of the app are not content: they change
through the app's services, which write their columns directly."""

from __future__ import annotations

from contextlib import contextmanager

import frappe
from frappe import _

from crm_mail_archive.infra import audit
from crm_mail_archive.permissions.guards import is_archive_manager
from crm_mail_archive.retention.policy import deletion_refusals

# what makes the mail the mail it is
PROTECTED_FIELDS = (
	"subject",
	"content",
	"text_content",
	"sender",
	"sender_full_name",
	"recipients",
	"cc",
	"bcc",
	"communication_date",
	"message_id",
	"sent_or_received",
	"communication_medium",
	"email_account",
	"has_attachment",
	"mail_archive_key",
	"mail_archive_address_names",
	"mail_archive_raw_file",
	"mail_archive_legal_hold",
	"mail_archive_sha256",
	"mail_archive_digest",
	"mail_archive_shown_sha256",
	"mail_archive_private",  # set through the app's endpoint, audited (privacy/)
)


@contextmanager
def removing_by_the_app():
	"""Within: the app itself removes mail (erasure, purge) and records it."""
	previous = frappe.flags.mail_archive_removing
	frappe.flags.mail_archive_removing = True
	try:
		yield
	finally:
		frappe.flags.mail_archive_removing = previous


def communication_validate(doc, method=None) -> None:
	before = None if doc.is_new() else doc.get_doc_before_save()
	if before is None or not before.get("mail_archive_key"):
		return
	changed = [field for field in PROTECTED_FIELDS if (before.get(field) or None) != (doc.get(field) or None)]
	if changed:
		frappe.throw(
			_("An archived mail cannot be changed ({0}).").format(", ".join(changed)),
			frappe.PermissionError,
			title=_("Archived Mail"),
		)


def communication_on_trash(doc, method=None) -> None:
	if not doc.get("mail_archive_key") or frappe.flags.mail_archive_removing:
		return
	if not is_archive_manager():
		frappe.throw(
			_("Only a Mail Archive Manager deletes archived mail, after its retention period."),
			frappe.PermissionError,
			title=_("Archived Mail"),
		)
	refusal = deletion_refusals([doc.name]).get(doc.name)
	if refusal:
		frappe.throw(
			_("This archived mail cannot be deleted: {0}.").format(refusal),
			frappe.PermissionError,
			title=_("Archived Mail"),
		)
	frappe.flags.mail_archive_deleting = {*(frappe.flags.mail_archive_deleting or ()), doc.name}
	audit.record("Deleted", [doc.name])


def attachment_validate(doc) -> None:
	"""The app writes a mail's attachments with the mail, as rows; through the document API they
	are neither added nor changed."""
	_archived_attachment_refused(
		_("An archived mail cannot get more attachments.")
		if doc.is_new()
		else _("An attachment of an archived mail cannot be changed.")
	)


def attachment_on_trash(doc) -> None:
	if frappe.flags.mail_archive_removing or doc.communication in (frappe.flags.mail_archive_deleting or ()):
		return
	_archived_attachment_refused(_("An attachment of an archived mail cannot be deleted."))


def _archived_attachment_refused(message: str) -> None:
	frappe.throw(message, frappe.PermissionError, title=_("Archived Mail"))


def record_on_trash(doc, method=None) -> None:
	"""A record under an active legal hold is not deleted: with it would go the filings by which
	the hold keeps its mail."""
	if doc.doctype in ("Mail Archive Legal Hold", "DocType"):
		return
	# while the app is (un)installed or migrated from before holds, there may be no holds table
	if (
		frappe.flags.in_uninstall
		or frappe.flags.in_install
		or not frappe.db.table_exists("Mail Archive Legal Hold")
	):
		return
	if frappe.db.exists(
		"Mail Archive Legal Hold", {"reference_doctype": doc.doctype, "reference_name": doc.name, "active": 1}
	):
		frappe.throw(
			_("{0} {1} is under a legal hold of the mail archive and cannot be deleted.").format(
				_(doc.doctype), doc.name
			),
			frappe.PermissionError,
			title=_("Legal Hold"),
		)
