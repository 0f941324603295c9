// Text that comes from a mail server and is kept exactly as the server spells it (folder names,
// flags) is shown as text, never as markup, on every desk surface that formats a field: form,
// grid, list and report all go through frappe.format, which asks the field's formatter.
frappe.provide("crm_mail_archive");

crm_mail_archive.SERVER_TEXT_FIELDS = {
	"Mail Archive Folder": ["folder_name"],
	"Mailbox Copy": ["folder", "server_flags"],
	"Mail Server Action": ["target_folder"],
};

crm_mail_archive.as_text = (value) => frappe.utils.escape_html(value == null ? "" : String(value));

(() => {
	const add_field = frappe.meta.add_field;
	frappe.meta.add_field = function (df) {
		const result = add_field.apply(this, arguments);
		if ((crm_mail_archive.SERVER_TEXT_FIELDS[df.parent] || []).includes(df.fieldname)) {
			df.formatter = crm_mail_archive.as_text;
		}
		return result;
	};
})();
