# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

from frappe.model.document import Document


class MailArchiveGap(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account: DF.Link | None
		detected_on: DF.Datetime | None
		evidence: DF.Literal["QRESYNC VANISHED", "UID Gap", "Gone At Fetch"]
		folder: DF.Data | None
		reason: DF.Literal["Expunged Before Archived", "Before First Sync"]
		uid_count: DF.Int
	# end: auto-generated types
	pass
