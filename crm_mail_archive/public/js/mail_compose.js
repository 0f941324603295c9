// Reply, Reply All and Forward of an archived mail: stock's composer, started from the draft the
// app prepares (api.prepare_answer): prefixed subject, recipients without our own addresses, the
// holder's mailbox as sender, the quoted original (escaped on the server), a forward's attachments
// as the user's own copies. Stock renders a dialog's title as HTML and reads the subject through
// the DOM: both get the subject escaped.

frappe.provide("crm_mail_archive");

crm_mail_archive.MailComposer = class MailComposer extends frappe.views.CommunicationComposer {
	// the signature is in the draft already, above the quote; stock would look it up in Email
	// Account, which the holder of a mailbox has no right to list
	async get_signature() {
		return "";
	}
};

crm_mail_archive.answer = (communication, mode, sent) =>
	frappe
		.call({ method: "crm_mail_archive.api.prepare_answer", args: { communication, mode }, freeze: true })
		.then((r) => {
			const draft = r.message;
			const subject = frappe.utils.escape_html(draft.subject);
			const composer = new crm_mail_archive.MailComposer({
				doc: { doctype: "Communication", name: communication },
				title: subject,
				subject,
				recipients: draft.recipients.join(", "),
				cc: draft.cc.join(", "),
				sender: draft.sender || undefined,
				message: draft.message,
				attachments: draft.attachments,
				forward: mode === "forward",
				is_a_reply: false, // the quote is in the draft (stock's would come from the timeline)
				success: sent,
			});
			// the original's attachments go along unless unticked
			for (const file of draft.attachments) {
				composer.dialog.$wrapper.find(`[data-file-name="${CSS.escape(file.name)}"]`).prop("checked", true);
			}
			if (draft.cc.length) composer.toggle_more_options(true);
			if (draft.not_attached.length) {
				frappe.show_alert({
					message: __("Not attached (Frappe refuses these files): {0}", [
						draft.not_attached.map(frappe.utils.escape_html).join(", "),
					]),
					indicator: "orange",
				});
			}
			return composer;
		});
