# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveLegalHold(Document):
	"""A legal hold on a record: its filed mail is kept (retention/policy.py) while active. A hold
	is released (unticked), never deleted, so that it stays on record."""

	def on_trash(self):
		frappe.throw(_("A legal hold is released, not deleted."), frappe.PermissionError)
