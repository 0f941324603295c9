// Communication list: mark archived mail that is filed, and where (the stock indicator otherwise).
(() => {
	const settings = (frappe.listview_settings["Communication"] = frappe.listview_settings["Communication"] || {});
	settings.add_fields = [...(settings.add_fields || []), "mail_archive_filed", "mail_archive_filed_at"];
	const stock_indicator = settings.get_indicator;
	settings.get_indicator = function (doc) {
		if (doc.mail_archive_filed) {
			return [__("Filed"), "green", "mail_archive_filed,=,1"];
		}
		return stock_indicator ? stock_indicator(doc) : undefined;
	};
	const stock_onload = settings.onload;
	settings.onload = function (listview) {
		stock_onload && stock_onload(listview);
		// needs mail_dialogs.js, loaded before this file (hooks.py)
		listview.page.add_actions_menu_item(__("File at…"), () =>
			crm_mail_archive.file_dialog(listview.get_checked_items(true), () => listview.refresh())
		);
	};
	const stock_formatters = settings.formatters || {};
	settings.formatters = {
		...stock_formatters,
		subject(value, df, doc) {
			const subject = stock_formatters.subject ? stock_formatters.subject(value, df, doc) : frappe.utils.escape_html(value || "");
			if (!doc.mail_archive_filed_at) return subject;
			return `<span title="${frappe.utils.escape_html(__("Filed at") + " " + doc.mail_archive_filed_at)}">${subject}</span>`;
		},
	};
})();
