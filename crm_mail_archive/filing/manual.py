"""Filing by a person: a mail (or its whole thread) at a document the person chose, and un-filing
it again. Who may do it is checked by the caller (api.py); a thread is filed only as far as the
person may read it, so filing never shows anyone mail the person could not show them."""

from __future__ import annotations

import frappe
from frappe import _

from crm_mail_archive.filing.links import AUTOMATIC_SOURCES, link, unlink

MAX_THREAD = 200


def thread_of(communication: str) -> list[str]:
	"""The mail and every mail connected to it through in_reply_to, up and down (bounded)."""
	found = {communication}
	frontier = [communication]
	while frontier and len(found) < MAX_THREAD:
		parents = frappe.get_all(
			"Communication", {"name": ("in", frontier), "in_reply_to": ("is", "set")}, pluck="in_reply_to"
		)
		children = frappe.get_all("Communication", {"in_reply_to": ("in", frontier)}, pluck="name")
		frontier = [name for name in {*parents, *children} if name not in found]
		found.update(frontier)
	return sorted(found)[:MAX_THREAD]


def file_thread(communication: str, doctype: str, name: str, source: str, user: str) -> int:
	"""File the thread at a document, as far as the person may read it."""
	added = 0
	for member in thread_of(communication):
		if not frappe.has_permission("Communication", "read", member, user=user):
			continue
		added += file_by_hand(member, doctype, name, source, user)
	return added


def file_by_hand(communication: str, doctype: str, name: str, source: str, user: str) -> bool:
	"""File a mail at a document; a person's choice outranks an automatic link already there
	(creating a Contact files its past mail retroactively first), so a later blocklist entry
	leaves it alone. True if the link is new."""
	if link(communication, doctype, name, source, user=user):
		return True
	frappe.db.set_value(
		"Timeline Link",
		{
			"communication": communication,
			"link_doctype": doctype,
			"link_name": name,
			"source": ("in", AUTOMATIC_SOURCES),
		},
		{"source": source, "filed_by": user, "matched_address": None},
	)
	return False


def file_at(communication: str, doctype: str, name: str, user: str) -> bool:
	if not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} does not exist.").format(_(doctype), name), frappe.DoesNotExistError)
	return link(communication, doctype, name, "Manual", user=user)


def unfile(communication: str, doctype: str, name: str) -> bool:
	return unlink(communication, doctype, name)


def filings(communication: str) -> list[dict]:
	return frappe.get_all(
		"Timeline Link",
		{"communication": communication},
		["link_doctype", "link_name", "source", "matched_address", "reply_to_mail", "filed_by", "filed_on"],
		order_by="filed_on asc, creation asc",
	)
