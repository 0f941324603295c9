from frappe.model.document import Document


class MailArchiveFolder(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		counting_since: DF.Datetime | None
		enabled: DF.Check
		folder_name: DF.Data
		highest_modseq: DF.Data | None
		last_synced: DF.Datetime | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		role: DF.Literal["Inbox", "Sent", "Other"]
		status: DF.SmallText | None
	# end: auto-generated types
	pass
