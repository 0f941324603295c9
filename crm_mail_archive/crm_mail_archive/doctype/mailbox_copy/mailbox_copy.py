import frappe
from frappe.model.document import Document


class MailboxCopy(Document):
	pass


def on_doctype_update() -> None:
	# the idempotency key of the sync: one row per message on the server
	frappe.db.add_unique(
		"Mailbox Copy", ["account", "folder", "uidvalidity", "uid"], constraint_name="unique_server_copy"
	)
