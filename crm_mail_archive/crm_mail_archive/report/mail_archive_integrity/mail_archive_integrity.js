// The last verification of the mail archive (or the one chosen) and its findings.
frappe.query_reports["Mail Archive Integrity"] = {
	filters: [
		{
			fieldname: "verification",
			label: __("Verification"),
			fieldtype: "Link",
			options: "Mail Archive Verification",
			description: __("Empty: the last verification"),
		},
	],
};
