
// GDPR Art. 17: erase the archived mail from and to an address, except what retention or a legal
// hold keeps; the dialog shows what would be erased and kept before anything is.
frappe.ui.form.on("Mail Archive Settings", {
	refresh(frm) {
		frm.add_custom_button(__("Erase Personal Data of an Address"), () => {
			const dialog = new frappe.ui.Dialog({
				title: __("Erase Personal Data of an Address"),
				fields: [
					{ fieldtype: "Data", fieldname: "address", label: __("Email Address"), options: "Email", reqd: 1 },
					{ fieldtype: "Small Text", fieldname: "reason", label: __("Reason (the request it answers)"), reqd: 1 },
					{ fieldtype: "Check", fieldname: "on_server", label: __("Delete on the Mail Server Too") },
					{ fieldtype: "HTML", fieldname: "preview" },
				],
				primary_action_label: __("Show What Would Be Erased"),
				primary_action: ({ address, reason, on_server }) => {
					frappe
						.call({ method: "crm_mail_archive.api.erasure_preview", args: { address }, type: "GET" })
						.then(({ message: plan }) => {
							const escape = frappe.utils.escape_html;
							const reasons = Object.entries(plan.reasons || {})
								.map(([why, count]) => `<li>${escape(why)}: ${Number(count) || 0}</li>`)
								.join("");
							dialog.fields_dict.preview.$wrapper.html(
								`<p class="mail-erasure-preview">${__("{0} mails would be erased, {1} are kept.", [Number(plan.erasable) || 0, Number(plan.kept) || 0])}</p>${reasons ? `<ul>${reasons}</ul>` : ""}`
							);
							dialog.set_primary_action(__("Erase"), () =>
								frappe
									.call({ method: "crm_mail_archive.api.erase_personal_data", args: { address, reason, on_server: on_server ? 1 : 0 }, freeze: true })
									.then(({ message: done }) => {
										dialog.hide();
										frappe.msgprint(__("{0} mails erased; the record is Mail Archive Erasure {1}.", [Number(done.erasable) || 0, escape(done.erasure || "")]));
									})
							);
						});
				},
			});
			dialog.show();
		});
	},
});
