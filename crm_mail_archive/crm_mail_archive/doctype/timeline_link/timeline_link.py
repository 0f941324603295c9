from frappe.model.document import Document


class TimelineLink(Document):
	pass


def on_doctype_update() -> None:
	import frappe

	# one row per (mail, document): filing twice adds nothing
	frappe.db.add_unique("Timeline Link", ["communication", "link_doctype", "link_name"], "unique_filing")
	frappe.db.add_index("Timeline Link", ["link_doctype", "link_name"])
	# a document's archive, newest first, 20 at a time: read in index order, no sort of thousands
	frappe.db.add_index("Timeline Link", ["link_doctype", "link_name", "communication_date"])
