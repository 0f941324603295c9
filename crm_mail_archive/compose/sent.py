"""Mail sent from the desk is archived the moment it is queued: the queued message, built as it
will go out (attachments included), becomes an archived mail of the mailbox it is sent from
(direction Sent), threaded and filed like synced mail. When the same mail comes back through the
Sent folder, storage finds it by its Message-ID: one archived mail, now with its server copy."""

from __future__ import annotations

import frappe
from frappe.email.doctype.email_queue.email_queue import SendMailContext

from crm_mail_archive.ingest import archive_sent_from_desk


def queued_message(queue) -> bytes | None:
	"""The message of an Email Queue as the first recipient receives it."""
	if not queue.recipients or not queue.message:
		return None
	return SendMailContext(queue).build_message(queue.recipients[0].recipient)


def archive_queued_mail(queue) -> str | None:
	"""Email Queue after_insert: archive the mail a desk Communication sends. Returns the
	Communication when it was archived now."""
	if not queue.communication:
		return None
	account = (
		frappe.db.get_value("Mail Archive Account", {"email_account": queue.email_account}, "name")
		if queue.email_account
		else None
	)
	if not account:
		return None
	raw = queued_message(queue)
	if not raw:
		return None
	return archive_sent_from_desk(account, queue.communication, raw)
