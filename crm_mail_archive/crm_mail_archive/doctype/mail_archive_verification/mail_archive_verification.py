# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

from frappe.model.document import Document


class MailArchiveVerification(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account: DF.Link | None
		chain_head: DF.Data | None
		digests_checked: DF.Int
		error: DF.SmallText | None
		files_checked: DF.Int
		findings: DF.LongText | None
		findings_count: DF.Int
		finished: DF.Datetime | None
		mails_checked: DF.Int
		ok: DF.Check
		scope: DF.Data | None
		seconds: DF.Float
		since: DF.Date | None
		started: DF.Datetime | None
		status: DF.Literal["Running", "Finished", "Failed"]
		triggered_by: DF.Literal["Command Line", "Scheduler", "Desk"]
	# end: auto-generated types
	"""The record of one verification of the archive (integrity/verify.py writes it): when, what
	was checked, what was found. Written by the app only; nobody edits it."""
