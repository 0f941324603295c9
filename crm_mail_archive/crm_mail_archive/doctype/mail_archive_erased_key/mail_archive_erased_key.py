# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

from frappe.model.document import Document


class MailArchiveErasedKey(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		erasure: DF.Link | None
		message_key: DF.Data
	# end: auto-generated types
	"""The key of a mail erased on request (compliance/erasure.py); storage skips such mail."""
