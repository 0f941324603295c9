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

crm_mail_archive.FOLDER_FIELDS = ["Mail Archive Folder.folder_name", "Mailbox Copy.folder", "Mail Server Action.target_folder"];

crm_mail_archive.mail_count = (count) => (count === 1 ? __("1 mail") : __("{0} mails", [count]));
// a count the server stopped at its cap: "more than 1000 mails"
crm_mail_archive.counted = (count, more) =>
	more ? __("more than {0}", [crm_mail_archive.mail_count(count)]) : crm_mail_archive.mail_count(count);

crm_mail_archive.as_text = (value) => frappe.utils.escape_html(value == null ? "" : String(value));

// The standard folders in the user's language: by the server's SPECIAL-USE role where it is known,
// else by the names servers give them (INBOX, Sent, "Sent Items", INBOX.Trash, ...). Any other
// folder keeps its own name. Plain text: escape it where it is shown.
crm_mail_archive.FOLDER_LABELS = {
	inbox: () => __("Inbox", null, "Mail folder"),
	sent: () => __("Sent", null, "Mail folder"),
	trash: () => __("Trash", null, "Mail folder"),
	junk: () => __("Spam", null, "Mail folder"),
	drafts: () => __("Drafts", null, "Mail folder"),
	archive: () => __("Archive", null, "Mail folder"),
};
crm_mail_archive.FOLDER_NAME_ROLES = {
	inbox: "inbox",
	sent: "sent",
	"sent items": "sent",
	"sent messages": "sent",
	"sent mail": "sent",
	gesendet: "sent",
	"gesendete objekte": "sent",
	"gesendete elemente": "sent",
	trash: "trash",
	"deleted items": "trash",
	"deleted messages": "trash",
	papierkorb: "trash",
	"gelöschte elemente": "trash",
	junk: "junk",
	spam: "junk",
	"junk e-mail": "junk",
	"junk email": "junk",
	drafts: "drafts",
	"entwürfe": "drafts",
	archive: "archive",
	archiv: "archive",
};
crm_mail_archive.folder_label = (name, special_use) => {
	const text = name == null ? "" : String(name);
	let role = (special_use || "").toLowerCase();
	if (!crm_mail_archive.FOLDER_LABELS[role]) {
		// "INBOX.Sent", "INBOX/Sent" and "[Gmail]/Sent Mail" are the standard folders too
		const bare = text.replace(/^(INBOX[./]|\[gmail\]\/|\[google mail\]\/)/i, "").toLowerCase();
		role = text.toUpperCase() === "INBOX" ? "inbox" : crm_mail_archive.FOLDER_NAME_ROLES[bare];
	}
	return role && crm_mail_archive.FOLDER_LABELS[role] ? crm_mail_archive.FOLDER_LABELS[role]() : text;
};
crm_mail_archive.folder_as_text = (value) => crm_mail_archive.as_text(crm_mail_archive.folder_label(value));

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
			df.formatter = crm_mail_archive.FOLDER_FIELDS.includes(`${df.parent}.${df.fieldname}`)
				? crm_mail_archive.folder_as_text
				: crm_mail_archive.as_text;
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

// Awesomplete (Link and Autocomplete fields) writes English into its status line ("Begin typing for
// results."), read out by screen readers and shown where a dialog's styles leave it visible: the
// line is translated whenever Awesomplete changes it.
crm_mail_archive.translate_awesomplete_status = (awesomplete) => {
	const status = awesomplete && awesomplete.status;
	if (!status || status.mail_archive_translated) return;
	status.mail_archive_translated = true;
	const translate = () => {
		const text = status.textContent;
		const count = text.match(/^(\d+) results found$/);
		const translated =
			text === "Begin typing for results."
				? __("Begin typing for results.")
				: text === "No results found"
				? __("No results found")
				: count
				? __("{0} results found", [count[1]])
				: text;
		if (translated !== text) status.textContent = translated;
	};
	translate();
	new MutationObserver(translate).observe(status, { childList: true, characterData: true, subtree: true });
};

(() => {
	const controls = [
		["ControlLink", "setup_awesomeplete"],
		["ControlAutocomplete", "setup_awesomplete"],
	];
	for (const [control, method] of controls) {
		const prototype = frappe.ui.form && frappe.ui.form[control] && frappe.ui.form[control].prototype;
		if (!prototype || !prototype[method]) continue;
		const setup = prototype[method];
		prototype[method] = function () {
			const result = setup.apply(this, arguments);
			crm_mail_archive.translate_awesomplete_status(this.awesomplete);
			return result;
		};
	}
})();
