"""The Email Archive tab of a document: its filed mail, newest first, permission-filtered, with
the filters the tab offers (words in the mail and its attachments, direction, period, attachment,
source), each mail's attachment names and, for a search, where its words occur.

Values that come from a mail are returned as plain text (the stored, inert form decoded): the desk
escapes them where it shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe.query_builder import Order
from frappe.query_builder.functions import Count
from frappe.utils import add_days, getdate, nowdate
from pypika.terms import ValueWrapper

from crm_mail_archive.permissions import (
	archive_read_criteria,
	archive_scope,
	held_accounts,
	manages_accounts,
	restricted_accounts,
)
from crm_mail_archive.permissions.guards import manages_privacy
from crm_mail_archive.search.index import query_words, snippets, words_conditions
from crm_mail_archive.views.mail_view import counterpart_of

PAGE_LENGTH_MAX = 100
# a mail's row in a list (the tab, Mail Search): what the row shows and what it needs to show it
LIST_COLUMNS = (
	"name",
	"subject",
	"sender",
	"sender_full_name",
	"recipients",
	"mail_archive_address_names",
	"communication_date",
	"sent_or_received",
	"email_account",
	"has_attachment",
	"seen",
)
# counts stop here: beyond it the desk says "more than 1000" (an exact count of a common word's
# hits among millions of mails would read them all)
COUNT_CAP = 1000
PERIODS = {"7d": 7, "30d": 30, "365d": 365}
SOURCES = ("Automatic", "Reply", "Created From", "Manual", "Retroactive")


@dataclass(frozen=True)
class ArchiveFilters:
	search: str | None = None
	direction: str | None = None  # Received | Sent
	period: str | None = None  # 7d | 30d | 365d
	has_attachment: bool = False
	source: str | None = None

	@property
	def reads_content(self) -> bool:
		"""The filters look into the mail (its words, its attachments), not only its headers."""
		return bool((self.search or "").strip() or self.has_attachment)

	@property
	def any(self) -> bool:
		return bool(
			(self.search or "").strip() or self.direction or self.period or self.has_attachment or self.source
		)


def _base_query(doctype: str, name: str, user: str, filters: ArchiveFilters, scope: str = "all"):
	timeline = frappe.qb.DocType("Timeline Link")
	communication = frappe.qb.DocType("Communication")
	query = (
		frappe.qb.from_(timeline)
		.join(communication)
		.on(communication.name == timeline.communication)
		.where(timeline.link_doctype == doctype)
		.where(timeline.link_name == name)
	)
	# the rule's accounts and private marks (permissions/): others' confidential and private
	# mail is left out; a Headers only account's mail is listed by its headers, but neither
	# searched by its words nor filtered by its attachments
	for criterion in archive_read_criteria(communication, user, headers=not filters.reads_content):
		query = query.where(criterion)
	if scope != "all":  # a reader of the document who may read only their own mailboxes' mail
		query = query.where(communication.email_account.isin(sorted(held_accounts(user)) or [""]))
	if filters.search and filters.search.strip():
		for condition in words_conditions(communication, filters.search):
			query = query.where(condition)
	if filters.direction in ("Received", "Sent"):
		query = query.where(communication.sent_or_received == filters.direction)
	if filters.period in PERIODS:
		query = query.where(
			timeline.communication_date >= add_days(getdate(nowdate()), -PERIODS[filters.period])
		)
	if filters.has_attachment:
		query = query.where(communication.has_attachment == 1)
	if filters.source in SOURCES:
		query = query.where(timeline.source == filters.source)
	return query, timeline, communication


def archive_of(
	doctype: str,
	name: str,
	start: int = 0,
	page_length: int = 20,
	filters: ArchiveFilters | None = None,
) -> dict:
	user = frappe.session.user
	filters = filters or ArchiveFilters()
	scope = archive_scope(doctype, name, user)
	page_length = max(1, min(int(page_length), PAGE_LENGTH_MAX))
	query, timeline, communication = _base_query(doctype, name, user, filters, scope)
	rows = (
		query.select(
			*(communication[column] for column in LIST_COLUMNS),
			communication.mail_archive_raw_file,
			communication.mail_archive_private,
			timeline.source,
		)
		# the Timeline Link's copy of the mail date: read in index order (link, date), no sort
		.orderby(timeline.communication_date, order=Order.desc)
		.orderby(timeline.communication, order=Order.desc)
		.limit(page_length)
		.offset(max(0, int(start)))
		.run(as_dict=True)
	)
	_hidden, headers_only = restricted_accounts(user) if user != "Administrator" else ([], [])
	marks_any = manages_privacy(user)
	held = held_accounts(user)
	for row in rows:
		row.headers_only = int(row.email_account in headers_only)
		row.private = int(row.pop("mail_archive_private") or 0)
		# the row action "Private"/"Shared" is the holder's (or a manager's)
		row.can_mark_private = int(marks_any or row.email_account in held)
		if row.headers_only:  # that it has attachments is the mail's content too
			row.has_attachment = 0
	attachments = _attachment_names([row for row in rows if row.has_attachment])
	found = snippets([row.name for row in rows if not row.headers_only], filters.search)
	# a hint for the desk which rows offer read/unread and the bulk actions (the endpoints decide)
	changeable = None if manages_accounts(user) else held_accounts(user)
	mails = []
	for row in rows:
		row.counterpart = counterpart_of(
			row.sent_or_received,
			row.sender,
			row.sender_full_name,
			row.pop("recipients", None),
			row.pop("mail_archive_address_names", None),
		)
		row.seen = int(row.seen or 0)
		row.may_change = int(not row.headers_only and (changeable is None or row.email_account in changeable))
		row.attachments = attachments.get(row.name, [])
		row.snippet = found.get(row.name, "")
		row.pop("mail_archive_raw_file", None)
		mails.append(row)
	total, total_more = _count(doctype, name, user, filters, scope)
	filed, filed_more = (
		(total, total_more) if not filters.any else _count(doctype, name, user, ArchiveFilters(), scope)
	)
	unread, unread_more = _count(doctype, name, user, ArchiveFilters(), scope, unread=True)
	words, short = query_words(filters.search)
	return {
		"mails": mails,
		# each count exact up to COUNT_CAP; beyond it COUNT_CAP and "…_more" set ("more than")
		"total": total,
		"total_more": int(total_more),
		"filed": filed,
		"filed_more": int(filed_more),
		"unread": unread,
		"unread_more": int(unread_more),
		"start": int(start),
		"page_length": page_length,
		"words": words + short,  # what the desk marks in the results
	}


def _attachment_names(rows) -> dict[str, list[str]]:
	"""The attachment names of the page's mails, in one query."""
	if not rows:
		return {}
	names: dict[str, list[str]] = {}
	for attachment in frappe.get_all(
		"Mail Attachment",
		{"communication": ("in", [row.name for row in rows])},
		["communication", "file_name"],
		order_by="position asc",
	):
		names.setdefault(attachment.communication, []).append(attachment.file_name)
	return names


def _count(
	doctype: str, name: str, user: str, filters: ArchiveFilters, scope: str, unread: bool = False
) -> tuple[int, bool]:
	"""(count, more than it): exact up to COUNT_CAP, else (COUNT_CAP, True). From the Timeline
	Link index alone unless a filter, the unread ones, another owner's confidential account, a
	Private account or a mail marked private needs the mails themselves."""
	restricted = (
		frappe.db.exists("Mail Archive Account", {"confidential": 1, "account_owner": ("!=", user)})
		or frappe.db.exists("Mail Archive Account", {"visibility": "Private"})
		or frappe.db.exists("Communication", {"mail_archive_private": 1})
	)
	if scope == "all" and not restricted and not filters.any and not unread:
		timeline = frappe.qb.DocType("Timeline Link")
		return capped_count(
			frappe.qb.from_(timeline)
			.where(timeline.link_doctype == doctype)
			.where(timeline.link_name == name)
		)
	query, _timeline, communication = _base_query(doctype, name, user, filters, scope)
	if unread:
		query = query.where(communication.seen == 0)
	return capped_count(query)


def capped_count(query, cap: int = COUNT_CAP) -> tuple[int, bool]:
	"""(rows of the query, more than that): the rows counted up to `cap`, no further."""
	counted = frappe.qb.from_(query.select(ValueWrapper(1)).limit(cap + 1)).select(Count("*")).run()[0][0]
	return (cap, True) if counted > cap else (counted, False)
