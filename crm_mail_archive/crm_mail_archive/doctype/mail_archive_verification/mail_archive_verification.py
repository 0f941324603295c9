# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

from frappe.model.document import Document


class MailArchiveVerification(Document):
	"""The record of one verification of the archive (integrity/verify.py writes it): when, what
	was checked, what was found. Written by the app only; nobody edits it."""
