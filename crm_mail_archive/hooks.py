app_name = "crm_mail_archive"
app_title = "CRM Mail Archive"
app_publisher = "crm_mail_archive developers"
app_description = "Files every mail a team exchanges with its customers at the right CRM records"
app_email = "developers@crm-mail-archive.invalid"
app_license = "GPL-3.0"
# "org/repo" as HRMS does: a bare name makes Frappe ask the GitHub API for the org at install
required_apps = ["frappe/erpnext"]

after_install = "crm_mail_archive.install.after_install"
after_migrate = "crm_mail_archive.install.after_migrate"
before_uninstall = "crm_mail_archive.install.before_uninstall"

override_doctype_class = {
	"Email Account": "crm_mail_archive.overrides.email_account.MailArchiveEmailAccount",
}

scheduler_events = {
	"cron": {
		"* * * * *": ["crm_mail_archive.tasks.enqueue_due_account_syncs"],
	},
}

doc_events = {
	"Contact": {"on_update": "crm_mail_archive.filing.events.contact_changed"},
	"Lead": {"on_update": "crm_mail_archive.filing.events.lead_changed"},
	"Communication": {
		"before_insert": "crm_mail_archive.filing.threading.set_in_reply_to",
		"after_insert": "crm_mail_archive.actions.events.reply_sent",
	},
	"Email Queue": {"before_insert": "crm_mail_archive.filing.threading.add_thread_headers"},
	"Archive Blocklist": {"after_delete": "crm_mail_archive.filing.events.blocklist_entry_removed"},
	"*": {"on_trash": "crm_mail_archive.filing.events.document_deleted"},
}

# our rows never keep a document from being deleted; its filings go with it (see document_deleted)
ignore_links_on_delete = ["Timeline Link", "Mail Address Index", "Mailbox Copy"]

has_permission = {"Communication": "crm_mail_archive.permissions.communication_has_permission"}
permission_query_conditions = {
	"Communication": "crm_mail_archive.permissions.communication_query_conditions",
}

doctype_js = {
	doctype: "public/js/email_archive.js" for doctype in ("Contact", "Customer", "Supplier", "Lead")
}
doctype_js["Communication"] = ["public/js/mail_dialogs.js", "public/js/communication_form.js"]

doctype_list_js = {"Communication": ["public/js/mail_dialogs.js", "public/js/communication_list.js"]}
