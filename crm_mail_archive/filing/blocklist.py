"""The Archive Blocklist applied to mail already filed: a new entry un-files the automatic filings
it forbids (manual ones stay), and a disabled or removed entry files that mail again. A domain may
cover thousands of mails, so it runs in one deduplicated background job per entry value."""

from __future__ import annotations

import frappe

from crm_mail_archive.filing.address_index import mails_with
from crm_mail_archive.filing.automatic import refile
from crm_mail_archive.filing.links import AUTOMATIC_SOURCES, refresh_filed_summary, unlink
from crm_mail_archive.filing.rules import domain_of, in_domain, normalize_domain
from crm_mail_archive.infra.jobs import BULK_QUEUE, enqueue
from crm_mail_archive.mailbox.addresses import normalize_address


def enqueue_blocklist_entry(entry_type: str, value: str) -> None:
	enqueue(
		"crm_mail_archive.filing.blocklist.apply_blocklist_entry",
		queue=BULK_QUEUE,
		timeout=60 * 60,
		job_id=f"mail-archive-blocklist::{entry_type}::{value}",
		entry_type=entry_type,
		value=value,
	)


def apply_blocklist_entry(entry_type: str, value: str) -> None:
	"""Background job: bring the filings of an entry's mail in line with the entry as it is now
	(enabled: un-file what it forbids; disabled or deleted: file again what it held back)."""
	enabled = frappe.db.get_value("Archive Blocklist", {"entry_type": entry_type, "value": value}, "enabled")
	if enabled:
		enforce_blocklist_entry(entry_type, value)
	else:
		refile_entry(entry_type, value)


def _forbidden_by(entry_type: str, value: str, address: str | None) -> bool:
	if not address:
		return False
	if entry_type == "Address":
		return address == value
	return in_domain(domain_of(address), value)


def enforce_blocklist_entry(entry_type: str, value: str) -> None:
	"""Un-file the automatic links the entry forbids, then file those mails again under the new
	rules (another, allowed address may still file them)."""
	for communication in mails_with(entry_type, value):
		removed = False
		for row in frappe.get_all(
			"Timeline Link",
			{"communication": communication, "source": ("in", AUTOMATIC_SOURCES)},
			["link_doctype", "link_name", "matched_address"],
		):
			if _forbidden_by(entry_type, value, row.matched_address):
				unlink(communication, row.link_doctype, row.link_name, refresh_summary=False)
				removed = True
		if removed:
			refile(communication)
			refresh_filed_summary(communication)


def refile_entry(entry_type: str, value: str) -> int:
	return sum(refile(communication) for communication in mails_with(entry_type, value))


def blocklist_impact(entry_type: str, value: str) -> dict:
	"""What blocking an address or domain takes away: the Customers and Suppliers its contacts
	belong to, and how many filings of its mail would go (automatic filings by that address or
	domain). The caller keeps only the parties the user may read."""
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
			{"communication": ("in", mails or [""]), "source": ("in", list(AUTOMATIC_SOURCES))},
		)
		if mails
		else 0
	)
	return {"parties": parties, "filed_mails": filed}
