"""Site preparation for development and test sites (used by scripts/setup.sh)."""

import frappe
from frappe.utils import getdate

DEMO_COMPANY = "Muster Handels GmbH"


def complete_setup_wizard() -> None:
	"""Finish ERPNext's setup wizard with a German company in EUR, once."""
	if frappe.db.get_single_value("System Settings", "setup_complete") and frappe.db.exists(
		"Company", DEMO_COMPANY
	):
		return
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	year = getdate().year
	setup_complete(
		{
			"language": "English",
			"country": "Germany",
			"timezone": "Europe/Berlin",
			"currency": "EUR",
			"full_name": "Anna Admin",
			"email": "anna.admin@muster-handels.example",
			"password": "admin",
			"company_name": DEMO_COMPANY,
			"company_abbr": "MHG",
			"company_tagline": "Großhandel für Bürobedarf",
			"bank_account": "Hausbank",
			"chart_of_accounts": "Standard",
			"fy_start_date": f"{year}-01-01",
			"fy_end_date": f"{year}-12-31",
			"setup_demo": 0,
		}
	)
	frappe.db.commit()


MODULE = "CRM Mail Archive"


def app_footprint() -> dict[str, list[str]]:
	"""Everything of ours in the site's schema: what an uninstall must leave empty."""
	from crm_mail_archive.install import CUSTOM_FIELDS

	ours = {f"{dt}-{field['fieldname']}" for dt, fields in CUSTOM_FIELDS.items() for field in fields}
	custom_fields = frappe.get_all(
		"Custom Field",
		or_filters={"module": MODULE, "name": ("in", list(ours) or [""])},
		pluck="name",
	)
	tables = [
		row[0]
		for row in frappe.db.sql(
			"""select table_name from information_schema.tables
			where table_schema = database() and table_name in %(names)s""",
			{"names": [f"tab{dt}" for dt in _module_doctype_names()] or [""]},
		)
	]
	return {
		"doctypes": frappe.get_all("DocType", filters={"module": MODULE}, pluck="name"),
		"tables": tables,
		"custom_fields": custom_fields,
		"property_setters": frappe.get_all("Property Setter", filters={"module": MODULE}, pluck="name"),
		"scheduled_jobs": frappe.get_all(
			"Scheduled Job Type", filters={"method": ("like", "crm\\_mail\\_archive.%")}, pluck="name"
		),
		"module_defs": frappe.get_all("Module Def", filters={"name": MODULE}, pluck="name"),
		"workspaces": frappe.get_all("Workspace", filters={"module": MODULE}, pluck="name"),
		# our read grant and the copy of the standard rules it needs
		"communication_permissions": sorted(
			f"{row.role}:{row.permlevel}:{row.if_owner}"
			for row in frappe.get_all(
				"Custom DocPerm", {"parent": "Communication"}, ["role", "permlevel", "if_owner"]
			)
		),
	}


def _module_doctype_names() -> list[str]:
	"""DocType names from the app's files, so dropped tables are found even without DocType rows."""
	import json
	from pathlib import Path

	doctype_dir = Path(frappe.get_app_path("crm_mail_archive", "crm_mail_archive", "doctype"))
	return [json.loads(path.read_text())["name"] for path in doctype_dir.glob("*/*.json")]


def print_app_footprint() -> None:
	import json

	print(json.dumps(app_footprint(), sort_keys=True))
