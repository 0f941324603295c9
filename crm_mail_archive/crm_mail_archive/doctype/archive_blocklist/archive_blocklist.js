// Archive Blocklist: before a new entry blocks an address or domain of a known Customer or
// Supplier, say so and how many filed mails it takes away; file the entry's mail again on demand.
frappe.ui.form.on("Archive Blocklist", {
	before_save(frm) {
		if (!frm.is_new() || !frm.doc.value || frm.__impact_confirmed) return;
		return frappe
			.call({
				method: "crm_mail_archive.api.blocklist_impact",
				args: { entry_type: frm.doc.entry_type, value: frm.doc.value },
				type: "GET",
			})
			.then(({ message: impact }) => {
				if (!impact.parties.length && !impact.filed_mails) return;
				const escape = frappe.utils.escape_html;
				const parties = impact.parties
					.map((party) => `<li>${escape(__(party.link_doctype))}: ${escape(party.link_name)}</li>`)
					.join("");
				const count = Number(impact.filed_mails) || 0;
				const filings = count === 1 ? __("1 automatic filing") : __("{0} automatic filings", [count]);
				const lines = [];
				if (parties) {
					lines.push(`<p class="blocklist-owners">${escape(__("{0} belongs to these customers and suppliers:", [frm.doc.value]))}</p><ul>${parties}</ul>`);
				}
				if (count) {
					lines.push(`<p class="blocklist-filings">${escape(__("Blocking it takes away {0} of e-mails already filed.", [filings]))}</p>`);
				}
				return new Promise((resolve, reject) => {
					frappe.confirm(
						`${lines.join("")}<p>${escape(__("Block it anyway?"))}</p>`,
						() => {
							frm.__impact_confirmed = true;
							resolve();
						},
						() => reject(new Error(__("Not blocked")))
					);
				});
			});
	},

	refresh(frm) {
		if (frm.is_new() || frm.doc.enabled) return;
		frm.add_custom_button(__("Re-file"), () => {
			frappe
				.call({
					method: "crm_mail_archive.api.refile_blocklist_entry",
					args: { entry: frm.doc.name },
				})
				.then(() =>
					frappe.show_alert({
						message: __("E-mails of {0} are being filed again", [frappe.utils.escape_html(frm.doc.value)]),
						indicator: "blue",
					})
				);
		});
	},
});
