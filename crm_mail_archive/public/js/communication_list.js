// Communication list: archived mail shows whether it is filed (and where, on hover); the indicator
// filters on it. Other mail keeps the stock indicator. Needs mail_dialogs.js (hooks.py).
(() => {
	const settings = (frappe.listview_settings["Communication"] = frappe.listview_settings["Communication"] || {});
	settings.add_fields = [...(settings.add_fields || []), "mail_archive_filing", "mail_archive_filed_at"];
	const stock_indicator = settings.get_indicator;
	settings.get_indicator = function (doc) {
		if (doc.mail_archive_filing === "Filed") return [__("Filed"), "green", "mail_archive_filing,=,Filed"];
		if (doc.mail_archive_filing === "Unfiled") return [__("Unfiled"), "orange", "mail_archive_filing,=,Unfiled"];
		return stock_indicator ? stock_indicator(doc) : undefined;
	};
	const stock_onload = settings.onload;
	settings.onload = function (listview) {
		stock_onload && stock_onload(listview);
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
