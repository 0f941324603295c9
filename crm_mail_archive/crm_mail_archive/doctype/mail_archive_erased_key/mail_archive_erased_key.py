# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

from frappe.model.document import Document


class MailArchiveErasedKey(Document):
	"""The key of a mail erased on request (compliance/erasure.py); storage skips such mail."""
