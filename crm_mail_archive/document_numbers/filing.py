"""Filing by document number: a mail naming a document of its own party (a Quotation in the
subject, a Sales Order by the customer's order number, a Purchase Invoice by the supplier's
invoice number, a number in an attachment's name) is filed at the document and at its party,
source "Document Number", the number as found as the reason.

"Its own party": the mail's addresses that may file it (the account's rules: own and internal
addresses, the Archive Blocklist, the bulk rule) lead to the document's party or contact
(filing/targets.py), or one of them is the document's contact address. A mail whose every
outside address is blocked or internal files nothing; a mail marked private files nothing by
itself. The decision is made for a whole batch: one scan per mail (bounded), one lookup of the
mails' parties, one query per DocType for all numbers named, one per reference field.
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe

from crm_mail_archive.document_numbers.lookup import (
	PARTY_REFERENCES,
	Document,
	configured_doctypes,
	documents_by_reference,
	documents_named,
	recognisers,
)
from crm_mail_archive.document_numbers.patterns import Found, MailText, scan
from crm_mail_archive.filing.links import Reason, Target, link_mails
from crm_mail_archive.filing.rules import FilingPolicy, MailAddresses, addresses_to_file
from crm_mail_archive.filing.targets import targets_by_address
from crm_mail_archive.infra.conflicts import is_lock_conflict
from crm_mail_archive.mailbox.parser import ParsedMail

SOURCE = "Document Number"
SAVEPOINT = "mail_archive_document_numbers"
PARTY_TARGETS = ("Customer", "Supplier")


@dataclass(frozen=True)
class NamingMail:
	"""A mail as this rule sees it: who it is with and what it says."""

	addresses: MailAddresses
	text: MailText


def mail_text(parsed: ParsedMail) -> MailText:
	return MailText(
		subject=parsed.subject,
		text=parsed.text,
		file_names=tuple(attachment.filename or "" for attachment in parsed.attachments),
	)


def file_parsed_mails(mails: dict[str, tuple[MailAddresses, ParsedMail]], policy: FilingPolicy) -> int:
	"""The batch's new mail (ingest): filed at the documents they name. Returns new filings. A
	failure here takes back these filings only (logged), never the batch's other filings."""
	frappe.db.savepoint(SAVEPOINT)
	try:
		return file_by_numbers(
			{name: NamingMail(addresses, mail_text(parsed)) for name, (addresses, parsed) in mails.items()},
			policy,
		)
	except Exception as error:
		if is_lock_conflict(error):
			raise
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.log_error(title="Mail Archive: filing by document number failed")
		return 0


def file_by_numbers(mails: dict[str, NamingMail], policy: FilingPolicy) -> int:
	private = private_mails(list(mails))
	targets = decide({name: mail for name, mail in mails.items() if name not in private}, policy)
	return link_mails(targets, SOURCE, "Administrator")


def private_mails(communications: list[str]) -> set[str]:
	if not communications:
		return set()
	return set(
		frappe.get_all(
			"Communication",
			{"name": ("in", communications), "mail_archive_private": 1},
			pluck="name",
		)
	)


def decide(mails: dict[str, NamingMail], policy: FilingPolicy) -> dict[str, dict[Target, Reason]]:
	"""mail -> {(doctype, name): Reason(matched_text=number)}: the documents each mail names that
	belong to its own parties, and those parties."""
	allowed = {name: addresses_to_file(mail.addresses, policy) for name, mail in mails.items()}
	allowed = {name: addresses for name, addresses in allowed.items() if addresses}
	doctypes = configured_doctypes() if allowed else []
	if not doctypes:
		return {}
	recognise = recognisers(doctypes)
	by_address = targets_by_address(a for addresses in allowed.values() for a in addresses)
	parties_of = {
		name: {target for address in addresses for target in by_address.get(address, ())}
		for name, addresses in allowed.items()
	}
	# an order or invoice number counts only among the documents of the mail's Customer or Supplier
	referenced_doctypes = {doctype for doctype, _field, _party in PARTY_REFERENCES} & set(doctypes)
	found: dict[str, Found] = {
		name: scan(
			mails[name].text,
			recognise,
			with_references=bool(referenced_doctypes)
			and any(kind in PARTY_TARGETS for kind, _ in parties_of[name]),
		)
		for name in allowed
	}
	found = {name: named for name, named in found.items() if named.numbers or named.references}
	if not found:
		return {}
	documents = documents_named({n: d for named in found.values() for n, d in named.numbers.items()})
	references = {reference.lower() for named in found.values() for reference in named.references}
	parties = {target for name in found for target in parties_of[name] if target[0] in PARTY_TARGETS}
	referenced = documents_by_reference(references, parties, doctypes)
	decided: dict[str, dict[Target, Reason]] = {}
	for name, named in found.items():
		mine, addresses = parties_of[name], set(allowed[name])
		matches: list[tuple[Document, str]] = []
		for number, candidates in named.numbers.items():
			matches += [
				(documents[(doctype, number.lower())], number)
				for doctype in sorted(candidates)
				if (doctype, number.lower()) in documents
			]
		for reference in named.references:
			matches += [(document, reference) for document in referenced.get(reference.lower(), ())]
		for document, number in matches:
			if belongs(document, mine, addresses):
				reason = Reason(matched_text=number[:140])
				filed = decided.setdefault(name, {})
				for target in (document.target, *document.parties):
					filed.setdefault(target, reason)
	return decided


def belongs(document: Document, parties: set[Target], addresses: set[str]) -> bool:
	"""A document of the mail's own party: its party or contact is where the mail's addresses
	lead, or its contact address is one of them. A number of another party's document is not a
	match."""
	return (
		any(party in parties for party in document.parties)
		or any(("Contact", contact) in parties for contact in document.contacts)
		or any(address in addresses for address in document.emails)
	)
