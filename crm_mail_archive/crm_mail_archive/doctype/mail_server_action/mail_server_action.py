from frappe.model.document import Document


class MailServerAction(Document):
	"""A desk action (read/unread, answered, forwarded, move, spam, trash) on its way to the
	mail server; written and applied by crm_mail_archive.actions.service."""


def on_doctype_update() -> None:
	import frappe

	frappe.db.add_index("Mail Server Action", ["account", "status"])
