"""An attachment of an archived mail. Written with the mail as a row (storage/files.py); it is
as immutable as the mail and goes only with it (retention/guard.py)."""

from frappe.model.document import Document

from crm_mail_archive.retention.guard import attachment_on_trash, attachment_validate


class MailAttachment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		communication: DF.Link
		content_id: DF.Data | None
		content_type: DF.Data | None
		einvoice_json: DF.LongText | None
		einvoice_number: DF.Data | None
		einvoice_status: DF.Data | None
		file_name: DF.Data | None
		file_size: DF.Int
		position: DF.Int
		sha256: DF.Data | None
		stored_file: DF.Data | None
		viewable_type: DF.Literal["", "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"]

	# end: auto-generated types
	def validate(self):
		attachment_validate(self)

	def on_trash(self):
		attachment_on_trash(self)
