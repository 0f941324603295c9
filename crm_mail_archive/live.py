"""Telling the open desks that archived mail changed: stored, filed or un-filed, read or unread,
moved or trashed.

Changes are collected during a transaction and told once it commits (nothing is told of a change
that is rolled back). Each signed-in user who may read a changed mail (the read rule,
permissions.readers_of) gets one event in their own room with the ids of the mails they may read
and of the documents those mails are filed at that they may read; never a mail's content. The
desk fetches what it shows again through the endpoints that apply the read rule.
"""

from __future__ import annotations

import frappe
from frappe.realtime import get_user_room

from crm_mail_archive.permissions import readers_of

EVENT = "mail_archive_changed"


def mail_changed(communications: list[str] | set[str]) -> None:
	"""Note changed mails; their readers are told when the transaction commits."""
	communications = {name for name in communications or () if name}
	if not communications:
		return
	pending = getattr(frappe.local, "mail_archive_changed", None)
	if pending is None or getattr(frappe.local, "mail_archive_changed_db", None) is not frappe.db:
		# the first change of this transaction (on this connection): tell once it commits
		pending = frappe.local.mail_archive_changed = set()
		frappe.local.mail_archive_changed_db = frappe.db
		frappe.db.after_commit.add(_tell_readers)
		frappe.db.after_rollback.add(_forget)
	pending.update(communications)


def _forget() -> None:
	frappe.local.mail_archive_changed = None


def _tell_readers() -> None:
	communications = getattr(frappe.local, "mail_archive_changed", None) or set()
	frappe.local.mail_archive_changed = None
	if not communications:
		return
	try:
		for user, event in events_for_readers(sorted(communications)).items():
			# the room named explicitly: inside a background job Frappe would pick the job's room
			frappe.publish_realtime(EVENT, event, room=get_user_room(user))
	except Exception:
		# the change is committed; a lost notice only means a desk shows it on its next load
		frappe.log_error(title="Mail Archive: telling the desks of changed mail failed")


def events_for_readers(communications: list[str]) -> dict[str, dict]:
	"""{user: event} for every signed-in user who may read any of the mails."""
	events = {}
	for user, readable in readers_of(communications).items():
		documents = sorted(
			{
				(row.link_doctype, row.link_name)
				for row in frappe.get_all(
					"Timeline Link",
					{"communication": ("in", sorted(readable))},
					["link_doctype", "link_name"],
				)
				if frappe.has_permission(row.link_doctype, "read", row.link_name, user=user)
			}
		)
		events[user] = {"communications": sorted(readable), "documents": [list(doc) for doc in documents]}
	return events
