"""Answering a mail from the desk: the draft the composer starts from."""

import frappe

from crm_mail_archive.compose.drafts import draft
from crm_mail_archive.infra import audit
from crm_mail_archive.permissions.guards import require_readable_mail


@frappe.whitelist(methods=["POST"])
def prepare_answer(communication: str, mode: str) -> dict:
	"""The draft of a reply ("reply", "reply_all") or forward ("forward") of a mail the user may
	read: subject, recipients, quoted original, sender; a forward's attachments as the user's own
	copies (a write: POST). Audited as opening the mail, a forward's copies as downloads."""
	require_readable_mail(communication)
	result = draft(communication, mode, frappe.session.user)
	mails = audit.archived([communication])
	audit.record("Opened", mails)
	for copy in result["attachments"]:
		audit.record("Downloaded Attachment", mails, detail=copy["file_name"])
	return result
