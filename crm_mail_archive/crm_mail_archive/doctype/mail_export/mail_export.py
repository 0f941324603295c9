# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

from frappe.model.document import Document

from crm_mail_archive.infra import archive_files


class MailExport(Document):
	"""The log of one export of archived mail: who (owner), when (creation), what (scope, the mails)
	and the file it made. Written by the app only; nobody edits it. Its file goes with it."""

	def on_trash(self):
		if self.file:
			archive_files.remove_after_commit([self.file])
