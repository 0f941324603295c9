"""The address index: one row per (mail, address, role), so that "all mail of this address or
domain" is an index lookup (retroactive filing, the blocklist, erasure), never a scan."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from crm_mail_archive.filing.rules import MailAddresses, domain_of, reverse_domain
from crm_mail_archive.infra.rows import random_name

ADDRESS_INDEX = "Mail Address Index"


def index_rows(communication: str, mail: MailAddresses) -> list[tuple[str, dict]]:
	"""The index rows of a mail, as (doctype, row) for a multi-row INSERT."""
	groups = [
		("From", [mail.sender] if mail.sender else []),
		("Reply-To", mail.reply_to),
		("To", mail.to),
		("Cc", mail.cc),
		("Bcc", mail.bcc),
	]
	now = now_datetime()
	return [
		(
			ADDRESS_INDEX,
			{
				"name": random_name(12),
				"communication": communication,
				"address": address[:255],
				"reversed_domain": reverse_domain(domain_of(address))[:255],
				"role": role,
				"creation": now,
				"modified": now,
				"owner": "Administrator",
				"modified_by": "Administrator",
			},
		)
		for role, addresses in groups
		for address in addresses
	]


def mail_addresses_in_bulk(communications: list[str]) -> dict[str, MailAddresses]:
	"""The indexed addresses of many mails, in two queries."""
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
		ADDRESS_INDEX,
		{"communication": ("in", communications or [""])},
		["communication", "address", "role"],
		order_by="creation asc, name asc",
	):
		by_role.setdefault(row.communication, {}).setdefault(row.role, []).append(row.address)
	return {
		name: MailAddresses(
			sent=value.sent_or_received == "Sent",
			sender=(by_role.get(name, {}).get("From") or [None])[0],
			reply_to=tuple(by_role.get(name, {}).get("Reply-To", ())),
			to=tuple(by_role.get(name, {}).get("To", ())),
			cc=tuple(by_role.get(name, {}).get("Cc", ())),
			bcc=tuple(by_role.get(name, {}).get("Bcc", ())),
			is_bulk=bool(value.mail_archive_bulk),
		)
		for name, value in values.items()
	}


def mails_with(entry_type: str, value: str) -> list[str]:
	"""Mail with the address, or with an address in the domain or one of its subdomains."""
	if entry_type == "Address":
		return list(set(frappe.get_all(ADDRESS_INDEX, {"address": value}, pluck="communication")))
	reversed_domain = reverse_domain(value)
	exact = frappe.get_all(ADDRESS_INDEX, {"reversed_domain": reversed_domain}, pluck="communication")
	# a prefix of the reversed domain: index range scan, not a LIKE over whole tables
	below = frappe.get_all(
		ADDRESS_INDEX, {"reversed_domain": ("like", f"{reversed_domain}.%")}, pluck="communication"
	)
	return list(set(exact) | set(below))


def mails_of_addresses(addresses: list[str]) -> dict[str, set[str]]:
	"""mail -> which of `addresses` it names."""
	matched: dict[str, set[str]] = {}
	for row in frappe.get_all(
		ADDRESS_INDEX, {"address": ("in", addresses or [""])}, ["communication", "address"]
	):
		matched.setdefault(row.communication, set()).add(row.address)
	return matched
