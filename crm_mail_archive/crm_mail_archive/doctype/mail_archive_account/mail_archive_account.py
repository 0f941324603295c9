import frappe
from frappe import _
from frappe.model.document import Document

from crm_mail_archive.compose.senders import link_holder, unlink


class MailArchiveAccount(Document):
	def validate(self) -> None:
		if not self.account_owner:
			self.account_owner = frappe.session.user
		seen = set()
		for row in self.folders:
			if row.folder_name in seen:
				frappe.throw(_("Folder {0} is listed twice.").format(row.folder_name))
			seen.add(row.folder_name)

	def on_update(self) -> None:
		# the owner sends from the mailbox they hold (the composer's "From", stock's sending)
		link_holder(self)

	def on_trash(self) -> None:
		if self.account_owner:
			unlink(
				self.account_owner,
				self.email_account,
				frappe.db.get_value("Email Account", self.email_account, "email_id"),
			)
