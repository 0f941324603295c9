# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveAuditEvent(Document):
	"""One audited action on an archived mail. Written by the app (infra/audit.py); never changed."""

	def validate(self):
		if not self.is_new():
			frappe.throw(_("Audit entries cannot be changed."), frappe.PermissionError)

	def on_trash(self):
		frappe.throw(_("Audit entries cannot be deleted."), frappe.PermissionError)
