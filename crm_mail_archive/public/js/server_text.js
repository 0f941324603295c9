// Text that comes from a mail server and is kept exactly as the server spells it (folder names,
// flags) is shown as text, never as markup, on every desk surface that formats a field: form,
// grid, list and report all go through frappe.format, which asks the field's formatter.
frappe.provide("crm_mail_archive");

crm_mail_archive.SERVER_TEXT_FIELDS = {
	"Mail Archive Folder": ["folder_name"],
	"Mailbox Copy": ["folder", "server_flags"],
	"Mail Server Action": ["target_folder"],
};

crm_mail_archive.mail_count = (count) => (count === 1 ? __("1 mail") : __("{0} mails", [count]));

crm_mail_archive.as_text = (value) => frappe.utils.escape_html(value == null ? "" : String(value));

// Text with the searched words marked: the text is split at the words and every piece escaped,
// so nothing of the mail ever becomes markup.
crm_mail_archive.marked = (text, words) => {
	const escape = frappe.utils.escape_html;
	if (!words || !words.length) return escape(text || "");
	const pattern = new RegExp(`(${words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`, "giu");
	return String(text || "")
		.split(pattern)
		.map((piece, index) => (index % 2 ? `<mark>${escape(piece)}</mark>` : escape(piece)))
		.join("");
};

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
