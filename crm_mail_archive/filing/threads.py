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

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Reply:
	communication: str
	message_id: str | None
	in_reply_to: str | None
	references: list[str]


def find_parents(replies: list[Reply]) -> dict[str, str]:
	"""Communication -> its parent: for each candidate Message-ID in order, the first mail that
	has it (oldest first, not the mail itself). One query for a whole batch."""
	candidates = {
		reply.communication: candidate_ids(reply.message_id, reply.in_reply_to, reply.references)
		for reply in replies
	}
	wanted = sorted({candidate for ids in candidates.values() for candidate in ids})
	known: dict[str, list[str]] = {}
	for start in range(0, len(wanted), 1000):
		for row in frappe.get_all(
			"Communication",
			{"message_id": ("in", wanted[start : start + 1000]), "communication_medium": "Email"},
			["name", "message_id"],
			order_by="creation asc",
		):
			known.setdefault(row.message_id, []).append(row.name)
	parents = {}
	for communication, ids in candidates.items():
		parent = next(
			(name for candidate in ids for name in known.get(candidate, ()) if name != communication),
			None,
		)
		if parent:
			parents[communication] = parent
	return parents


def inherited_targets(parents: set[str]) -> dict[str, list[tuple[str, str]]]:
	"""For each parent: its reference document and person- or thread-made links. A desk reply
	refers to the mail it answers (reference Communication): then that mail's targets count, up
	the chain for a few steps (a visited set stops loops). Two queries per step for all parents."""
	found: dict[str, list[tuple[str, str]]] = {}
	looking_at = {parent: parent for parent in parents}  # parent -> the mail of its chain now
	visited = {parent: {parent} for parent in parents}
	for _ in range(MAX_CHAIN):
		if not looking_at:
			break
		mails = sorted(set(looking_at.values()))
		values = {
			row.name: row
			for row in frappe.get_all(
				"Communication",
				{"name": ("in", mails)},
				["name", "reference_doctype", "reference_name", "in_reply_to"],
			)
		}
		links: dict[str, list[tuple[str, str]]] = {}
		for row in frappe.get_all(
			"Timeline Link",
			{"communication": ("in", mails), "source": ("in", INHERITED_SOURCES)},
			["communication", "link_doctype", "link_name"],
			order_by="creation asc",
		):
			links.setdefault(row.communication, []).append((row.link_doctype, row.link_name))
		next_up: dict[str, str] = {}
		for parent, mail in looking_at.items():
			row = values.get(mail)
			targets: list[tuple[str, str]] = []
			up = row.in_reply_to if row else None
			if row and row.reference_doctype == "Communication":
				up = up or row.reference_name
			elif row and row.reference_doctype and row.reference_name:
				targets.append((row.reference_doctype, row.reference_name))
			targets += links.get(mail, [])
			if targets or not up or up in visited[parent]:
				found[parent] = targets
			else:
				visited[parent].add(up)
				next_up[parent] = up
		looking_at = next_up
	existing = _existing({target for targets in found.values() for target in targets})
	return {
		parent: [target for target in dict.fromkeys(found.get(parent, [])) if target in existing]
		for parent in parents
	}


def _existing(targets: set[tuple[str, str]]) -> set[tuple[str, str]]:
	by_doctype: dict[str, list[str]] = {}
	for doctype, name in targets:
		by_doctype.setdefault(doctype, []).append(name)
	return {
		(doctype, name)
		for doctype, names in by_doctype.items()
		if frappe.db.table_exists(doctype)  # a DocType removed since the mail was filed
		for name in frappe.get_all(doctype, {"name": ("in", names)}, pluck="name")
	}


def thread_replies(replies: list[Reply]) -> int:
	"""File each reply where its parent is; returns the number of new links. A parent that is a
	reply of the same batch passes on what it inherits (as it would once threaded)."""
	parents = find_parents(replies)
	if not parents:
		return 0
	from_archive = inherited_targets({parent for parent in parents.values() if parent not in parents})

	def targets_of(communication: str) -> list[tuple[str, str]]:
		seen = {communication}
		parent = parents[communication]
		while parent in parents:  # a reply of this batch: what it inherits
			if parent in seen:
				return []  # replies to each other: a forged loop
			seen.add(parent)
			parent = parents[parent]
		return from_archive[parent]

	referenced = set(
		frappe.get_all(
			"Communication",
			{"name": ("in", list(parents)), "reference_doctype": ("is", "set")},
			pluck="name",
		)
	)
	links: dict[str, dict] = {}
	for communication, parent in parents.items():
		targets = targets_of(communication)
		updates = {"in_reply_to": parent}
		if targets and communication not in referenced:
			updates.update({"reference_doctype": targets[0][0], "reference_name": targets[0][1]})
		frappe.db.set_value("Communication", communication, updates, update_modified=False)
		if targets:
			links[communication] = dict.fromkeys(targets, Reason(reply_to_mail=parent))
	return link_mails(links, "Reply", "Administrator") if links else 0


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


def file_desk_answer(communication: str, user: str) -> int:
	"""A mail answered or forwarded from the desk is filed wherever the mail it answers is filed,
	automatic filings included: its writer answered that mail there (a synced reply inherits only
	what a person or a thread filed, since anyone can claim In-Reply-To). Returns new links."""
	answered = frappe.db.get_value("Communication", communication, "in_reply_to")
	if not answered:
		return 0
	targets = [
		(row.link_doctype, row.link_name)
		for row in frappe.get_all(
			"Timeline Link",
			{"communication": answered},
			["link_doctype", "link_name"],
			order_by="creation asc",
		)
	]
	existing = _existing(set(targets))
	found = {
		target: Reason(reply_to_mail=answered) for target in dict.fromkeys(targets) if target in existing
	}
	return link_mails({communication: found}, "Reply", user) if found else 0
