"""E-invoices read before their number was kept in its own indexed field: the number from what
was read (einvoice_json), so that a Purchase Invoice made later finds their mail by it."""

import frappe

from crm_mail_archive.einvoice import READ, EInvoice

ROWS_PER_QUERY = 1000


def execute() -> None:
	last = ""
	while True:
		rows = frappe.db.sql(
			"""select name, einvoice_json from `tabMail Attachment`
			where name > %(last)s and einvoice_status = %(read)s and ifnull(einvoice_number, '') = ''
			order by name limit %(limit)s""",
			{"last": last, "read": READ, "limit": ROWS_PER_QUERY},
			as_dict=True,
		)
		for row in rows:
			try:
				number = EInvoice.from_json(row.einvoice_json).invoice_number if row.einvoice_json else ""
			except Exception:  # a stored result this version cannot read: left as it is
				continue
			if number:
				frappe.db.set_value(
					"Mail Attachment", row.name, "einvoice_number", number[:140], update_modified=False
				)
		if len(rows) < ROWS_PER_QUERY:
			return
		last = rows[-1].name
