"""The Mail Archive workspace: its shortcuts open our lists and their counts are queries that run."""

import json

import frappe


def test_the_workspace_counts_what_needs_attention():
	workspace = frappe.get_doc("Workspace", "Mail Archive")
	assert workspace.module == "CRM Mail Archive" and workspace.public
	shortcuts = {row.label: row for row in workspace.shortcuts}
	assert set(shortcuts) >= {
		"Mail Archive Accounts",
		"Unfiled Mail",
		"Quarantined Mail",
		"Failed Server Actions",
		"Archive Blocklist",
		"Mail Archive Settings",
	}
	assert shortcuts["Mail Search"].type == "Page" and frappe.db.exists("Page", "mail-search")
	for row in shortcuts.values():
		assert frappe.db.exists(row.type if row.type == "Page" else "DocType", row.link_to)
		if row.stats_filter:
			count = frappe.get_list(
				row.link_to, filters=json.loads(row.stats_filter), fields=["count(*) as n"]
			)
			assert count[0].n >= 0
	cards = [row.label for row in workspace.links if row.type == "Card Break"]
	assert cards == ["Mailboxes", "Filing"]
	content = json.loads(workspace.content)
	assert {block["data"].get("shortcut_name") for block in content if block["type"] == "shortcut"} == set(
		shortcuts
	)
