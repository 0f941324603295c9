"""An account's health: OK, Retrying (the server could not be reached) or Needs Attention (the
server refused the login), with exponential backoff and one notification to System Managers."""

from __future__ import annotations

import html

import frappe
from frappe import _
from frappe.utils import add_to_date, cint, now_datetime

from crm_mail_archive.infra.text import inert_text
from crm_mail_archive.mailbox.client import MailboxAuthError, MailboxError

MAX_BACKOFF_MINUTES = 6 * 60


def record_success(account_name: str, new_mails: int = 0, quarantined: int = 0) -> None:
	frappe.db.set_value(
		"Mail Archive Account",
		account_name,
		{
			"last_sync_new_mails": new_mails,
			"last_sync_quarantined": quarantined,
			"health": "OK",
			"health_reason": "",
			"failure_count": 0,
			"next_attempt": None,
			"admins_notified": 0,
			"last_sync": now_datetime(),
		},
		update_modified=False,
	)
	frappe.db.commit()


def backoff_minutes(failure_count: int) -> int:
	return min(MAX_BACKOFF_MINUTES, 2 ** min(failure_count, 12))


def record_failure(account_name: str, error: MailboxError) -> None:
	failures = cint(frappe.db.get_value("Mail Archive Account", account_name, "failure_count")) + 1
	health = "Needs Attention" if isinstance(error, MailboxAuthError) else "Retrying"
	frappe.db.set_value(
		"Mail Archive Account",
		account_name,
		{
			"health": health,
			"health_reason": inert_text(str(error))[:1000],  # the server's words
			"failure_count": failures,
			"next_attempt": add_to_date(now_datetime(), minutes=backoff_minutes(failures)),
		},
		update_modified=False,
	)
	notify_admins_once(account_name, health, str(error))
	frappe.db.commit()


def notify_admins_once(account_name: str, health: str, reason: str) -> None:
	if cint(frappe.db.get_value("Mail Archive Account", account_name, "admins_notified")):
		return
	from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification
	from frappe.utils.user import get_users_with_role

	enqueue_create_notification(
		get_users_with_role("System Manager"),
		{
			"type": "Alert",
			"document_type": "Mail Archive Account",
			"document_name": account_name,
			"subject": _("Mail archive of {0}: {1}").format(account_name, _(health)),
			"email_content": html.escape(reason),
		},
	)
	frappe.db.set_value("Mail Archive Account", account_name, "admins_notified", 1, update_modified=False)
