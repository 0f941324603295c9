// The last verification of the mail archive (or the one chosen) and its findings; or each
// mailbox folder's completeness (what the server held, what is archived, what is missing and why).
frappe.query_reports["Mail Archive Integrity"] = {
	filters: [
		{
			fieldname: "show",
			label: __("Show"),
			fieldtype: "Select",
			options: [
				{ value: "Findings", label: __("Verification Findings") },
				{ value: "Completeness", label: __("Completeness") },
			],
			default: "Findings",
		},
		{
			fieldname: "account",
			label: __("Account"),
			fieldtype: "Link",
			options: "Mail Archive Account",
			depends_on: "eval:doc.show==='Completeness'",
		},
		{
			fieldname: "verification",
			label: __("Verification"),
			fieldtype: "Link",
			options: "Mail Archive Verification",
			description: __("Empty: the last verification"),
			depends_on: "eval:doc.show!=='Completeness'",
		},
	],
};
