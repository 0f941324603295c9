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
from frappe.query_builder import Case
from frappe.utils import now_datetime

from crm_mail_archive.filing.rules import (
	FilingPolicy,
	MailAddresses,
	addresses_to_file,
	domain_of,
	in_domain,
	reverse_domain,
)
from crm_mail_archive.lock_conflicts import retrying_lock_conflicts
from crm_mail_archive.mailbox.parser import ParsedMail
from crm_mail_archive.rows import insert_rows

AUTOMATIC_SOURCES = ("Automatic", "Retroactive")
ROLES_RECEIVED = ("From", "Reply-To", "To", "Cc")
ROLES_SENT = ("To", "Cc", "Bcc")


# --- the address index -----------------------------------------------------------------------


ADDRESS_INDEX_FIELDS = [
	"name",
	"communication",
	"address",
	"reversed_domain",
	"role",
	"creation",
	"modified",
	"owner",
	"modified_by",
]


MAX_ADDRESSES_PER_MAIL = 500


def _address_groups(parsed: ParsedMail, limit: int) -> list[tuple[str, list]]:
	"""The mail's addresses by role, the first `limit` of them (From first): one mail with
	thousands of recipients must not flood the index or the filing."""
	groups = [
		("From", [parsed.from_address] if parsed.from_address else []),
		("Reply-To", parsed.reply_to),
		("To", parsed.to),
		("Cc", parsed.cc),
		("Bcc", parsed.bcc),
	]
	capped = []
	for role, addresses in groups:
		capped.append((role, list(addresses[: max(0, limit)])))
		limit -= len(capped[-1][1])
	return capped


def address_index_rows(
	communication: str, parsed: ParsedMail, limit: int = MAX_ADDRESSES_PER_MAIL
) -> list[tuple]:
	"""The Mail Address Index rows of a mail, in ADDRESS_INDEX_FIELDS order."""
	groups = _address_groups(parsed, limit)
	now = now_datetime()
	return [
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
		for role, addresses in groups
		for address in addresses
	]


def index_addresses(communication: str, parsed: ParsedMail, limit: int = MAX_ADDRESSES_PER_MAIL) -> None:
	insert_rows("Mail Address Index", ADDRESS_INDEX_FIELDS, address_index_rows(communication, parsed, limit))


def mail_addresses_of(parsed: ParsedMail, sent: bool, limit: int = MAX_ADDRESSES_PER_MAIL) -> MailAddresses:
	"""The addresses of a mail being stored, as the address index holds them."""
	groups = dict(_address_groups(parsed, limit))
	return MailAddresses(
		sent=sent,
		sender=groups["From"][0].email[:255] if groups["From"] else None,
		reply_to=tuple(a.email[:255] for a in groups["Reply-To"]),
		to=tuple(a.email[:255] for a in groups["To"]),
		cc=tuple(a.email[:255] for a in groups["Cc"]),
		bcc=tuple(a.email[:255] for a in groups["Bcc"]),
		is_bulk=bool(parsed.is_bulk),
	)


def mail_addresses_in_bulk(communications: list[str]) -> dict[str, MailAddresses]:
	"""mail_addresses for many mails in two queries."""
	values = {
		row.name: row
		for row in frappe.get_all(
			"Communication",
			{"name": ("in", communications or [""])},
			["name", "sent_or_received", "mail_archive_bulk"],
		)
	}
	by_role: dict[str, dict[str, list[str]]] = {}
	for row in frappe.get_all(
		"Mail Address Index",
		{"communication": ("in", communications or [""])},
		["communication", "address", "role"],
		order_by="creation asc, name asc",
	):
		by_role.setdefault(row.communication, {}).setdefault(row.role, []).append(row.address)
	return {
		name: _mail_addresses(value.sent_or_received, value.mail_archive_bulk, by_role.get(name, {}))
		for name, value in values.items()
	}


def _mail_addresses(sent_or_received: str, bulk, by_role: dict[str, list[str]]) -> MailAddresses:
	return MailAddresses(
		sent=sent_or_received == "Sent",
		sender=(by_role.get("From") or [None])[0],
		reply_to=tuple(by_role.get("Reply-To", ())),
		to=tuple(by_role.get("To", ())),
		cc=tuple(by_role.get("Cc", ())),
		bcc=tuple(by_role.get("Bcc", ())),
		is_bulk=bool(bulk),
	)


def mail_addresses(communication: str) -> MailAddresses:
	return mail_addresses_in_bulk([communication]).get(communication) or MailAddresses(sent=False)


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
	by_address = targets_by_address(addresses)
	targets: dict[tuple[str, str], str] = {}
	for address in addresses:
		for target in by_address.get(address, ()):
			targets.setdefault(target, address)
	return targets


def targets_by_address(addresses) -> dict[str, list[tuple[str, str]]]:
	"""address -> the documents it files a mail at; four indexed queries for any number of
	addresses (one batch of mail at once). Only Contacts and Leads made by a user who may keep
	such records (see `trusted_makers`) file mail."""
	addresses = sorted(set(addresses))
	if not addresses:
		return {}
	variants = _lookup_variants(addresses)
	canonical = {variant.lower(): address for address in addresses for variant in _lookup_variants([address])}
	found: dict[str, list[tuple[str, str]]] = {}
	contacts_of: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"Contact Email", {"email_id": ("in", variants), "parenttype": "Contact"}, ["parent", "email_id"]
	):
		address = canonical.get(row.email_id.lower(), row.email_id.lower())
		contacts_of.setdefault(row.parent, []).append(address)
	if contacts_of:
		owners = dict(
			frappe.get_all("Contact", {"name": ("in", list(contacts_of))}, ["name", "owner"], as_list=True)
		)
		trusted = trusted_makers("Contact", set(owners.values()))
		contacts_of = {
			contact: found_at for contact, found_at in contacts_of.items() if owners.get(contact) in trusted
		}
	for contact, contact_addresses in contacts_of.items():
		for address in contact_addresses:
			found.setdefault(address, []).append(("Contact", contact))
	if contacts_of:
		for link in frappe.get_all(
			"Dynamic Link",
			{"parenttype": "Contact", "parent": ("in", list(contacts_of))},
			["parent", "link_doctype", "link_name"],
		):
			for address in contacts_of[link.parent]:
				found.setdefault(address, []).append((link.link_doctype, link.link_name))
	leads = frappe.get_all("Lead", {"email_id": ("in", variants)}, ["name", "email_id", "owner"])
	trusted = trusted_makers("Lead", {lead.owner for lead in leads})
	for lead in leads:
		if lead.owner in trusted:
			address = canonical.get(lead.email_id.lower(), lead.email_id.lower())
			found.setdefault(address, []).append(("Lead", lead.name))
	return {address: list(dict.fromkeys(targets)) for address, targets in found.items()}


def trusted_makers(doctype: str, users: set[str]) -> set[str]:
	"""The users whose records of `doctype` file mail: those whose role lets them write any such
	record (not only their own). A Contact a user without a CRM role makes for an outside address
	(every desk user, Website Users and portal sign-ups may make their own) files no mail, so it
	cannot pull anyone's mail towards documents that user reads."""
	return {user for user in users if user and may_keep_records(doctype, user)}


def may_keep_records(doctype: str, user: str) -> bool:
	if user == "Administrator":
		return True
	from frappe.permissions import get_role_permissions

	permissions = get_role_permissions(doctype, user=user)
	return bool(permissions.get("write")) and "write" not in permissions.get("if_owner", {})


def file_batch(mails: dict[str, MailAddresses], policy: FilingPolicy) -> int:
	"""Automatic filing of a batch of new mail (the sync's hot path): one lookup of the targets
	for all their addresses, then link_batch. Returns the number of new filings."""
	wanted = {
		communication: addresses_to_file(addresses, policy) for communication, addresses in mails.items()
	}
	by_address = targets_by_address(address for addresses in wanted.values() for address in addresses)
	targets: dict[str, dict[tuple[str, str], str]] = {}
	for communication, addresses in wanted.items():
		for address in addresses:
			for target in by_address.get(address, ()):
				targets.setdefault(communication, {}).setdefault(target, address)
	return link_batch(targets, "Automatic", "Administrator")


def link_batch(targets: dict[str, dict[tuple[str, str], str | None]], source: str, user: str) -> int:
	"""File many mails (communication -> {(doctype, name): rule}) of non-confidential accounts:
	per thousand mails one read of their filings, one of their stock timeline rows, one insert of
	each and one UPDATE of their Filed summaries. Returns the number of new filings."""
	added = 0
	names = list(targets)
	for start in range(0, len(names), 1000):
		chunk = names[start : start + 1000]
		existing: dict[str, list[tuple[str, str]]] = {}
		for row in frappe.get_all(
			"Timeline Link",
			{"communication": ("in", chunk)},
			["communication", "link_doctype", "link_name"],
			order_by="creation asc",
		):
			existing.setdefault(row.communication, []).append((row.link_doctype, row.link_name))
		stock: dict[str, set[tuple[str, str]]] = {}
		for row in frappe.get_all(
			"Communication Link", {"parent": ("in", chunk)}, ["parent", "link_doctype", "link_name"]
		):
			stock.setdefault(row.parent, set()).add((row.link_doctype, row.link_name))
		now = now_datetime()
		dates = mail_dates(chunk)
		provenance, timeline, changed = [], [], {}
		for communication in chunk:
			found = targets[communication]
			new = [target for target in found if target not in existing.get(communication, ())]
			if not new:
				continue
			provenance += [
				_provenance_row(
					communication, target, source, found[target], user, now, dates.get(communication)
				)
				for target in new
			]
			present = stock.get(communication, set())
			missing = [target for target in new if target not in present]
			timeline += [
				_stock_link_row(communication, target, len(present) + index + 1, user, now)
				for index, target in enumerate(missing)
			]
			changed[communication] = existing.get(communication, []) + new
		_insert_links(provenance, timeline)
		_write_filed_summaries(changed)
		added += len(provenance)
	return added


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
	added = link_many(communication, {(doctype, name): rule}, source, user=user)
	if added and refresh_summary:
		refresh_filed_summary(communication)
	return bool(added)


PROVENANCE_FIELDS = ["name", "communication", "link_doctype", "link_name", "source", "rule", "filed_by"]
PROVENANCE_FIELDS += ["filed_on", "communication_date", "owner", "modified_by", "creation", "modified"]
STOCK_LINK_FIELDS = ["name", "parent", "parenttype", "parentfield", "link_doctype", "link_name", "idx"]
STOCK_LINK_FIELDS += ["owner", "modified_by", "creation", "modified"]


def _provenance_row(
	communication: str, target: tuple[str, str], source: str, rule, user: str, now, mail_date
) -> tuple:
	doctype, name = target
	return (
		frappe.generate_hash(length=12),
		*(communication, doctype, name, source, rule, user, now, mail_date, user, user, now, now),
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


def _stock_link_row(communication: str, target: tuple[str, str], idx: int, user: str, now) -> tuple:
	doctype, name = target
	hash_ = frappe.generate_hash(length=10)
	return (hash_, communication, "Communication", "timeline_links", doctype, name, idx, user, user, now, now)


def _insert_links(provenance: list[tuple], timeline: list[tuple]) -> None:
	"""The provenance rows and the stock timeline rows of one filing step, together."""
	# a concurrent filer may have got there first: the filing exists, as wanted
	insert_rows("Timeline Link", PROVENANCE_FIELDS, provenance, ignore_duplicates=True)
	insert_rows("Communication Link", STOCK_LINK_FIELDS, timeline)


def link_many(
	communication: str,
	targets: dict[tuple[str, str], str | None],
	source: str,
	user: str | None = None,
	confidential: bool | None = None,
) -> int:
	"""File one mail at several documents ((doctype, name) -> rule) in a few round trips: the
	Timeline Links (provenance) and the stock Communication Links (timeline) it lacks. Returns the
	number of new filings; the caller refreshes the mail's Filed summary."""
	if not targets:
		return 0
	existing = {
		(row.link_doctype, row.link_name)
		for row in frappe.get_all(
			"Timeline Link", {"communication": communication}, ["link_doctype", "link_name"]
		)
	}
	new = [target for target in targets if target not in existing]
	if not new:
		return 0
	now = now_datetime()
	user = user or frappe.session.user
	date = mail_dates([communication]).get(communication)
	provenance = [
		_provenance_row(communication, target, source, targets[target], user, now, date) for target in new
	]
	timeline = []
	if confidential is None:
		confidential = is_confidential_mail(communication)
	if not confidential:
		stock = frappe.get_all("Communication Link", {"parent": communication}, ["link_doctype", "link_name"])
		present = {(row.link_doctype, row.link_name) for row in stock}
		missing = [target for target in new if target not in present]
		timeline = [
			_stock_link_row(communication, target, len(stock) + index + 1, user, now)
			for index, target in enumerate(missing)
		]
	_insert_links(provenance, timeline)
	return len(new)


def is_confidential_mail(communication: str) -> bool:
	"""A confidential account's mail stays off the stock form timeline, which shows every mail
	linked to a document to everyone who can read the document; the Email Archive tab shows it to
	its owner only."""
	from crm_mail_archive.permissions import confidential_owner

	return bool(confidential_owner(frappe.db.get_value("Communication", communication, "email_account")))


def refresh_filed_summary(communication: str) -> None:
	"""The Communication's "Filed" flag and "Filed At" text, derived from its Timeline Links."""
	links = frappe.get_all(
		"Timeline Link",
		{"communication": communication},
		["link_doctype", "link_name"],
		order_by="creation asc",
	)
	_write_filed_summary(communication, [(row.link_doctype, row.link_name) for row in links])


def _summary(links: list[tuple[str, str]]) -> str:
	summary = ", ".join(f"{_(doctype)}: {name}" for doctype, name in links[:5])
	return summary + ", …" if len(links) > 5 else summary


def _write_filed_summary(communication: str, links: list[tuple[str, str]]) -> None:
	frappe.db.set_value(
		"Communication",
		communication,
		{"mail_archive_filed": int(bool(links)), "mail_archive_filed_at": _summary(links)},
		update_modified=False,
	)


def _write_filed_summaries(links_of: dict[str, list[tuple[str, str]]]) -> None:
	"""The Filed summaries of a batch of filed mail in one UPDATE."""
	if not links_of:
		return
	communication = frappe.qb.DocType("Communication")
	summary = Case()
	for name, links in links_of.items():
		summary = summary.when(communication.name == name, _summary(links))
	(
		frappe.qb.update(communication)
		.set(communication.mail_archive_filed, 1)
		.set(communication.mail_archive_filed_at, summary)
		.where(communication.name.isin(list(links_of)))
	).run()


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
	"""File one mail at every target its addresses allow; returns the number of new links.
	Only called for accounts that file automatically, never for confidential ones."""
	addresses = addresses_to_file(mail_addresses(communication), policy)
	targets = targets_for(addresses)
	added = link_many(communication, targets, source, user="Administrator", confidential=False)
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


def enqueue_blocklist_entry(entry_type: str, value: str) -> None:
	"""A domain may cover thousands of mails: bringing an entry's mail in line with it runs in
	one deduplicated background job per entry value, never in the request."""
	frappe.enqueue(
		"crm_mail_archive.filing.service.apply_blocklist_entry",
		queue="default",
		job_id=f"mail-archive-blocklist::{entry_type}::{value}",
		deduplicate=True,
		enqueue_after_commit=True,
		now=frappe.flags.in_test,
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


def refile(communication: str) -> int:
	"""File a mail again under the current rules (after a blocklist entry was removed, say)."""
	account = account_of(communication)
	if not files_automatically(account):
		return 0
	return file_automatically(communication, filing_policy(account))


def refile_entry(entry_type: str, value: str) -> int:
	return sum(refile(communication) for communication in communications_with(entry_type, value))


# --- retroactive filing ----------------------------------------------------------------------


def file_past_mail_job(addresses: list[str], targets: list[tuple[str, str]]) -> int:
	"""Background job (it owns its transaction): runs beside the sync, which writes links of the
	same mails, so a lock conflict rolls back and runs it again instead of losing the filing."""
	return retrying_lock_conflicts(lambda: file_past_mail(addresses, targets))


def file_past_mail(addresses: list[str], targets: list[tuple[str, str]]) -> int:
	"""File the past mail of `addresses` at `targets` (a new Contact, a new link, a new Lead),
	under each mail's own account's rules, in bulk (a contact may have thousands of mails)."""
	rows = frappe.get_all(
		"Mail Address Index", {"address": ("in", addresses or [""])}, ["communication", "address"]
	)
	matched: dict[str, set[str]] = {}
	for row in rows:
		matched.setdefault(row.communication, set()).add(row.address)
	names = list(matched)
	accounts: dict[str, str] = {}
	mails: dict[str, MailAddresses] = {}
	for start in range(0, len(names), 1000):
		chunk = names[start : start + 1000]
		for copy in frappe.get_all(
			"Mailbox Copy",
			{"communication": ("in", chunk), "status": "Stored"},
			["communication", "account"],
			order_by="creation asc",
		):
			accounts.setdefault(copy.communication, copy.account)
		mails.update(mail_addresses_in_bulk(chunk))
	policies: dict[str, FilingPolicy | None] = {}
	to_file: dict[str, dict[tuple[str, str], str]] = {}
	for communication, found in matched.items():
		account_name = accounts.get(communication)
		if not account_name or communication not in mails:
			continue
		if account_name not in policies:
			account = frappe.get_cached_doc("Mail Archive Account", account_name)
			policies[account_name] = filing_policy(account) if files_automatically(account) else None
		policy = policies[account_name]
		if policy is None:
			continue
		allowed = [a for a in addresses_to_file(mails[communication], policy) if a in found]
		if allowed:
			to_file[communication] = dict.fromkeys(targets, allowed[0])
	return link_batch(to_file, "Retroactive", "Administrator")
