"""Whitelisted API: typed, permission-checked first, POST for writes."""

import frappe
from frappe import _
from frappe.utils import cint

from crm_mail_archive import create_from_mail as creating
from crm_mail_archive.accounts.status import account_status
from crm_mail_archive.accounts.sync import ROLE_LABELS, enqueue_sync
from crm_mail_archive.actions import service as actions
from crm_mail_archive.compliance.erasure import erase_address, plan_erasure, remove_mails
from crm_mail_archive.filing import manual
from crm_mail_archive.filing.address_index import mails_with
from crm_mail_archive.filing.automatic import refile
from crm_mail_archive.filing.blocklist import enqueue_blocklist_entry
from crm_mail_archive.filing.rules import normalize_domain
from crm_mail_archive.infra import audit
from crm_mail_archive.infra.connection import connection_settings
from crm_mail_archive.ingest import retry_quarantined as retry
from crm_mail_archive.mailbox.addresses import normalize_address
from crm_mail_archive.mailbox.client import MailboxClient, MailboxError
from crm_mail_archive.mailbox.containers import is_mail_file
from crm_mail_archive.permissions import holds_account, manages_accounts
from crm_mail_archive.retention.policy import deletion_refusals, is_manager, legal_holds, retention_ends
from crm_mail_archive.storage.files import read_original, read_private_file
from crm_mail_archive.transfer.exports import ExportScope
from crm_mail_archive.transfer.jobs import enqueue_import, start_export
from crm_mail_archive.views.email_archive import ArchiveFilters, archive_of
from crm_mail_archive.views.mail_search import MailSearch
from crm_mail_archive.views.mail_search import search_mail as search_archived_mail
from crm_mail_archive.views.mail_view import mail_view


def _account_for_management(account: str):
	"""The account, if the session user may run and configure it (writers and its owner)."""
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


@frappe.whitelist(methods=["POST"])
def sync_now(account: str) -> dict:
	"""Queue a sync of every enabled folder of the account."""
	_account_for_management(account)
	enqueue_sync(account)
	return {"queued": True}


@frappe.whitelist(methods=["POST"])
def sync_folder(account: str, folder: str) -> dict:
	"""Queue a sync of one server folder (added to the account's folders as "Other" if new)."""
	_account_for_management(account)
	if not folder or not folder.strip():
		frappe.throw(_("Choose a folder."))
	enqueue_sync(account, folder=folder.strip())
	return {"queued": True}


@frappe.whitelist(methods=["GET", "POST"])
def list_server_folders(account: str) -> list[dict]:
	"""The folders on the mail server (names decoded from modified UTF-7) with their roles."""
	doc = _account_for_management(account)
	try:
		with MailboxClient(connection_settings(doc.email_account)) as client:
			folders = client.list_folders()
	except MailboxError as error:
		frappe.throw(_("Cannot read the folders from the mail server: {0}").format(str(error)))
	configured = {row.folder_name for row in doc.folders}
	return [
		{
			"name": folder.name,
			"role": ROLE_LABELS.get(folder.role or "", "Other"),
			"special_use": folder.role,
			"configured": folder.name in configured,
		}
		for folder in folders
		if folder.selectable
	]


@frappe.whitelist(methods=["POST"])
def add_folder(account: str, folder: str, role: str = "Other") -> dict:
	"""Add a server folder to the account's synced folders."""
	doc = _account_for_management(account)
	if role not in ("Inbox", "Sent", "Other"):
		frappe.throw(_("Role must be Inbox, Sent or Other."))
	if not folder or not folder.strip():
		frappe.throw(_("Choose a folder."))
	if any(row.folder_name == folder for row in doc.folders):
		frappe.throw(_("Folder {0} is already synced.").format(folder))
	doc.append("folders", {"folder_name": folder.strip(), "role": role, "enabled": 1})
	doc.save(ignore_permissions=True)  # permission checked above (owner or writer)
	return {"folders": [row.folder_name for row in doc.folders]}


@frappe.whitelist(methods=["POST"])
def retry_quarantined(copy: str) -> dict:
	"""Process a quarantined mail again from its kept raw bytes."""
	frappe.has_permission("Mailbox Copy", "write", copy, throw=True)
	return {"communication": retry(copy)}


@frappe.whitelist(methods=["GET", "POST"])
def get_account_status(account: str) -> dict:
	"""Health, last sync and its result, next sync, and whether the scheduler runs syncs."""
	frappe.has_permission("Mail Archive Account", "read", account, throw=True)
	return account_status(account)


@frappe.whitelist(methods=["GET", "POST"])
def get_archive(
	doctype: str,
	name: str,
	start: int = 0,
	page_length: int = 20,
	search: str | None = None,
	direction: str | None = None,
	period: str | None = None,
	has_attachment: bool = False,
	source: str | None = None,
) -> dict:
	"""The mail filed at a document, newest first, paginated; searched by the words of the mails
	and their attachments (each word as a prefix, all words required), filtered by direction (Received/Sent), period (7d/30d/365d), attachment and source."""
	frappe.has_permission(doctype, "read", name, throw=True)
	filters = ArchiveFilters(search, direction, period, bool(cint(has_attachment)), source)
	return archive_of(doctype, name, start=int(start), page_length=int(page_length), filters=filters)


@frappe.whitelist()
def search_mail(
	text: str,
	start: int = 0,
	page_length: int = 20,
	account: str | None = None,
	direction: str | None = None,
	period: str | None = None,
	has_attachment: bool = False,
	filing: str | None = None,
	sender_domain: str | None = None,
) -> dict:
	"""Every archived mail the user may read that holds all words of `text` (in the mail or its
	attachments, each word as a prefix), newest first; filtered by Mail Archive Account,
	direction, period (7d/30d/365d), attachment, filing (Filed/Unfiled) and sender domain."""
	frappe.has_permission("Communication", "read", throw=True)
	search = MailSearch(text, account, direction, period, bool(cint(has_attachment)), filing, sender_domain)
	return search_archived_mail(search, start=int(start), page_length=int(page_length))


@frappe.whitelist(methods=["POST"])
def refile_mail(communication: str) -> dict:
	"""File one mail again under the current rules (automatic links only; manual ones stay)."""
	frappe.has_permission("Communication", "read", communication, throw=True)
	return {"added": refile(communication)}


@frappe.whitelist(methods=["POST"])
def refile_blocklist_entry(entry: str) -> dict:
	"""File the mail of a blocklist entry's address or domain again under the current rules, e.g.
	after the entry was disabled. Runs in the background: a domain may cover much mail."""
	frappe.has_permission("Archive Blocklist", "write", entry, throw=True)
	doc = frappe.get_doc("Archive Blocklist", entry)
	enqueue_blocklist_entry(doc.entry_type, doc.value)
	return {"queued": True}


# --- working with a mail ---------------------------------------------------------------------


def _as_list(value: list[str] | str) -> list[str]:
	"""A list from the desk's JSON, a REST form field or a single name."""
	if isinstance(value, str):
		value = frappe.parse_json(value) if value.strip().startswith("[") else [value]
	return [str(name) for name in value]


def _readable_mail(communication: str) -> None:
	if not frappe.db.exists("Communication", communication):
		frappe.throw(_("Communication {0} does not exist.").format(communication), frappe.DoesNotExistError)
	frappe.has_permission("Communication", "read", communication, throw=True)


def _readable_document(doctype: str, name: str) -> bool:
	return bool(frappe.has_permission(doctype, "read", name))


@frappe.whitelist(methods=["GET", "POST"])
def get_filings(communication: str) -> list[dict]:
	"""Where a mail is filed (the documents the user may read, with their titles), and why."""
	_readable_mail(communication)
	view = mail_view(communication, _readable_document)
	audit.record("Opened", audit.archived([communication]))
	return view.filings


@frappe.whitelist(methods=["GET", "POST"])
def get_mail_view(communication: str) -> dict:
	"""One mail as the reader shows it: headers as text, the sanitized body, attachments (not the
	original message), where it is filed, and its original message's URL."""
	_readable_mail(communication)
	view = mail_view(communication, _readable_document)
	audit.record("Opened", audit.archived([communication]))
	return view


@frappe.whitelist(methods=["GET"])
def download_original(communication: str) -> None:
	"""The mail's original message (.eml), exactly as it was received."""
	_readable_mail(communication)
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
	_readable_mail(row.attached_to_name)
	frappe.local.response.filename = row.file_name
	frappe.local.response.filecontent = read_private_file(row.file_url)
	frappe.local.response.type = "download"
	audit.record("Downloaded Attachment", audit.archived([row.attached_to_name]), detail=row.file_name)


@frappe.whitelist(methods=["GET", "POST"])
def file_at_doctypes() -> list[dict]:
	"""The document types "File at…" offers (Mail Archive Settings), those the user may write."""
	configured = frappe.db.get_single_value("Mail Archive Settings", "file_at_doctypes") or ""
	names = [line.strip() for line in configured.splitlines() if line.strip()] or list(DEFAULT_FILE_AT)
	return [
		{"value": doctype, "label": _(doctype)}
		for doctype in names
		if frappe.db.exists("DocType", doctype) and frappe.has_permission(doctype, "write")
	]


DEFAULT_FILE_AT = ("Customer", "Supplier", "Contact", "Lead", "Opportunity", "Issue", "Project")
DEFAULT_FILE_AT += ("Quotation", "Sales Order", "Sales Invoice", "Purchase Order")


@frappe.whitelist(methods=["POST"])
def file_mail(communications: list[str] | str, doctype: str, name: str) -> dict:
	"""File mail by hand at any document the user may write (source "Manual")."""
	names = _as_list(communications)
	if not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} does not exist.").format(_(doctype), name), frappe.DoesNotExistError)
	frappe.has_permission(doctype, "write", name, throw=True)
	for communication in names:
		_readable_mail(communication)
	added = sum(manual.file_at(communication, doctype, name, frappe.session.user) for communication in names)
	audit.record("Filed", audit.archived(names), reference=(doctype, name))
	return {"added": added}


@frappe.whitelist(methods=["POST"])
def unfile_mail(communication: str, doctype: str, name: str) -> dict:
	"""Remove one filing (any source) and its stock timeline row."""
	_readable_mail(communication)
	frappe.has_permission(doctype, "write", name, throw=True)
	removed = manual.unfile(communication, doctype, name)
	if removed:
		audit.record("Unfiled", audit.archived([communication]), reference=(doctype, name))
	return {"removed": removed}


@frappe.whitelist(methods=["GET", "POST"])
def open_opportunities(communication: str) -> list[dict]:
	"""Open Opportunities the mail may belong to, for the user to pick one before creating."""
	_readable_mail(communication)
	return [
		row
		for row in creating.open_opportunities(communication)
		if frappe.has_permission("Opportunity", "read", row.name)
	]


def _creatable(communication: str, doctype: str) -> None:
	_readable_mail(communication)
	if doctype not in creating.CREATABLE:
		frappe.throw(_("Cannot create a {0} from a mail.").format(_(doctype)))
	frappe.has_permission(doctype, "create", throw=True)


@frappe.whitelist(methods=["GET", "POST"])
def prefill_from_mail(communication: str, doctype: str) -> dict:
	"""What a new Contact, Lead, Opportunity or Issue would hold, read from the mail (sender,
	signature), for the person to review before creating it."""
	_creatable(communication, doctype)
	values = creating.prefill(communication, doctype)
	if "open" in values:
		values["open"] = [
			row for row in values["open"] if frappe.has_permission("Opportunity", "read", row.name)
		]
	return values


@frappe.whitelist(methods=["POST"])
def create_from_mail(
	communication: str, doctype: str, company: str | None = None, values: dict | str | None = None
) -> dict:
	"""Create a Contact, Lead, Opportunity or Issue from a mail with the reviewed `values`; the mail
	and its thread are filed there (source "Created From")."""
	_creatable(communication, doctype)
	values = frappe.parse_json(values) if isinstance(values, str) else dict(values or {})
	if company and doctype == "Opportunity":
		values.setdefault("company", company)
	name = creating.create_from_mail(communication, doctype, frappe.session.user, values)
	return {"doctype": doctype, "name": name}


@frappe.whitelist(methods=["GET", "POST"])
def blocklist_impact(entry_type: str, value: str) -> dict:
	"""What blocking an address or domain takes away: the Customers and Suppliers it belongs to,
	and how many filed mails would be un-filed (automatic filings by that address or domain)."""
	frappe.has_permission("Archive Blocklist", "create", throw=True)
	value = normalize_address(value) if entry_type == "Address" else normalize_domain(value)
	if not value:
		return {"parties": [], "filed_mails": 0}
	pattern = value if entry_type == "Address" else f"%@{value}"
	contacts = frappe.get_all(
		"Contact Email", {"email_id": ("like", pattern), "parenttype": "Contact"}, pluck="parent"
	)
	if entry_type == "Domain":
		contacts += frappe.get_all(
			"Contact Email", {"email_id": ("like", f"%.{value}"), "parenttype": "Contact"}, pluck="parent"
		)
	parties = frappe.get_all(
		"Dynamic Link",
		{
			"parenttype": "Contact",
			"parent": ("in", contacts or [""]),
			"link_doctype": ("in", ["Customer", "Supplier"]),
		},
		["link_doctype", "link_name"],
		distinct=True,
	)
	mails = mails_with(entry_type, value)
	filed = (
		frappe.db.count(
			"Timeline Link",
			{"communication": ("in", mails or [""]), "source": ("in", ["Automatic", "Retroactive"])},
		)
		if mails
		else 0
	)
	return {
		"parties": [p for p in parties if frappe.has_permission(p.link_doctype, "read", p.link_name)],
		"filed_mails": filed,
	}


# --- actions mirrored to the mail server -----------------------------------------------------


def _mail_for_server_action(communication: str) -> None:
	"""Server actions change someone's mailbox: its holder (owner, User Email) or a manager of
	its Mail Archive Account only, beyond reading the mail; also when no copy is left on a
	server (the desk still changes)."""
	_readable_mail(communication)
	user = frappe.session.user
	accounts = actions.accounts_holding(communication)
	if not accounts:
		email_account = frappe.db.get_value("Communication", communication, "email_account")
		account = email_account and frappe.db.get_value(
			"Mail Archive Account", {"email_account": email_account}, "name"
		)
		if account:
			accounts = [account]
		elif not frappe.has_permission("Mail Archive Account", "write"):
			frappe.throw(_("Not permitted to change this mail."), frappe.PermissionError)
	for account in accounts:
		email_account = frappe.db.get_value("Mail Archive Account", account, "email_account")
		if holds_account(user, email_account) or frappe.has_permission(
			"Mail Archive Account", "write", account
		):
			continue
		frappe.throw(
			_("Not permitted to change the mailbox of {0}.").format(email_account), frappe.PermissionError
		)


def _request(communications: list[str] | str, action: str, target_folder: str | None = None) -> dict:
	names = _as_list(communications)
	for communication in names:
		_mail_for_server_action(communication)
	queued = [
		name for communication in names for name in actions.request(communication, action, target_folder)
	]
	return {"queued": queued}


@frappe.whitelist(methods=["POST"])
def mark_read(communications: list[str] | str, read: bool = True) -> dict:
	"""Mark mail read or unread, in the desk and on the server (\\Seen)."""
	return _request(communications, "Mark Read" if frappe.utils.cint(read) else "Mark Unread")


@frappe.whitelist(methods=["POST"])
def move_mail(communication: str, folder: str) -> dict:
	"""Move a mail to another server folder."""
	return _request(communication, "Move", folder)


@frappe.whitelist(methods=["POST"])
def mark_spam(communication: str) -> dict:
	"""Move a mail to the Junk folder; future mail from its sender is marked spam (stock rule)."""
	return _request(communication, "Spam")


@frappe.whitelist(methods=["POST"])
def trash_mail(communication: str) -> dict:
	"""Move a mail to the Trash folder."""
	return _request(communication, "Trash")


@frappe.whitelist(methods=["GET", "POST"])
def get_server_state(communication: str) -> dict:
	"""The mail's copies on the server and its pending or failed server actions."""
	_readable_mail(communication)
	return actions.server_state(communication)


# --- import and export ------------------------------------------------------------------------


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


def _account_for_import(account: str) -> None:
	if not account or not frappe.db.exists("Mail Archive Account", account):
		frappe.throw(_("Choose the Mail Archive Account to import into."), frappe.ValidationError)
	user = frappe.session.user
	email_account = frappe.db.get_value("Mail Archive Account", account, "email_account")
	if not (manages_accounts(user) or holds_account(user, email_account)):
		frappe.throw(_("Not permitted to import mail into {0}.").format(account), frappe.PermissionError)


def _document_to_file_at(doctype: str | None, name: str | None) -> tuple[str, str] | None:
	if not doctype and not name:
		return None
	if not (doctype and name and frappe.db.exists(doctype, name)):
		frappe.throw(
			_("{0} {1} does not exist.").format(_(doctype) if doctype else "", name or ""),
			frappe.DoesNotExistError,
		)
	frappe.has_permission(doctype, "write", name, throw=True)
	return doctype, name


@frappe.whitelist(methods=["POST"])
def import_mail_files(
	files: list[str] | str, account: str, doctype: str | None = None, name: str | None = None
) -> dict:
	"""Import uploaded .eml, .msg and .mbox files (File names, uploaded by the user) into an
	account, in the background; with doctype and name, every mail is filed there ("Manual").
	Progress and the result come as realtime messages to the user."""
	_account_for_import(account)
	file_at = _document_to_file_at(doctype, name)
	names = _as_list(files)
	if not names:
		frappe.throw(_("Choose the files to import."))
	for file_name in names:
		uploaded = frappe.db.get_value("File", file_name, ["owner", "file_name", "is_folder"], as_dict=True)
		# only one's own uploads: importing a file makes its mail readable in the archive
		if not uploaded or uploaded.owner != frappe.session.user or uploaded.is_folder:
			frappe.throw(_("File {0} was not uploaded by you.").format(file_name), frappe.PermissionError)
		if not is_mail_file(uploaded.file_name or ""):
			frappe.throw(
				_("{0} is not a mail file: import .eml, .msg or .mbox files.").format(uploaded.file_name)
			)
	job = enqueue_import(names, account, file_at)
	return {"queued": True, "job": job, "files": len(names)}


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
) -> dict:
	"""Export archived mail the user may read, in the background: a record's archive (doctype,
	name; optionally only what `search` finds), a search result (search, optionally in one
	account) or an account (ZIP or mbox). The export is logged; a realtime message tells when
	its file is ready (download_export)."""
	if export_format not in ("ZIP", "mbox"):
		frappe.throw(_("Export as ZIP or mbox."))
	if scope == "Record":
		if not (doctype and name and frappe.db.exists(doctype, name)):
			frappe.throw(
				_("{0} {1} does not exist.").format(_(doctype) if doctype else "", name or ""),
				frappe.DoesNotExistError,
			)
		frappe.has_permission(doctype, "read", name, throw=True)
	elif scope == "Search":
		if not (search or "").strip():
			frappe.throw(_("Enter the words to search for."))
		if account:
			frappe.has_permission("Mail Archive Account", "read", account, throw=True)
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
			doctype if scope == "Record" else None,
			name if scope == "Record" else None,
			account,
			search,
		),
		export_format,
	)
	return {"export": export}


@frappe.whitelist(methods=["GET"])
def download_export(export: str) -> None:
	"""The file of a finished export: for the user who made it (and System Managers)."""
	log = frappe.db.get_value(
		"Mail Export", export, ["owner", "status", "file", "export_format"], as_dict=True
	)
	if not log or (log.owner != frappe.session.user and "System Manager" not in frappe.get_roles()):
		frappe.throw(_("Export {0} is not yours.").format(export), frappe.PermissionError)
	if log.status != "Ready" or not log.file:
		frappe.throw(_("Export {0} is not ready.").format(export))
	frappe.local.response.filename = log.file.rpartition("/")[2]
	frappe.local.response.filecontent = read_private_file(log.file)
	frappe.local.response.type = "download"


# --- retention, legal hold, erasure (Mail Archive Manager) -----------------------------------


def _manager_only() -> None:
	if not is_manager():
		frappe.throw(_("Only a Mail Archive Manager may do this."), frappe.PermissionError)


@frappe.whitelist(methods=["POST"])
def set_legal_hold(communication: str, hold: bool = True) -> dict:
	"""Put an archived mail on legal hold, or release it (Mail Archive Manager)."""
	_manager_only()
	if not frappe.db.get_value("Communication", communication, "mail_archive_key"):
		frappe.throw(_("{0} is not an archived mail.").format(communication), frappe.DoesNotExistError)
	hold = bool(cint(hold))
	frappe.db.set_value(
		"Communication", communication, "mail_archive_legal_hold", int(hold), update_modified=False
	)
	audit.record("Legal Hold Set" if hold else "Legal Hold Released", [communication])
	return {"legal_hold": hold}


@frappe.whitelist(methods=["GET", "POST"])
def get_retention(communication: str) -> dict:
	"""Until when an archived mail is kept, and what holds it."""
	_readable_mail(communication)
	ends = retention_ends([communication])
	holds = legal_holds([communication])
	return {
		"retention_end": ends.get(communication),
		"legal_hold": holds.get(communication),
		"may_delete": is_manager() and not deletion_refusals([communication]),
	}


@frappe.whitelist(methods=["GET", "POST"])
def erasure_preview(address: str) -> dict:
	"""What erasing the personal data of an address would remove, and what is kept and why."""
	_manager_only()
	return plan_erasure(address).as_dict()


@frappe.whitelist(methods=["POST"])
def erase_personal_data(address: str, reason: str, on_server: bool = False) -> dict:
	"""Erase the archived mail from and to an address (GDPR Art. 17), except what retention or
	a legal hold keeps; recorded without the content (Mail Archive Erasure). With `on_server`,
	the mails are deleted in their mailboxes on the mail server too."""
	_manager_only()
	if not (reason or "").strip():
		frappe.throw(_("Give the reason for the erasure (the request it answers)."))
	return erase_address(address, reason.strip(), on_server=bool(cint(on_server)))


@frappe.whitelist(methods=["POST"])
def delete_archived_mail(communication: str, reason: str) -> dict:
	"""Delete an archived mail after its retention period, when no legal hold keeps it (Mail
	Archive Manager); recorded without the content."""
	_manager_only()
	if not frappe.db.get_value("Communication", communication, "mail_archive_key"):
		frappe.throw(_("{0} is not an archived mail.").format(communication), frappe.DoesNotExistError)
	refusal = deletion_refusals([communication]).get(communication)
	if refusal:
		frappe.throw(_("This archived mail cannot be deleted: {0}.").format(refusal), frappe.PermissionError)
	if not (reason or "").strip():
		frappe.throw(_("Give the reason for the deletion."))
	return {"erasure": remove_mails([communication], "Deleted", reason.strip())}
