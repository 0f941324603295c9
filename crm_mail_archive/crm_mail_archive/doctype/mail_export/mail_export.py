# Copyright (c) 2026, crm_mail_archive developers
# License: GNU General Public License v3. See license.txt

from frappe.model.document import Document

from crm_mail_archive.infra import archive_files


class MailExport(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account: DF.Link | None
		error: DF.SmallText | None
		export_format: DF.Literal["ZIP", "mbox", "Evidence"]
		file: DF.Attach | None
		mail_count: DF.Int
		mails: DF.LongText | None
		output_path: DF.Data | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		scope: DF.Literal["Record", "Search", "Account", "Mail"]
		search_filters: DF.SmallText | None
		search_text: DF.Data | None
		sha256: DF.Data | None
		status: DF.Literal["Queued", "Running", "Ready", "Failed"]
	# end: auto-generated types
	"""The log of one export of archived mail: who (owner), when (creation), what (scope, the mails)
	and the file it made. Written by the app only; nobody edits it. Its file goes with it."""

	def on_trash(self):
		if self.file:
			archive_files.remove_after_commit([self.file])
