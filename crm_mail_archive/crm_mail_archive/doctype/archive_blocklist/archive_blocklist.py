import frappe
from frappe import _
from frappe.model.document import Document

from crm_mail_archive.filing.rules import normalize_domain
from crm_mail_archive.mailbox.addresses import normalize_address


class ArchiveBlocklist(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		enabled: DF.Check
		entry_type: DF.Literal["Address", "Domain"]
		note: DF.SmallText | None
		value: DF.Data

	# end: auto-generated types
	def validate(self) -> None:
		value = (self.value or "").strip()
		if self.entry_type == "Address":
			normalized = normalize_address(value)
			if not normalized:
				frappe.throw(_("{0} is not a valid mail address.").format(frappe.bold(value)))
		else:
			normalized = normalize_domain(value)
			if not normalized:
				frappe.throw(_("{0} is not a valid domain.").format(frappe.bold(value)))
		self.value = normalized
		duplicate = frappe.db.get_value("Archive Blocklist", {"value": normalized, "name": ("!=", self.name)})
		if duplicate:
			frappe.throw(
				_("{0} is already on the Archive Blocklist.").format(frappe.bold(normalized)),
				frappe.DuplicateEntryError,
			)

	def on_update(self) -> None:
		"""Enabled: un-file what the entry forbids; disabled: file again what it held back."""
		from crm_mail_archive.filing.blocklist import enqueue_blocklist_entry

		before = self.get_doc_before_save()
		if self.enabled or (before and before.enabled):
			enqueue_blocklist_entry(self.entry_type, self.value)
