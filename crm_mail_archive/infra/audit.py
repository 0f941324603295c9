"""The audit trail of archived mail: who opened, downloaded, exported, filed, un-filed, deleted or
erased a mail, and when (Mail Archive Audit Event). Rows are written in bulk, in the caller's
transaction, and never changed; they hold no content of the mail, only its name."""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe.utils import now_datetime

from crm_mail_archive.infra.rows import RowBuffer

ACTIONS = (
	"Opened",
	"Downloaded Original",
	"Downloaded Attachment",
	"Exported",
	"Filed",
	"Unfiled",
	"Deleted",
	"Erased",
	"Purged",
	"Legal Hold Set",
	"Legal Hold Released",
	"Marked Private",
	"Marked Shared",
	"Access Changed",
)


def record(
	action: str,
	communications: Iterable[str],
	reference: tuple[str, str] | None = None,
	detail: str | None = None,
	user: str | None = None,
) -> int:
	"""One audit row per mail; returns how many."""
	if action not in ACTIONS:
		raise ValueError(f"unknown audit action {action}")
	user = user or frappe.session.user
	now = now_datetime()
	rows = RowBuffer()
	count = 0
	for communication in communications:
		rows.add(
			"Mail Archive Audit Event",
			{
				"action": action,
				"communication": communication,
				"user": user,
				"reference_doctype": reference[0] if reference else None,
				"reference_name": reference[1] if reference else None,
				"detail": (detail or "")[:1000] or None,
				"owner": user,
				"modified_by": user,
				"creation": now,
				"modified": now,
			},
		)
		count += 1
	rows.write()
	if count and getattr(frappe.local, "request", None) is not None:
		frappe.local.flags.commit = True  # a GET request (opening, downloading) commits its audit rows
	return count


def record_account(action: str, account: str, detail: str | None = None, user: str | None = None) -> None:
	"""One audit row about a Mail Archive Account (a change of who reads its mail), naming no
	mail: it concerns them all."""
	if action not in ACTIONS:
		raise ValueError(f"unknown audit action {action}")
	user = user or frappe.session.user
	now = now_datetime()
	rows = RowBuffer()
	rows.add(
		"Mail Archive Audit Event",
		{
			"action": action,
			"communication": None,
			"user": user,
			"reference_doctype": "Mail Archive Account",
			"reference_name": account,
			"detail": (detail or "")[:1000] or None,
			"owner": user,
			"modified_by": user,
			"creation": now,
			"modified": now,
		},
	)
	rows.write()


def archived(communications: Iterable[str]) -> list[str]:
	"""Those of the Communications that are archived mail (the app's), not other Communications."""
	names = list(communications)
	if not names:
		return []
	return frappe.get_all(
		"Communication",
		{"name": ("in", names), "mail_archive_key": ("is", "set")},
		pluck="name",
	)
