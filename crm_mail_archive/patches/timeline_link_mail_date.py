"""Timeline Links made before they carried the mail's date get it (the archive is ordered by it)."""

import frappe


def execute() -> None:
	# one static multi-table UPDATE (the query builder leaves the SET column unqualified)
	frappe.db.sql(
		"""update `tabTimeline Link` timeline
		join `tabCommunication` communication on communication.name = timeline.communication
		set timeline.communication_date = communication.communication_date
		where timeline.communication_date is null"""
	)
