"""Reading one mail: the reader's view, where it is filed, its original and its attachments (the
read rule first, every opening and download audited)."""

import frappe
from frappe import _

from crm_mail_archive.infra import audit
from crm_mail_archive.permissions import reads_document, require_readable_mail
from crm_mail_archive.storage.files import read_original, read_private_file
from crm_mail_archive.views.mail_view import mail_view


@frappe.whitelist(methods=["GET", "POST"])
def get_filings(communication: str) -> list[dict]:
	"""Where a mail is filed (the documents the user may read, with their titles), and why."""
	require_readable_mail(communication)
	view = mail_view(communication, reads_document)
	audit.record("Opened", audit.archived([communication]))
	return view.filings


@frappe.whitelist(methods=["GET", "POST"])
def get_mail_view(communication: str) -> dict:
	"""One mail as the reader shows it: headers as text, the sanitized body, attachments (not the
	original message), where it is filed, and its original message's URL."""
	require_readable_mail(communication)
	view = mail_view(communication, reads_document)
	audit.record("Opened", audit.archived([communication]))
	return view


@frappe.whitelist(methods=["GET"])
def download_original(communication: str) -> None:
	"""The mail's original message (.eml), exactly as it was received."""
	require_readable_mail(communication)
	url = frappe.db.get_value("Communication", communication, "mail_archive_raw_file")
	if not url:
		frappe.throw(_("The original message of this mail is not kept."), frappe.DoesNotExistError)
	frappe.local.response.filename = f"{communication}.eml"
	frappe.local.response.filecontent = read_original(url)
	audit.record("Downloaded Original", [communication])
	frappe.local.response.type = "download"


@frappe.whitelist(methods=["GET"])
def download_attachment(file: str) -> None:
	"""An attachment of an archived mail, for the readers of the mail (audited). The stock
	private-file URL of such an attachment is refused (permissions.py), so every download is
	seen."""
	row = frappe.db.get_value(
		"File", file, ["attached_to_doctype", "attached_to_name", "file_name", "file_url"], as_dict=True
	)
	if not row or row.attached_to_doctype != "Communication":
		frappe.throw(
			_("File {0} is no attachment of an archived mail.").format(file), frappe.DoesNotExistError
		)
	require_readable_mail(row.attached_to_name)
	frappe.local.response.filename = row.file_name
	frappe.local.response.filecontent = read_private_file(row.file_url)
	frappe.local.response.type = "download"
	audit.record("Downloaded Attachment", audit.archived([row.attached_to_name]), detail=row.file_name)
