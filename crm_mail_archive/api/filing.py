"""Where mail is filed: by hand (File at…, Un-file), again under the current rules, and what a
blocklist entry would take away."""

import frappe
from frappe import _

from crm_mail_archive.api.params import as_list
from crm_mail_archive.filing import manual
from crm_mail_archive.filing.automatic import refile
from crm_mail_archive.filing.blocklist import blocklist_impact as impact_of_blocking
from crm_mail_archive.filing.blocklist import enqueue_blocklist_entry
from crm_mail_archive.infra import audit
from crm_mail_archive.permissions.guards import require_document, require_readable_mail

DEFAULT_FILE_AT = ("Customer", "Supplier", "Contact", "Lead", "Opportunity", "Issue", "Project")
DEFAULT_FILE_AT += ("Quotation", "Sales Order", "Sales Invoice", "Purchase Order")


@frappe.whitelist(methods=["POST"])
def refile_mail(communication: str) -> dict:
	"""File one mail again under the current rules (automatic links only; manual ones stay)."""
	frappe.has_permission("Communication", "read", communication, throw=True)
	return {"added": refile(communication)}


@frappe.whitelist(methods=["POST"])
def refile_blocklist_entry(entry: str) -> dict:
	"""File the mail of a blocklist entry's address or domain again under the current rules, e.g.
	after the entry was disabled. Runs in the background: a domain may cover much mail."""
	frappe.has_permission("Archive Blocklist", "write", entry, throw=True)
	doc = frappe.get_doc("Archive Blocklist", entry)
	enqueue_blocklist_entry(doc.entry_type, doc.value)
	return {"queued": True}


@frappe.whitelist(methods=["GET", "POST"])
def file_at_doctypes() -> list[dict]:
	"""The document types "File at…" offers (Mail Archive Settings), those the user may write."""
	configured = frappe.db.get_single_value("Mail Archive Settings", "file_at_doctypes") or ""
	names = [line.strip() for line in configured.splitlines() if line.strip()] or list(DEFAULT_FILE_AT)
	return [
		{"value": doctype, "label": _(doctype)}
		for doctype in names
		if frappe.db.exists("DocType", doctype) and frappe.has_permission(doctype, "write")
	]


@frappe.whitelist(methods=["POST"])
def file_mail(communications: list[str] | str, doctype: str, name: str) -> dict:
	"""File mail by hand at any document the user may write (source "Manual")."""
	names = as_list(communications)
	require_document(doctype, name, "write")
	for communication in names:
		require_readable_mail(communication)
	added = sum(manual.file_at(communication, doctype, name, frappe.session.user) for communication in names)
	audit.record("Filed", audit.archived(names), reference=(doctype, name))
	return {"added": added}


@frappe.whitelist(methods=["POST"])
def unfile_mail(communication: str, doctype: str, name: str) -> dict:
	"""Remove one filing (any source) and its stock timeline row."""
	require_readable_mail(communication)
	frappe.has_permission(doctype, "write", name, throw=True)
	removed = manual.unfile(communication, doctype, name)
	if removed:
		audit.record("Unfiled", audit.archived([communication]), reference=(doctype, name))
	return {"removed": removed}


@frappe.whitelist(methods=["GET", "POST"])
def blocklist_impact(entry_type: str, value: str) -> dict:
	"""What blocking an address or domain takes away: the Customers and Suppliers it belongs to,
	and how many filed mails would be un-filed (automatic filings by that address or domain)."""
	frappe.has_permission("Archive Blocklist", "create", throw=True)
	impact = impact_of_blocking(entry_type, value)
	impact["parties"] = [
		party
		for party in impact["parties"]
		if frappe.has_permission(party.link_doctype, "read", party.link_name)
	]
	return impact
