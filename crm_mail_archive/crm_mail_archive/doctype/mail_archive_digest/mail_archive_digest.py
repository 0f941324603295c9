# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveDigest(Document):
	"""One entry of the archive's hash chain (integrity/seal.py writes it). An entry is written once
	and never changed or deleted: a change would break the chain, which verification reports."""

	def autoname(self):
		self.name = f"MAD-{int(self.sequence):08d}"

	def validate(self):
		if not self.is_new():
			frappe.throw(_("Entries of the mail archive's hash chain cannot be changed."))

	def on_trash(self):
		frappe.throw(_("Entries of the mail archive's hash chain cannot be deleted."))
