import frappe
from frappe.model.document import Document


class MailboxCopy(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account: DF.Link
		communication: DF.Link | None
		folder: DF.Data
		internal_date: DF.Datetime | None
		message_key: DF.Data | None
		quarantine_reason: DF.SmallText | None
		raw_file: DF.Attach | None
		seen: DF.Check
		server_flags: DF.Data | None
		size: DF.Int
		status: DF.Literal["Stored", "Quarantined"]
	# end: auto-generated types
	pass


def on_doctype_update() -> None:
	# the idempotency key of the sync: one row per message on the server
	frappe.db.add_unique(
		"Mailbox Copy", ["account", "folder", "uidvalidity", "uid"], constraint_name="unique_server_copy"
	)
