// The reader's "E-Rechnung" panel: what the e-invoices among a mail's attachments say (XRechnung,
// ZUGFeRD / Factur-X, read by the server in the background), every value escaped text; a rejected
// file shows its note only. "Create Purchase Invoice" opens a review of the draft, then its form.
frappe.provide("crm_mail_archive");

crm_mail_archive.may_be_einvoice = (file) => /\.(xml|pdf)$/i.test(file.file_name || "");

crm_mail_archive.show_einvoices = (wrapper, mail) => {
	const pane = wrapper.find(".mail-archive-einvoices");
	if (!pane.length || mail.headers_only || !(mail.attachments || []).some(crm_mail_archive.may_be_einvoice)) return;
	crm_mail_archive.get("einvoice.get_einvoice", { communication: mail.name }).then((invoices) => {
		pane.empty();
		for (const invoice of invoices || []) {
			const panel = $(crm_mail_archive.einvoice_html(invoice)).appendTo(pane);
			panel.find(".mail-archive-create-purchase-invoice").on("click", () =>
				crm_mail_archive.create_purchase_invoice(mail.name, invoice.attachment)
			);
		}
	});
};

crm_mail_archive.einvoice_html = (invoice) => {
	const escape = frappe.utils.escape_html;
	const row = (label, value) =>
		value ? `<tr><td class="text-muted mail-archive-einvoice-label">${label}</td><td>${escape(value)}</td></tr>` : "";
	const party = (party) => [party.name, party.vat_id && __("VAT ID {0}", [party.vat_id]), party.tax_number && __("Tax Number {0}", [party.tax_number])].filter(Boolean).join(" · ");
	const money = (value) => (value ? `${value} ${invoice.currency || ""}`.trim() : "");
	const title = `<div class="mail-archive-einvoice-title"><b>${__("E-Invoice")}</b> <span class="text-muted">${escape(invoice.format || "")} · ${escape(invoice.file_name)}</span></div>`;
	if (invoice.status !== "Read") {
		return `<div class="mail-archive-einvoice border rounded p-2 mt-2" data-status="rejected">${title}
			<div class="alert alert-warning mt-2 mb-0 mail-archive-einvoice-note">${__("This file was not read as an e-invoice: {0}", [escape(invoice.note || "")])}</div>
		</div>`;
	}
	const lines = (invoice.lines || [])
		.map((line) => `<li>${escape(line.text)} <span class="text-muted">${escape(line.quantity)} × ${escape(line.unit_price)} = ${escape(line.net_amount)}</span></li>`)
		.join("");
	const may_create = frappe.model.can_create("Purchase Invoice");
	return `<div class="mail-archive-einvoice border rounded p-2 mt-2" data-status="read">${title}
		<table class="table table-sm mt-2 mb-1 mail-archive-einvoice-fields"><tbody>
			${row(__("Invoice Number"), invoice.invoice_number)}
			${row(__("Invoice Date"), invoice.issue_date)}
			${row(__("Due Date"), invoice.due_date)}
			${row(__("Seller"), party(invoice.seller || {}))}
			${row(__("Buyer"), party(invoice.buyer || {}))}
			${row(__("Net Total"), money(invoice.net_total))}
			${row(__("Tax"), money(invoice.tax_total))}
			${row(__("Gross Total"), money(invoice.gross_total))}
			${row(__("IBAN"), invoice.iban)}
			${row(__("Order Reference"), invoice.order_reference)}
			${row(__("Supplier"), invoice.supplier)}
			${row(__("Purchase Invoice"), (invoice.purchase_invoices || []).join(", "))}
		</tbody></table>
		${lines ? `<ul class="mail-archive-einvoice-lines small">${lines}</ul>` : ""}
		${invoice.totals_problem ? `<div class="alert alert-warning mail-archive-einvoice-totals">${__("The totals do not add up: {0}", [escape(invoice.totals_problem)])}</div>` : ""}
		${may_create ? `<button class="btn btn-xs btn-primary mail-archive-create-purchase-invoice">${__("Create Purchase Invoice")}</button>` : ""}
	</div>`;
};

// The review's summary (items, the tax row of each VAT rate, totals) built as DOM with text nodes:
// every value is the mail's text and stays text.
crm_mail_archive.einvoice_review = (proposed) => {
	const node = (tag, className, text) => {
		const element = document.createElement(tag);
		if (className) element.className = className;
		if (text !== undefined && text !== null) element.textContent = String(text);
		return element;
	};
	const table = (className, headings, rows) => {
		const element = node("table", `table table-sm ${className}`);
		const head = element.appendChild(node("thead")).appendChild(node("tr"));
		headings.forEach(([label, right]) => head.appendChild(node("th", right ? "text-right" : "", label)));
		const body = element.appendChild(node("tbody"));
		for (const cells of rows) {
			const row = body.appendChild(node("tr"));
			cells.forEach((value, index) => row.appendChild(node("td", headings[index][1] ? "text-right" : "", value)));
		}
		return element;
	};
	const box = node("div", "mail-archive-einvoice-review");
	box.appendChild(
		table(
			"mail-archive-einvoice-items",
			[[__("Description")], [__("Quantity"), true], [__("Rate"), true]],
			(proposed.items || []).map((item) => [item.description, item.qty, item.rate])
		)
	);
	if ((proposed.taxes || []).length) {
		box.appendChild(
			table(
				"mail-archive-einvoice-taxes",
				[[__("Taxes")], [__("Tax Rate"), true], [__("Taxable Amount"), true], [__("Tax Amount"), true]],
				proposed.taxes.map((tax) => [tax.description, `${tax.rate} %`, tax.taxable_amount, tax.tax_amount])
			)
		);
	}
	box.appendChild(
		node(
			"p",
			"text-muted small",
			__("Item {0}; net total {1}, tax {2}, gross total {3} {4}", [
				proposed.item || "",
				proposed.net_total || "",
				proposed.tax_total || "",
				proposed.gross_total || "",
				proposed.currency || "",
			])
		)
	);
	if (proposed.totals_problem) {
		box.appendChild(node("div", "alert alert-warning", __("The totals do not add up: {0}", [proposed.totals_problem])));
	}
	return box;
};

crm_mail_archive.create_purchase_invoice = (communication, attachment) => {
	crm_mail_archive.get("einvoice.prefill_purchase_invoice", { communication, attachment }).then((proposed) => {
		const dialog = new frappe.ui.Dialog({
			title: __("New Purchase Invoice from this E-Invoice"),
			size: "large",
			fields: [
				{ fieldname: "supplier", fieldtype: "Link", options: "Supplier", label: __("Supplier"), reqd: 1, only_select: 1 },
				{ fieldname: "bill_no", fieldtype: "Data", label: __("Supplier Invoice No"), reqd: 1 },
				{ fieldname: "company", fieldtype: "Link", options: "Company", label: __("Company"), reqd: 1, only_select: 1 },
				{ fieldtype: "Column Break" },
				{ fieldname: "bill_date", fieldtype: "Date", label: __("Supplier Invoice Date") },
				{ fieldname: "posting_date", fieldtype: "Date", label: __("Posting Date"), reqd: 1 },
				{ fieldname: "due_date", fieldtype: "Date", label: __("Due Date") },
				{ fieldtype: "Section Break", label: __("Items") },
				{ fieldname: "lines", fieldtype: "HTML" },
			],
			primary_action_label: __("Create Draft"),
			primary_action(values) {
				crm_mail_archive
					.call("einvoice.create_purchase_invoice", { communication, attachment, values })
					.then((r) => {
						dialog.hide();
						if (r.message.totals_problem) {
							// the alert renders its message as HTML: the text goes in escaped
							frappe.show_alert({ message: frappe.utils.escape_html(r.message.totals_problem), indicator: "orange" });
						}
						frappe.set_route("Form", "Purchase Invoice", r.message.name);
					});
			},
		});
		dialog.fields_dict.lines.$wrapper.empty().append(crm_mail_archive.einvoice_review(proposed));
		dialog.set_values({
			supplier: proposed.supplier,
			bill_no: proposed.bill_no,
			company: proposed.company,
			bill_date: proposed.bill_date,
			posting_date: proposed.posting_date,
			due_date: proposed.due_date,
		});
		dialog.show();
	});
};
