# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveDigest(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		chain_hash: DF.Data | None
		day: DF.Date | None
		day_hash: DF.Data | None
		entry_type: DF.Literal["Day", "Erasure"]
		erased_from: DF.SmallText | None
		hash_kind: DF.Literal["Lines", "Merkle"]
		mail_count: DF.Int
		mails: DF.LongText | None
		previous_digest: DF.Link | None
		sequence: DF.Int
		timestamp_error: DF.SmallText | None
		timestamp_time: DF.Datetime | None
		timestamp_token: DF.LongText | None
	# end: auto-generated types
	"""One entry of the archive's hash chain (integrity/seal.py writes it). An entry is written once
	and never changed or deleted: a change would break the chain, which verification reports."""

	def autoname(self):
		self.name = f"MAD-{int(self.sequence):08d}"

	def validate(self):
		if not self.is_new():
			frappe.throw(_("Entries of the mail archive's hash chain cannot be changed."))

	def on_trash(self):
		frappe.throw(_("Entries of the mail archive's hash chain cannot be deleted."))
