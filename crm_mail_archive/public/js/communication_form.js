// Communication form, for archived mail: where it is filed (and why), File at… / Un-file, Create
// Contact/Lead/Opportunity/Issue that files the thread, and actions that reach the mail server.
// Stock and ERPNext buttons that would bypass the archive are replaced by ours.
// Needs mail_dialogs.js (loaded before this file, see hooks.py).

frappe.ui.form.on("Communication", {
	refresh(frm) {
		if (!frm.doc.mail_archive_key) return;
		const received = frm.doc.sent_or_received === "Received";
		[
			["Relink"],
			["Mark as Unread", "Actions"],
			["Mark as Read", "Actions"],
			["Move", "Actions"],
			["Mark as Spam", "Actions"],
			["Move To Trash", "Actions"],
			["Contact", "Create"],
			["Lead", "Create"],
			["Opportunity", "Create"],
			["Issue", "Create"],
		].forEach(([label, group]) => frm.remove_custom_button(__(label), group && __(group)));

		frm.add_custom_button(__("File at…"), () => crm_mail_archive.file_dialog([frm.doc.name], () => frm.reload_doc()));
		frm.add_custom_button(
			__("Re-file"),
			() => crm_mail_archive.call("refile_mail", { communication: frm.doc.name }).then(() => frm.reload_doc()),
			__("Actions")
		);
		const server_action = (method, args) =>
			crm_mail_archive.call(method, args).then(() => {
				frappe.show_alert({ message: __("Sent to the mail server"), indicator: "blue" });
				frm.reload_doc();
			});
		frm.add_custom_button(
			frm.doc.seen ? __("Mark as Unread") : __("Mark as Read"),
			() => server_action("mark_read", { communications: [frm.doc.name], read: frm.doc.seen ? 0 : 1 }),
			__("Actions")
		);
		frm.add_custom_button(__("Move"), () => crm_mail_archive.move_dialog(frm, server_action), __("Actions"));
		if (frm.doc.email_status !== "Spam") {
			frm.add_custom_button(
				__("Mark as Spam"),
				() => server_action("mark_spam", { communication: frm.doc.name }),
				__("Actions")
			);
		}
		if (frm.doc.email_status !== "Trash") {
			frm.add_custom_button(
				__("Move To Trash"),
				() => server_action("trash_mail", { communication: frm.doc.name }),
				__("Actions")
			);
		}
		if (received) {
			["Contact", "Lead", "Opportunity", "Issue"].forEach((doctype) =>
				frm.add_custom_button(__(doctype), () => crm_mail_archive.create_from(frm, doctype), __("Create"))
			);
		}
		if ((frm.doc.content || "").includes("data-mail-archive-src")) {
			frm.add_custom_button(__("Show Remote Images"), () => crm_mail_archive.show_remote_images());
		}
		crm_mail_archive.show_archive_state(frm);
	},
});

// Remote images of a mail are held back when it is stored (archive/content.py): load on request.
crm_mail_archive.show_remote_images = () => {
	document.querySelectorAll("img[data-mail-archive-src]").forEach((image) => {
		image.src = image.dataset.mailArchiveSrc;
		image.removeAttribute("data-mail-archive-src");
	});
};

crm_mail_archive.move_dialog = (frm, server_action) => {
	const dialog = new frappe.ui.Dialog({
		title: __("Move to folder"),
		fields: [{ fieldtype: "Select", label: __("Folder"), fieldname: "folder", reqd: 1 }],
		primary_action_label: __("Move"),
		primary_action(values) {
			dialog.hide();
			server_action("move_mail", { communication: frm.doc.name, folder: values.folder });
		},
	});
	frappe
		.call("crm_mail_archive.api.get_server_state", { communication: frm.doc.name })
		.then((r) => {
			const account = (r.message.copies[0] || {}).account;
			if (!account) {
				frappe.msgprint(__("No mailbox holds this mail."));
				return;
			}
			return frappe.call("crm_mail_archive.api.list_server_folders", { account }).then((folders) => {
				const current = new Set(r.message.copies.map((copy) => copy.folder));
				dialog.set_df_property(
					"folder",
					"options",
					folders.message
						.filter((folder) => !current.has(folder.name))
						.map((folder) => ({ value: folder.name, label: crm_mail_archive.as_text(folder.name) }))
				);
				dialog.show();
			});
		});
};

crm_mail_archive.create_from = (frm, doctype) => {
	const create = (args = {}) =>
		crm_mail_archive
			.call("create_from_mail", { communication: frm.doc.name, doctype, ...args })
			.then((r) => frappe.set_route("Form", r.message.doctype, r.message.name));
	if (doctype !== "Opportunity") {
		frappe.confirm(__("Create a {0} from this mail and file the conversation there?", [__(doctype)]), () => create());
		return;
	}
	frappe.call("crm_mail_archive.api.open_opportunities", { communication: frm.doc.name }).then((r) => {
		const open = r.message || [];
		if (!open.length) {
			frappe.confirm(__("Create a {0} from this mail and file the conversation there?", [__(doctype)]), () => create());
			return;
		}
		const dialog = new frappe.ui.Dialog({
			title: __("Open Opportunities"),
			fields: [
				{
					fieldtype: "Select",
					fieldname: "choice",
					label: __("File at an open Opportunity, or create a new one"),
					options: [
						{ value: "", label: __("New Opportunity") },
						...open.map((row) => ({ value: row.name, label: `${row.name}: ${row.title || row.party_name}` })),
					],
				},
			],
			primary_action_label: __("Continue"),
			primary_action(values) {
				dialog.hide();
				if (!values.choice) return create();
				crm_mail_archive
					.call("file_mail", { communications: [frm.doc.name], doctype: "Opportunity", name: values.choice })
					.then(() => frappe.set_route("Form", "Opportunity", values.choice));
			},
		});
		dialog.show();
	});
};

crm_mail_archive.show_archive_state = (frm) => {
	Promise.all([
		frappe.call({ method: "crm_mail_archive.api.get_filings", args: { communication: frm.doc.name }, type: "GET" }),
		frappe.call({ method: "crm_mail_archive.api.get_server_state", args: { communication: frm.doc.name }, type: "GET" }),
	]).then(([filings, state]) => {
		const escape = frappe.utils.escape_html;
		const rows = (filings.message || []).map(
			(row) => `<tr>
				<td><a href="/app/${frappe.router.slug(row.link_doctype)}/${encodeURIComponent(row.link_name)}">${escape(__(row.link_doctype))}: ${escape(row.link_name)}</a></td>
				<td>${escape(__(row.source))}</td>
				<td class="text-muted">${escape(
					row.matched_address || (row.reply_to_mail ? __("Reply to {0}", [row.reply_to_mail]) : "") || row.filed_by || ""
				)}</td>
				<td><button class="btn btn-xs btn-default mail-archive-unfile" data-doctype="${escape(row.link_doctype)}" data-name="${escape(row.link_name)}">${__("Un-file")}</button></td>
			</tr>`
		);
		const actions = (state.message.actions || []).map(
			(action) =>
				`<div class="indicator-pill ${action.status === "Failed" ? "red" : "orange"} mr-2 mb-1" title="${escape(action.last_error || "")}">${escape(__(action.action))}: ${escape(__(action.status))}</div>`
		);
		frm.dashboard.clear_comment();
		const html = `<div class="mail-archive-state">
			<div class="mb-2"><b>${__("Filed at")}</b></div>
			${rows.length ? `<table class="table table-sm mail-archive-filings"><tbody>${rows.join("")}</tbody></table>` : `<p class="text-muted">${__("Not filed anywhere yet.")}</p>`}
			${actions.length ? `<div class="mail-archive-server-actions">${actions.join("")}</div>` : ""}
		</div>`;
		frm.dashboard.set_headline(html);
		frm.dashboard.frm.$wrapper.find(".mail-archive-unfile").on("click", (event) => {
			const { doctype, name } = event.currentTarget.dataset;
			crm_mail_archive.call("unfile_mail", { communication: frm.doc.name, doctype, name }).then(() => frm.reload_doc());
		});
	});
};
