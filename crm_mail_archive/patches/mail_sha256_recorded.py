"""Archived mail records the SHA-256 of its original (mail_archive_sha256), which the hash chain
seals: for mail stored before, it is taken from the original's name (`mail-<sha256>.emlz` or
`.eml`), or hashed from the file where the name holds none."""

import hashlib
import os

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields


def execute() -> None:
	from crm_mail_archive.install import CUSTOM_FIELDS, _with_module

	create_custom_fields(_with_module({"Communication": CUSTOM_FIELDS["Communication"]}), update=True)
	frappe.db.sql(
		"""update `tabCommunication`
		set mail_archive_sha256 = substring(mail_archive_raw_file, 21, 64)
		where ifnull(mail_archive_sha256, '') = ''
			and mail_archive_raw_file regexp '^/private/files/mail-[0-9a-f]{64}\\\\.emlz?$'"""
	)
	for name, file_url in frappe.db.sql(
		"""select name, mail_archive_raw_file from `tabCommunication`
		where ifnull(mail_archive_sha256, '') = '' and ifnull(mail_archive_raw_file, '') != ''"""
	):
		path = frappe.get_site_path(file_url.lstrip("/"))
		if os.path.isfile(path):  # a missing original is what verification reports
			with open(path, "rb") as handle:
				sha256 = hashlib.sha256(handle.read()).hexdigest()
			frappe.db.set_value("Communication", name, "mail_archive_sha256", sha256, update_modified=False)
