from frappe.model.document import Document


class TimelineLink(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		communication: DF.Link
		communication_date: DF.Datetime | None
		filed_by: DF.Link | None
		filed_on: DF.Datetime | None
		link_doctype: DF.Link
		link_name: DF.DynamicLink
		matched_address: DF.Data | None
		matched_text: DF.Data | None
		reply_to_mail: DF.Link | None
		source: DF.Literal[
			"Automatic",
			"Reply",
			"Created From",
			"Manual",
			"Retroactive",
			"Document Number",
			"Open Opportunity",
			"E-Invoice",
		]
	# end: auto-generated types
	pass


def on_doctype_update() -> None:
	import frappe

	# one row per (mail, document): filing twice adds nothing
	frappe.db.add_unique("Timeline Link", ["communication", "link_doctype", "link_name"], "unique_filing")
	frappe.db.add_index("Timeline Link", ["link_doctype", "link_name"])
	# a document's archive, newest first, 20 at a time: read in index order, no sort of thousands
	frappe.db.add_index("Timeline Link", ["link_doctype", "link_name", "communication_date"])
