from frappe.model.document import Document


class MailSearchText(Document):
	pass
