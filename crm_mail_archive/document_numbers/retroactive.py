"""Retroactive filing by document number: when a document of a recognised DocType is made (a
Quotation, a Sales Order, …), the past mail that named it is filed there, in the background. A
Sales Order or Sales Invoice with the customer's order number (`po_no`), a Purchase Invoice with
the supplier's invoice number (`bill_no`) — new, or given the number or another party later —
files the past mail that named that number too, of the mail already filed at its party only.

The past mail is found through the search index (Mail Search Text, FULLTEXT): the mails whose
words hold the number's words, at most MAX_PAST_MAILS of them, the most relevant first. Each is
then decided exactly as a new mail is (filing.decide: its own text, its account's rules, its
parties), so a number met only in quoted history or in another party's mail files nothing here
either. Confidential accounts, accounts without automatic filing and private mail file nothing.
"""

from __future__ import annotations

import re

import frappe

from crm_mail_archive.document_numbers.filing import SOURCE, NamingMail, decide, private_mails
from crm_mail_archive.document_numbers.lookup import PARTY_REFERENCES, configured_doctypes, documents_named
from crm_mail_archive.document_numbers.patterns import MAX_FILE_NAMES, MailText
from crm_mail_archive.filing.address_index import mail_addresses_in_bulk
from crm_mail_archive.filing.links import link_mails
from crm_mail_archive.filing.policy import files_automatically, filing_policy
from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.infra.conflicts import retrying_lock_conflicts
from crm_mail_archive.infra.jobs import enqueue
from crm_mail_archive.search.index import MIN_WORD_LENGTH, SEARCH_TEXT

MAX_PAST_MAILS = 500
MAX_WORDS = 8
_WORD = re.compile(r"[A-Za-z0-9]+")


def enqueue_past_mail_of_document(doc) -> None:
	"""A new document (doc_events "*" after_insert): of a recognised DocType, its past mail is filed."""
	if frappe.flags.in_install or frappe.flags.in_migrate:
		return
	if doc.doctype not in _recognised_doctypes():
		return
	_enqueue(doc)


def enqueue_past_mail_of_reference(doc) -> None:
	"""A document with a party's own number saved (doc_events on_update): new, or its order or
	invoice number or its party changed, the past mail that named the number is filed (the same
	job as for a new document: one job when both ask)."""
	if frappe.flags.in_install or frappe.flags.in_migrate:
		return
	field = _reference_of(doc.doctype)
	if not field or not doc.get(field[0]) or doc.doctype not in _recognised_doctypes():
		return
	if doc.has_value_changed(field[0]) or doc.has_value_changed(field[1]):
		_enqueue(doc)


def _enqueue(doc) -> None:
	enqueue(
		"crm_mail_archive.document_numbers.retroactive.file_past_mail_job",
		job_id=f"mail-archive-document-number::{doc.doctype}::{doc.name}",
		doctype=doc.doctype,
		name=doc.name,
	)


def _reference_of(doctype: str) -> tuple[str, str] | None:
	"""(the field of the party's own number, the party's field) of a DocType that has one."""
	return next(((field, party) for kind, field, party in PARTY_REFERENCES if kind == doctype), None)


def _recognised_doctypes() -> set[str]:
	"""The configured DocTypes, read from the cached settings (this runs on every insert)."""
	settings = frappe.get_cached_doc("Mail Archive Settings")
	return {line.strip() for line in (settings.document_number_doctypes or "").splitlines() if line.strip()}


def file_past_mail_job(doctype: str, name: str) -> int:
	"""Background job (its own transaction; a lock conflict with the sync runs it again)."""
	return retrying_lock_conflicts(lambda: file_past_mail(doctype, name))


def file_past_mail(doctype: str, name: str) -> int:
	if doctype not in configured_doctypes() or not frappe.db.exists(doctype, name):
		return 0
	candidates = mails_naming(name)
	reference = _reference_of(doctype)
	if reference:  # the customer's order number, the supplier's invoice number: their mail only
		values = frappe.db.get_value(doctype, name, list(reference), as_dict=True)
		number, party = values.get(reference[0]), values.get(reference[1])
		if number and party:
			party_doctype = "Supplier" if reference[1] == "supplier" else "Customer"
			named = set(candidates)
			candidates += [mail for mail in mails_naming(number, (party_doctype, party)) if mail not in named]
	private = private_mails(candidates)
	candidates = [mail for mail in candidates if mail not in private]
	document = documents_named({name: {doctype}}).get((doctype, name.lower()))
	filed = 0
	for account, mails in _by_account(candidates).items():
		record = frappe.get_cached_doc("Mail Archive Account", account)
		if not files_automatically(record):
			continue
		decided = decide(_naming_mails(mails), filing_policy(record))
		# only this document and its party: the mail's other numbers were decided when it came in
		wanted = {
			mail: {target: targets[document.target] for target in (document.target, *document.parties)}
			for mail, targets in decided.items()
			if document and document.target in targets
		}
		filed += link_mails(wanted, SOURCE, "Administrator")
	frappe.db.commit()
	return filed


def number_words(number: str) -> list[str]:
	"""The words the search index keeps of a number ("SAL-QTN-2026-00001": SAL, QTN, 2026, 00001)."""
	return [word for word in _WORD.findall(number) if len(word) >= MIN_WORD_LENGTH][:MAX_WORDS]


def boolean_query(words: list[str]) -> str:
	"""Words glued to the number in a file name ("Angebot_SAL-…", "…-00001_v2") are one word in
	the index: the first and the last word are wanted, the inner ones required."""
	if len(words) <= 2:
		return " ".join(f"+{word}" for word in words)
	return " ".join([words[0], *(f"+{word}" for word in words[1:-1]), words[-1]])


def mails_naming(number: str, filed_at: tuple[str, str] | None = None) -> list[str]:
	"""The past mails whose words hold the number's words, most relevant first, bounded; with
	`filed_at` (doctype, name) only those filed there."""
	words = number_words(number)
	if not words:
		return []
	filed = (
		"""and exists (select 1 from `tabTimeline Link` link where link.communication = search.name
			and link.link_doctype = %(doctype)s and link.link_name = %(name)s)"""
		if filed_at
		else ""
	)
	doctype, name = filed_at or ("", "")
	return frappe.db.sql_list(
		f"""select search.name from `tab{SEARCH_TEXT}` search
		where match(search.mail_text, search.attachment_text) against (%(query)s in boolean mode) {filed}
		order by match(search.mail_text, search.attachment_text) against (%(query)s in boolean mode) desc
		limit {MAX_PAST_MAILS}""",
		{"query": boolean_query(words), "doctype": doctype, "name": name},
	)


def _by_account(mails: list[str]) -> dict[str, list[str]]:
	accounts: dict[str, str] = {}
	for chunk in chunked(mails):
		for copy in frappe.get_all(
			"Mailbox Copy",
			{"communication": ("in", chunk), "status": "Stored"},
			["communication", "account"],
			order_by="creation asc",
		):
			accounts.setdefault(copy.communication, copy.account)
	grouped: dict[str, list[str]] = {}
	for mail, account in accounts.items():
		grouped.setdefault(account, []).append(mail)
	return grouped


def _naming_mails(mails: list[str]) -> dict[str, NamingMail]:
	addresses = mail_addresses_in_bulk(mails)
	files: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"Mail Attachment",
		{"communication": ("in", mails)},
		["communication", "file_name"],
		order_by="position asc",
	):
		files.setdefault(row.communication, []).append(row.file_name or "")
	return {
		row.name: NamingMail(
			addresses[row.name],
			MailText(row.subject, row.text_content, tuple(files.get(row.name, ())[:MAX_FILE_NAMES])),
		)
		for row in frappe.get_all(
			"Communication", {"name": ("in", mails)}, ["name", "subject", "text_content"]
		)
		if row.name in addresses
	}
