import frappe
from frappe import _
from frappe.model.document import Document

from crm_mail_archive.privacy import audit_access_change, default_visibility, refuse_deletion_with_mail


class MailArchiveAccount(Document):
	def validate(self) -> None:
		if not self.account_owner:
			self.account_owner = frappe.session.user
		if not self.visibility:
			self.visibility = default_visibility()
		seen = set()
		for row in self.folders:
			if row.folder_name in seen:
				frappe.throw(_("Folder {0} is listed twice.").format(row.folder_name))
			seen.add(row.folder_name)
		# who reads the account's mail never changes unrecorded
		audit_access_change(self)

	def on_trash(self) -> None:
		refuse_deletion_with_mail(self)
