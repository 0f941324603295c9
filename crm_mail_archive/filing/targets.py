"""Where a mail belongs: every Contact with one of its addresses, every document those Contacts
link to, and every Lead with one of them; only records made by users who may keep such records.
Indexed lookups only (Contact Email.email_id, Dynamic Link.parent, Lead.email_id)."""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe.permissions import get_role_permissions


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
	"""address -> the documents it files a mail at; three indexed queries for any number of
	addresses (one batch of mail at once). Only Contacts and Leads made by a user who may keep
	such records (see `trusted_makers`) file mail."""
	addresses = sorted(set(addresses))
	if not addresses:
		return {}
	variants = _lookup_variants(addresses)
	canonical = {variant.lower(): address for address in addresses for variant in _lookup_variants([address])}
	found: dict[str, list[tuple[str, str]]] = {}
	contacts_of: dict[str, list[str]] = {}
	contact_email, contact = frappe.qb.DocType("Contact Email"), frappe.qb.DocType("Contact")
	rows = (
		frappe.qb.from_(contact_email)
		.join(contact)
		.on(contact.name == contact_email.parent)
		.select(contact_email.parent, contact_email.email_id, contact.owner)
		.where(contact_email.parenttype == "Contact")
		.where(contact_email.email_id.isin(variants))
	).run(as_dict=True)
	trusted = trusted_makers("Contact", {row.owner for row in rows})
	for row in rows:
		if row.owner in trusted:
			address = canonical.get(row.email_id.lower(), row.email_id.lower())
			contacts_of.setdefault(row.parent, []).append(address)
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
	permissions = get_role_permissions(doctype, user=user)
	return bool(permissions.get("write")) and "write" not in permissions.get("if_owner", {})
