# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveLegalHold(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		active: DF.Check
		reason: DF.SmallText
		reference_doctype: DF.Link
		reference_name: DF.DynamicLink
	# end: auto-generated types
	"""A legal hold on a record: its filed mail is kept (retention/policy.py) while active. A hold
	is released (unticked), never deleted, so that it stays on record."""

	def on_trash(self):
		frappe.throw(_("A legal hold is released, not deleted."), frappe.PermissionError)
