import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveSettings(Document):
	def validate(self) -> None:
		if self.batch_size < 1:
			frappe.throw(_("Batch Size must be at least 1."))
		if self.sync_interval_minutes < 1:
			frappe.throw(_("Sync Interval must be at least one minute."))
