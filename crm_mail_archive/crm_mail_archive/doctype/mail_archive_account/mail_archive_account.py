import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveAccount(Document):
	def validate(self) -> None:
		if not self.account_owner:
			self.account_owner = frappe.session.user
		seen = set()
		for row in self.folders:
			if row.folder_name in seen:
				frappe.throw(_("Folder {0} is listed twice.").format(row.folder_name))
			seen.add(row.folder_name)
