"""Stock Frappe must never pull a mailbox this app manages: no duplicate Communications and no
\\Seen set on the server behind the user's back. Stock `pull()` cannot be unhooked, so the
Email Account's `receive()` does nothing for managed accounts.

Sending from a managed mailbox: its holders' User Emails follow the account's outgoing switch
(compose/senders.py), and a mail sent is appended to the mailbox's own Sent folder (the one the
archive syncs as Sent) through the app's IMAP client, not stock's "Sent" guess."""

import frappe
from frappe.email.doctype.email_account.email_account import EmailAccount

from crm_mail_archive.compose.senders import sync_outgoing
from crm_mail_archive.infra.connection import connection_settings
from crm_mail_archive.mailbox.client import MailboxClient


def is_managed(email_account_name: str) -> bool:
	return bool(frappe.db.exists("Mail Archive Account", {"email_account": email_account_name}))


def sent_folder_of(email_account_name: str, fallback: str | None) -> str:
	account = frappe.db.get_value("Mail Archive Account", {"email_account": email_account_name}, "name")
	folder = frappe.db.get_value(
		"Mail Archive Folder", {"parent": account, "role": "Sent"}, "folder_name", order_by="idx asc"
	)
	return folder or fallback or "Sent"


class MailArchiveEmailAccount(EmailAccount):
	def onload(self):
		# the form hides stock's "Pull Emails" and points to the archive account instead
		self.set_onload(
			"mail_archive_account",
			frappe.db.get_value("Mail Archive Account", {"email_account": self.name}),
		)

	def receive(self):
		if is_managed(self.name):
			return
		return super().receive()

	def on_update(self):
		super().on_update()
		if is_managed(self.name):
			sync_outgoing(self)

	def append_email_to_sent_folder(self, message):
		if not is_managed(self.name):
			return super().append_email_to_sent_folder(message)
		try:
			with MailboxClient(connection_settings(self.name)) as client:
				client.append(sent_folder_of(self.name, self.sent_folder_name), frappe.safe_encode(message))
		except Exception:
			self.log_error("Unable to add to Sent folder")
