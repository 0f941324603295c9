from frappe.model.document import Document


class MailAddressIndex(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		address: DF.Data
		communication: DF.Link
		reversed_domain: DF.Data
		role: DF.Literal["From", "Reply-To", "To", "Cc", "Bcc"]
	# end: auto-generated types
	pass
