"""How to reach a mailbox: the IMAP settings of a Frappe Email Account (server, login, password or
the OAuth token of its Connected App), with the archive's timeout and the site's CA file."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint
from frappe.utils.password import get_decrypted_password

from crm_mail_archive.mailbox.client import ConnectionSettings, MailboxAuthError

_FIELDS = (
	"email_server",
	"use_ssl",
	"use_starttls",
	"incoming_port",
	"login_id",
	"login_id_is_different",
	"email_id",
	"auth_method",
	"connected_app",
	"connected_user",
)


def connection_settings(email_account_name: str) -> ConnectionSettings:
	# the fields, not the document: loading the Email Account controller (stock imports half of
	# frappe.email) was most of a scheduled no-op sync's time in a fresh worker
	email_account = frappe.db.get_value("Email Account", email_account_name, _FIELDS, as_dict=True)
	if email_account is None:
		raise frappe.DoesNotExistError(_("Email Account {0} not found").format(email_account_name))
	if not email_account.email_server:
		frappe.throw(_("Email Account {0} has no incoming (IMAP) server.").format(email_account_name))
	security = "ssl" if email_account.use_ssl else "starttls" if email_account.use_starttls else "plain"
	port = cint(email_account.incoming_port) or (993 if security == "ssl" else 143)
	username = (
		email_account.login_id if email_account.login_id_is_different else None
	) or email_account.email_id
	oauth_token = password = None
	if email_account.auth_method == "OAuth":
		token = frappe.get_doc("Connected App", email_account.connected_app).get_active_token(
			email_account.connected_user
		)
		if not token:
			raise MailboxAuthError(f"no OAuth token for {email_account.connected_user}")
		oauth_token = token.get_password("access_token")
	else:
		password = get_decrypted_password(
			"Email Account", email_account_name, "password", raise_exception=False
		)
	settings = frappe.get_cached_doc("Mail Archive Settings")
	return ConnectionSettings(
		host=email_account.email_server,
		port=port,
		username=username,
		security=security,
		password=password,
		oauth_token=oauth_token,
		timeout=float(settings.connection_timeout_seconds or 30),
		ca_file=frappe.conf.get("mail_archive_ca_file"),
	)
