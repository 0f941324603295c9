app_name = "crm_mail_archive"
app_title = "CRM Mail Archive"
app_publisher = "crm_mail_archive developers"
app_description = "Files every mail a team exchanges with its customers at the right CRM records"
app_email = "developers@crm-mail-archive.invalid"
app_license = "GPL-3.0"

# DocType controllers carry their fields as types (devtools/doctype_types.py writes them)
export_python_type_annotations = True
# "org/repo" as HRMS does: a bare name makes Frappe ask the GitHub API for the org at install
required_apps = ["frappe/erpnext"]

after_install = "crm_mail_archive.install.after_install"
after_migrate = "crm_mail_archive.install.after_migrate"
before_uninstall = "crm_mail_archive.install.before_uninstall"

override_doctype_class = {
	# the mail's text escaped where stock formats it into HTML on the server (print view)
	"Communication": "crm_mail_archive.overrides.communication.MailArchiveCommunication",
	"Email Account": "crm_mail_archive.overrides.email_account.MailArchiveEmailAccount",
	# no File row reaches the archive's files (checks ahead of stock File's own)
	"File": "crm_mail_archive.overrides.file.MailArchiveFile",
}

scheduler_events = {
	"cron": {
		"* * * * *": ["crm_mail_archive.tasks.enqueue_due_account_syncs"],
		# an hour after midnight: yesterday's stored mail is committed (integrity/seal.py)
		"15 1 * * *": ["crm_mail_archive.tasks.seal_archive_days"],
		"45 2 * * 0": ["crm_mail_archive.tasks.verify_archive"],
	},
	"daily_long": ["crm_mail_archive.tasks.purge_mail_after_retention"],
	# chunked import uploads nobody finished within a day (transfer/uploads.py)
	"hourly": ["crm_mail_archive.tasks.remove_stale_import_uploads"],
}

# a time zone change (the setup wizard's, or later) must not leave the sync "due" hours from now
setup_wizard_success = "crm_mail_archive.events.time_zone_may_have_changed"

doc_events = {
	"System Settings": {"on_update": "crm_mail_archive.events.time_zone_may_have_changed"},
	"Contact": {"on_update": "crm_mail_archive.events.contact_changed"},
	"Lead": {"on_update": "crm_mail_archive.events.lead_changed"},
	"Communication": {
		"before_insert": "crm_mail_archive.events.communication_before_insert",
		"after_insert": "crm_mail_archive.events.communication_after_insert",
		# an archived mail is immutable; deleted only after its retention (retention/guard.py)
		"validate": "crm_mail_archive.retention.guard.communication_validate",
		"on_trash": "crm_mail_archive.retention.guard.communication_on_trash",
	},
	"Email Queue": {
		"before_insert": "crm_mail_archive.events.email_queue_before_insert",
		# a mail sent from a managed mailbox is archived at once (compose/sent.py)
		"after_insert": "crm_mail_archive.events.email_queue_after_insert",
	},
	# a User Email makes its user a holder of the mailbox: who reads its mail changes (audited)
	"User": {"on_update": "crm_mail_archive.privacy.audit_mailbox_holders"},
	"Archive Blocklist": {"after_delete": "crm_mail_archive.events.blocklist_entry_removed"},
	# the customer's order number, the supplier's invoice number (new or changed) file the past mail
	# that named it (document_numbers/); a Purchase Invoice files its past e-invoice mail too
	"Sales Order": {"on_update": "crm_mail_archive.events.party_reference_saved"},
	"Sales Invoice": {"on_update": "crm_mail_archive.events.party_reference_saved"},
	"Purchase Invoice": {"on_update": "crm_mail_archive.events.purchase_invoice_saved"},
	"*": {
		"on_trash": [
			"crm_mail_archive.retention.guard.record_on_trash",
			"crm_mail_archive.events.document_deleted",
		],
		# a new Quotation, Sales Order, … files the past mail that named it (document_numbers/)
		"after_insert": "crm_mail_archive.events.document_inserted",
	},
}

# our rows never keep a document from being deleted; its filings go with it (see document_deleted)
ignore_links_on_delete = [
	"Mail Attachment",
	"Timeline Link",
	"Mail Address Index",
	"Mail Search Text",
	"Mailbox Copy",
	"Mail Server Action",
	"Mail Export",
	"Mail Archive Audit Event",
	"Mail Archive Legal Hold",
	"Mail Archive Erasure",
	"Mail Archive Erased Key",
]

# who reads archived mail: one rule, in permissions/
has_permission = {
	"Communication": "crm_mail_archive.permissions.communication_has_permission",
	"File": "crm_mail_archive.overrides.file.file_has_permission",
	"Mail Archive Account": "crm_mail_archive.permissions.account_has_permission",
}
permission_query_conditions = {
	"Communication": "crm_mail_archive.permissions.communication_query_conditions",
	"File": "crm_mail_archive.permissions.file_query_conditions",
	"Mail Archive Account": "crm_mail_archive.permissions.account_query_conditions",
}
# stock endpoints that would show or change archived mail without asking that rule
_STOCK_MAIL_ENDPOINTS = "crm_mail_archive.overrides.stock_mail_endpoints"
override_whitelisted_methods = {
	"frappe.desk.form.load.getdoc": f"{_STOCK_MAIL_ENDPOINTS}.getdoc",
	"frappe.desk.form.load.get_docinfo": f"{_STOCK_MAIL_ENDPOINTS}.get_docinfo",
	"frappe.desk.form.load.get_communications": f"{_STOCK_MAIL_ENDPOINTS}.get_communications",
	"frappe.client.get_count": f"{_STOCK_MAIL_ENDPOINTS}.get_count",
	"frappe.utils.global_search.search": f"{_STOCK_MAIL_ENDPOINTS}.global_search",
	"frappe.email.relink": f"{_STOCK_MAIL_ENDPOINTS}.relink",
	"frappe.email.inbox.create_email_flag_queue": f"{_STOCK_MAIL_ENDPOINTS}.create_email_flag_queue",
	"frappe.email.inbox.mark_as_trash": f"{_STOCK_MAIL_ENDPOINTS}.mark_as_trash",
	"frappe.email.inbox.mark_as_spam": f"{_STOCK_MAIL_ENDPOINTS}.mark_as_spam",
	"frappe.email.inbox.move_email": f"{_STOCK_MAIL_ENDPOINTS}.move_email",
}

# the desk code and styles, one bundle each (public/js, public/scss; bench build)
app_include_js = ["crm_mail_archive.bundle.js"]
app_include_css = ["crm_mail_archive.bundle.css"]
# scripts that must follow stock's own script of the form or list they change (Frappe loads these
# after it): the reader's buttons on Communication, no "Pull Emails" on archived Email Accounts,
# the list settings of Communication
doctype_js = {
	"Communication": ["public/js/communication_form.js"],
	"Email Account": ["public/js/email_account.js"],
}
doctype_list_js = {"Communication": ["public/js/communication_list.js"]}
