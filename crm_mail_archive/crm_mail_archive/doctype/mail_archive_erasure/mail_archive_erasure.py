# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveErasure(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		address_sha256: DF.Data | None
		chain_entry: DF.Link | None
		fingerprints: DF.LongText | None
		kind: DF.Literal["Erasure", "Purge", "Deletion"]
		mail_count: DF.Int
		on_server: DF.Check
		reason: DF.SmallText | None
		server_problems: DF.SmallText | None
	# end: auto-generated types
	"""The record of an erasure or purge (compliance/erasure.py): written once, never changed."""

	def validate(self):
		if not self.is_new():
			frappe.throw(_("The record of an erasure cannot be changed."), frappe.PermissionError)

	def on_trash(self):
		frappe.throw(_("The record of an erasure cannot be deleted."), frappe.PermissionError)
