"""The open deal: a mail that address filing put at a Customer, Lead or Contact is filed at their
open Opportunity too (source "Open Opportunity"; the party or contact that led there is the
reason's text, the address that filed the mail at it its address, so the blocklist takes it back).

Which Opportunities a mail has: those of its Customers and Leads (`opportunity_from` and
`party_name`) and those whose contact person is one of its Contacts or whose contact address is
the address that filed it at a Contact; open are those still being negotiated: "Open", "Replied"
(answered, closed by ERPNext after some days without news) and "Quotation" (quoted, not yet
ordered or lost); "Converted", "Lost" and "Closed" are done. With exactly one, the mail is filed
there; with several, at none ("Only One Open") or at the one with the latest activity (its last
change or the newest mail filed there: "Most Recently Active"). A mail that is at an Opportunity
already (its thread, a person, a document number put it there) gets no deal filing: replies follow
their thread first. Only Opportunities made by users who may keep any Opportunity count (as for
Contacts and Leads: targets.trusted_makers).

Per batch of mail: one read of its filings, one of the Opportunities of all its parties, one of
their last mail when a choice is to be made, and one link write.
"""

from __future__ import annotations

import frappe
from frappe.query_builder.functions import Max

from crm_mail_archive.filing.links import Reason, Target, link_mails
from crm_mail_archive.filing.targets import trusted_makers
from crm_mail_archive.infra.chunks import ROWS_PER_QUERY, chunked

SOURCE = "Open Opportunity"
OFF, ONLY_ONE_OPEN, MOST_RECENTLY_ACTIVE = "Off", "Only One Open", "Most Recently Active"
OPEN_STATUSES = ("Open", "Replied", "Quotation")
PARTY_DOCTYPES = ("Customer", "Lead")
# filings made from the mail's own addresses: what feeds the rule
ADDRESS_SOURCES = ("Automatic", "Retroactive")
# the indexes install.py adds for these lookups
PARTY_INDEX = "crm_mail_archive_party_status"
CONTACT_INDEX = "crm_mail_archive_contact_person"
ADDRESS_INDEX = "crm_mail_archive_contact_email"


def deal_rule(account) -> str:
	"""The account's rule for the open deal, or the site's when the account keeps the default."""
	rule = getattr(account, "open_opportunity_filing", None) if account else None
	if not rule or rule == "Site Default":
		rule = frappe.db.get_single_value("Mail Archive Settings", "open_opportunity_filing") or ONLY_ONE_OPEN
	return rule


def file_open_deals(communications: list[str], rule: str) -> int:
	"""File mails at the open Opportunity of the parties address filing put them at. Returns the
	number of new filings."""
	if rule not in (ONLY_ONE_OPEN, MOST_RECENTLY_ACTIVE) or not communications:
		return 0
	if len(communications) > ROWS_PER_QUERY:  # (retroactive filing: a contact's thousands of mails)
		return sum(file_open_deals(chunk, rule) for chunk in chunked(communications))
	led_by = _address_filings(communications)
	if not led_by:
		return 0
	opportunities = _open_opportunities(
		{target for targets in led_by.values() for target in targets},
		{
			address
			for targets in led_by.values()
			for target, address in targets.items()
			if target[0] == "Contact"
		},
	)
	if not opportunities:
		return 0
	lookup = _Lookup(opportunities)
	candidates = {mail: lookup.candidates(targets) for mail, targets in led_by.items()}
	contested = {name for found in candidates.values() if len(found) > 1 for name in found}
	activity = _last_activity(contested, opportunities) if rule == MOST_RECENTLY_ACTIVE else {}
	to_file: dict[str, dict[Target, Reason]] = {}
	for mail, found in candidates.items():
		if len(found) == 1:
			chosen = next(iter(found))
		elif found and rule == MOST_RECENTLY_ACTIVE:
			chosen = max(found, key=lambda name: (activity[name], name))
		else:
			continue
		party, address = found[chosen]
		to_file[mail] = {("Opportunity", chosen): Reason(matched_address=address, matched_text=party)}
	return link_mails(to_file, SOURCE, "Administrator") if to_file else 0


def _address_filings(communications: list[str]) -> dict[str, dict[Target, str | None]]:
	"""mail -> {Customer, Lead or Contact its addresses filed it at: the address}, for the mails
	not at an Opportunity yet."""
	led_by: dict[str, dict[Target, str | None]] = {}
	at_opportunity: set[str] = set()
	for chunk in chunked(sorted(set(communications))):
		for row in frappe.get_all(
			"Timeline Link",
			{
				"communication": ("in", chunk),
				"link_doctype": ("in", [*PARTY_DOCTYPES, "Contact", "Opportunity"]),
			},
			["communication", "link_doctype", "link_name", "source", "matched_address"],
			order_by="creation asc, name asc",
		):
			if row.link_doctype == "Opportunity":
				at_opportunity.add(row.communication)
			elif row.source in ADDRESS_SOURCES:
				targets = led_by.setdefault(row.communication, {})
				targets.setdefault((row.link_doctype, row.link_name), row.matched_address)
	return {mail: targets for mail, targets in led_by.items() if mail not in at_opportunity}


def _open_opportunities(targets: set[Target], contact_addresses: set[str | None]) -> list[frappe._dict]:
	"""The open Opportunities of the parties, contacts and contact addresses: one query, a UNION
	whose parts each use their index (an OR of the three would scan the table)."""
	opportunity = frappe.qb.DocType("Opportunity")
	parties = sorted(name for doctype, name in targets if doctype in PARTY_DOCTYPES)
	contacts = sorted(name for doctype, name in targets if doctype == "Contact")
	addresses = sorted(address for address in contact_addresses if address)
	fields = ["name", "opportunity_from", "party_name", "contact_person", "contact_email", "modified"]
	query = None
	for field, values, index in (
		(opportunity.party_name, parties, PARTY_INDEX),
		(opportunity.contact_person, contacts, CONTACT_INDEX),
		(opportunity.contact_email, addresses, ADDRESS_INDEX),
	):
		if not values:
			continue
		part = (
			frappe.qb.from_(opportunity)
			# (where few Opportunities name a contact the optimizer's estimate would scan the table)
			.force_index(index)
			.select(*fields, "owner")
			.where(field.isin(values))
			.where(opportunity.status.isin(OPEN_STATUSES))
		)
		query = part if query is None else query.union(part)  # UNION: each row once
	if query is None:
		return []
	# (an Opportunity of another kind of party with the same name is told apart by _Lookup)
	rows = query.run(as_dict=True)
	trusted = trusted_makers("Opportunity", {row.owner for row in rows})
	return [row for row in rows if row.owner in trusted]


class _Lookup:
	"""The open Opportunities of a batch by party, by contact person and by contact address."""

	def __init__(self, opportunities: list[frappe._dict]):
		self.by_party: dict[Target, list[str]] = {}
		self.by_contact: dict[str, list[str]] = {}
		self.by_address: dict[str, list[str]] = {}
		for row in sorted(opportunities, key=lambda row: row.name):
			self.by_party.setdefault((row.opportunity_from, row.party_name), []).append(row.name)
			if row.contact_person:
				self.by_contact.setdefault(row.contact_person, []).append(row.name)
			if row.contact_email:
				self.by_address.setdefault(row.contact_email.lower(), []).append(row.name)

	def candidates(self, targets: dict[Target, str | None]) -> dict[str, tuple[str, str | None]]:
		"""Opportunity -> (the party or contact that leads there, its address) for one mail; a
		Customer or Lead is named before a Contact."""
		found: dict[str, tuple[str, str | None]] = {}
		for target in sorted(targets, key=lambda target: (target[0] == "Contact", target)):
			address = targets[target]
			if target[0] in PARTY_DOCTYPES:
				names = self.by_party.get(target, [])
			else:
				names = self.by_contact.get(target[1], []) + self.by_address.get(address or "", [])
			for name in names:
				found.setdefault(name, (target[1], address))
		return found


def _last_activity(names: set[str], opportunities: list[frappe._dict]) -> dict[str, object]:
	"""Opportunity -> its latest activity: its last change or the newest mail filed there."""
	activity = {row.name: row.modified for row in opportunities if row.name in names}
	if not names:
		return activity
	link = frappe.qb.DocType("Timeline Link")
	for name, newest in (
		frappe.qb.from_(link)
		.select(link.link_name, Max(link.communication_date))
		.where(link.link_doctype == "Opportunity")
		.where(link.link_name.isin(sorted(names)))
		.groupby(link.link_name)
	).run():
		if newest and newest > activity[name]:
			activity[name] = newest
	return activity
