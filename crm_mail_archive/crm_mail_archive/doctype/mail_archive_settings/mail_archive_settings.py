import frappe
from frappe import _
from frappe.model.document import Document


class MailArchiveSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accounting_retention_years: DF.Int
		batch_size: DF.Int
		bulk_mail_rule: DF.Literal["Existing Contacts Only", "Never File", "File Like Other Mail"]
		business_retention_years: DF.Int
		connection_timeout_seconds: DF.Int
		default_visibility: DF.Literal["Shared", "Headers only", "Private"]
		document_number_doctypes: DF.SmallText | None
		einvoice_expense_item: DF.Link | None
		einvoice_tax_account: DF.Link | None
		file_at_doctypes: DF.SmallText | None
		internal_domains: DF.SmallText | None
		mark_read_after_seconds: DF.Float
		max_addresses_per_mail: DF.Int
		max_attachment_size_mb: DF.Int
		max_attachments_per_mail: DF.Int
		max_batch_size_mb: DF.Int
		max_html_size_kb: DF.Int
		max_mail_size_mb: DF.Int
		open_opportunity_filing: DF.Literal["Off", "Only One Open", "Most Recently Active"]
		purge_after_retention: DF.Check
		sync_interval_minutes: DF.Int
		tsa_certificates: DF.Code | None
		tsa_password: DF.Password | None
		tsa_url: DF.Data | None
		tsa_username: DF.Data | None

	# end: auto-generated types
	def validate(self) -> None:
		if self.batch_size < 1:
			frappe.throw(_("Batch Size must be at least 1."))
		if self.sync_interval_minutes < 1:
			frappe.throw(_("Sync Interval must be at least one minute."))
