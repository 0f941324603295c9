from frappe.model.document import Document


class MailServerAction(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account: DF.Link
		action: DF.Literal["Mark Read", "Mark Unread", "Answered", "Forwarded", "Move", "Spam", "Trash"]
		attempts: DF.Int
		communication: DF.Link
		last_error: DF.SmallText | None
		next_attempt: DF.Datetime | None
		requested_by: DF.Link | None
		status: DF.Literal["Pending", "Done", "Failed"]
		target_folder: DF.Data | None
	# end: auto-generated types
	"""A desk action (read/unread, answered, forwarded, move, spam, trash) on its way to the
	mail server; written and applied by crm_mail_archive.actions.service."""


def on_doctype_update() -> None:
	import frappe

	frappe.db.add_index("Mail Server Action", ["account", "status"])
