"""Mail in and out as files: import of .eml/.msg/.mbox/.pst/.ost uploads (a big file in chunks),
export of a record's archive, a search or an account (ZIP or mbox), and an export's download."""

import frappe
from frappe import _
from werkzeug.wrappers import Response

from crm_mail_archive.api.params import as_list
from crm_mail_archive.api.responses import DOWNLOAD_TYPE, archive_file_response
from crm_mail_archive.infra import archive_files
from crm_mail_archive.mailbox.containers import is_mail_file
from crm_mail_archive.permissions import holds_account, manages_accounts
from crm_mail_archive.permissions.guards import (
	require_account_holding,
	require_document,
	require_export_download,
	require_own_upload,
	require_readable_mail,
)
from crm_mail_archive.transfer import uploads as staged_uploads
from crm_mail_archive.transfer.exports import EXPORT_TYPES, ExportScope, export_file_name
from crm_mail_archive.transfer.jobs import enqueue_import, start_export


@frappe.whitelist(methods=["GET", "POST"])
def import_accounts() -> list[dict]:
	"""The Mail Archive Accounts the user may import mail into: those they hold, or all for a
	manager; the user's own first."""
	user = frappe.session.user
	accounts = frappe.get_all(
		"Mail Archive Account", ["name", "email_account", "account_owner"], order_by="name asc"
	)
	allowed = [
		account
		for account in accounts
		if manages_accounts(user) or holds_account(user, account.email_account)
	]
	allowed.sort(key=lambda account: account.account_owner != user)
	return [{"value": account.name, "label": account.name} for account in allowed]


def _document_to_file_at(doctype: str | None, name: str | None) -> tuple[str, str] | None:
	if not doctype and not name:
		return None
	require_document(doctype, name, "write")
	return doctype, name


@frappe.whitelist(methods=["POST"])
def import_mail_files(
	files: list[str] | str | None,
	account: str,
	doctype: str | None = None,
	name: str | None = None,
	uploads: list[str] | str | None = None,
) -> dict:
	"""Import uploaded .eml, .msg, .mbox and Outlook .pst/.ost files (File names, uploaded by the
	user; `uploads`: finished chunked uploads of the user, start_import_upload) into an account, in
	the background; with doctype and name, every mail is filed there ("Manual"). Progress and the
	result come as realtime messages to the user."""
	require_account_holding(account)
	file_at = _document_to_file_at(doctype, name)
	names, staged = as_list(files or []), as_list(uploads or [])
	if not names and not staged:
		frappe.throw(_("Choose the files to import."))
	for file_name in names:
		require_own_upload(file_name)
		uploaded_name = frappe.db.get_value("File", file_name, "file_name")
		if not is_mail_file(uploaded_name or ""):
			frappe.throw(_not_a_mail_file(uploaded_name))
	received = [staged_uploads.get_own(upload, frappe.session.user) for upload in staged]
	for upload in received:
		if upload.account != account:
			frappe.throw(_("The upload {0} is for another account.").format(upload.file_name))
	for upload in received:
		staged_uploads.mark_importing(upload)
	job = enqueue_import(names, account, file_at, staged=[upload.upload_id for upload in received])
	return {"queued": True, "job": job, "files": len(names) + len(received)}


def _not_a_mail_file(file_name: str | None) -> str:
	return _("{0} is not a mail file: import .eml, .msg, .mbox, .pst or .ost files.").format(file_name)


@frappe.whitelist(methods=["POST"])
def start_import_upload(file_name: str, size: int, account: str) -> dict:
	"""Start a chunked upload of one mail file (a .pst of several GB) to import into an account:
	its name (text, never a path) and size in bytes, refused over the site's maximum. Returns the
	upload's id and the chunk size to send (send_import_chunk)."""
	require_account_holding(account)
	shown = staged_uploads.display_name(file_name)
	if not is_mail_file(shown):
		frappe.throw(_not_a_mail_file(shown))
	upload = staged_uploads.start(frappe.session.user, account, shown, size)
	return {"upload": upload.upload_id, "chunk_size": staged_uploads.CHUNK_BYTES, "received": 0}


@frappe.whitelist(methods=["POST"])
def send_import_chunk(upload: str, offset: int) -> dict:
	"""The next chunk (multipart field `chunk`) of the user's upload, at `offset`: the bytes
	received so far. A chunk sent again changes nothing; another offset is refused. Returns the
	bytes received."""
	staged = staged_uploads.get_own(upload, frappe.session.user)
	require_account_holding(staged.account)
	chunk = frappe.request.files.get("chunk") if frappe.request and frappe.request.files else None
	if chunk is None:
		frappe.throw(_("Send the chunk as the form field chunk."))
	data = chunk.stream.read(staged_uploads.MAX_CHUNK_BYTES + 1)
	return {"received": staged_uploads.receive(staged, offset, data), "size": staged.size}


@frappe.whitelist(methods=["POST"])
def finish_import_upload(upload: str, doctype: str | None = None, name: str | None = None) -> dict:
	"""The upload is complete: import it in the background like import_mail_files (filed at
	doctype/name when given); the staged file is removed after the import."""
	staged = staged_uploads.get_own(upload, frappe.session.user)
	return import_mail_files(None, staged.account, doctype, name, uploads=[upload])


@frappe.whitelist(methods=["POST"])
def export_mail(
	scope: str,
	doctype: str | None = None,
	name: str | None = None,
	account: str | None = None,
	search: str | None = None,
	export_format: str = "ZIP",
	direction: str | None = None,
	period: str | None = None,
	has_attachment: bool = False,
	filing: str | None = None,
	sender_domain: str | None = None,
	communications: list[str] | str | None = None,
) -> dict:
	"""Export archived mail the user may read, in the background: a record's archive (doctype,
	name; optionally only what `search` finds, or only the selected `communications` of it), one
	mail (scope Mail, name: the Communication), a search result (search, optionally in one
	account) or an account (ZIP, mbox, or Evidence: a pack with proofs a court checks offline).
	The export is logged; a realtime message tells when
	its file is ready (download_export)."""
	if export_format not in ("ZIP", "mbox", "Evidence"):
		frappe.throw(_("Export as ZIP, mbox or evidence pack."))
	if scope == "Record":
		require_document(doctype, name, "read")
	elif scope == "Search":
		if not (search or "").strip():
			frappe.throw(_("Enter the words to search for."))
		if account:
			frappe.has_permission("Mail Archive Account", "read", account, throw=True)
	elif scope == "Mail":
		require_readable_mail(name)
	elif scope == "Account":
		if not account:
			frappe.throw(_("Choose the Mail Archive Account to export."))
		frappe.has_permission("Mail Archive Account", "read", account, throw=True)
	else:
		frappe.throw(_("Export a record's archive, a search result or an account."))
	if export_format == "mbox" and scope != "Account":
		frappe.throw(_("An mbox file is made of a whole account; export the rest as ZIP."))
	export = start_export(
		ExportScope(
			scope,
			doctype if scope == "Record" else "Communication" if scope == "Mail" else None,
			name if scope in ("Record", "Mail") else None,
			account,
			search,
			selected=tuple(as_list(communications)) if scope == "Record" and communications else None,
		),
		export_format,
	)
	return {"export": export}


@frappe.whitelist(methods=["GET"])
def download_export(export: str) -> Response:
	"""The file of a finished export: for the user who made it, nobody else (System Managers see
	that it exists, not what it holds)."""
	log = frappe.db.get_value(
		"Mail Export", export, ["owner", "status", "file", "export_format"], as_dict=True
	)
	require_export_download(export, log.owner if log else None)
	if log.status != "Ready" or not log.file:
		frappe.throw(_("Export {0} is not ready.").format(export))
	return archive_file_response(
		archive_files.path_of(log.file),
		export_file_name(export, log.export_format),
		download_type=EXPORT_TYPES.get(log.export_format, DOWNLOAD_TYPE),
	)
