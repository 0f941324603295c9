"""Stock endpoints that show or change mail without asking for Communication permissions, put
under the archive's read rule (permissions/) through `override_whitelisted_methods`.

- The form timeline (getdoc, get_docinfo, get_communications) lists every Communication linked to
  a document, whoever asks: archived mail the user may not read is left out.
- relink has no permission check at all: for archived mail it becomes "File at…" (read the mail,
  write the document); other mail needs write on the Communication.
- frappe.client.get_count counts any table with any filter for any logged-in user: for mail (and
  what indexes it) it counts only what the user may list, so no filter can probe a mail's text.
- Global search checks only whether a user may read Communications at all: archived mail in its
  results is kept to who may read it.
- The inbox actions (read/unread, trash, spam, move to another account) change a mail: for
  archived mail they go the archive's way (mailbox holder or manager, mirrored to the server).
"""

from __future__ import annotations

import json

import frappe
import frappe.email as stock_email
from frappe import _
from frappe import client as stock_client
from frappe.desk.form import load as stock_load
from frappe.email import inbox as stock_inbox
from frappe.utils import get_safe_filters
from frappe.utils import global_search as stock_global_search

from crm_mail_archive.infra import audit
from crm_mail_archive.permissions import can_read_communication


def _readable(communications: list) -> list:
	return [row for row in communications or [] if can_read_communication(row)]


def _filter_docinfo() -> None:
	docinfo = frappe.response.get("docinfo")
	if docinfo:
		docinfo["communications"] = _readable(docinfo.get("communications"))
		docinfo["automated_messages"] = _readable(docinfo.get("automated_messages"))


@frappe.whitelist()
def getdoc(doctype: str, name: str):
	stock_load.getdoc(doctype, name)  # checks the read permission (raises otherwise)
	_filter_docinfo()
	if doctype == "Communication":
		audit.record("Opened", audit.archived([name]))  # the mail's form


@frappe.whitelist()
def get_docinfo(doc=None, doctype: str | None = None, name: str | None = None):
	stock_load.get_docinfo(doc, doctype, name)
	_filter_docinfo()


@frappe.whitelist()
def get_communications(doctype: str, name: str, start: int = 0, limit: int = 20) -> list:
	return _readable(stock_load.get_communications(doctype, name, start, limit))


# what holds or indexes mail: counted only through the permission-checked list query
MAIL_DOCTYPES = frozenset(
	{
		"Communication",
		"File",
		"Mail Attachment",
		"Timeline Link",
		"Mail Address Index",
		"Mail Search Text",
		"Mailbox Copy",
		"Mail Server Action",
	}
)


@frappe.whitelist()
def get_count(doctype: str, filters=None, debug: bool = False, cache: bool = False) -> int:
	if doctype not in MAIL_DOCTYPES:
		return stock_client.get_count(doctype, filters, debug, cache)
	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=["count(*) as count"],
		as_list=True,
	)
	return rows[0][0] if rows else 0


@frappe.whitelist()
def global_search(text: str, start: int = 0, limit: int = 20, doctype: str = "") -> list:
	return [
		row
		for row in stock_global_search.search(text, start, limit, doctype)
		if row.doctype != "Communication" or can_read_communication(row)
	]


def _is_archived(communication: str) -> bool:
	key = frappe.db.get_value("Communication", communication, "mail_archive_key")
	if key is None and not frappe.db.exists("Communication", communication):
		frappe.throw(_("Communication {0} does not exist.").format(communication), frappe.DoesNotExistError)
	return bool(key)


@frappe.whitelist(methods=["POST"])
def relink(name: str, reference_doctype: str | None = None, reference_name: str | None = None) -> None:
	if _is_archived(name):
		if not (reference_doctype and reference_name):
			frappe.throw(_("Choose the document to file the mail at."))
		from crm_mail_archive.api.filing import file_mail

		file_mail([name], reference_doctype, reference_name)
		return
	frappe.has_permission("Communication", "write", name, throw=True)
	if reference_doctype and reference_name:
		frappe.has_permission(reference_doctype, "read", reference_name, throw=True)
	stock_email.relink(name, reference_doctype, reference_name)


def _names(names: str | list[str]) -> list[str]:
	if isinstance(names, str):
		names = json.loads(names or "[]") if names.strip().startswith("[") else [names]
	return [str(name) for name in names or []]


@frappe.whitelist(methods=["POST"])
def create_email_flag_queue(names: str | list[str], action: str) -> None:
	from crm_mail_archive.api.server_actions import mark_read

	names = _names(names)
	archived = [name for name in names if _is_archived(name)]
	if archived:
		mark_read(archived, read=action == "Read")
	others = [name for name in names if name not in archived]
	for name in others:
		frappe.has_permission("Communication", "write", name, throw=True)
	if others:
		stock_inbox.create_email_flag_queue(json.dumps(others), action)


@frappe.whitelist(methods=["POST"])
def mark_as_trash(communication: str) -> None:
	if _is_archived(communication):
		from crm_mail_archive.api.server_actions import trash_mail

		trash_mail(communication)
		return
	stock_inbox.mark_as_trash(communication)


@frappe.whitelist(methods=["POST"])
def mark_as_spam(communication: str, sender: str) -> None:
	if _is_archived(communication):
		from crm_mail_archive.api.server_actions import mark_spam

		mark_spam(communication)
		return
	# stock creates a site-wide spam rule before it checks anything
	frappe.has_permission("Communication", "write", communication, throw=True)
	frappe.has_permission("Email Rule", "create", throw=True)
	stock_inbox.mark_as_spam(communication, sender)


@frappe.whitelist(methods=["POST"])
def move_email(communication: str, email_account: str) -> None:
	if _is_archived(communication):
		frappe.throw(
			_(
				"An archived mail belongs to the mailbox it was archived from. Use Move to put it in another folder."
			)
		)
	stock_inbox.move_email(communication, email_account)
