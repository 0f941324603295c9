// The Mail Archive workspace's counters (Unfiled Mail, Quarantined Mail, Failed Server Actions, …)
// follow the server's "mail_archive_changed" events while the workspace is open: each counted
// shortcut is counted again (frappe.db.count, under the user's permissions) and its pill updated
// as stock's shortcut widget writes it. The Email Archive tab and the Mail Search page listen
// themselves (email_archive.js, mail_search.js).
frappe.provide("crm_mail_archive");

crm_mail_archive.WORKSPACE = "Mail Archive";

crm_mail_archive.refresh_workspace_counts = () => {
	const workspace = frappe.workspace;
	const open = frappe.get_route()[0] === "Workspaces" && workspace && (workspace.current_page || {}).name === crm_mail_archive.WORKSPACE;
	if (!open) return;
	const items = (workspace.page_data && workspace.page_data.shortcuts && workspace.page_data.shortcuts.items) || [];
	for (const item of items) {
		if (item.type !== "DocType" || !item.stats_filter) continue;
		const filters = frappe.utils.process_filter_expression(item.stats_filter);
		if (!filters) continue;
		frappe.db.count(item.link_to, { filters }).then((count) => {
			// the block names the shortcut by its label as stored; page_data holds it translated
			const block = $("[shortcut_name]").filter(
				(_, element) => frappe.utils.unescape_html(__(element.getAttribute("shortcut_name"))) === frappe.utils.unescape_html(item.label)
			);
			const pill = block.find(".widget-control .indicator-pill");
			if (!pill.length) return;
			const label = item.format ? __(item.format).replace(/{}/g, count) : count;
			const color = item.color && count ? item.color.toLowerCase() : "gray";
			pill.attr("class", `indicator-pill no-indicator-dot ellipsis ${color}`).text(label);
		});
	}
};

$(document).on("app_ready", () => {
	const refresh = frappe.utils.debounce(crm_mail_archive.refresh_workspace_counts, 500);
	frappe.realtime.on("mail_archive_changed", refresh);
});
