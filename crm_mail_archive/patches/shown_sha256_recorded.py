"""Archived mail records the SHA-256 of what the desk shows of it (storage/shown.py): for mail stored
before, it is taken from the database as it is now. Mail sealed already keeps its (version 1) line;
mail sealed from now on has the shown hash in its line."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from crm_mail_archive.storage.shown import SHOWN_FIELD, shown_hashes_of

CHUNK = 1000


def execute() -> None:
	from crm_mail_archive.install import CUSTOM_FIELDS, _with_module

	create_custom_fields(_with_module({"Communication": CUSTOM_FIELDS["Communication"]}), update=True)
	last = ""
	while True:
		names = frappe.db.sql_list(
			f"""select name from `tabCommunication`
			where ifnull(mail_archive_key, '') != '' and ifnull({SHOWN_FIELD}, '') = '' and name > %s
			order by name limit {CHUNK}""",
			[last],
		)
		if not names:
			break
		last = names[-1]
		for name, sha256 in shown_hashes_of(names).items():
			frappe.db.set_value("Communication", name, SHOWN_FIELD, sha256, update_modified=False)
		frappe.db.commit()
