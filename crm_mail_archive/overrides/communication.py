"""A mail's headers are stored as the mail's own text. Stock's server-side formatting (print view,
print formats, notifications through `doc.get_formatted`) puts Data and Small Text values into HTML
as they are: for the mail's text fields it gets them escaped here."""

from frappe.core.doctype.communication.communication import Communication
from frappe.utils import escape_html

# the fields a mail (or its server) writes; public/js/server_text.js escapes the same in the desk
MAIL_TEXT_FIELDS = (
	"subject",
	"sender",
	"sender_full_name",
	"recipients",
	"cc",
	"bcc",
	"message_id",
	"imap_folder",
	"mail_archive_address_names",
)


class MailArchiveCommunication(Communication):
	def get_formatted(self, fieldname, *args, **kwargs):
		value = self.get(fieldname)
		if fieldname in MAIL_TEXT_FIELDS and isinstance(value, str):
			return escape_html(value).replace("\n", "<br>")
		return super().get_formatted(fieldname, *args, **kwargs)
