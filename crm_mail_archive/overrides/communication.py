"""A mail's headers are stored as the mail's own text. Stock's server-side formatting (print view,
print formats, notifications through `doc.get_formatted`) puts Data and Small Text values into HTML
as they are: for the mail's text fields it gets them escaped here."""

import frappe
from frappe.core.doctype.communication.communication import Communication
from frappe.utils import escape_html

from crm_mail_archive.permissions.guards import require_visible_mail
from crm_mail_archive.views.reader import reader_view

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
	def onload(self):
		super().onload()
		# an archived mail's form brings its reader's view along: a cold reader would otherwise
		# wait for one more request after the form (the read rule as the reader's endpoint)
		if not self.get("mail_archive_key"):
			return
		try:
			access = require_visible_mail(self.name)
		except frappe.PermissionError:
			frappe.clear_last_message()
			return
		self.set_onload("mail_archive_view", reader_view(self.name, access, frappe.session.user, True))

	def get_formatted(self, fieldname, *args, **kwargs):
		value = self.get(fieldname)
		if fieldname in MAIL_TEXT_FIELDS and isinstance(value, str):
			return escape_html(value).replace("\n", "<br>")
		return super().get_formatted(fieldname, *args, **kwargs)
