"""Communication's "Filed" check becomes the Select "Filing" (Filed / Unfiled; a check cannot
filter on "not filed"), and an archived mail names its original message (mail_archive_raw_file)."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields


def execute() -> None:
	from crm_mail_archive.install import CUSTOM_FIELDS, _with_module

	create_custom_fields(_with_module({"Communication": CUSTOM_FIELDS["Communication"]}), update=True)
	if frappe.db.has_column("Communication", "mail_archive_filed"):
		frappe.db.sql(
			"""update `tabCommunication`
			set mail_archive_filing = if(mail_archive_filed = 1, 'Filed', 'Unfiled')
			where ifnull(mail_archive_key, '') != ''"""
		)
		for name in frappe.get_all(
			"Custom Field", {"dt": "Communication", "fieldname": "mail_archive_filed"}, pluck="name"
		):
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
		if frappe.db.has_column("Communication", "mail_archive_filed"):
			frappe.db.sql_ddl("alter table `tabCommunication` drop column `mail_archive_filed`")
	frappe.db.sql(
		"""update `tabCommunication` communication
		join `tabFile` file on file.attached_to_doctype = 'Communication'
			and file.attached_to_name = communication.name and file.file_url like '/private/files/mail-%%'
		set communication.mail_archive_raw_file = file.file_url
		where ifnull(communication.mail_archive_key, '') != ''
			and ifnull(communication.mail_archive_raw_file, '') = ''"""
	)
