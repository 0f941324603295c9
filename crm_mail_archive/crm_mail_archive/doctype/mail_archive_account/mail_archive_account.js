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
		frm.add_custom_button(__("Import Mail"), () => crm_mail_archive.choose_and_import(null, null, frm.doc.name), __("Archive"));
		if (!frm.mail_drops) {
			// mail files dropped on the form are imported into this account
			frm.mail_drops = true;
			crm_mail_archive.accept_mail_drops(frm.$wrapper, null, null, () => frm.doc.name);
		}
		frm.add_custom_button(__("Export as ZIP"), () => crm_mail_archive.export_mail({ scope: "Account", account: frm.doc.name }), __("Archive"));
		frm.add_custom_button(
			__("Export as mbox"),
			() => crm_mail_archive.export_mail({ scope: "Account", account: frm.doc.name, export_format: "mbox" }),
			__("Archive")
		);
		if (frm.doc.account_owner === frappe.session.user || (frm.perm[0] && frm.perm[0].write)) {
			frm.add_custom_button(__("Set Visibility"), () => choose_visibility(frm));
		}
		if (frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(__("Sync Folder…"), () => choose_server_folder(frm, false));
			frm.add_custom_button(__("Add Folder"), () => choose_server_folder(frm, true));
		}
		show_status(frm);
	},
});

// At the top: health and why, the last sync and what it brought, the next one, and whether the
// site's scheduler runs syncs at all (a sync that never runs must not look like a quiet mailbox).
function show_status(frm) {
	const escape = frappe.utils.escape_html;
	const wrapper = $(frm.fields_dict.status_html.wrapper);
	frappe
		.call({ method: "crm_mail_archive.api.get_account_status", args: { account: frm.doc.name }, type: "GET" })
		.then(({ message: status }) => {
			const colors = { OK: "green", Retrying: "orange", "Needs Attention": "red" };
			// comment_when gives Frappe's own markup for a date: not escaped
			const when = (value) => (value ? `${escape(frappe.datetime.str_to_user(value))} (${comment_when(value)})` : "");
			const until = (value) => {
				const minutes = Math.round(frappe.datetime.get_minute_diff(value, frappe.datetime.now_datetime()));
				const relative = minutes <= 0 ? __("due now") : minutes === 1 ? __("in 1 minute") : __("in {0} minutes", [minutes]);
				return `${escape(frappe.datetime.str_to_user(value))} (${escape(relative)})`;
			};
			const lines = [];
			lines.push(
				`<span class="indicator-pill ${colors[status.health] || "gray"} mail-archive-health">${escape(__(status.health))}</span>` +
					(status.health_reason ? ` <span class="mail-archive-health-reason">${escape(status.health_reason)}</span>` : "")
			);
			lines.push(
				status.last_sync
					? `${__("Last sync")}: ${when(status.last_sync)} — <span class="mail-archive-last-result">${escape(
							new_mails(status.new_mails) + ", " + __("{0} quarantined", [status.quarantined])
					  )}</span>`
					: __("Not synced yet.")
			);
			if (!status.enabled) {
				lines.push(escape(__("Disabled: this mailbox is not synced.")));
			} else if (status.next_sync) {
				lines.push(`${__("Next sync")}: <span class="mail-archive-next-sync">${until(status.next_sync)}</span>`);
			}
			let warning = "";
			if (!status.scheduler_enabled) {
				warning = __("The scheduler of this site is disabled: mailboxes are synced only by Sync Now.");
			} else if (status.scheduler_quiet_since) {
				warning =
					status.scheduler_quiet_since === "never"
						? __("The scheduler has not run the sync yet. Is a worker running (bench start, or the scheduler service)?")
						: __("The scheduler has not run the sync since {0}. Is a worker running?", [
								frappe.datetime.str_to_user(status.scheduler_quiet_since),
						  ]);
			}
			wrapper.html(`<div class="mail-archive-status">
				${lines.map((line) => `<div class="mb-1">${line}</div>`).join("")}
				${warning ? `<div class="alert alert-warning mt-2 mb-0 mail-archive-scheduler-warning">${escape(warning)}</div>` : ""}
			</div>`);
		});
}

function new_mails(count) {
	return count === 1 ? __("1 new mail") : __("{0} new mails", [count]);
}

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

// Who besides its holder reads the mailbox's mail: its owner decides (not only managers, who may
// edit the field itself); the server audits the change.
function choose_visibility(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Who reads this mailbox's mail"),
		fields: [
			{
				fieldtype: "Select",
				fieldname: "visibility",
				label: __("Visibility"),
				reqd: 1,
				default: frm.doc.visibility || "Shared",
				options: [
					{ value: "Shared", label: __("Shared") },
					{ value: "Headers only", label: __("Headers only") },
					{ value: "Private", label: __("Private") },
				],
				description: __(
					"Shared: whoever reads a record the mail is filed at. Headers only: they see that a mail exists, not its text or attachments. Private: nobody but you."
				),
			},
		],
		primary_action_label: __("Set Visibility"),
		primary_action({ visibility }) {
			frappe
				.call({ method: "crm_mail_archive.api.set_visibility", args: { account: frm.doc.name, visibility } })
				.then(() => {
					dialog.hide();
					frm.reload_doc();
				});
		},
	});
	dialog.show();
}
