"""Stock Frappe must never pull a mailbox this app manages: no duplicate Communications and no
\\Seen set on the server behind the user's back. Stock `pull()` cannot be unhooked, so the
Email Account's `receive()` does nothing for managed accounts."""

import frappe
from frappe.email.doctype.email_account.email_account import EmailAccount


def is_managed(email_account_name: str) -> bool:
	return bool(frappe.db.exists("Mail Archive Account", {"email_account": email_account_name}))


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
