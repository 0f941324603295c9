// Text that comes from a mail or a mail server is kept exactly as it is spelled (a mail's subject,
// names and addresses, folder names, flags) and shown as text, never as markup, on every desk
// surface that formats a field: form, grid, list and report all go through frappe.format, which
// asks the field's formatter. (overrides/communication.py does the same for the server's.)
frappe.provide("crm_mail_archive");

crm_mail_archive.SERVER_TEXT_FIELDS = {
	Communication: [
		"subject",
		"sender",
		"sender_full_name",
		"recipients",
		"cc",
		"bcc",
		"message_id",
		"imap_folder",
		"mail_archive_address_names",
	],
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

// Stock's timeline shows a mail's subject, sender and recipients with {{ }}, which does not escape:
// the template gets them escaped; the timeline's own copy (reply, forward) keeps the mail's text.
(() => {
	const render_template = frappe.render_template;
	const MAIL_TEXT = ["subject", "user_full_name", "sender_full_name", "owner", "sender", "recipients", "cc", "bcc"];
	frappe.render_template = function (name, data) {
		const doc = data && data.doc;
		if (name === "timeline_message_box" && doc && doc.communication_type && !doc.comment_type) {
			const shown = { ...doc };
			for (const field of MAIL_TEXT) {
				if (shown[field] != null) shown[field] = frappe.utils.escape_html(String(shown[field]));
			}
			data = { ...data, doc: shown };
		}
		return render_template.call(this, name, data);
	};
})();
