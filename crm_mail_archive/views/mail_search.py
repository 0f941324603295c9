"""The Mail Search page: every archived mail the user may read whose words, or whose
attachments' words, hold the search, newest first, with the page's filters.

The read rule is permissions/'s. For a stock Communication reader it is "everything but others'
confidential and private mail and accounts neither Shared nor theirs"
(permissions.archive_read_criteria), which the query states;
for everyone else the newest MAX_CHECKED hits are checked by the rule itself
(permissions.readable_archived_mails), and the count says "at least" beyond them (narrow the
search or the filters). A stock reader's count stops at the tab's COUNT_CAP ("more than")."""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe.query_builder import Order
from frappe.utils import add_days, getdate, nowdate

from crm_mail_archive.permissions import (
	archive_read_criteria,
	is_stock_reader,
	readable_archived_mails,
)
from crm_mail_archive.search.index import query_words, snippets, words_conditions
from crm_mail_archive.views.email_archive import (  # the tab's, the same here
	LIST_COLUMNS,
	PAGE_LENGTH_MAX,
	PERIODS,
	capped_count,
)
from crm_mail_archive.views.mail_view import counterpart_of

MAX_CHECKED = 300


@dataclass(frozen=True)
class MailSearch:
	text: str
	account: str | None = None  # Mail Archive Account
	direction: str | None = None  # Received | Sent
	period: str | None = None  # 7d | 30d | 365d
	has_attachment: bool = False
	filing: str | None = None  # Filed | Unfiled
	sender_domain: str | None = None


def _filtered(search: MailSearch, user: str):
	"""The archived mail that matches the search and its filters (and, for a stock reader, the
	rule), without columns."""
	communication = frappe.qb.DocType("Communication")
	query = frappe.qb.from_(communication).where(
		communication.mail_archive_key.isnotnull() & (communication.mail_archive_key != "")
	)
	for condition in words_conditions(communication, search.text):
		query = query.where(condition)
	if search.account:
		email_account = frappe.db.get_value("Mail Archive Account", search.account, "email_account")
		query = query.where(communication.email_account == (email_account or ""))
	if search.direction in ("Received", "Sent"):
		query = query.where(communication.sent_or_received == search.direction)
	if search.period in PERIODS:
		query = query.where(
			communication.communication_date >= add_days(getdate(nowdate()), -PERIODS[search.period])
		)
	if search.has_attachment:
		query = query.where(communication.has_attachment == 1)
	if search.filing in ("Filed", "Unfiled"):
		query = query.where(communication.mail_archive_filing == search.filing)
	domain = (search.sender_domain or "").strip().lstrip("@").lower()
	if domain:
		query = query.where(communication.sender.like(f"%@{domain}"))
	if is_stock_reader(user):
		# the rule for them: everything but others' confidential and private mail and the mail of
		# accounts that are neither Shared nor theirs (a search reads the mail's words)
		for criterion in archive_read_criteria(communication, user):
			query = query.where(criterion)
	return query, communication


def _page(search: MailSearch, user: str, limit: int, offset: int = 0) -> list:
	query, communication = _filtered(search, user)
	return (
		query.select(
			*(communication[column] for column in LIST_COLUMNS),
			communication.mail_archive_filing,
		)
		.orderby(communication.communication_date, order=Order.desc)
		.orderby(communication.name, order=Order.desc)
		.limit(limit)
		.offset(offset)
		.run(as_dict=True)
	)


def search_mail(search: MailSearch, start: int = 0, page_length: int = 20) -> dict:
	user = frappe.session.user
	page_length = max(1, min(int(page_length), PAGE_LENGTH_MAX))
	start = max(0, int(start))
	if not (search.text or "").strip():
		return {"mails": [], "total": 0, "more": False, "capped": 0, "words": [], "start": start}
	capped = False
	if is_stock_reader(user):  # the query states the whole rule: page exactly, count up to the cap
		rows = _page(search, user, page_length, start)
		query, _communication = _filtered(search, user)
		total, capped = capped_count(query)
		more = capped
	else:
		candidates = _page(search, user, MAX_CHECKED + 1)
		more = len(candidates) > MAX_CHECKED
		checked = candidates[:MAX_CHECKED]
		allowed = readable_archived_mails([(row.name, row.email_account) for row in checked], user)
		readable = [row for row in checked if row.name in allowed]
		total, rows = len(readable), readable[start : start + page_length]
	found = snippets([row.name for row in rows], search.text)
	for row in rows:
		row.counterpart = counterpart_of(
			row.sent_or_received,
			row.sender,
			row.sender_full_name,
			row.pop("recipients", None),
			row.pop("mail_archive_address_names", None),
		)
		row.seen = int(row.seen or 0)
		row.snippet = found.get(row.name, "")
	words, short = query_words(search.text)
	# more: there may be more than `total` ("at least"); capped: there are ("more than")
	return {
		"mails": rows,
		"total": total,
		"more": more,
		"capped": int(capped),
		"words": words + short,
		"start": start,
	}
