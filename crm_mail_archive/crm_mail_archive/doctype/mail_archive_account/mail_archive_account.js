// Mail Archive Account: sync on demand, pick server folders, follow a running sync.
frappe.ui.form.on("Mail Archive Account", {
	setup(frm) {
		frappe.realtime.on("mail_archive_sync_progress", (data) => {
			if (data.account !== frm.doc.name) return;
			frappe.show_progress(
				__("Syncing {0}", [crm_mail_archive.as_text(data.folder)]),
				data.done,
				data.total,
				__("{0} of {1} mails", [data.done, data.total]),
				true
			);
			if (data.done >= data.total) frm.reload_doc();
		});
	},

	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Sync Now"), () => {
			frappe
				.call("crm_mail_archive.api.sync_now", { account: frm.doc.name })
				.then(() => frappe.show_alert({ message: __("Sync queued"), indicator: "blue" }));
		});
		frm.add_custom_button(__("Sync Folder…"), () => choose_server_folder(frm, false));
		frm.add_custom_button(__("Add Folder"), () => choose_server_folder(frm, true));
		const colors = { OK: "green", Retrying: "orange", "Needs Attention": "red" };
		frm.dashboard.clear_headline();
		if (frm.doc.health && frm.doc.health !== "OK") {
			frm.dashboard.set_headline_alert(
				`${__(frm.doc.health)}: ${frappe.utils.escape_html(frm.doc.health_reason || "")}`,
				colors[frm.doc.health]
			);
		}
	},
});

function choose_server_folder(frm, add) {
	frappe
		.call({
			method: "crm_mail_archive.api.list_server_folders",
			args: { account: frm.doc.name },
			freeze: true,
			freeze_message: __("Reading folders from the mail server…"),
		})
		.then(({ message: folders }) => {
			// a folder name is the server's text: escaped as a label, exact as the value
			const choices = folders
				.filter((f) => !add || !f.configured)
				.map((f) => ({ value: f.name, label: crm_mail_archive.as_text(f.name) }));
			if (!choices.length) {
				frappe.msgprint(__("Every folder of this mailbox is already synced."));
				return;
			}
			const dialog = new frappe.ui.Dialog({
				title: add ? __("Add Folder") : __("Sync Folder"),
				fields: [
					{ fieldname: "folder", fieldtype: "Select", label: __("Folder"), options: choices, reqd: 1 },
					{
						fieldname: "role",
						fieldtype: "Select",
						label: __("Role"),
						options: ["Inbox", "Sent", "Other"],
						default: "Other",
						depends_on: add ? "" : "eval:false",
					},
				],
				primary_action_label: add ? __("Add") : __("Sync"),
				primary_action(values) {
					const method = add ? "add_folder" : "sync_folder";
					const args = { account: frm.doc.name, folder: values.folder };
					if (add) args.role = values.role;
					frappe.call(`crm_mail_archive.api.${method}`, args).then(() => {
						dialog.hide();
						if (add) frm.reload_doc();
						else frappe.show_alert({ message: __("Sync queued"), indicator: "blue" });
					});
				},
			});
			dialog.fields_dict.folder.df.onchange = () => {
				const picked = folders.find((f) => f.name === dialog.get_value("folder"));
				if (picked) dialog.set_value("role", picked.role);
			};
			dialog.show();
		});
}
