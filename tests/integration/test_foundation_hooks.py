"""The app is installed on the test site and its hooks load and resolve."""

import frappe


def test_app_is_installed_after_erpnext():
	apps = frappe.get_installed_apps()
	assert "crm_mail_archive" in apps
	assert apps.index("erpnext") < apps.index("crm_mail_archive")


def test_hooks_declare_erpnext_as_required():
	hooks = frappe.get_hooks(app_name="crm_mail_archive")
	assert hooks["required_apps"] == ["frappe/erpnext"]
	assert hooks["app_license"] == ["GPL-3.0"]


def test_every_dotted_path_in_hooks_resolves():
	hooks = frappe.get_hooks(app_name="crm_mail_archive")
	paths = [path for key in ("after_install", "after_migrate", "before_uninstall") for path in hooks[key]]
	for entries in (hooks.get("scheduler_events") or {}).values():
		if isinstance(entries, dict):
			paths += [path for methods in entries.values() for path in methods]
		else:
			paths += entries
	for mapping in ("doc_events",):
		for events in (hooks.get(mapping) or {}).values():
			for methods in events.values():
				paths += methods if isinstance(methods, list) else [methods]
	assert paths
	for path in paths:
		assert callable(frappe.get_attr(path)), path


def test_module_and_settings_doctype_exist():
	assert frappe.db.exists("Module Def", "CRM Mail Archive")
	assert frappe.db.get_value("Module Def", "CRM Mail Archive", "app_name") == "crm_mail_archive"
	settings = frappe.get_single("Mail Archive Settings")
	assert settings.sync_interval_minutes == 5
	assert settings.batch_size == 100
