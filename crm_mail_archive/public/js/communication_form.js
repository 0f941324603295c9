// An archived mail opens in a reader, not a record editor: who wrote to whom and when, from which
// mailbox and folder, where it is filed and why, its body and attachments; the actions one takes on
// a mail (reply, forward, read/unread, move, spam, trash, file, create); nothing to edit or save.
// Stock and ERPNext buttons that would bypass the archive are replaced. Mail values are text and
// escaped; the body is the HTML sanitized when the mail was stored.
// Needs mail_dialogs.js and mail_compose.js (loaded before this file, see hooks.py).

frappe.ui.form.on("Communication", {
	refresh(frm) {
		if (!frm.doc.mail_archive_key) return;
		crm_mail_archive.reader.setup(frm);
	},
});

// a new opening of a mail (the route changed) may mark it read again
frappe.router.on("change", () => (crm_mail_archive.read_on_open = null));

crm_mail_archive.reader = {
	setup(frm) {
		frm.disable_save();
		frm.set_read_only();
		for (const field of frm.meta.fields) {
			if (field.fieldname !== "mail_archive_reader") frm.toggle_display(field.fieldname, false);
		}
		frm.$wrapper.find(".form-attachments, .form-shared, .form-tags").addClass("hidden");
		frm.clear_custom_buttons();
		this.add_actions(frm);
		this.render(frm);
		this.show_provenance(frm);
	},

	// The sync stored the mail in whoever's session ran it: stock's "You created this" would say
	// the reader wrote it. The sidebar and the timeline say where it was archived from instead.
	show_provenance(frm) {
		const text = () =>
			`${frappe.utils.escape_html(__("Archived from {0}", [frm.doc.email_account || ""]))} · ${comment_when(frm.doc.creation)}`;
		const apply = () => frm.$wrapper.find(".form-sidebar .created-by").html(text());
		apply();
		frappe.after_ajax(apply);
		if (frm.timeline && !frm.timeline.mail_archive_provenance) {
			// the form is reused for the next Communication, which may be no archived mail
			const stock = frm.timeline.get_creation_message.bind(frm.timeline);
			frm.timeline.mail_archive_provenance = true;
			frm.timeline.get_creation_message = () =>
				frm.doc.mail_archive_key ? { creation: frm.doc.creation, content: text() } : stock();
			frm.timeline.refresh();
		}
	},

	add_actions(frm) {
		const server_action = (method, args) =>
			crm_mail_archive.call(method, args).then(() => {
				frappe.show_alert({ message: __("Sent to the mail server"), indicator: "blue" });
				frm.reload_doc();
			});
		const answer = (mode) => crm_mail_archive.answer(frm.doc.name, mode, () => frm.reload_doc());
		frm.page.set_primary_action(__("Reply"), () => answer("reply"), "reply");
		frm.add_custom_button(__("Reply All"), () => answer("reply_all"));
		frm.add_custom_button(__("Forward"), () => answer("forward"));
		frm.add_custom_button(__("File at…"), () => crm_mail_archive.file_dialog([frm.doc.name], () => frm.reload_doc()));

		const actions = __("Actions");
		crm_mail_archive.add_read_toggle(frm, server_action);
		frm.add_custom_button(__("Move"), () => crm_mail_archive.move_dialog(frm, server_action), actions);
		if (frm.doc.email_status !== "Spam") {
			frm.add_custom_button(__("Mark as Spam"), () => server_action("mark_spam", { communication: frm.doc.name }), actions);
		}
		if (frm.doc.email_status !== "Trash") {
			frm.add_custom_button(__("Move To Trash"), () => server_action("trash_mail", { communication: frm.doc.name }), actions);
		}
		frm.add_custom_button(
			__("Re-file"),
			() => crm_mail_archive.call("refile_mail", { communication: frm.doc.name }).then(() => frm.reload_doc()),
			actions
		);
		if (frm.doc.mail_archive_raw_file) {
			frm.add_custom_button(
				__("Download Original (.eml)"),
				() =>
					window.open(
						`/api/method/crm_mail_archive.api.download_original?communication=${encodeURIComponent(frm.doc.name)}`
					),
				actions
			);
			frm.add_custom_button(
				__("Export as Evidence"),
				() => crm_mail_archive.export_mail({ scope: "Mail", name: frm.doc.name, export_format: "Evidence" }),
				actions
			);
		}
		if (frappe.user.has_role("Mail Archive Manager") || frappe.user.has_role("System Manager")) {
			const archive = __("Archive");
			frm.add_custom_button(
				frm.doc.mail_archive_legal_hold ? __("Release Legal Hold") : __("Set Legal Hold"),
				() =>
					crm_mail_archive
						.call("set_legal_hold", { communication: frm.doc.name, hold: frm.doc.mail_archive_legal_hold ? 0 : 1 })
						.then(() => {
							frappe.show_alert({
								message: frm.doc.mail_archive_legal_hold
									? __("The legal hold on this mail is released.")
									: __("This mail is now under legal hold: it is kept until the hold is released."),
								indicator: "green",
							});
							return frm.reload_doc();
						}),
				archive
			);
			frm.add_custom_button(__("Retention"), () => crm_mail_archive.retention_dialog(frm), archive);
		}
		if (frm.doc.sent_or_received === "Received") {
			for (const doctype of ["Contact", "Lead", "Opportunity", "Issue"]) {
				frm.add_custom_button(__(doctype), () => crm_mail_archive.create_from(frm.doc.name, doctype), __("Create"));
			}
		}
	},

	render(frm) {
		const wrapper = $(frm.fields_dict.mail_archive_reader.wrapper);
		// the form's load brought the mail and its server state along (Communication onload); else
		// one request for both (a cold reader waits for every round trip)
		// (used once: a form shown again from the desk's cache asks anew)
		const loaded = frm.doc.__onload && frm.doc.__onload.mail_archive_view;
		if (loaded) delete frm.doc.__onload.mail_archive_view;
		const view = loaded
			? Promise.resolve(loaded)
			: crm_mail_archive.get("get_mail_view", { communication: frm.doc.name, with_server_state: 1 });
		view.then((mail) => {
			const state = mail.server_state;
			wrapper.html(crm_mail_archive.mail_html(mail, { state, unfile: true })).data("mail-attachments", mail.attachments);
			if (mail.can_mark_private) {
				frm.add_custom_button(
					mail.private ? __("Share Again") : __("Mark as Private"),
					() => crm_mail_archive.set_private(frm.doc.name, !mail.private).then(() => frm.reload_doc()),
					__("Actions")
				);
			}
			wrapper.find(".mail-archive-unfile").on("click", (event) => {
				const { doctype, name } = event.currentTarget.dataset;
				crm_mail_archive.call("unfile_mail", { communication: frm.doc.name, doctype, name }).then(() => frm.reload_doc());
			});
			crm_mail_archive.bind_mail_html(wrapper);
			crm_mail_archive.show_einvoices(wrapper, mail);
			this.mark_read_on_open(frm, mail);
		});
	},

	// opening a mail of one's own mailbox reads it: marked read in the desk and on the mail server
	// (a manager or a reader of someone else's mail leaves it as it is)
	mark_read_on_open(frm, mail) {
		// once per opening: a later render of the same mail (the form refreshed, or reloaded after
		// the user's own "Mark as Unread") must not read it again behind their back
		if (crm_mail_archive.read_on_open === frm.doc.name) return;
		crm_mail_archive.read_on_open = frm.doc.name;
		if (!mail.own_mailbox || !mail.may_change || mail.seen) return;
		frappe
			.call({
				method: "crm_mail_archive.api.change_mails",
				args: { communications: [frm.doc.name], action: "Mark Read" },
			})
			.then(() => {
				// only the read toggle changes: reloading the form would rebuild every button under
				// the user's hand (a menu they are opening, say)
				frm.doc.seen = 1;
				crm_mail_archive.add_read_toggle(frm);
			});
	},
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
	frappe.call("crm_mail_archive.api.get_server_state", { communication: frm.doc.name }).then((r) => {
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
					.map((folder) => ({ value: folder.name, label: crm_mail_archive.as_text(crm_mail_archive.folder_label(folder.name, folder.special_use)) }))
			);
			dialog.show();
		});
	});
};

// until when the mail is kept and what holds it; after its retention a manager may delete it
crm_mail_archive.retention_dialog = (frm) => {
	crm_mail_archive.get("get_retention", { communication: frm.doc.name }).then((info) => {
		const escape = frappe.utils.escape_html;
		const dialog = new frappe.ui.Dialog({
			title: __("Retention"),
			fields: [
				{
					fieldtype: "HTML",
					fieldname: "info",
					options: `<p class="mail-retention-end">${__("Kept until {0}.", [escape(frappe.datetime.str_to_user(info.retention_end))])}</p>
						${info.legal_hold ? `<p class="mail-retention-hold">${__("Kept by: {0}.", [escape(info.legal_hold)])}</p>` : ""}`,
				},
				{ fieldtype: "Small Text", fieldname: "reason", label: __("Reason for the Deletion"), hidden: !info.may_delete },
			],
			primary_action_label: info.may_delete ? __("Delete Mail") : __("Close"),
			primary_action: ({ reason }) => {
				if (!info.may_delete) return dialog.hide();
				crm_mail_archive.call("delete_archived_mail", { communication: frm.doc.name, reason }).then(() => {
					dialog.hide();
					frappe.set_route("List", "Communication");
				});
			},
		});
		dialog.show();
	});
};

// "Mark as Read" or "Mark as Unread" in the reader's Actions, as the mail is now
crm_mail_archive.add_read_toggle = (frm, server_action) => {
	const actions = __("Actions");
	frm.remove_custom_button(__("Mark as Read"), actions);
	frm.remove_custom_button(__("Mark as Unread"), actions);
	const send =
		server_action ||
		((method, args) =>
			crm_mail_archive.call(method, args).then(() => {
				frappe.show_alert({ message: __("Sent to the mail server"), indicator: "blue" });
				frm.reload_doc();
			}));
	frm.add_custom_button(
		frm.doc.seen ? __("Mark as Unread") : __("Mark as Read"),
		() => send("mark_read", { communications: [frm.doc.name], read: frm.doc.seen ? 0 : 1 }),
		actions
	);
};
