"""Filing: the one place that links mail to documents and unlinks it again.

Every link the app makes is a Timeline Link row (provenance) plus the stock Communication Link
row (what Frappe's timeline shows), written and removed together in the caller's transaction.
Targets come from indexed lookups only: Contact Email.email_id, Dynamic Link (parent), Lead.email_id,
and the Mail Address Index for "all mail of this address".
"""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe import _
from frappe.utils import now_datetime

from crm_mail_archive.filing.rules import (
	FilingPolicy,
	MailAddresses,
	addresses_to_file,
	domain_of,
	in_domain,
	reverse_domain,
)
from crm_mail_archive.mailbox.parser import ParsedMail

AUTOMATIC_SOURCES = ("Automatic", "Retroactive")
ROLES_RECEIVED = ("From", "Reply-To", "To", "Cc")
ROLES_SENT = ("To", "Cc", "Bcc")


# --- the address index -----------------------------------------------------------------------


def index_addresses(communication: str, parsed: ParsedMail) -> None:
	rows = []
	groups = [
		("From", [parsed.from_address] if parsed.from_address else []),
		("Reply-To", parsed.reply_to),
		("To", parsed.to),
		("Cc", parsed.cc),
		("Bcc", parsed.bcc),
	]
	now = now_datetime()
	for role, addresses in groups:
		for address in addresses:
			rows.append(
				(
					frappe.generate_hash(length=12),
					communication,
					address.email[:255],
					reverse_domain(domain_of(address.email))[:255],
					role,
					now,
					now,
					"Administrator",
					"Administrator",
				)
			)
	if rows:
		frappe.db.bulk_insert(
			"Mail Address Index",
			[
				"name",
				"communication",
				"address",
				"reversed_domain",
				"role",
				"creation",
				"modified",
				"owner",
				"modified_by",
			],
			rows,
		)


def mail_addresses(communication: str) -> MailAddresses:
	values = frappe.db.get_value(
		"Communication", communication, ["sent_or_received", "mail_archive_bulk"], as_dict=True
	)
	by_role: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"Mail Address Index",
		{"communication": communication},
		["address", "role"],
		order_by="creation asc, name asc",
	):
		by_role.setdefault(row.role, []).append(row.address)
	return MailAddresses(
		sent=values.sent_or_received == "Sent",
		sender=(by_role.get("From") or [None])[0],
		reply_to=tuple(by_role.get("Reply-To", ())),
		to=tuple(by_role.get("To", ())),
		cc=tuple(by_role.get("Cc", ())),
		bcc=tuple(by_role.get("Bcc", ())),
		is_bulk=bool(values.mail_archive_bulk),
	)


# --- policy ----------------------------------------------------------------------------------


def internal_domains() -> frozenset[str]:
	configured = frappe.db.get_single_value("Mail Archive Settings", "internal_domains") or ""
	domains = {line.strip().lower() for line in configured.splitlines() if line.strip()}
	if domains:
		return frozenset(domains)
	emails = frappe.get_all("Email Account", pluck="email_id") + frappe.get_all(
		"User",
		{"user_type": "System User", "enabled": 1, "name": ("not in", ["Administrator", "Guest"])},
		pluck="email",
	)
	return frozenset(domain_of(email.lower()) for email in emails if email and "@" in email)


def filing_policy(account) -> FilingPolicy:
	"""The rules for one Mail Archive Account (or none: site-wide rules only)."""
	own = set()
	if account:
		email_account = frappe.db.get_value(
			"Email Account", account.email_account, ["email_id", "login_id"], as_dict=True
		)
		own = {
			value.lower()
			for value in (email_account.email_id, email_account.login_id)
			if value and "@" in value
		}
	blocked = frappe.get_all("Archive Blocklist", {"enabled": 1}, ["entry_type", "value"])
	return FilingPolicy(
		own_addresses=frozenset(own),
		internal_domains=internal_domains(),
		blocked_addresses=frozenset(b.value for b in blocked if b.entry_type == "Address"),
		blocked_domains=frozenset(b.value for b in blocked if b.entry_type == "Domain"),
		bulk_rule=frappe.db.get_single_value("Mail Archive Settings", "bulk_mail_rule")
		or "Existing Contacts Only",
	)


def account_of(communication: str):
	"""The Mail Archive Account whose filing rules apply (the one that stored the mail)."""
	account = frappe.db.get_value(
		"Mailbox Copy",
		{"communication": communication, "status": "Stored"},
		"account",
		order_by="creation asc",
	)
	return frappe.get_cached_doc("Mail Archive Account", account) if account else None


def files_automatically(account) -> bool:
	return bool(account and account.automatic_filing and not account.confidential)


# --- targets ---------------------------------------------------------------------------------


def _lookup_variants(addresses: Iterable[str]) -> list[str]:
	"""Stored addresses may hold a Unicode domain where we normalized to IDNA: ask for both."""
	variants = []
	for address in addresses:
		variants.append(address)
		local, _, domain = address.rpartition("@")
		if "xn--" in domain:
			try:
				variants.append(f"{local}@{domain.encode('ascii').decode('idna')}")
			except UnicodeError:
				pass
	return variants


def targets_for(addresses: list[str]) -> dict[tuple[str, str], str]:
	"""(doctype, name) -> the address that files the mail there, for every Contact with one of
	the addresses, every document those Contacts link to, and every Lead with the address."""
	if not addresses:
		return {}
	variants = _lookup_variants(addresses)
	canonical = {variant.lower(): address for address in addresses for variant in _lookup_variants([address])}
	targets: dict[tuple[str, str], str] = {}
	contact_rows = frappe.get_all(
		"Contact Email", {"email_id": ("in", variants), "parenttype": "Contact"}, ["parent", "email_id"]
	)
	contact_address = {}
	for row in contact_rows:
		address = canonical.get(row.email_id.lower(), row.email_id.lower())
		contact_address.setdefault(row.parent, address)
		targets.setdefault(("Contact", row.parent), address)
	if contact_address:
		for link in frappe.get_all(
			"Dynamic Link",
			{"parenttype": "Contact", "parent": ("in", list(contact_address))},
			["parent", "link_doctype", "link_name"],
		):
			targets.setdefault((link.link_doctype, link.link_name), contact_address[link.parent])
	for lead in frappe.get_all("Lead", {"email_id": ("in", variants)}, ["name", "email_id"]):
		targets.setdefault(("Lead", lead.name), canonical.get(lead.email_id.lower(), lead.email_id.lower()))
	return targets


# --- linking ---------------------------------------------------------------------------------


def link(
	communication: str,
	doctype: str,
	name: str,
	source: str,
	rule: str | None = None,
	user: str | None = None,
	refresh_summary: bool = True,
) -> bool:
	"""File `communication` at a document. False when it is already filed there. Callers that
	file one mail at many documents pass refresh_summary=False and call refresh_filed_summary once."""
	if frappe.db.exists(
		"Timeline Link", {"communication": communication, "link_doctype": doctype, "link_name": name}
	):
		return False
	now = now_datetime()
	timeline = frappe.new_doc("Timeline Link")
	timeline.update(
		{
			"communication": communication,
			"link_doctype": doctype,
			"link_name": name,
			"source": source,
			"rule": rule,
			"filed_by": user or frappe.session.user,
			"filed_on": now,
		}
	)
	timeline.flags.ignore_permissions = True
	timeline.flags.ignore_links = True
	timeline.insert()
	if not frappe.db.exists(
		"Communication Link", {"parent": communication, "link_doctype": doctype, "link_name": name}
	):
		row = frappe.new_doc("Communication Link")
		row.update(
			{
				"parent": communication,
				"parenttype": "Communication",
				"parentfield": "timeline_links",
				"link_doctype": doctype,
				"link_name": name,
				"idx": frappe.db.count("Communication Link", {"parent": communication}) + 1,
			}
		)
		row.db_insert()
	if refresh_summary:
		refresh_filed_summary(communication)
	return True


def refresh_filed_summary(communication: str) -> None:
	"""The Communication's "Filed" flag and "Filed At" text, derived from its Timeline Links."""
	links = frappe.get_all(
		"Timeline Link",
		{"communication": communication},
		["link_doctype", "link_name"],
		order_by="creation asc",
	)
	summary = ", ".join(f"{_(row.link_doctype)}: {row.link_name}" for row in links[:5])
	if len(links) > 5:
		summary += ", …"
	frappe.db.set_value(
		"Communication",
		communication,
		{"mail_archive_filed": int(bool(links)), "mail_archive_filed_at": summary},
		update_modified=False,
	)


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
	return True


def file_automatically(communication: str, policy: FilingPolicy, source: str = "Automatic") -> int:
	"""File one mail at every target its addresses allow; returns the number of new links."""
	addresses = addresses_to_file(mail_addresses(communication), policy)
	added = 0
	for (doctype, name), address in targets_for(addresses).items():
		added += link(
			communication, doctype, name, source, rule=address, user="Administrator", refresh_summary=False
		)
	if added:
		refresh_filed_summary(communication)
	return added


# --- the blocklist ---------------------------------------------------------------------------


def communications_with(entry_type: str, value: str) -> list[str]:
	"""Mail with the address, or with an address in the domain or one of its subdomains."""
	if entry_type == "Address":
		filters = {"address": value}
		return list(set(frappe.get_all("Mail Address Index", filters, pluck="communication")))
	reversed_domain = reverse_domain(value)
	exact = frappe.get_all("Mail Address Index", {"reversed_domain": reversed_domain}, pluck="communication")
	# a prefix of the reversed domain: index range scan, not a LIKE over whole tables
	below = frappe.get_all(
		"Mail Address Index", {"reversed_domain": ("like", f"{reversed_domain}.%")}, pluck="communication"
	)
	return list(set(exact) | set(below))


def _forbidden_by(entry_type: str, value: str, address: str | None) -> bool:
	if not address:
		return False
	if entry_type == "Address":
		return address == value
	return in_domain(domain_of(address), value)


def enforce_blocklist_entry(entry_type: str, value: str) -> None:
	"""Un-file the automatic links a new blocklist entry forbids (manual ones stay), then file
	those mails again under the new rules (another, allowed address may still file them)."""
	for communication in communications_with(entry_type, value):
		removed = False
		for row in frappe.get_all(
			"Timeline Link",
			{"communication": communication, "source": ("in", AUTOMATIC_SOURCES)},
			["link_doctype", "link_name", "rule"],
		):
			if _forbidden_by(entry_type, value, row.rule):
				unlink(communication, row.link_doctype, row.link_name, refresh_summary=False)
				removed = True
		if removed:
			refile(communication)
			refresh_filed_summary(communication)


def refile(communication: str) -> int:
	"""File a mail again under the current rules (after a blocklist entry was removed, say)."""
	account = account_of(communication)
	if not files_automatically(account):
		return 0
	return file_automatically(communication, filing_policy(account))


def refile_entry(entry_type: str, value: str) -> int:
	return sum(refile(communication) for communication in communications_with(entry_type, value))


# --- retroactive filing ----------------------------------------------------------------------


def file_past_mail(addresses: list[str], targets: list[tuple[str, str]]) -> int:
	"""File the past mail of `addresses` at `targets` (a new Contact, a new link, a new Lead)."""
	added = 0
	filed: set[str] = set()
	policies: dict[str, FilingPolicy] = {}
	rows = frappe.get_all(
		"Mail Address Index", {"address": ("in", addresses or [""])}, ["communication", "address", "role"]
	)
	for row in rows:
		account = account_of(row.communication)
		if not files_automatically(account):
			continue
		if account.name not in policies:
			policies[account.name] = filing_policy(account)
		policy = policies[account.name]
		if row.address not in addresses_to_file(mail_addresses(row.communication), policy):
			continue
		for doctype, name in targets:
			if link(
				row.communication,
				doctype,
				name,
				"Retroactive",
				rule=row.address,
				user="Administrator",
				refresh_summary=False,
			):
				added += 1
				filed.add(row.communication)
	for communication in filed:
		refresh_filed_summary(communication)
	return added
