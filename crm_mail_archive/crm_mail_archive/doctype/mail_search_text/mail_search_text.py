from frappe.model.document import Document


class MailSearchText(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attachment_status: DF.SmallText | None
		attachment_text: DF.LongText | None
		communication: DF.Link
		mail_text: DF.LongText | None
	# end: auto-generated types
	pass
