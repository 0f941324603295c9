
// GDPR Art. 17: erase the archived mail from and to an address, except what retention or a legal
// hold keeps; the dialog shows what would be erased and kept first, then asks for the request it
// answers; nothing to erase, nothing to confirm.
frappe.ui.form.on("Mail Archive Settings", {
	refresh(frm) {
		frm.add_custom_button(__("Erase Personal Data of an Address"), () => erasure_dialog().show());
	},
});

function erasure_dialog() {
	const escape = frappe.utils.escape_html;
	const dialog = new frappe.ui.Dialog({
		title: __("Erase Personal Data of an Address"),
		fields: [
			{
				fieldtype: "Data",
				fieldname: "address",
				label: __("Email Address"),
				options: "Email",
				reqd: 1,
				// another address: its preview first (the same one, left by a click on the button, keeps it)
				onchange: () => dialog.get_value("address") !== previewed && show_preview_step(),
			},
			{ fieldtype: "HTML", fieldname: "preview" },
			{ fieldtype: "Small Text", fieldname: "reason", label: __("Reason (the request it answers)"), hidden: 1 },
			{ fieldtype: "Check", fieldname: "on_server", label: __("Delete on the Mail Server Too"), hidden: 1 },
		],
	});
	const show_erase_fields = (show) => {
		dialog.set_df_property("reason", "hidden", show ? 0 : 1);
		dialog.set_df_property("reason", "reqd", show ? 1 : 0);
		dialog.set_df_property("on_server", "hidden", show ? 0 : 1);
	};
	let previewed = null;
	const show_preview_step = () => {
		previewed = null;
		dialog.fields_dict.preview.$wrapper.empty();
		show_erase_fields(false);
		dialog.get_primary_btn().prop("disabled", false);
		dialog.set_primary_action(__("Show What Would Be Erased"), preview);
	};
	const preview = () => {
		const address = dialog.get_value("address");
		if (!address) return;
		frappe
			.call({ method: "crm_mail_archive.api.erasure_preview", args: { address }, type: "GET" })
			.then(({ message: plan }) => {
				previewed = address;
				const erasable = Number(plan.erasable) || 0;
				const kept = Number(plan.kept) || 0;
				const reasons = Object.entries(plan.reasons || {})
					.map(([why, count]) => `<li>${escape(why)}: ${Number(count) || 0}</li>`)
					.join("");
				dialog.fields_dict.preview.$wrapper.html(
					`<p class="mail-erasure-preview">${escape(
						erasable === 1 ? __("1 e-mail would be erased, {0} are kept.", [kept]) : __("{0} e-mails would be erased, {1} are kept.", [erasable, kept])
					)}</p>${
						reasons ? `<ul>${reasons}</ul>` : ""
					}`
				);
				dialog.set_primary_action(__("Erase"), erase);
				show_erase_fields(erasable > 0);
				// nothing to erase: the button stays, but cannot be pressed
				dialog.get_primary_btn().prop("disabled", erasable === 0);
			});
	};
	const erase = () => {
		const values = dialog.get_values();
		if (!values) return;
		frappe
			.call({
				method: "crm_mail_archive.api.erase_personal_data",
				args: { address: values.address, reason: values.reason, on_server: values.on_server ? 1 : 0 },
				freeze: true,
			})
			.then(({ message: done }) => {
				dialog.hide();
				frappe.msgprint(
					escape(
						__("{0} e-mails erased; the record is Mail Archive Erasure {1}.", [Number(done.erasable) || 0, done.erasure || ""])
					)
				);
			});
	};
	show_preview_step();
	return dialog;
}
