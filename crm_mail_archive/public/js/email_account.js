// An Email Account the mail archive reads: stock's "Pull Emails" would fetch it a second time (and
// set \Seen behind the holder's back), so it is hidden, and the form says where the mailbox is run.
frappe.ui.form.on("Email Account", {
	refresh(frm) {
		const archive = frm.doc.__onload && frm.doc.__onload.mail_archive_account;
		if (!archive) return;
		frm.remove_custom_button(__("Pull Emails"));
		const link = `<a href="/app/mail-archive-account/${encodeURIComponent(archive)}">${frappe.utils.escape_html(archive)}</a>`;
		frm.set_intro(
			__("This mailbox is archived by Mail Archive Account {0}: its e-mails are synced there (Sync Now), not pulled here.", [link]),
			"blue"
		);
	},
});
