"""Archived mail stored before its headers were kept as the mail's own text: values that were made
inert (`<`, `>` as entities) get their text back, and the address lists ("Name" <address>, ...)
become bare addresses as stock code parses them, their display names kept beside them."""

import json
from email.utils import getaddresses

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

TEXT_FIELDS = ("subject", "sender", "sender_full_name", "message_id", "imap_folder")
ADDRESS_FIELDS = ("recipients", "cc", "bcc")
NAMES_FIELD = "mail_archive_address_names"


def _text(value: str) -> str:
	# inert_text turned only these two into entities, and only where a tag could open
	return value.replace("&lt;", "<").replace("&gt;", ">")


def true_values(row) -> dict:
	changed = {}
	for field in TEXT_FIELDS:
		value = row[field]
		if value and ("&lt;" in value or "&gt;" in value) and not ("<" in value or ">" in value):
			changed[field] = _text(value)
	names = json.loads(row[NAMES_FIELD] or "{}")
	for field in ADDRESS_FIELDS:
		value = row[field]
		if not value:
			continue
		pairs = [(name, address) for name, address in getaddresses([_text(value)]) if address]
		bare = ", ".join(address for _name, address in pairs)
		names.update({address: name for name, address in pairs if name and address not in names})
		if bare != value:
			changed[field] = bare
	if names and json.loads(row[NAMES_FIELD] or "{}") != names:
		changed[NAMES_FIELD] = json.dumps(names, ensure_ascii=False, sort_keys=True)
	return changed


def execute() -> None:
	from crm_mail_archive.install import CUSTOM_FIELDS, _with_module

	create_custom_fields(_with_module({"Communication": CUSTOM_FIELDS["Communication"]}), update=True)
	last = ""
	while True:
		rows = frappe.get_all(
			"Communication",
			{"mail_archive_key": ("is", "set"), "name": (">", last)},
			["name", *TEXT_FIELDS, *ADDRESS_FIELDS, NAMES_FIELD],
			order_by="name asc",
			limit=1000,
		)
		if not rows:
			return
		for row in rows:
			if changed := true_values(row):
				frappe.db.set_value("Communication", row.name, changed, update_modified=False)
		last = rows[-1].name
