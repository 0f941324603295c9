"""Archived mail stored before header values were made inert: make them inert now (subject,
names, addresses, folder), in chunks, so that no stock surface renders them as markup."""

import frappe

from crm_mail_archive.infra.text import TAG_OPENING, inert_text

FIELDS = ("subject", "sender", "sender_full_name", "recipients", "cc", "bcc", "message_id", "imap_folder")


def execute() -> None:
	last = ""
	while True:
		rows = frappe.get_all(
			"Communication",
			{"mail_archive_key": ("is", "set"), "name": (">", last)},
			["name", *FIELDS],
			order_by="name asc",
			limit=1000,
		)
		if not rows:
			return
		for row in rows:
			changed = {
				field: inert_text(row[field])
				for field in FIELDS
				if row[field] and TAG_OPENING.search(row[field])
			}
			if changed:
				frappe.db.set_value("Communication", row.name, changed, update_modified=False)
		last = rows[-1].name
