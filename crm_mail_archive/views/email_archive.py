"""The Email Archive tab of a document: its filed mail, newest first, permission-filtered."""

from __future__ import annotations

import frappe
from frappe.query_builder import Order
from frappe.query_builder.functions import Count

from crm_mail_archive.permissions import archive_scope, held_accounts

PAGE_LENGTH_MAX = 100


def _base_query(doctype: str, name: str, user: str, search: str | None, scope: str = "all"):
	timeline = frappe.qb.DocType("Timeline Link")
	communication = frappe.qb.DocType("Communication")
	account = frappe.qb.DocType("Mail Archive Account")
	query = (
		frappe.qb.from_(timeline)
		.join(communication)
		.on(communication.name == timeline.communication)
		.left_join(account)
		.on(account.email_account == communication.email_account)
		.where(timeline.link_doctype == doctype)
		.where(timeline.link_name == name)
		# a confidential account's mail is its owner's alone
		.where(account.confidential.isnull() | (account.confidential == 0) | (account.account_owner == user))
	)
	if scope != "all":  # a reader of the document who may read only their own mailboxes' mail
		query = query.where(communication.email_account.isin(sorted(held_accounts(user)) or [""]))
	if search and search.strip():
		pattern = f"%{search.strip()}%"
		query = query.where(
			communication.subject.like(pattern)
			| communication.sender.like(pattern)
			| communication.sender_full_name.like(pattern)
		)
	return query, timeline, communication


def archive_of(
	doctype: str, name: str, start: int = 0, page_length: int = 20, search: str | None = None
) -> dict:
	user = frappe.session.user
	scope = archive_scope(doctype, name, user)
	page_length = max(1, min(int(page_length), PAGE_LENGTH_MAX))
	query, timeline, communication = _base_query(doctype, name, user, search, scope)
	rows = (
		query.select(
			communication.name,
			communication.subject,
			communication.sender,
			communication.sender_full_name,
			communication.communication_date,
			communication.sent_or_received,
			communication.email_account,
			communication.has_attachment,
			communication.seen,
			timeline.source,
		)
		# the Timeline Link's copy of the mail date: read in index order (link, date), no sort
		.orderby(timeline.communication_date, order=Order.desc)
		.orderby(timeline.communication, order=Order.desc)
		.limit(page_length)
		.offset(max(0, int(start)))
		.run(as_dict=True)
	)
	total = _count(doctype, name, user, search, scope)
	return {"mails": rows, "total": total, "start": int(start), "page_length": page_length}


def _count(doctype: str, name: str, user: str, search: str | None, scope: str) -> int:
	"""The badge: from the Timeline Link index alone unless a search or another owner's
	confidential account needs the mails themselves."""
	others_confidential = frappe.db.exists(
		"Mail Archive Account", {"confidential": 1, "account_owner": ("!=", user)}
	)
	if scope == "all" and not others_confidential and not (search and search.strip()):
		return frappe.db.count("Timeline Link", {"link_doctype": doctype, "link_name": name})
	query, _timeline, _communication = _base_query(doctype, name, user, search, scope)
	return query.select(Count("*")).run()[0][0]
