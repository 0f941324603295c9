// Archive Blocklist: file the entry's mail again on demand (e.g. after disabling the entry).
frappe.ui.form.on("Archive Blocklist", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.enabled) return;
		frm.add_custom_button(__("Re-file"), () => {
			frappe
				.call({
					method: "crm_mail_archive.api.refile_blocklist_entry",
					args: { entry: frm.doc.name },
				})
				.then(() =>
					frappe.show_alert({
						message: __("Mail of {0} is being filed again", [frm.doc.value]),
						indicator: "blue",
					})
				);
		});
	},
});
