"""Mail archived before the full-text search: its words from what the Communication holds
(subject, sender, recipients, text), so that the search finds it. Its attachments' words are read
only for mail archived from now on (reading them all here would hold up the migration)."""

import frappe

from crm_mail_archive.search.index import MAX_MAIL_TEXT_CHARS, SEARCH_TEXT, ensure_fulltext_index


def execute() -> None:
	ensure_fulltext_index()
	frappe.db.sql(
		f"""insert ignore into `tab{SEARCH_TEXT}`
			(name, communication, mail_text, creation, modified, owner, modified_by, docstatus, idx)
		select name, name,
			left(concat_ws(' ', subject, sender_full_name, sender, recipients, cc, text_content), %(chars)s),
			now(), now(), 'Administrator', 'Administrator', 0, 0
		from `tabCommunication`
		where ifnull(mail_archive_key, '') != ''""",
		{"chars": MAX_MAIL_TEXT_CHARS},
	)
