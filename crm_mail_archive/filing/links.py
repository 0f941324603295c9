"""The one place that links mail to documents and unlinks it again.

Every filing is a Timeline Link row (provenance: source, the matching address or the mail replied
to, who, when, and the mail's date for ordering) plus the stock Communication Link row (what
Frappe's timeline shows), written and removed together in the caller's transaction. A
confidential account's mail gets no stock row: the stock timeline shows a document's mail to
everyone who can read the document. The mail's Filing ("Filed" or "Unfiled") and "Filed At" text follow its
Timeline Links.
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.utils import now_datetime

from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.infra.rows import insert_rows, random_name
from crm_mail_archive.live import mail_changed

# filings the rules made (and take back when the rules change); the others are a person's or a thread's
AUTOMATIC_SOURCES = ("Automatic", "Retroactive", "Document Number", "Open Opportunity", "E-Invoice")
Target = tuple[str, str]  # (doctype, name)


@dataclass(frozen=True)
class Reason:
	"""Why a mail is filed at a document: the address that matched, the mail it replies to, or the
	text that named the document (a document number, an invoice reference)."""

	matched_address: str | None = None
	reply_to_mail: str | None = None
	matched_text: str | None = None


PROVENANCE_FIELDS = ["name", "communication", "link_doctype", "link_name", "source", "matched_address"]
PROVENANCE_FIELDS += [
	"matched_text",
	"reply_to_mail",
	"filed_by",
	"filed_on",
	"communication_date",
	"owner",
	"modified_by",
]
PROVENANCE_FIELDS += ["creation", "modified"]
STOCK_LINK_FIELDS = ["name", "parent", "parenttype", "parentfield", "link_doctype", "link_name", "idx"]
STOCK_LINK_FIELDS += ["owner", "modified_by", "creation", "modified"]


def link_mails(targets: dict[str, dict[Target, Reason | None]], source: str, user: str) -> int:
	"""File mails at documents (mail -> {(doctype, name): reason}); what is filed already stays
	as it is. Per thousand mails: one read of their filings, one of their stock timeline rows, one
	INSERT of each and one UPDATE of their Filed summaries. Returns the number of new filings."""
	added = 0
	for chunk in chunked([name for name, found in targets.items() if found]):
		existing: dict[str, list[Target]] = {}
		for row in frappe.get_all(
			"Timeline Link",
			{"communication": ("in", chunk)},
			["communication", "link_doctype", "link_name"],
			order_by="creation asc",
		):
			existing.setdefault(row.communication, []).append((row.link_doctype, row.link_name))
		stock: dict[str, set[Target]] = {}
		for row in frappe.get_all(
			"Communication Link", {"parent": ("in", chunk)}, ["parent", "link_doctype", "link_name"]
		):
			stock.setdefault(row.parent, set()).add((row.link_doctype, row.link_name))
		confidential = confidential_mails(chunk)
		dates = mail_dates(chunk)
		now = now_datetime()
		provenance, timeline, changed = [], [], {}
		for communication in chunk:
			found = targets[communication]
			new = [target for target in found if target not in existing.get(communication, ())]
			if not new:
				continue
			for target in new:
				reason = found[target] or Reason()
				provenance.append(
					(
						random_name(12),
						*(
							communication,
							*target,
							source,
							reason.matched_address,
							reason.matched_text,
							reason.reply_to_mail,
						),
						*(user, now, dates.get(communication), user, user, now, now),
					)
				)
			if communication not in confidential:
				present = stock.get(communication, set())
				missing = [target for target in new if target not in present]
				timeline += [
					(
						random_name(10),
						*(communication, "Communication", "timeline_links", *target),
						*(len(present) + index + 1, user, user, now, now),
					)
					for index, target in enumerate(missing)
				]
			changed[communication] = existing.get(communication, []) + new
		# a concurrent filer may have got there first: the filing exists, as wanted
		insert_rows("Timeline Link", PROVENANCE_FIELDS, provenance, ignore_duplicates=True)
		insert_rows("Communication Link", STOCK_LINK_FIELDS, timeline)
		_write_filed_summaries(changed)
		mail_changed(changed)
		added += len(provenance)
	return added


def link(
	communication: str,
	doctype: str,
	name: str,
	source: str,
	reason: Reason | None = None,
	user: str | None = None,
) -> bool:
	"""File one mail at one document. False when it is filed there already."""
	return bool(link_mails({communication: {(doctype, name): reason}}, source, user or frappe.session.user))


def unlink(communication: str, doctype: str, name: str, refresh_summary: bool = True) -> bool:
	"""Remove the filing and its stock timeline row. False when it was not filed there."""
	names = frappe.get_all(
		"Timeline Link",
		{"communication": communication, "link_doctype": doctype, "link_name": name},
		pluck="name",
	)
	if not names:
		return False
	frappe.db.delete("Timeline Link", {"name": ("in", names)})
	frappe.db.delete(
		"Communication Link", {"parent": communication, "link_doctype": doctype, "link_name": name}
	)
	if refresh_summary:
		refresh_filed_summary(communication)
	mail_changed([communication])
	return True


def confidential_mails(communications: list[str]) -> set[str]:
	"""The mails of confidential accounts among `communications`."""
	accounts = frappe.get_all("Mail Archive Account", {"confidential": 1}, pluck="email_account")
	if not accounts or not communications:
		return set()
	return set(
		frappe.get_all(
			"Communication", {"name": ("in", communications), "email_account": ("in", accounts)}, pluck="name"
		)
	)


def mail_dates(communications: list[str]) -> dict[str, object]:
	"""Each mail's date: a Timeline Link carries it, so an archive reads newest first by index."""
	return dict(
		frappe.get_all(
			"Communication",
			{"name": ("in", communications or [""])},
			["name", "communication_date"],
			as_list=True,
		)
	)


def refresh_filed_summary(communication: str) -> None:
	"""The Communication's Filing and "Filed At" text, derived from its Timeline Links."""
	links = frappe.get_all(
		"Timeline Link",
		{"communication": communication},
		["link_doctype", "link_name"],
		order_by="creation asc",
	)
	links = [(row.link_doctype, row.link_name) for row in links]
	frappe.db.set_value(
		"Communication",
		communication,
		{"mail_archive_filing": "Filed" if links else "Unfiled", "mail_archive_filed_at": _summary(links)},
		update_modified=False,
	)


def _summary(links: list[Target]) -> str:
	summary = ", ".join(f"{_(doctype)}: {name}" for doctype, name in links[:5])
	return summary + ", …" if len(links) > 5 else summary


def _write_filed_summaries(links_of: dict[str, list[Target]]) -> None:
	"""The Filed summaries of a batch of filed mail in one UPDATE."""
	if not links_of:
		return
	communication = frappe.qb.DocType("Communication")
	summary = Case()
	for name, links in links_of.items():
		summary = summary.when(communication.name == name, _summary(links))
	(
		frappe.qb.update(communication)
		.set(communication.mail_archive_filing, "Filed")
		.set(communication.mail_archive_filed_at, summary)
		.where(communication.name.isin(list(links_of)))
	).run()
