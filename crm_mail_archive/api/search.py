"""Finding mail: a record's Email Archive tab and the Mail Search page (the read rule applies to
every hit, in views/)."""

import frappe
from frappe.utils import cint

from crm_mail_archive.views.email_archive import ArchiveFilters, archive_of
from crm_mail_archive.views.mail_search import MailSearch
from crm_mail_archive.views.mail_search import search_mail as search_archived_mail


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
