"""Reply threading: a mail that answers a mail we know goes where that mail went.

The parent is the first known mail among In-Reply-To and then References (newest first). Known
means a Communication with that Message-ID: synced mail and mail sent from the desk alike (stock
Frappe stores the Message-ID without angle brackets, as our parser does). A reply inherits the
parent's reference document and the documents the parent was filed at by a person or by threading
(automatic links follow from the reply's own addresses anyway). Only one level is followed, so
reference loops and garbled headers cannot make it run away.

Mail sent from the desk as a reply carries In-Reply-To and References (stock Frappe sends
neither), so the customer's answer threads back to the document the conversation belongs to.
"""

from __future__ import annotations

import frappe

from crm_mail_archive.filing.links import Reason, link_mails

# links a reply inherits from its parent (automatic ones are re-derived from its own addresses)
INHERITED_SOURCES = ("Reply", "Created From", "Manual")
MAX_CANDIDATES = 20
MAX_CHAIN = 5  # a References header can be long; the nearest ancestors are what matter


def candidate_ids(message_id: str | None, in_reply_to: str | None, references: list[str]) -> list[str]:
	candidates = [in_reply_to] if in_reply_to else []
	candidates += list(reversed(references or []))
	seen: list[str] = []
	for candidate in candidates:
		if candidate and candidate != message_id and candidate not in seen and len(candidate) <= 995:
			seen.append(candidate)
	return seen[:MAX_CANDIDATES]


def find_parent(
	communication: str, message_id: str | None, in_reply_to: str | None, references
) -> str | None:
	for candidate in candidate_ids(message_id, in_reply_to, references):
		parent = frappe.db.get_value(
			"Communication",
			{"message_id": candidate, "name": ("!=", communication), "communication_medium": "Email"},
			"name",
			order_by="creation asc",
		)
		if parent:
			return parent
	return None


def inherited_targets(parent: str) -> list[tuple[str, str]]:
	"""The parent's reference document and person- or thread-made links. A desk reply refers to
	the mail it answers (reference Communication): then that mail's targets count, up the chain
	for a few steps (a visited set stops loops)."""
	targets: list[tuple[str, str]] = []
	visited: set[str] = set()
	current: str | None = parent
	while current and current not in visited and len(visited) < MAX_CHAIN:
		visited.add(current)
		values = frappe.db.get_value(
			"Communication", current, ["reference_doctype", "reference_name", "in_reply_to"], as_dict=True
		)
		if not values:
			break
		next_up = values.in_reply_to
		if values.reference_doctype == "Communication":
			next_up = next_up or values.reference_name
		elif values.reference_doctype and values.reference_name:
			targets.append((values.reference_doctype, values.reference_name))
		for row in frappe.get_all(
			"Timeline Link",
			{"communication": current, "source": ("in", INHERITED_SOURCES)},
			["link_doctype", "link_name"],
			order_by="creation asc",
		):
			targets.append((row.link_doctype, row.link_name))
		if targets:
			break
		current = next_up
	unique = list(dict.fromkeys(targets))
	return [(doctype, name) for doctype, name in unique if frappe.db.exists(doctype, name)]


def thread_reply(communication: str, message_id: str | None, in_reply_to: str | None, references) -> int:
	"""File a reply where its parent is; returns the number of new links."""
	parent = find_parent(communication, message_id, in_reply_to, references)
	if not parent:
		return 0
	targets = inherited_targets(parent)
	updates = {"in_reply_to": parent}
	if targets and not frappe.db.get_value("Communication", communication, "reference_doctype"):
		updates.update({"reference_doctype": targets[0][0], "reference_name": targets[0][1]})
	frappe.db.set_value("Communication", communication, updates, update_modified=False)
	reason = Reason(reply_to_mail=parent)
	return link_mails({communication: dict.fromkeys(targets, reason)}, "Reply", "Administrator")


# --- mail sent from the desk -----------------------------------------------------------------


def answered_communication(communication) -> str | None:
	"""The mail a desk Communication answers: its in_reply_to, or the Communication it was
	written from (the composer on a Communication form sets that as its reference)."""
	if communication.in_reply_to:
		return communication.in_reply_to
	if communication.reference_doctype == "Communication" and communication.reference_name:
		return communication.reference_name
	return None


def ancestor_message_ids(parent: str) -> list[str]:
	"""Message-IDs from the oldest known ancestor to the parent: the References header."""
	ids: list[str] = []
	visited: set[str] = set()
	current: str | None = parent
	while current and current not in visited and len(visited) < MAX_CANDIDATES:
		visited.add(current)
		values = frappe.db.get_value("Communication", current, ["message_id", "in_reply_to"], as_dict=True)
		if not values:
			break
		if values.message_id:
			ids.append(values.message_id)
		current = values.in_reply_to
	return list(reversed(ids))


def set_in_reply_to(doc) -> None:
	"""A desk reply (before insert) remembers the mail it answers."""
	if doc.communication_medium == "Email" and doc.sent_or_received == "Sent" and not doc.in_reply_to:
		if doc.reference_doctype == "Communication" and doc.reference_name:
			doc.in_reply_to = doc.reference_name


def add_thread_headers(doc) -> None:
	"""Put In-Reply-To and References on the queued message of a desk reply."""
	if not doc.communication or not doc.message:
		return
	communication = frappe.db.get_value(
		"Communication",
		doc.communication,
		["in_reply_to", "reference_doctype", "reference_name"],
		as_dict=True,
	)
	parent = communication and answered_communication(communication)
	if not parent:
		return
	ids = ancestor_message_ids(parent)
	eol = "\r\n" if "\r\n" in doc.message[:4096] else "\n"  # Frappe writes policy.SMTP (CRLF)
	head = doc.message.split(eol + eol, 1)[0].lower()
	if not ids or f"{eol}in-reply-to:" in f"{eol}{head}":
		return
	references = f"{eol} ".join(f"<{message_id}>" for message_id in ids)
	doc.message = f"In-Reply-To: <{ids[-1]}>{eol}References: {references}{eol}" + doc.message
