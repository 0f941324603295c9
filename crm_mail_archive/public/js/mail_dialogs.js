// Shared by the Communication form and list: calling the archive API and the "File at…" dialog.
frappe.provide("crm_mail_archive");

crm_mail_archive.call = (method, args) =>
	frappe.call({ method: `crm_mail_archive.api.${method}`, args, freeze: true });

crm_mail_archive.file_dialog = (communications, done) => {
	const dialog = new frappe.ui.Dialog({
		title: __("File at…"),
		fields: [
			{
				fieldtype: "Link",
				options: "DocType",
				label: __("Document Type"),
				fieldname: "doctype",
				reqd: 1,
				get_query: () => ({ filters: { istable: 0, issingle: 0 } }),
			},
			{ fieldtype: "Dynamic Link", options: "doctype", label: __("Document"), fieldname: "name", reqd: 1 },
		],
		primary_action_label: __("File"),
		primary_action(values) {
			crm_mail_archive.call("file_mail", { communications, doctype: values.doctype, name: values.name }).then((r) => {
				dialog.hide();
				frappe.show_alert({ message: __("Filed at {0}", [values.name]), indicator: "green" });
				done && done(r.message);
			});
		},
	});
	dialog.show();
};

