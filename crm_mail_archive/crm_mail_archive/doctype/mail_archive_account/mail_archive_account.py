import frappe
from frappe import _
from frappe.model.document import Document

from crm_mail_archive.compose.senders import link_holder, unlink
from crm_mail_archive.privacy import audit_access_change, default_visibility, refuse_deletion_with_mail


class MailArchiveAccount(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_mail_archive.crm_mail_archive.doctype.mail_archive_folder.mail_archive_folder import (
			MailArchiveFolder,
		)

		account_kind: DF.Literal["Mailbox", "Journal Mailbox", "Archive Drop"]
		account_owner: DF.Link
		admins_notified: DF.Check
		automatic_filing: DF.Check
		confidential: DF.Check
		drop_senders: DF.Literal["Internal Senders", "Anyone"]
		email_account: DF.Link
		email_address: DF.Data | None
		enabled: DF.Check
		failure_count: DF.Int
		folders: DF.Table[MailArchiveFolder]
		health: DF.Literal["OK", "Retrying", "Needs Attention"]
		health_reason: DF.SmallText | None
		last_sync: DF.Datetime | None
		last_sync_new_mails: DF.Int
		last_sync_quarantined: DF.Int
		legal_hold: DF.Check
		mark_read_after_storing: DF.Check
		next_attempt: DF.Datetime | None
		open_opportunity_filing: DF.Literal["Site Default", "Off", "Only One Open", "Most Recently Active"]
		retention_years: DF.Int
		visibility: DF.Literal["", "Shared", "Headers only", "Private"]

	# end: auto-generated types
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

	def on_update(self) -> None:
		# the owner sends from the mailbox they hold (the composer's "From", stock's sending)
		link_holder(self)

	def on_trash(self) -> None:
		refuse_deletion_with_mail(self)
		# an account without mail goes with the record of what it could not archive
		frappe.db.delete("Mail Archive Gap", {"account": self.name})
		if self.account_owner:
			unlink(
				self.account_owner,
				self.email_account,
				frappe.db.get_value("Email Account", self.email_account, "email_id"),
			)
