from frappe.model.document import Document


class MailArchiveFolder(Document):
	pass
