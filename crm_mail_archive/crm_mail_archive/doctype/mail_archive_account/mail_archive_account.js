// Mail Archive Account: set up the mailbox in one dialog, sync on demand, pick server folders,
// follow a running sync in the status line.
frappe.ui.form.on("Mail Archive Account", {
	setup(frm) {
		// the running sync's progress goes into the status line at the top, folder by folder:
		// nothing covers the form, and the form reloads (last sync, folders) once the sync is through
		frappe.realtime.on("mail_archive_sync_progress", (data) => {
			if (data.account !== frm.doc.name) return;
			if (!frm.sync_progress || frm.sync_progress_shown_finished) frm.sync_progress = {};
			frm.sync_progress_shown_finished = false;
			frm.sync_progress[data.folder] = { done: Number(data.done) || 0, total: Number(data.total) || 0 };
			show_sync_progress(frm);
			clearTimeout(frm.sync_reload);
			if (Object.values(frm.sync_progress).every((folder) => folder.done >= folder.total)) {
				// the next folder's progress may follow at once: reload when the sync is quiet
				// the finished line stays until the next sync begins
				frm.sync_reload = setTimeout(() => {
					frm.sync_progress_shown_finished = true;
					frm.reload_doc();
				}, 3000);
			}
		});
	},

	onload(frm) {
		// a new account starts with the setup dialog, offered once per new document
		if (!frm.is_new() || frm.doc.email_account || frm.setup_offered === frm.doc.name) return;
		if (!frappe.model.can_write("Mail Archive Account")) return;
		frm.setup_offered = frm.doc.name;
		open_setup_dialog(frm);
	},

	refresh(frm) {
		// the managers of accounts (who write them); the server asks permissions.py again
		if (frappe.model.can_write("Mail Archive Account")) {
			frm.add_custom_button(__("Set up mailbox"), () => open_setup_dialog(frm));
		}
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
			if (status.completeness) lines.push(completeness_line(status.completeness));
			wrapper.html(`<div class="mail-archive-status">
				${lines.map((line) => `<div class="mb-1">${line}</div>`).join("")}
				<div class="mb-1 mail-archive-sync-progress"></div>
				${warning ? `<div class="alert alert-warning mt-2 mb-0 mail-archive-scheduler-warning">${escape(warning)}</div>` : ""}
				${status.completeness ? completeness_section(status.completeness) : ""}
			</div>`);
			show_sync_progress(frm);
		});
}

// "Completeness: 120 held on the server, 117 archived, 3 missing" (the figures of integrity/completeness.py)
function completeness_line(figures) {
	const escape = frappe.utils.escape_html;
	const pill = figures.missing ? "orange" : "green";
	const text = figures.missing
		? __("{0} held on the server, {1} archived, {2} missing", [figures.held, figures.archived, figures.missing])
		: __("{0} held on the server, {1} archived, none missing", [figures.held, figures.archived]);
	return `${escape(__("Completeness"))}: <span class="indicator-pill ${pill} mail-archive-completeness-line">${escape(text)}</span>`;
}

// The "Completeness" section: per folder what the server held, what is archived, what is
// missing and why, since when. Folder names are the server's text: escaped.
function completeness_section(figures) {
	const escape = frappe.utils.escape_html;
	const number = (value) => escape(format_number(value || 0, null, 0));
	const columns = [
		["held", __("Held on the server")],
		["archived", __("Archived")],
		["headers_only", __("Headers only (over the size limit)")],
		["expunged_unarchived", __("Expunged before archived")],
		["quarantined", __("Quarantined")],
		["before_first_sync", __("Deleted before the first sync")],
		["blocked", __("Archived with a blocked address")],
	];
	const since = (value) => (value ? escape(frappe.datetime.str_to_user(value)) : escape(__("not synced yet")));
	const rows = figures.folders.map(
		(folder) => `<tr class="mail-archive-completeness-folder">
			<td>${crm_mail_archive.as_text(crm_mail_archive.folder_label(folder.folder))}</td>
			<td>${since(folder.counting_since)}</td>
			${columns.map(([name]) => `<td class="text-right" data-figure="${name}">${number(folder[name])}</td>`).join("")}
		</tr>`
	);
	return `<div class="mail-archive-completeness mt-3">
		<h5 class="mail-archive-completeness-title">${escape(__("Completeness"))}</h5>
		<p class="text-muted small">${escape(
			__(
				"Mail expunged on the server before a sync archived it is reported by the server (QRESYNC) or found from gaps in its UIDs. Mail deleted before the first sync shows only as a UID gap, where the server numbers its mails without gaps."
			)
		)}</p>
		<table class="table table-sm mail-archive-completeness-table">
			<thead><tr><th>${escape(__("Folder"))}</th><th>${escape(__("Counting since"))}</th>${columns
				.map(([, label]) => `<th class="text-right">${escape(label)}</th>`)
				.join("")}</tr></thead>
			<tbody>${rows.join("")}</tbody>
		</table>
	</div>`;
}

// "Syncing  Inbox: 40 of 120 e-mails · Sent: 0 of 35 e-mails" (standard folders in the user's language)
function show_sync_progress(frm) {
	const line = $(frm.fields_dict.status_html.wrapper).find(".mail-archive-sync-progress");
	const folders = Object.entries(frm.sync_progress || {});
	if (!folders.length) {
		line.empty();
		return;
	}
	const parts = folders.map(
		([name, { done, total }]) =>
			`<span class="mail-archive-folder-progress">${crm_mail_archive.as_text(crm_mail_archive.folder_label(name))}: ${frappe.utils.escape_html(
				__("{0} of {1} e-mails", [done, total])
			)}</span>`
	);
	const finished = folders.every(([, folder]) => folder.done >= folder.total);
	line.html(
		`<span class="indicator-pill ${finished ? "green" : "blue"}">${frappe.utils.escape_html(
			finished ? __("Sync finished") : __("Syncing")
		)}</span> ${parts.join(" · ")}`
	);
}

// One dialog to connect a mailbox: provider preset or own server, address, password or OAuth,
// IMAP and SMTP; "Test Connection" logs in without saving, "Save" makes the Email Account and
// this Mail Archive Account (the first sync starts by itself).
function open_setup_dialog(frm) {
	const existing = frm.is_new() ? null : frm.doc.name;
	frappe
		.call({ method: "crm_mail_archive.api.mailbox_setup_choices", args: { account: existing }, type: "GET" })
		.then(({ message: choices }) => {
			const presets = choices.presets;
			const values = choices.values || {};
			const security = [
				{ value: "ssl", label: __("SSL/TLS") },
				{ value: "starttls", label: __("STARTTLS") },
				{ value: "plain", label: __("None (unencrypted)") },
			];
			const dialog = new frappe.ui.Dialog({
				title: __("Set up mailbox"),
				size: "large",
				fields: [
					{ fieldname: "email_address", fieldtype: "Data", options: "Email", label: __("Email Address"), reqd: 1 },
					{
						fieldname: "preset",
						fieldtype: "Select",
						label: __("Provider"),
						options: [
							...presets.map((item) => ({ value: item.key, label: item.label })),
							{ value: choices.manual, label: __("Other provider (enter the server)") },
						],
						default: choices.manual,
						// a stored account's own servers are shown as they are, not the preset's
						onchange: () => loaded && apply_preset(dialog, presets),
					},
					{
						fieldname: "account_owner",
						fieldtype: "Link",
						options: "User",
						label: __("Mailbox Holder"),
						reqd: 1,
						default: frappe.session.user,
					},
					{ fieldtype: "Column Break" },
					{
						fieldname: "auth_method",
						fieldtype: "Select",
						label: __("Sign-in"),
						options: [
							{ value: "Password", label: __("Password") },
							{ value: "OAuth", label: __("OAuth (Connected App)") },
						],
						default: "Password",
					},
					{
						fieldname: "password",
						fieldtype: "Password",
						label: __("Password"),
						depends_on: "eval:doc.auth_method==='Password'",
						description: values.has_password ? __("Leave empty to keep the stored password.") : "",
					},
					{
						fieldname: "connected_app",
						fieldtype: "Link",
						options: "Connected App",
						label: __("Connected App"),
						depends_on: "eval:doc.auth_method==='OAuth'",
						description: __("The mailbox holder signs in once through the Connected App (see README)."),
					},
					{ fieldname: "login_id", fieldtype: "Data", label: __("User Name (if not the email address)") },
					{ fieldname: "automatic_filing", fieldtype: "Check", label: __("Automatic Filing"), default: 1 },
					{ fieldtype: "Section Break", label: __("Incoming Server (IMAP)") },
					{ fieldname: "imap_host", fieldtype: "Data", label: __("Server") },
					{ fieldtype: "Column Break" },
					{ fieldname: "imap_port", fieldtype: "Int", label: __("Port"), default: 993 },
					{ fieldtype: "Column Break" },
					{ fieldname: "imap_security", fieldtype: "Select", label: __("Encryption"), options: security, default: "ssl" },
					{ fieldtype: "Section Break", label: __("Outgoing Server (SMTP)") },
					{ fieldname: "smtp_host", fieldtype: "Data", label: __("Server") },
					{ fieldtype: "Column Break" },
					{ fieldname: "smtp_port", fieldtype: "Int", label: __("Port"), default: 587 },
					{ fieldtype: "Column Break" },
					{ fieldname: "smtp_security", fieldtype: "Select", label: __("Encryption"), options: security, default: "starttls" },
					{ fieldtype: "Section Break" },
					{ fieldname: "connection_result", fieldtype: "HTML" },
				],
				primary_action_label: __("Save"),
				primary_action(settings) {
					frappe
						.call({
							method: "crm_mail_archive.api.set_up_mailbox",
							args: { settings, account: existing },
							freeze: true,
							freeze_message: __("Saving the mailbox…"),
						})
						.then(({ message }) => {
							dialog.hide();
							frappe.show_alert({ message: __("Mailbox saved: the first sync has started."), indicator: "green" });
							if (existing) frm.reload_doc();
							else frappe.set_route("Form", "Mail Archive Account", message.account);
						});
				},
				secondary_action_label: __("Test Connection"),
				secondary_action() {
					const result = dialog.fields_dict.connection_result.$wrapper;
					result.html(`<p class="text-muted">${frappe.utils.escape_html(__("Connecting…"))}</p>`);
					frappe
						.call({
							method: "crm_mail_archive.api.check_mailbox_connection",
							args: { settings: typed_values(dialog), account: existing },
						})
						.then(({ message: outcome }) => result.html(connection_result(outcome)))
						.catch(() => result.empty());
				},
			});
			let loaded = false;
			// shown once the account's values are in: nothing typed before then is overwritten
			Promise.resolve(dialog.set_values(values)).then(() => {
				loaded = true;
				dialog.show();
			});
		});
}

// what the fields show now: a value typed just before the click may not have reached the
// dialog's model yet (its change handler runs after the click's blur), and the test must use it
function typed_values(dialog) {
	const values = dialog.get_values(true);
	for (const [fieldname, field] of Object.entries(dialog.fields_dict)) {
		if (["Data", "Password"].includes(field.df.fieldtype) && field.$input) {
			values[fieldname] = field.$input.val();
		}
	}
	return values;
}

function apply_preset(dialog, presets) {
	const chosen = presets.find((item) => item.key === dialog.get_value("preset"));
	if (!chosen) return;
	dialog.set_values({
		imap_host: chosen.imap_host,
		imap_port: chosen.imap_port,
		imap_security: chosen.imap_security,
		smtp_host: chosen.smtp_host,
		smtp_port: chosen.smtp_port,
		smtp_security: chosen.smtp_security,
		auth_method: chosen.oauth ? "OAuth" : "Password",
	});
	for (const fieldname of ["imap_host", "smtp_host"]) {
		dialog.fields_dict[fieldname].$input.attr("placeholder", chosen.host_hint || "");
	}
}

function connection_result(outcome) {
	const escape = frappe.utils.escape_html;
	const line = (label, result) =>
		result
			? `<div class="mail-archive-connection-${result.ok ? "ok" : "failed"} mb-1">
				<span class="indicator-pill ${result.ok ? "green" : "red"}">${escape(label)}</span> ${escape(result.message)}
			</div>`
			: "";
	return `<div class="mail-archive-connection-result">${line(__("IMAP"), outcome.imap)}${line(__("SMTP"), outcome.smtp)}</div>`;
}

function new_mails(count) {
	return count === 1 ? __("1 new e-mail") : __("{0} new e-mails", [count]);
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
				.map((f) => ({ value: f.name, label: crm_mail_archive.as_text(crm_mail_archive.folder_label(f.name, f.special_use)) }));
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
