"""Reading one mail: the reader's view, where it is filed, its original and its attachments (the
read rule first, every opening and download audited)."""

import frappe
from frappe import _
from frappe.utils import cint
from werkzeug.wrappers import Response

from crm_mail_archive.api.responses import archive_file_response
from crm_mail_archive.infra import archive_files, audit
from crm_mail_archive.permissions import HEADERS
from crm_mail_archive.permissions.guards import (
	reads_document,
	require_privacy_change,
	require_readable_mail,
	require_visible_mail,
)
from crm_mail_archive.privacy import mark_private
from crm_mail_archive.storage.files import original_of
from crm_mail_archive.views.mail_view import headers_view, mail_view
from crm_mail_archive.views.reader import reader_view


@frappe.whitelist(methods=["GET", "POST"])
def get_filings(communication: str) -> list[dict]:
	"""Where a mail is filed (the documents the user may read, with their titles), and why."""
	access = require_visible_mail(communication)
	view = (headers_view if access == HEADERS else mail_view)(communication, reads_document)
	audit.record("Opened", audit.archived([communication]))
	return view.filings


@frappe.whitelist(methods=["GET", "POST"])
def get_mail_view(communication: str, with_server_state: bool = False) -> dict:
	"""One mail as the reader shows it: headers as text, the sanitized body, attachments (not the
	original message), where it is filed, and its original message's URL; whether the user may
	change it in its mailbox (read/unread, move, trash), whether it is their own mailbox (reading
	marks read there) and after how many seconds of preview the desk marks it read. A colleague
	reading a mail of a Headers only account gets its headers (`headers_only`), no body, no
	attachments. `with_server_state`: the mail's copies and pending server actions too."""
	access = require_visible_mail(communication)
	return reader_view(communication, access, frappe.session.user, bool(cint(with_server_state)))


@frappe.whitelist(methods=["POST"])
def set_mail_private(communication: str, private: bool) -> dict:
	"""Mark a mail private (its holder's alone, whatever its account's visibility) or shared again:
	its mailbox holder or a manager; audited."""
	require_privacy_change(communication)
	return {"private": mark_private(communication, bool(cint(private)))}


@frappe.whitelist(methods=["GET"])
def download_original(communication: str) -> Response:
	"""The mail's original message (.eml), exactly as it was received."""
	require_readable_mail(communication)
	try:
		raw = original_of(communication)
	except FileNotFoundError:
		frappe.throw(_("The original message of this mail is not kept."), frappe.DoesNotExistError)
	audit.record("Downloaded Original", [communication])
	return archive_file_response(raw, f"{communication}.eml", download_type="message/rfc822")


@frappe.whitelist(methods=["GET"])
def download_attachment(attachment: str, inline: bool = False) -> Response:
	"""An attachment of an archived mail, for the readers of the mail: downloaded, or (`inline`)
	shown when its bytes are a raster image or a PDF. Downloads and PDF views are audited (by the
	mail and the attachment's name in the archive, not its file name); an inline image is part of
	showing the mail."""
	row = frappe.db.get_value(
		"Mail Attachment",
		attachment,
		["communication", "file_name", "stored_file", "viewable_type"],
		as_dict=True,
	)
	if not row:
		frappe.throw(_("Attachment {0} does not exist.").format(attachment), frappe.DoesNotExistError)
	require_readable_mail(row.communication)
	shown_as = row.viewable_type if cint(inline) and row.viewable_type else None
	if not (shown_as or "").startswith("image/"):
		audit.record("Downloaded Attachment", audit.archived([row.communication]), detail=attachment)
	return archive_file_response(archive_files.path_of(row.stored_file), row.file_name, shown_as=shown_as)
