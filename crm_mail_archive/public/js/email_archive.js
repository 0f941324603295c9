// The "Email Archive" tab on Contact, Customer, Supplier, Lead, Opportunity and Issue: the filed
// mail, newest first, with filters; a mail opens in a preview beside the list (without leaving the
// record), from where one replies, files it elsewhere or creates a record. Keyboard: ↑/↓ move
// through the list, Enter opens the preview. Mail values are text: every one is escaped.
// Live: the list follows the server's "mail_archive_changed" events (ids only; the list is fetched
// again through get_archive). Unread mail is bold; a mail previewed for the settings' delay is
// marked read; selected rows get bulk actions (read, unread, file, move, trash, export).
// Import (drop or choose files) and export: mail_transfer.js. Needs mail_dialogs.js and
// mail_transfer.js (loaded before this file, see hooks.py).
frappe.provide("crm_mail_archive");

crm_mail_archive.EmailArchive = class EmailArchive {
	constructor(frm) {
		this.frm = frm;
		this.start = 0;
		this.page_length = 20;
		this.filters = { search: "", direction: "", period: "", has_attachment: 0, source: "" };
		this.mails = [];
		this.selected = -1;
		this.checked = new Set(); // names of the rows selected for a bulk action
		this.previewing = null;
		this.read_timer = null;
		this.wrapper = $(frm.fields_dict.mail_archive_html.wrapper).empty();
		// a form script refreshing every field (ERPNext's Opportunity does, for its currency labels)
		// would put the field's placeholder back over the archive
		frm.fields_dict.mail_archive_html.refresh_input = () => {};
		this.wrapper.html(`
			<div class="mail-archive">
				<div class="mail-archive-toolbar flex flex-wrap align-center mb-3">
					<input type="search" class="form-control input-sm mail-archive-search"
						placeholder="${__("Search the mails and their attachments")}">
					${this.chip_select("direction", [["", __("All Mail")], ["Received", __("Received")], ["Sent", __("Sent")]])}
					${this.chip_select("period", [["", __("Any Time")], ["7d", __("Last 7 Days")], ["30d", __("Last 30 Days")], ["365d", __("Last Year")]])}
					${this.chip_select("source", [["", __("Any Source")], ...Object.entries(crm_mail_archive.SOURCES)])}
					<label class="mail-archive-chip btn btn-xs btn-default mb-0">
						<input type="checkbox" class="mail-archive-filter-attachment"> ${__("With Attachment")}
					</label>
					<span class="text-muted mail-archive-count ml-auto"></span>
					<button class="btn btn-xs btn-default mail-archive-import" title="${__("Import .eml, .msg, .mbox, .pst or .ost files and file them here (or drop them on the list)")}">${__("Import Mail")}</button>
					<button class="btn btn-xs btn-default mail-archive-export" title="${__("Export these mails as a ZIP of .eml files with an index")}">${__("Export")}</button>
					<button class="btn btn-xs btn-default mail-archive-export-evidence" title="${__("Export these mails as an evidence pack: originals, proofs of their seal and timestamps, and a verifier that checks them offline")}">${__("Export as Evidence")}</button>
				</div>
				<div class="mail-archive-bulk flex flex-wrap align-center mb-2 hidden">
					<span class="mail-archive-bulk-count text-muted"></span>
					<button class="btn btn-xs btn-default mail-archive-bulk-read">${__("Mark as Read")}</button>
					<button class="btn btn-xs btn-default mail-archive-bulk-unread">${__("Mark as Unread")}</button>
					<button class="btn btn-xs btn-default mail-archive-bulk-file">${__("File at…")}</button>
					<button class="btn btn-xs btn-default mail-archive-bulk-move">${__("Move")}</button>
					<button class="btn btn-xs btn-default mail-archive-bulk-trash">${__("Move To Trash")}</button>
					<button class="btn btn-xs btn-default mail-archive-bulk-export">${__("Export")}</button>
				</div>
				<div class="row">
					<div class="col-lg-7 mail-archive-list" tabindex="0">
						<div class="mail-archive-rows"></div>
						<div class="flex justify-between mt-3">
							<button class="btn btn-xs btn-default mail-archive-newer">${__("Newer")}</button>
							<button class="btn btn-xs btn-default mail-archive-older">${__("Older")}</button>
						</div>
					</div>
					<div class="col-lg-5 mail-archive-preview"></div>
				</div>
			</div>`);
		this.bind();
		this.listen();
		this.load();
	}

	// the server tells which mails changed (only to who may read them): fetch the list again when
	// one of them is shown here or is filed at this record
	listen() {
		this.docname = this.frm.docname;
		const reload = frappe.utils.debounce(() => this.load(), 400);
		this.on_mail_changed = ({ communications = [], documents = [] } = {}) => {
			if (!this.is_shown()) return;
			const here = documents.some(([doctype, name]) => doctype === this.frm.doctype && name === this.docname);
			const shown = this.mails.some((mail) => communications.includes(mail.name));
			if (here || shown) reload();
		};
		frappe.realtime.on("mail_archive_changed", this.on_mail_changed);
	}

	is_shown() {
		return this.frm.docname === this.docname && document.body.contains(this.wrapper[0]);
	}

	destroy() {
		frappe.realtime.off("mail_archive_changed", this.on_mail_changed);
		clearTimeout(this.read_timer);
	}

	chip_select(name, choices) {
		const options = choices
			.map(([value, label]) => `<option value="${frappe.utils.escape_html(value)}">${frappe.utils.escape_html(label)}</option>`)
			.join("");
		return `<select class="form-control input-xs mail-archive-filter" data-filter="${name}">${options}</select>`;
	}

	bind() {
		const reload = () => {
			this.start = 0;
			this.load();
		};
		this.wrapper.find(".mail-archive-search").on(
			"input",
			frappe.utils.debounce((event) => {
				this.filters.search = event.target.value;
				reload();
			}, 300)
		);
		this.wrapper.find(".mail-archive-filter").on("change", (event) => {
			this.filters[event.currentTarget.dataset.filter] = event.currentTarget.value;
			reload();
		});
		this.wrapper.find(".mail-archive-filter-attachment").on("change", (event) => {
			this.filters.has_attachment = event.currentTarget.checked ? 1 : 0;
			reload();
		});
		const record = { doctype: this.frm.doctype, name: this.frm.docname };
		crm_mail_archive.accept_mail_drops(this.wrapper.find(".mail-archive"), record, reload);
		this.wrapper.find(".mail-archive-import").on("click", () => crm_mail_archive.choose_and_import(record, reload));
		this.wrapper.find(".mail-archive-export").on("click", () =>
			crm_mail_archive.export_mail({ scope: "Record", ...record, search: this.filters.search || "" })
		);
		this.wrapper.find(".mail-archive-export-evidence").on("click", () =>
			crm_mail_archive.export_mail({ scope: "Record", ...record, search: this.filters.search || "", export_format: "Evidence" })
		);
		this.wrapper.find(".mail-archive-newer").on("click", () => {
			this.start = Math.max(0, this.start - this.page_length);
			this.load();
		});
		this.wrapper.find(".mail-archive-older").on("click", () => {
			this.start += this.page_length;
			this.load();
		});
		this.bind_bulk_actions(record);
		this.wrapper.find(".mail-archive-list").on("keydown", (event) => {
			if (!this.mails.length) return;
			if (event.key === "ArrowDown" || event.key === "ArrowUp") {
				event.preventDefault();
				const step = event.key === "ArrowDown" ? 1 : -1;
				this.highlight(Math.min(this.mails.length - 1, Math.max(0, this.selected + step)));
			} else if (event.key === "Enter" && this.selected >= 0) {
				event.preventDefault();
				this.preview(this.mails[this.selected].name);
			}
		});
	}

	load() {
		frappe
			.call({
				method: "crm_mail_archive.api.get_archive",
				type: "GET",
				args: {
					doctype: this.frm.doctype,
					name: this.frm.docname,
					start: this.start,
					page_length: this.page_length,
					...this.filters,
				},
			})
			.then(({ message }) => this.render(message));
	}

	render({ mails, total, total_more, filed, filed_more, unread, unread_more, start, words }) {
		const escape = frappe.utils.escape_html;
		const marked = (text) => crm_mail_archive.marked(text, words);
		const active = this.selected >= 0 && this.mails[this.selected] ? this.mails[this.selected].name : null;
		this.mails = mails;
		this.selected = -1;
		const shown = new Set(mails.map((mail) => mail.name));
		this.checked = new Set([...this.checked].filter((name) => shown.has(name)));
		const rows = mails.map(
			(mail, index) => `
			<tr class="mail-archive-row ${mail.seen ? "" : "mail-archive-unread"}" data-index="${index}" data-name="${escape(mail.name)}">
				<td>${
					mail.may_change
						? `<input type="checkbox" class="mail-archive-select" title="${__("Select")}" ${this.checked.has(mail.name) ? "checked" : ""}>`
						: ""
				}</td>
				<td title="${escape(__(mail.sent_or_received))}">${
					mail.sent_or_received === "Sent" ? frappe.utils.icon("arrow-right", "sm") : frappe.utils.icon("arrow-left", "sm")
				}</td>
				<td class="text-nowrap">${escape(frappe.datetime.str_to_user(mail.communication_date))}</td>
				<td class="mail-archive-subject-cell ${mail.seen ? "" : "bold"}">${mail.subject ? marked(mail.subject) : escape(__("(no subject)"))}
					${(mail.attachments || [])
						.map((name) => `<div class="small text-muted mail-archive-attachment-name">${frappe.utils.icon("attachment", "xs")} ${marked(name)}</div>`)
						.join("")}
					${mail.snippet ? `<div class="small text-muted mail-archive-snippet">${marked(mail.snippet)}</div>` : ""}
				</td>
				<td class="mail-archive-counterpart" title="${escape(mail.counterpart.address)}">${crm_mail_archive.counterpart_html(mail.counterpart, marked)}</td>
				<td><span class="indicator-pill gray">${escape(crm_mail_archive.SOURCES[mail.source] || mail.source)}</span>
					${mail.private ? `<span class="indicator-pill red mail-archive-private-pill">${__("Private")}</span>` : ""}
					${mail.headers_only ? `<span class="indicator-pill blue mail-archive-headers-only-pill">${__("Headers only")}</span>` : ""}
					${
						mail.can_mark_private
							? `<div><button class="btn btn-xs btn-link p-0 small text-left mail-archive-toggle-private"
									data-private="${mail.private ? 1 : 0}">${mail.private ? __("Share Again") : __("Mark as Private")}</button></div>`
							: ""
					}
				</td>
				<td>${
					mail.may_change
						? `<button class="btn btn-xs btn-link mail-archive-toggle-read" title="${mail.seen ? __("Mark as Unread") : __("Mark as Read")}">
								<span class="indicator ${mail.seen ? "gray" : "blue"}"></span>
							</button>`
						: ""
				}</td>
			</tr>`
		);
		let body;
		if (mails.length) {
			body = `<table class="table table-hover table-sm mail-archive-table">
				<thead><tr>
					<th><input type="checkbox" class="mail-archive-select-all" title="${__("Select All")}"></th>
					<th></th><th>${__("Date")}</th><th>${__("Subject")}</th><th>${__("From / To")}</th><th>${__("Source")}</th><th></th>
				</tr></thead>
				<tbody>${rows.join("")}</tbody></table>`;
		} else if (filed) {
			body = `<div class="text-muted mail-archive-empty">${__("No mail matches the search or filters.")}</div>`;
		} else {
			body = `<div class="text-muted mail-archive-empty">${__("No mail filed here yet.")}</div>`;
		}
		this.wrapper.find(".mail-archive-rows").html(body);
		this.wrapper.find(".mail-archive-row").on("click", (event) => {
			if ($(event.target).closest(".mail-archive-select, .mail-archive-toggle-read").length) return;
			this.highlight(Number(event.currentTarget.dataset.index));
			this.preview(event.currentTarget.dataset.name);
		});
		this.wrapper.find(".mail-archive-toggle-private").on("click", (event) => {
			event.stopPropagation(); // the row action, not the preview
			const row = $(event.currentTarget).closest(".mail-archive-row");
			crm_mail_archive
				.set_private(row.attr("data-name"), event.currentTarget.dataset.private !== "1")
				.then(() => this.load());
		});
		this.wrapper.find(".mail-archive-select").on("change", (event) => {
			const name = $(event.currentTarget).closest(".mail-archive-row").attr("data-name");
			event.currentTarget.checked ? this.checked.add(name) : this.checked.delete(name);
			this.show_bulk_actions();
		});
		this.wrapper.find(".mail-archive-select-all").on("change", (event) => {
			const checked = event.currentTarget.checked;
			this.wrapper.find(".mail-archive-select").each((_, box) => {
				box.checked = checked;
				const name = $(box).closest(".mail-archive-row").attr("data-name");
				checked ? this.checked.add(name) : this.checked.delete(name);
			});
			this.show_bulk_actions();
		});
		this.wrapper.find(".mail-archive-toggle-read").on("click", (event) => {
			const mail = this.mails[Number($(event.currentTarget).closest(".mail-archive-row").attr("data-index"))];
			this.change([mail.name], mail.seen ? "Mark Unread" : "Mark Read");
		});
		// counts stop at the server's cap: "more than 1000 mails"
		const of_filed = filed_more ? __("more than {0}", [filed]) : filed;
		const counted =
			total === filed && !total_more === !filed_more
				? crm_mail_archive.counted(total, total_more)
				: __("{0} of {1}", [crm_mail_archive.counted(total, total_more), of_filed]);
		const unread_count = unread_more ? __("more than {0}", [unread]) : unread;
		this.wrapper.find(".mail-archive-count").text(unread ? __("{0}, {1} unread", [counted, unread_count]) : counted);
		this.show_bulk_actions();
		if (active) this.highlight_name(active);
		this.wrapper.find(".mail-archive-newer").prop("disabled", start === 0);
		// beyond the cap: older pages as long as a page is full
		this.wrapper
			.find(".mail-archive-older")
			.prop("disabled", total_more ? mails.length < this.page_length : start + mails.length >= total);
		this.set_badge(filed, filed_more);
	}

	highlight_name(name) {
		const index = this.mails.findIndex((mail) => mail.name === name);
		if (index < 0) return;
		this.selected = index;
		this.wrapper.find(".mail-archive-row").eq(index).addClass("active");
	}

	highlight(index) {
		this.selected = index;
		const rows = this.wrapper.find(".mail-archive-row").removeClass("active");
		rows.eq(index).addClass("active");
		this.wrapper.find(".mail-archive-list").trigger("focus");
	}

	preview(communication) {
		const pane = this.wrapper.find(".mail-archive-preview");
		pane.html(`<div class="text-muted">${__("Loading…")}</div>`);
		clearTimeout(this.read_timer);
		this.previewing = communication;
		crm_mail_archive.get("get_mail_view", { communication }).then((mail) => {
			if (this.previewing !== communication) return; // another mail was chosen meanwhile
			// a colleague's Headers only mail: no reply (it would quote what is not shared), no form
			pane.html(`
				<div class="mail-archive-preview-actions mb-2 ${mail.headers_only ? "hidden" : ""}">
					<button class="btn btn-xs btn-primary mail-archive-reply">${__("Reply")}</button>
					<button class="btn btn-xs btn-default mail-archive-reply-all">${__("Reply All")}</button>
					<button class="btn btn-xs btn-default mail-archive-forward">${__("Forward")}</button>
					<button class="btn btn-xs btn-default mail-archive-open">${__("Open Mail")}</button>
					<button class="btn btn-xs btn-default mail-archive-file">${__("File at…")}</button>
				</div>
				<div class="mail-archive-preview-body border rounded p-3">
					${crm_mail_archive.mail_html(mail, { compact: true })}
				</div>`);
			pane.data("mail-attachments", mail.attachments);
			crm_mail_archive.bind_mail_html(pane);
			crm_mail_archive.show_einvoices(pane, mail);
			// what is sent is archived and filed at once: the list shows it when the composer is done
			const answer = (mode) => crm_mail_archive.answer(mail.name, mode, () => this.load());
			pane.find(".mail-archive-reply").on("click", () => answer("reply"));
			pane.find(".mail-archive-reply-all").on("click", () => answer("reply_all"));
			pane.find(".mail-archive-forward").on("click", () => answer("forward"));
			pane.find(".mail-archive-open").on("click", () => frappe.set_route("Form", "Communication", mail.name));
			pane.find(".mail-archive-file").on("click", () => crm_mail_archive.file_dialog([mail.name], () => this.load()));
			if (mail.own_mailbox && mail.may_change && !mail.seen) {
				// read once it has been looked at for a moment, not while running down the list
				this.read_timer = setTimeout(() => {
					if (this.previewing === communication && this.is_shown()) this.change([communication], "Mark Read", { quiet: true });
				}, (Number(mail.mark_read_after) || 0) * 1000);
			}
		});
	}

	// read, unread, move or trash on the server, for the given mails (one endpoint, each mail
	// checked on its own); the list follows by the server's event, and at once here
	change(communications, action, { quiet = false, folder } = {}) {
		return frappe
			.call({
				method: "crm_mail_archive.api.change_mails",
				args: { communications, action, folder },
				freeze: !quiet,
			})
			.then(({ message }) => {
				if (!quiet) {
					frappe.show_alert({
						message: message.refused.length
							? __("{0} changed, {1} not permitted to change.", [message.changed.length, message.refused.length])
							: __("Sent to the mail server"),
						indicator: message.refused.length ? "orange" : "blue",
					});
				}
				this.checked.clear();
				this.load();
			});
	}

	selection() {
		return this.mails.filter((mail) => this.checked.has(mail.name)).map((mail) => mail.name);
	}

	show_bulk_actions() {
		const count = this.selection().length;
		this.wrapper.find(".mail-archive-bulk").toggleClass("hidden", !count);
		this.wrapper.find(".mail-archive-bulk-count").text(__("{0} selected", [count]));
		const boxes = this.wrapper.find(".mail-archive-select");
		this.wrapper.find(".mail-archive-select-all").prop("checked", boxes.length > 0 && count === boxes.length);
	}

	bind_bulk_actions(record) {
		const on = (name, action) => this.wrapper.find(`.mail-archive-bulk-${name}`).on("click", () => {
			const selected = this.selection();
			if (selected.length) action(selected);
		});
		on("read", (selected) => this.change(selected, "Mark Read"));
		on("unread", (selected) => this.change(selected, "Mark Unread"));
		on("file", (selected) => crm_mail_archive.file_dialog(selected, () => this.change_done()));
		on("move", (selected) =>
			crm_mail_archive.choose_folder(selected, (folder) => this.change(selected, "Move", { folder }))
		);
		on("trash", (selected) =>
			frappe.confirm(__("Move {0} mails to the trash?", [selected.length]), () => this.change(selected, "Trash"))
		);
		on("export", (selected) => crm_mail_archive.export_mail({ scope: "Record", ...record, communications: selected }));
	}

	change_done() {
		this.checked.clear();
		this.load();
	}

	set_badge(total, more) {
		const tab = (this.frm.layout.tabs || []).find((t) => t.df.fieldname === "mail_archive_tab");
		if (!tab) return;
		const link = tab.tab_link.find(".nav-link");
		link.find(".mail-archive-badge").remove();
		link.append(` <span class="badge badge-pill badge-secondary mail-archive-badge">${Number(total) || 0}${more ? "+" : ""}</span>`);
	}
};

// The folder to move mails to, from the server folders of the first selected mail's mailbox.
crm_mail_archive.choose_folder = (communications, done) => {
	crm_mail_archive.get("get_server_state", { communication: communications[0] }).then((state) => {
		const account = (state.copies[0] || {}).account;
		if (!account) {
			frappe.msgprint(__("No mailbox holds this mail."));
			return;
		}
		frappe.call("crm_mail_archive.api.list_server_folders", { account }).then(({ message }) => {
			const dialog = new frappe.ui.Dialog({
				title: __("Move to folder"),
				fields: [
					{
						fieldtype: "Select",
						label: __("Folder"),
						fieldname: "folder",
						reqd: 1,
						options: message.map((folder) => ({ value: folder.name, label: crm_mail_archive.as_text(folder.name) })),
					},
				],
				primary_action_label: __("Move"),
				primary_action(values) {
					dialog.hide();
					done(values.folder);
				},
			});
			dialog.show();
		});
	});
};

for (const doctype of ["Contact", "Customer", "Supplier", "Lead", "Opportunity", "Issue"]) {
	frappe.ui.form.on(doctype, {
		refresh(frm) {
			if (frm.mail_archive) frm.mail_archive.destroy();
			frm.mail_archive = null;
			if (frm.is_new() || !frm.fields_dict.mail_archive_html) return;
			frm.mail_archive = new crm_mail_archive.EmailArchive(frm);
		},
	});
}
