// Mail Search: every archived mail the user may read, by the words of the mails and their
// attachments, with filters; results newest first, the words marked. Mail values are text: every
// one is escaped (crm_mail_archive.marked escapes each piece it marks). Unread mail is bold; the
// results follow the server's "mail_archive_changed" events while the page is open (fetched again
// through search_mail, which applies the read rule).
frappe.pages["mail-search"].on_page_load = (wrapper) => {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("Mail Search"), single_column: true });
	wrapper.mail_search = new crm_mail_archive.MailSearchPage(page);
};

frappe.provide("crm_mail_archive");

crm_mail_archive.MailSearchPage = class MailSearchPage {
	constructor(page) {
		this.page = page;
		this.start = 0;
		this.page_length = 20;
		const reload = () => {
			this.start = 0;
			this.load();
		};
		this.fields = {
			text: page.add_field({ fieldname: "text", fieldtype: "Data", label: __("Words"), change: reload }),
			account: page.add_field({
				fieldname: "account",
				fieldtype: "Link",
				options: "Mail Archive Account",
				label: __("Mail Archive Account"),
				change: reload,
			}),
			period: page.add_field({
				fieldname: "period",
				fieldtype: "Select",
				label: __("Period"),
				options: [
					{ value: "", label: __("Any time") },
					{ value: "7d", label: __("Last 7 days") },
					{ value: "30d", label: __("Last 30 days") },
					{ value: "365d", label: __("Last 365 days") },
				],
				change: reload,
			}),
			direction: page.add_field({
				fieldname: "direction",
				fieldtype: "Select",
				label: __("Direction"),
				options: [
					{ value: "", label: __("Received and sent") },
					{ value: "Received", label: __("Received") },
					{ value: "Sent", label: __("Sent") },
				],
				change: reload,
			}),
			filing: page.add_field({
				fieldname: "filing",
				fieldtype: "Select",
				label: __("Filing"),
				options: [
					{ value: "", label: __("Filed and unfiled") },
					{ value: "Filed", label: __("Filed") },
					{ value: "Unfiled", label: __("Unfiled") },
				],
				change: reload,
			}),
			sender_domain: page.add_field({
				fieldname: "sender_domain",
				fieldtype: "Data",
				label: __("Sender Domain"),
				change: reload,
			}),
			has_attachment: page.add_field({
				fieldname: "has_attachment",
				fieldtype: "Check",
				label: __("With Attachment"),
				change: reload,
			}),
		};
		page.set_secondary_action(__("Export Results"), () => {
			const values = this.values();
			const { text, ...filters } = values;
			crm_mail_archive.export_mail({ scope: "Search", search: text, ...filters });
		});
		// results while typing, as in the Email Archive tab
		const typed = frappe.utils.debounce(reload, 300);
		for (const name of ["text", "sender_domain"]) this.fields[name].$input.on("input", typed);
		this.body = $(`
			<div class="mail-search">
				<div class="d-flex justify-content-between align-items-center mb-2">
					<span class="text-muted mail-search-count"></span>
					<span>
						<button class="btn btn-xs btn-default mail-search-newer">${__("Newer")}</button>
						<button class="btn btn-xs btn-default mail-search-older">${__("Older")}</button>
					</span>
				</div>
				<div class="mail-search-results"></div>
			</div>`).appendTo(page.main);
		this.body.find(".mail-search-newer").on("click", () => {
			this.start = Math.max(0, this.start - this.page_length);
			this.load();
		});
		this.body.find(".mail-search-older").on("click", () => {
			this.start += this.page_length;
			this.load();
		});
		this.render({ mails: [], total: 0, more: false, words: [], start: 0 });
		const refresh = frappe.utils.debounce(() => this.load(), 400);
		frappe.realtime.on("mail_archive_changed", () => {
			if (frappe.get_route_str() === "mail-search" && this.values().text.trim()) refresh();
		});
	}

	values() {
		// what is in the inputs now (a control's value follows its input only on change)
		const values = {};
		for (const [name, field] of Object.entries(this.fields)) {
			values[name] = field.df.fieldtype === "Check" ? (field.get_value() ? 1 : 0) : field.$input.val() || "";
		}
		return values;
	}

	load() {
		const values = this.values();
		if (!values.text.trim()) {
			this.render({ mails: [], total: 0, more: false, words: [], start: 0 });
			return;
		}
		frappe
			.call({
				method: "crm_mail_archive.api.search_mail",
				type: "GET",
				args: { ...values, start: this.start, page_length: this.page_length },
			})
			.then(({ message }) => this.render(message));
	}

	render({ mails, total, more, capped, words, start }) {
		const escape = frappe.utils.escape_html;
		const marked = (text) => crm_mail_archive.marked(text, words);
		let html;
		if (!this.values().text.trim()) {
			html = `<div class="text-muted mail-search-empty">${__("Type words to search all mail you may read.")}</div>`;
		} else if (!mails.length) {
			html = `<div class="text-muted mail-search-empty">${__("No mail matches the search or filters.")}</div>`;
		} else {
			const rows = mails.map(
				(mail) => `
				<tr class="mail-search-row ${mail.seen ? "" : "mail-search-unread bold"}" data-name="${escape(mail.name)}">
					<td class="text-nowrap">${escape(frappe.datetime.str_to_user(mail.communication_date))}</td>
					<td>${mail.subject ? marked(mail.subject) : escape(__("(no subject)"))}
						${mail.snippet ? `<div class="small text-muted mail-search-snippet">${marked(mail.snippet)}</div>` : ""}
					</td>
					<td class="mail-search-counterpart">${crm_mail_archive.counterpart_html(mail.counterpart, marked)}</td>
					<td>${escape(__(mail.sent_or_received))}</td>
					<td>${escape(__(mail.mail_archive_filing || ""))}</td>
				</tr>`
			);
			html = `<table class="table table-hover table-sm mail-search-table">
				<thead><tr><th>${__("Date")}</th><th>${__("Subject")}</th><th>${__("From / To")}</th><th>${__("Direction")}</th><th>${__("Filing")}</th></tr></thead>
				<tbody>${rows.join("")}</tbody></table>`;
		}
		this.body.find(".mail-search-results").html(html);
		this.body.find(".mail-search-row").on("click", (event) => {
			frappe.set_route("Form", "Communication", event.currentTarget.dataset.name);
		});
		// capped: the server counted up to its cap ("more than"); more: only the newest hits were
		// checked by the read rule ("at least")
		const count = capped
			? crm_mail_archive.counted(total, true)
			: more
				? __("At least {0}", [crm_mail_archive.mail_count(total)])
				: crm_mail_archive.mail_count(total);
		this.body.find(".mail-search-count").text(this.values().text.trim() ? count : "");
		this.body.find(".mail-search-newer").prop("disabled", start === 0);
		this.body
			.find(".mail-search-older")
			.prop("disabled", capped ? mails.length < this.page_length : start + mails.length >= total);
	}
};
