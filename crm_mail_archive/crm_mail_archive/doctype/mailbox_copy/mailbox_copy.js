// Mailbox Copy: a quarantined mail can be processed again from its kept raw bytes.
frappe.ui.form.on("Mailbox Copy", {
	refresh(frm) {
		if (frm.doc.status === "Quarantined") {
			frm.dashboard.set_headline_alert(
				__("Quarantined: {0}", [frappe.utils.escape_html(frm.doc.quarantine_reason || "")]),
				"red"
			);
			frm.add_custom_button(__("Retry"), () => {
				frappe.call("crm_mail_archive.api.retry_quarantined", { copy: frm.doc.name }).then(({ message }) => {
					frappe.show_alert({ message: __("Stored"), indicator: "green" });
					frappe.set_route("Form", "Communication", message.communication);
				});
			});
		} else if (frm.doc.communication) {
			frm.add_custom_button(__("Open Mail"), () =>
				frappe.set_route("Form", "Communication", frm.doc.communication)
			);
		}
	},
});
