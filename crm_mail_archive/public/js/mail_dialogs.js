// Shared by the mail reader, the Email Archive tab and the Communication list: calling the archive
// API, "File at…" (the CRM document types, searched by title), creating a record from a mail after
// reviewing what the mail proposes, and one mail as HTML. Mail values are text: every one is escaped.
frappe.provide("crm_mail_archive");

// how a mail came to be filed somewhere (a noun: "Reply" here is the filing of a reply)
crm_mail_archive.SOURCES = {
	Automatic: __("Automatic"),
	Reply: __("Reply", null, "filing source"),
	"Created From": __("Created From"),
	Manual: __("Manual"),
	Retroactive: __("Retroactive"),
	"Document Number": __("Document Number"),
	"Open Opportunity": __("Open Opportunity"),
	"E-Invoice": __("E-Invoice"),
};

crm_mail_archive.call = (method, args) =>
	frappe.call({ method: `crm_mail_archive.api.${method}`, args, freeze: true });

crm_mail_archive.get = (method, args) =>
	frappe.call({ method: `crm_mail_archive.api.${method}`, args, type: "GET" }).then((r) => r.message);

crm_mail_archive.file_dialog = (communications, done) => {
	crm_mail_archive.get("file_at_doctypes").then((doctypes) => {
		const dialog = new frappe.ui.Dialog({
			title: __("File at…"),
			fields: [
				{
					fieldtype: "Select",
					label: __("Document Type"),
					fieldname: "doctype",
					options: doctypes,
					reqd: 1,
					default: (doctypes[0] || {}).value,
					onchange: () => dialog.set_value("name", ""),
				},
				{
					fieldtype: "Dynamic Link",
					options: "doctype",
					label: __("Document"),
					fieldname: "name",
					reqd: 1,
					only_select: 1, // never "Create a new …" from here
				},
			],
			primary_action_label: __("File"),
			primary_action(values) {
				crm_mail_archive.call("file_mail", { communications, doctype: values.doctype, name: values.name }).then((r) => {
					dialog.hide();
					frappe.show_alert({ message: __("Filed at {0}", [frappe.utils.escape_html(values.name)]), indicator: "green" });
					done && done(r.message);
				});
			},
		});
		dialog.show();
	});
};

// The fields of the review dialog, per document type (values come from prefill_from_mail).
const person = (job_title_field, last) => [
	{ fieldname: "first_name", fieldtype: "Data", label: __("First Name"), reqd: 1 },
	{ fieldname: "last_name", fieldtype: "Data", label: __("Last Name") },
	{ fieldname: "email_id", fieldtype: "Data", options: "Email", label: __("Email Address") },
	{ fieldname: "company_name", fieldtype: "Data", label: __("Organisation") },
	{ fieldtype: "Column Break" },
	{ fieldname: job_title_field, fieldtype: "Data", label: __("Job Title") },
	{ fieldname: "phone", fieldtype: "Data", label: __("Phone") },
	{ fieldname: "mobile_no", fieldtype: "Data", label: __("Mobile") },
	last,
];

crm_mail_archive.CREATE_FIELDS = {
	Contact: person("designation", {
		fieldname: "customer",
		fieldtype: "Link",
		options: "Customer",
		label: __("Customer"),
		only_select: 1,
	}),
	Lead: person("job_title", { fieldname: "website", fieldtype: "Data", label: __("Website") }),
	Opportunity: [
		{ fieldname: "title", fieldtype: "Data", label: __("Title"), reqd: 1 },
		{ fieldname: "company", fieldtype: "Link", options: "Company", label: __("Company"), reqd: 1 },
		{ fieldtype: "Column Break" },
		{ fieldname: "opportunity_from", fieldtype: "Select", options: ["Lead", "Customer"], label: __("Opportunity From") },
		{
			fieldname: "party_name",
			fieldtype: "Dynamic Link",
			options: "opportunity_from",
			label: __("Party"),
			description: __("Empty: a Lead is made from the sender"),
			only_select: 1,
		},
		{ fieldname: "contact_person", fieldtype: "Link", options: "Contact", label: __("Contact"), only_select: 1 },
	],
	Issue: [
		{ fieldname: "subject", fieldtype: "Data", label: __("Subject"), reqd: 1 },
		{ fieldname: "raised_by", fieldtype: "Data", options: "Email", label: __("Raised By (Email)") },
		{ fieldname: "customer", fieldtype: "Link", options: "Customer", label: __("Customer"), only_select: 1 },
	],
};

crm_mail_archive.CREATE_TITLES = {
	Contact: __("New Contact from this Mail"),
	Lead: __("New Lead from this Mail"),
	Opportunity: __("New Opportunity from this Mail"),
	Issue: __("New Issue from this Mail"),
};

crm_mail_archive.create_from = (communication, doctype, done) => {
	crm_mail_archive.get("prefill_from_mail", { communication, doctype }).then((proposed) => {
		const open = proposed.open || [];
		const fields = [];
		if (open.length) {
			// an Opportunity the mail belongs to may exist already: offered first
			fields.push(
				{
					fieldtype: "Select",
					fieldname: "existing",
					label: __("File at an open Opportunity, or create a new one"),
					options: [
						{ value: "", label: __("New Opportunity") },
						...open.map((row) => ({
							value: row.name,
							label: frappe.utils.escape_html(`${row.name}: ${row.title || row.party_name || ""}`),
						})),
					],
				},
				{ fieldtype: "Section Break", depends_on: "eval:!doc.existing" }
			);
		}
		fields.push(...crm_mail_archive.CREATE_FIELDS[doctype]);
		const dialog = new frappe.ui.Dialog({
			title: crm_mail_archive.CREATE_TITLES[doctype],
			fields,
			size: "large",
			primary_action_label: __("Create and File"),
			primary_action(values) {
				const route = (target_doctype, name) => {
					dialog.hide();
					done ? done(target_doctype, name) : frappe.set_route("Form", target_doctype, name);
				};
				if (values.existing) {
					crm_mail_archive
						.call("file_mail", { communications: [communication], doctype: "Opportunity", name: values.existing })
						.then(() => route("Opportunity", values.existing));
					return;
				}
				crm_mail_archive
					.call("create_from_mail", { communication, doctype, values })
					.then((r) => route(r.message.doctype, r.message.name));
			},
		});
		const values = { ...proposed };
		delete values.open;
		dialog.set_values(values);
		dialog.show();
	});
};

// Who a mail is with, for a list row: "To: <first recipient>" (+ how many more) for sent mail, the
// sender for received mail. `marked` escapes (and marks search words); the direction icon stays
// beside it in the lists.
crm_mail_archive.counterpart_html = (counterpart, marked = frappe.utils.escape_html) => {
	if (!counterpart) return "";
	const more = counterpart.more ? ` <span class="text-muted">+${Number(counterpart.more) || 0}</span>` : "";
	const name = marked(counterpart.name || counterpart.address || "");
	return (counterpart.direction === "Sent" ? __("To: {0}", [name]) : name) + more;
};

// The reader's and preview's line under the subject: direction icon and "To: …" or "From: …".
crm_mail_archive.counterpart_line = (mail) => {
	const escape = frappe.utils.escape_html;
	const counterpart = mail.counterpart;
	if (!counterpart) return "";
	const party =
		counterpart.name && counterpart.address && counterpart.name !== counterpart.address
			? `${counterpart.name} <${counterpart.address}>`
			: counterpart.name || counterpart.address || "";
	const sent = counterpart.direction === "Sent";
	const more = counterpart.more ? ` <span class="text-muted">+${Number(counterpart.more) || 0}</span>` : "";
	return `<div class="mail-archive-counterpart-line mb-2" title="${escape(__(sent ? "Sent" : "Received"))}">
		${frappe.utils.icon(sent ? "arrow-right" : "arrow-left", "sm")}
		${sent ? __("To: {0}", [escape(party)]) : __("From: {0}", [escape(party)])}${more}
	</div>`;
};

// One mail as HTML: headers, filings, server state, attachments and body. Shared by the reader and
// the Email Archive tab's preview. Every mail value is escaped; the body is the stored, sanitized HTML.
crm_mail_archive.mail_html = (mail, { state = null, unfile = false, compact = false } = {}) => {
	const escape = frappe.utils.escape_html;
	const header = (label, value) =>
		value
			? `<div class="mail-archive-header-row"><span class="text-muted mail-archive-header-label">${label}</span>${escape(value)}</div>`
			: "";
	const sender = mail.sender_full_name && mail.sender_full_name !== mail.sender
		? `${mail.sender_full_name} <${mail.sender}>`
		: mail.sender;
	const filings = (mail.filings || []).map((row) => {
		const reason = row.matched_text || row.matched_address || (row.reply_to_mail ? __("Reply to {0}", [row.reply_to_mail]) : "") || row.filed_by || "";
		return `<tr>
			<td><a href="/app/${frappe.router.slug(row.link_doctype)}/${encodeURIComponent(row.link_name)}">${escape(__(row.link_doctype))}: ${escape(row.title || row.link_name)}</a></td>
			<td>${escape(crm_mail_archive.SOURCES[row.source] || row.source)}</td>
			<td class="text-muted">${escape(reason)}</td>
			${unfile ? `<td><button class="btn btn-xs btn-default mail-archive-unfile" data-doctype="${escape(row.link_doctype)}" data-name="${escape(row.link_name)}">${__("Un-file")}</button></td>` : ""}
		</tr>`;
	});
	const actions = ((state && state.actions) || []).map(
		(action) =>
			`<div class="indicator-pill ${action.status === "Failed" ? "red" : "orange"} mr-2 mb-1" title="${escape(action.last_error || "")}">${escape(__(action.action))}: ${escape(__(action.status))}</div>`
	);
	// each attachment: downloaded through the app (read rule, audit); a raster image or a PDF (by
	// its bytes) can be previewed here too (bind_attachment_previews)
	const attachments = (mail.attachments || []).map(
		(file) =>
			`<span class="mail-archive-attachment d-inline-flex align-items-center mr-2 mb-1" data-attachment="${escape(file.name)}">
				<a class="btn btn-xs btn-default mail-archive-download" href="${escape(file.download_url)}" download>
					${frappe.utils.icon("attachment", "xs")} ${escape(file.file_name)}
					<span class="text-muted">${escape(crm_mail_archive.file_type(file))} · ${crm_mail_archive.file_size(file.file_size)}</span>
				</a>
				${file.preview_url ? `<button class="btn btn-xs btn-default mail-archive-show-attachment ml-1">${__("Preview")}</button>` : ""}
			</span>`
	);
	const has_remote = (mail.content || "").includes("data-mail-archive-src");
	return `<div class="mail-archive-mail">
		<h4 class="mail-archive-subject">${escape(mail.subject || __("(no subject)"))}${
			mail.private ? ` <span class="indicator-pill red mail-archive-private-pill">${__("Private")}</span>` : ""
		}</h4>
		${crm_mail_archive.counterpart_line(mail)}
		<div class="mail-archive-headers small">
			${header(__("From"), sender)}
			${header(__("To"), mail.recipients_shown || mail.recipients)}
			${header(__("Cc"), mail.cc_shown || mail.cc)}
			${header(__("Date"), frappe.datetime.str_to_user(mail.communication_date))}
			${compact ? "" : header(__("Account"), mail.email_account)}
			${compact ? "" : header(__("Folder"), mail.imap_folder && crm_mail_archive.folder_label(mail.imap_folder))}
		</div>
		<div class="mail-archive-state mt-3">
			<div class="mb-1"><b>${__("Filed at")}</b></div>
			${filings.length ? `<table class="table table-sm mail-archive-filings"><tbody>${filings.join("")}</tbody></table>` : `<p class="text-muted">${__("Not filed anywhere yet.")}</p>`}
			${actions.length ? `<div class="mail-archive-server-actions">${actions.join("")}</div>` : ""}
		</div>
		${attachments.length ? `<div class="mail-archive-attachments mt-2">${attachments.join("")}</div><div class="mail-archive-attachment-view mt-2"></div>` : ""}
		${attachments.length && !mail.headers_only ? `<div class="mail-archive-einvoices"></div>` : ""}
		${has_remote ? `<button class="btn btn-xs btn-default mail-archive-show-images mt-2">${__("Show Remote Images")}</button>` : ""}
		${
			mail.headers_only
				? `<div class="alert alert-info mt-3 mail-archive-headers-only">${__("Only the headers of this mail are shared with you: its text and attachments stay with the holder of its mailbox.")}</div>`
				: `<div class="mail-archive-body mt-3">${mail.content || ""}</div>`
		}
	</div>`;
};

crm_mail_archive.file_size = (bytes) =>
	bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round((bytes || 0) / 1024))} KB`;

// What kind of file an attachment is, for people: the type its bytes show it to be, else its ending.
crm_mail_archive.file_type = (file) => {
	const viewable = { "image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP", "application/pdf": "PDF" };
	if (viewable[file.viewable_type]) return viewable[file.viewable_type];
	const ending = (file.file_name || "").includes(".") ? file.file_name.split(".").pop() : "";
	return ending && ending.length <= 8 ? ending.toUpperCase() : __("File");
};

// What the reader and the preview do with a mail's HTML once shown.
crm_mail_archive.bind_mail_html = (wrapper) => {
	crm_mail_archive.bind_remote_images(wrapper);
	crm_mail_archive.bind_attachment_previews(wrapper);
};

// An image or PDF attachment shown below the list: built as elements (no markup from the mail); the
// endpoint serves it under the type its bytes show, so nothing else is ever rendered here.
crm_mail_archive.bind_attachment_previews = (wrapper) => {
	wrapper.find(".mail-archive-show-attachment").on("click", (event) => {
		const name = $(event.currentTarget).closest(".mail-archive-attachment").attr("data-attachment");
		const file = (wrapper.data("mail-attachments") || []).find((attachment) => attachment.name === name);
		const pane = wrapper.find(".mail-archive-attachment-view").empty();
		if (!file || !file.preview_url) return;
		if ((file.viewable_type || "").startsWith("image/")) {
			$("<img>", { class: "mail-archive-preview-image img-fluid border rounded", alt: file.file_name, src: file.preview_url }).appendTo(pane);
		} else {
			$("<iframe>", { class: "mail-archive-preview-pdf w-100 border rounded", title: file.file_name, src: file.preview_url })
				.css("height", "70vh")
				.appendTo(pane);
		}
	});
};

// Remote images of a mail are held back when it is stored (storage/content.py): load on request.
crm_mail_archive.bind_remote_images = (wrapper) => {
	wrapper.find(".mail-archive-show-images").on("click", (event) => {
		wrapper.find("img[data-mail-archive-src]").each((_, image) => {
			image.src = image.dataset.mailArchiveSrc;
			image.removeAttribute("data-mail-archive-src");
		});
		$(event.currentTarget).remove();
	});
};

// The Private mark of a mail (its mailbox holder's, or a manager's): the mail is then its holder's
// alone, whatever its account's visibility; audited by the server.
crm_mail_archive.set_private = (communication, is_private) =>
	crm_mail_archive.call("set_mail_private", { communication, private: is_private ? 1 : 0 }).then(() =>
		frappe.show_alert({
			message: is_private
				? __("This mail is now private: only the holder of its mailbox reads it.")
				: __("This mail is shared again as far as its account allows."),
			indicator: "green",
		})
	);
