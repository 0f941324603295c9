# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

from frappe.model.document import Document


class MailExport(Document):
	"""The log of one export of archived mail: who (owner), when (creation), what (scope, the mails)
	and the file it made. Written by the app only; nobody edits it."""
