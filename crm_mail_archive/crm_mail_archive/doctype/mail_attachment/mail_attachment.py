"""An attachment of an archived mail. Written with the mail as a row (storage/files.py); it is
as immutable as the mail and goes only with it (retention/guard.py)."""

from frappe.model.document import Document

from crm_mail_archive.retention.guard import attachment_on_trash, attachment_validate


class MailAttachment(Document):
	def validate(self):
		attachment_validate(self)

	def on_trash(self):
		attachment_on_trash(self)
