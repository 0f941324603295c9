"""Install and uninstall: the schema we add to stock DocTypes, and nothing left behind."""

import frappe
from frappe import _lt
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

MODULE = "CRM Mail Archive"

# Custom fields on stock DocTypes, created on install/migrate, removed on uninstall.
CUSTOM_FIELDS: dict[str, list[dict]] = {
	"Communication": [
		{
			# one Communication per mail: SHA-256 of the Message-ID (or content), unique
			"fieldname": "mail_archive_key",
			"fieldtype": "Data",
			"label": "Mail Archive Key",
			"length": 64,
			"unique": 1,
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
			"insert_after": "message_id",
		},
		{
			# the display names the mail gives its addresses, JSON {address: name}: recipients,
			# cc and bcc hold bare addresses, as stock code parses them
			"fieldname": "mail_archive_address_names",
			"fieldtype": "Code",
			"options": "JSON",
			"label": "Display Names",
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
			"insert_after": "mail_archive_key",
		},
		{
			# List-Unsubscribe, Precedence bulk/list/junk or Auto-Submitted: the bulk rule applies
			"fieldname": "mail_archive_bulk",
			"fieldtype": "Check",
			"label": "Bulk or Automatic Mail",
			"read_only": 1,
			"no_copy": 1,
			"insert_after": "mail_archive_key",
		},
		{
			# kept by the filing service: the list indicator and the Filed / Unfiled filter (empty
			# for mail that is not archived); a Select, as a Check cannot filter on "not filed"
			"fieldname": "mail_archive_filing",
			"fieldtype": "Select",
			"options": "\nFiled\nUnfiled",
			"label": "Filing",
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
			"insert_after": "mail_archive_bulk",
		},
		{
			"fieldname": "mail_archive_filed_at",
			"fieldtype": "Small Text",
			"label": "Filed At",
			"read_only": 1,
			"no_copy": 1,
			"insert_after": "mail_archive_filing",
		},
		{
			# the original message as received: a file of the archive (infra/archive_files.py);
			# indexed: verification looks files up by it
			"fieldname": "mail_archive_raw_file",
			"fieldtype": "Data",
			"label": "Original Message",
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
			"search_index": 1,
			"insert_after": "mail_archive_filed_at",
		},
		{
			# SHA-256 of the original message as received, recorded when it is stored (integrity/)
			"fieldname": "mail_archive_sha256",
			"fieldtype": "Data",
			"label": "SHA-256 of the Original",
			"length": 64,
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
			"search_index": 1,
			"insert_after": "mail_archive_raw_file",
		},
		{
			# the seal (Mail Archive Digest) the mail is chained in; empty until the daily seal
			"fieldname": "mail_archive_digest",
			"fieldtype": "Link",
			"options": "Mail Archive Digest",
			"label": "Sealed In",
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
			"insert_after": "mail_archive_sha256",
		},
		{
			# SHA-256 of what the desk shows of the mail, as stored (storage/shown.py); sealed in the
			# day's line, so that a changed subject or body in the database is found by verify
			"fieldname": "mail_archive_shown_sha256",
			"fieldtype": "Data",
			"label": "SHA-256 of the Shown Mail",
			"length": 64,
			"read_only": 1,
			"hidden": 1,
			"no_copy": 1,
			"insert_after": "mail_archive_digest",
		},
		{
			# retention/policy.py: while set, the mail is not deleted, purged or erased
			"fieldname": "mail_archive_legal_hold",
			"fieldtype": "Check",
			"label": "Legal Hold",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.mail_archive_key",
			"insert_after": "mail_archive_shown_sha256",
		},
		{
			# its holder's alone, whatever its account's visibility (permissions/); set through
			# api.set_mail_private (audited), protected from edits (retention/guard.py); indexed:
			# listings ask whether any mail is marked
			"fieldname": "mail_archive_private",
			"fieldtype": "Check",
			"label": "Private Mail",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"depends_on": "eval:doc.mail_archive_key",
			"insert_after": "mail_archive_legal_hold",
		},
		{
			# the reader an archived mail is shown in (public/js/communication_form.js)
			"fieldname": "mail_archive_reader",
			"fieldtype": "HTML",
			"label": "Mail",
			"insert_after": "subject",
			"depends_on": "eval:doc.mail_archive_key",
			"options": '<div class="mail-archive-reader-placeholder text-muted">…</div>',
		},
	]
}

# the labels and options of our custom fields, for the translation catalog (locale/)
_FIELD_LABELS = (_lt("Email Archive"), _lt("Filing"), _lt("Filed"), _lt("Unfiled"), _lt("Filed At"))
_FIELD_LABELS += (_lt("Original Message"), _lt("Mail"), _lt("Bulk or Automatic Mail"), _lt("Legal Hold"))
_FIELD_LABELS += (
	_lt("SHA-256 of the Original"),
	_lt("Sealed In"),
	_lt("SHA-256 of the Shown Mail"),
	_lt("Private Mail"),
	_lt("Display Names"),
)

# The "Email Archive" tab on the CRM forms: a Tab Break and the HTML field the tab renders into.
ARCHIVE_DOCTYPES = ("Contact", "Customer", "Supplier", "Lead", "Opportunity", "Issue")
for _doctype in ARCHIVE_DOCTYPES:
	CUSTOM_FIELDS[_doctype] = [
		{"fieldname": "mail_archive_tab", "fieldtype": "Tab Break", "label": "Email Archive"},
		{
			"fieldname": "mail_archive_html",
			"fieldtype": "HTML",
			"label": "Email Archive",
			"insert_after": "mail_archive_tab",
			# not empty, or Frappe hides the section and with it the tab
			"options": '<div class="mail-archive-placeholder text-muted">…</div>',
		},
	]

# Indexes the filing lookups need (fresh v15 sites lack the Contact Email one); ours by name.
INDEXES = [
	("Contact Email", ["email_id"], "crm_mail_archive_email_id"),
	("Lead", ["email_id"], "crm_mail_archive_email_id"),
	# a mail's thread (replies of a mail) without a scan
	("Communication", ["in_reply_to"], "crm_mail_archive_in_reply_to"),
	# the daily seal: archived mail not sealed yet, stored before a day's end (integrity/seal.py)
	("Communication", ["mail_archive_digest", "creation"], "crm_mail_archive_digest_creation"),
	# the open deal: the Opportunities of a batch's parties, contacts and contact addresses (filing/deals.py)
	("Opportunity", ["party_name", "status"], "crm_mail_archive_party_status"),
	("Opportunity", ["contact_person"], "crm_mail_archive_contact_person"),
	("Opportunity", ["contact_email"], "crm_mail_archive_contact_email"),
]


def after_install() -> None:
	after_migrate()


def after_migrate() -> None:
	from crm_mail_archive.accounts.schedule import repair_future_job_times
	from crm_mail_archive.search.index import ensure_fulltext_index

	repair_future_job_times()
	_place_archive_tabs_last()
	create_custom_fields(_with_module(CUSTOM_FIELDS), update=True)
	set_list_columns()
	for doctype, fields, index_name in INDEXES:
		frappe.db.add_index(doctype, fields, index_name)
	ensure_fulltext_index()
	grant_communication_read()
	create_roles()


# the archive's own roles (GoBD, GDPR): they manage retention, holds and erasure / read the audit
ROLES = {
	"Mail Archive Manager": _lt("Mail Archive Manager"),
	"Mail Archive Auditor": _lt("Mail Archive Auditor"),
}


def create_roles() -> None:
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


# The Communication list: the sender and the mail's date, not stock's mostly empty Comment Type.
LIST_COLUMNS = {"sender_full_name": 1, "communication_date": 1, "comment_type": 0}


def set_list_columns() -> None:
	"""Property Setters of our module (uninstall removes them by module)."""
	for fieldname, shown in LIST_COLUMNS.items():
		key = {"doc_type": "Communication", "field_name": fieldname, "property": "in_list_view"}
		if frappe.db.get_value("Property Setter", key, "value") == str(shown):
			continue
		frappe.db.delete("Property Setter", key)
		setter = frappe.get_doc(
			{
				"doctype": "Property Setter",
				"doctype_or_field": "DocField",
				**key,
				"value": str(shown),
				"property_type": "Check",
				"module": MODULE,
				"is_system_generated": 1,
			}
		)
		setter.flags.validate_fields_for_doctype = False
		setter.insert(ignore_permissions=True)
	frappe.clear_cache(doctype="Communication")


# Read on Communication for every desk user, narrowed by the hooks in permissions/; it lets a
# Sales User open the mail filed at a Customer they can read.
PERM_FLAGS = ("read", "write", "create", "delete", "submit", "cancel", "amend", "report", "export")
PERM_FLAGS += ("import", "share", "print", "email", "select", "if_owner", "permlevel")


def grant_communication_read() -> None:
	from frappe.permissions import setup_custom_perms

	from crm_mail_archive.permissions import GRANTED_ROLE

	setup_custom_perms("Communication")  # copies the standard rules first, as the desk does
	if frappe.db.exists(
		"Custom DocPerm", {"parent": "Communication", "role": GRANTED_ROLE, "permlevel": 0, "if_owner": 0}
	):
		return
	perm = frappe.new_doc("Custom DocPerm")
	perm.update(
		{
			"parent": "Communication",
			"parenttype": "DocType",
			"parentfield": "permissions",
			"role": GRANTED_ROLE,
			"permlevel": 0,
			"read": 1,
			"print": 1,
			"email": 1,
		}
	)
	perm.insert(ignore_permissions=True)
	frappe.clear_cache(doctype="Communication")


def revoke_communication_read() -> None:
	"""Remove our rule; when the rest equals the standard rules, drop the copy setup made."""
	from crm_mail_archive.permissions import GRANTED_ROLE

	frappe.db.delete(
		"Custom DocPerm",
		{"parent": "Communication", "role": GRANTED_ROLE, "permlevel": 0, "if_owner": 0, "write": 0},
	)

	def rules(doctype: str) -> list[tuple]:
		fields = ["role", *PERM_FLAGS]
		return sorted(
			tuple(row.values()) for row in frappe.get_all(doctype, {"parent": "Communication"}, fields)
		)

	if rules("Custom DocPerm") == rules("DocPerm"):
		frappe.db.delete("Custom DocPerm", {"parent": "Communication"})
	frappe.clear_cache(doctype="Communication")


def before_uninstall() -> None:
	revoke_communication_read()
	for role in ROLES:
		frappe.db.delete("Has Role", {"role": role})
		if frappe.db.exists("Role", role):
			frappe.delete_doc("Role", role, ignore_permissions=True, force=True)
	for doctype, fields in CUSTOM_FIELDS.items():
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
	frappe.db.delete("Property Setter", {"module": MODULE})
	for doctype, _fields, index_name in INDEXES:
		if frappe.db.has_index(f"tab{doctype}", index_name):
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{index_name}`")
	# Frappe drops our DocTypes but keeps Scheduled Job Types of methods that no longer exist
	for job in frappe.get_all(
		"Scheduled Job Type", filters={"method": ("like", "crm\\_mail\\_archive.%")}, pluck="name"
	):
		frappe.delete_doc("Scheduled Job Type", job, ignore_permissions=True, force=True)


def _place_archive_tabs_last() -> None:
	"""The Email Archive tab goes after each form's last field (a field without `insert_after`
	is left out of the form)."""
	for doctype in ARCHIVE_DOCTYPES:
		fields = [
			f.fieldname
			for f in frappe.get_meta(doctype).fields
			if not f.fieldname.startswith("mail_archive_")
		]
		CUSTOM_FIELDS[doctype][0]["insert_after"] = fields[-1]


def _with_module(custom_fields: dict[str, list[dict]]) -> dict[str, list[dict]]:
	return {dt: [{**field, "module": MODULE} for field in fields] for dt, fields in custom_fields.items()}
