from frappe.model.document import Document


class MailAddressIndex(Document):
	pass
