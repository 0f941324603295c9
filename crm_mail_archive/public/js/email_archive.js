// "Email Archive" tab on Contact, Customer, Supplier and Lead: the filed mail, newest first.
frappe.provide("crm_mail_archive");

crm_mail_archive.EmailArchive = class EmailArchive {
	constructor(frm) {
		this.frm = frm;
		this.start = 0;
		this.page_length = 20;
		this.search = "";
		this.wrapper = $(frm.fields_dict.mail_archive_html.wrapper).empty();
		const search_placeholder = __("Search subject or sender");
		this.wrapper.html(`
			<div class="mail-archive">
				<div class="flex justify-between align-center mb-3">
					<input type="search" class="form-control input-sm mail-archive-search" style="max-width: 320px"
						placeholder="${search_placeholder}">
					<span class="text-muted mail-archive-count"></span>
				</div>
				<div class="mail-archive-rows"></div>
				<div class="flex justify-between mt-3">
					<button class="btn btn-xs btn-default mail-archive-newer">${__("Newer")}</button>
					<button class="btn btn-xs btn-default mail-archive-older">${__("Older")}</button>
				</div>
			</div>`);
		this.wrapper.find(".mail-archive-search").on(
			"input",
			frappe.utils.debounce((event) => {
				this.search = event.target.value;
				this.start = 0;
				this.load();
			}, 300)
		);
		this.wrapper.find(".mail-archive-newer").on("click", () => {
			this.start = Math.max(0, this.start - this.page_length);
			this.load();
		});
		this.wrapper.find(".mail-archive-older").on("click", () => {
			this.start += this.page_length;
			this.load();
		});
		this.load();
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
					search: this.search,
				},
			})
			.then(({ message }) => this.render(message));
	}

	render({ mails, total, start }) {
		const sources = {
			Automatic: __("Automatic"),
			Reply: __("Reply"),
			"Created From": __("Created From"),
			Manual: __("Manual"),
			Retroactive: __("Retroactive"),
		};
		const rows = mails.map(
			(mail) => `
			<tr class="mail-archive-row" data-name="${frappe.utils.escape_html(mail.name)}" style="cursor: pointer">
				<td title="${__(mail.sent_or_received)}">${
					mail.sent_or_received === "Sent" ? frappe.utils.icon("arrow-right", "sm") : frappe.utils.icon("arrow-left", "sm")
				}</td>
				<td class="text-nowrap">${frappe.datetime.str_to_user(mail.communication_date)}</td>
				<td class="${mail.seen ? "" : "bold"}">${frappe.utils.escape_html(mail.subject || "")}</td>
				<td>${frappe.utils.escape_html(mail.sender_full_name || mail.sender || "")}</td>
				<td class="text-muted">${frappe.utils.escape_html(mail.email_account || "")}</td>
				<td>${mail.has_attachment ? frappe.utils.icon("attachment", "sm") : ""}</td>
				<td><span class="indicator-pill gray">${sources[mail.source] || mail.source}</span></td>
			</tr>`
		);
		this.wrapper.find(".mail-archive-rows").html(
			mails.length
				? `<table class="table table-hover table-sm"><tbody>${rows.join("")}</tbody></table>`
				: `<div class="text-muted">${__("No mail filed here yet.")}</div>`
		);
		this.wrapper.find(".mail-archive-row").on("click", (event) => {
			frappe.set_route("Form", "Communication", $(event.currentTarget).attr("data-name"));
		});
		this.wrapper.find(".mail-archive-count").text(__("{0} mails", [total]));
		this.wrapper.find(".mail-archive-newer").prop("disabled", start === 0);
		this.wrapper.find(".mail-archive-older").prop("disabled", start + mails.length >= total);
		this.set_badge(total);
	}

	set_badge(total) {
		const tab = (this.frm.layout.tabs || []).find((t) => t.df.fieldname === "mail_archive_tab");
		if (!tab) return;
		const link = tab.tab_link.find(".nav-link");
		link.find(".mail-archive-badge").remove();
		link.append(` <span class="badge badge-pill badge-secondary mail-archive-badge">${total}</span>`);
	}
};

for (const doctype of ["Contact", "Customer", "Supplier", "Lead"]) {
	frappe.ui.form.on(doctype, {
		refresh(frm) {
			if (frm.is_new() || !frm.fields_dict.mail_archive_html) return;
			frm.mail_archive = new crm_mail_archive.EmailArchive(frm);
		},
	});
}
