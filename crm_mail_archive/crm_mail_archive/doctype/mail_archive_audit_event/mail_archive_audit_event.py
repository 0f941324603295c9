# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveAuditEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action: DF.Literal[
			"Opened",
			"Downloaded Original",
			"Downloaded Attachment",
			"Exported",
			"Filed",
			"Unfiled",
			"Deleted",
			"Erased",
			"Purged",
			"Legal Hold Set",
			"Legal Hold Released",
			"Marked Private",
			"Marked Shared",
			"Access Changed",
		]
		communication: DF.Data | None
		detail: DF.SmallText | None
		reference_doctype: DF.Link | None
		reference_name: DF.Data | None
		user: DF.Link | None
	# end: auto-generated types
	"""One audited action on an archived mail. Written by the app (infra/audit.py); never changed."""

	def validate(self):
		if not self.is_new():
			frappe.throw(_("Audit entries cannot be changed."), frappe.PermissionError)

	def on_trash(self):
		frappe.throw(_("Audit entries cannot be deleted."), frappe.PermissionError)
