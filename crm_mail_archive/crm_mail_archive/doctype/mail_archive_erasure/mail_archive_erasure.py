# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveErasure(Document):
	"""The record of an erasure or purge (compliance/erasure.py): written once, never changed."""

	def validate(self):
		if not self.is_new():
			frappe.throw(_("The record of an erasure cannot be changed."), frappe.PermissionError)

	def on_trash(self):
		frappe.throw(_("The record of an erasure cannot be deleted."), frappe.PermissionError)
