"""The whitelisted API, one module per audience and area:

- accounts: mailboxes (set up, connection test, sync now, folders, quarantine retry, status, visibility)
- reader: one mail (view, filings, original, attachments, the Private mark)
- search: a record's Email Archive tab, the Mail Search page
- filing: File at…, Un-file, file again, blocklist impact
- create: Contact, Lead, Opportunity, Issue from a mail
- compose: the draft of a reply, reply-all or forward
- server_actions: read/unread, move, spam, trash, one mail or many (mirrored to the server)
- transfer: import and export of mail files
- compliance: retention, legal hold, deletion, erasure

Each endpoint is a thin adapter: a guard from permissions/, then one call into its feature. The
dotted paths `crm_mail_archive.api.<method>` that the desk, the README and integrators use stay
valid: every endpoint is imported here under its name.

No module here postpones its annotations (`from __future__ import annotations`): Frappe checks and
converts a request's arguments by the endpoint's annotations, which must be types, not strings.
"""

from crm_mail_archive.api.accounts import (
	add_folder,
	check_mailbox_connection,
	get_account_completeness,
	get_account_status,
	list_server_folders,
	mailbox_setup_choices,
	retry_quarantined,
	set_up_mailbox,
	set_visibility,
	sync_folder,
	sync_now,
)
from crm_mail_archive.api.compliance import (
	delete_archived_mail,
	erase_personal_data,
	erasure_preview,
	get_retention,
	set_legal_hold,
)
from crm_mail_archive.api.compose import prepare_answer
from crm_mail_archive.api.create import create_from_mail, open_opportunities, prefill_from_mail
from crm_mail_archive.api.filing import (
	blocklist_impact,
	file_at_doctypes,
	file_mail,
	refile_blocklist_entry,
	refile_mail,
	unfile_mail,
)
from crm_mail_archive.api.reader import (
	download_attachment,
	download_original,
	get_filings,
	get_mail_view,
	set_mail_private,
)
from crm_mail_archive.api.search import get_archive, search_mail
from crm_mail_archive.api.server_actions import (
	change_mails,
	get_server_state,
	mark_read,
	mark_spam,
	move_mail,
	trash_mail,
)
from crm_mail_archive.api.transfer import (
	download_export,
	export_mail,
	finish_import_upload,
	import_accounts,
	import_mail_files,
	send_import_chunk,
	start_import_upload,
)

__all__ = [
	"add_folder",
	"blocklist_impact",
	"change_mails",
	"check_mailbox_connection",
	"create_from_mail",
	"delete_archived_mail",
	"download_attachment",
	"download_export",
	"download_original",
	"erase_personal_data",
	"erasure_preview",
	"export_mail",
	"file_at_doctypes",
	"file_mail",
	"finish_import_upload",
	"get_account_completeness",
	"get_account_status",
	"get_archive",
	"get_filings",
	"get_mail_view",
	"get_retention",
	"get_server_state",
	"import_accounts",
	"import_mail_files",
	"list_server_folders",
	"mailbox_setup_choices",
	"mark_read",
	"mark_spam",
	"move_mail",
	"open_opportunities",
	"prefill_from_mail",
	"prepare_answer",
	"refile_blocklist_entry",
	"refile_mail",
	"retry_quarantined",
	"search_mail",
	"send_import_chunk",
	"set_legal_hold",
	"set_mail_private",
	"set_up_mailbox",
	"set_visibility",
	"start_import_upload",
	"sync_folder",
	"sync_now",
	"trash_mail",
	"unfile_mail",
]
