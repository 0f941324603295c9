"""Connecting a mailbox in one dialog: the provider's preset or a manual server, the address, a
password or OAuth (a Connected App), a connection test of IMAP and SMTP with a translated reason,
then the Email Account (incoming and outgoing server) and its Mail Archive Account are made or
updated together. Stock's "Enable Incoming" stays off: stock must never pull an archived mailbox."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, validate_email_address
from frappe.utils.password import get_decrypted_password

from crm_mail_archive.accounts.syncing import enqueue_sync
from crm_mail_archive.mailbox.client import ConnectionSettings
from crm_mail_archive.mailbox.presets import MANUAL, SECURITY_CHOICES, default_port, preset, presets_as_dicts
from crm_mail_archive.mailbox.probe import ProbeResult, SmtpSettings, probe_imap, probe_smtp

AUTH_PASSWORD = "Password"
AUTH_OAUTH = "OAuth"


def setup_choices() -> dict:
	return {"presets": presets_as_dicts(), "manual": MANUAL}


def current_values(account_name: str) -> dict:
	"""What the dialog shows for an existing account: its servers and sign-in, never the password."""
	account = frappe.get_doc("Mail Archive Account", account_name)
	email_account = frappe.get_doc("Email Account", account.email_account)
	imap_security = "ssl" if email_account.use_ssl else "starttls" if email_account.use_starttls else "plain"
	smtp_security = (
		"ssl" if email_account.use_ssl_for_outgoing else "starttls" if email_account.use_tls else "plain"
	)
	values = {
		"email_address": email_account.email_id,
		"login_id": email_account.login_id if email_account.login_id_is_different else "",
		"auth_method": AUTH_OAUTH if email_account.auth_method == "OAuth" else AUTH_PASSWORD,
		"connected_app": email_account.connected_app,
		"imap_host": email_account.email_server,
		"imap_port": cint(email_account.incoming_port) or default_port("imap", imap_security),
		"imap_security": imap_security,
		"smtp_host": email_account.smtp_server,
		"smtp_port": cint(email_account.smtp_port) or default_port("smtp", smtp_security),
		"smtp_security": smtp_security,
		"account_owner": account.account_owner,
		"automatic_filing": account.automatic_filing,
		"has_password": bool(
			get_decrypted_password("Email Account", email_account.name, "password", raise_exception=False)
		),
	}
	values["preset"] = next(
		(
			item["key"]
			for item in presets_as_dicts()
			if item["imap_host"] and item["imap_host"] == values["imap_host"]
		),
		MANUAL,
	)
	return values


def _clean(values: dict) -> frappe._dict:
	values = frappe._dict(values or {})
	values.email_address = (values.email_address or "").strip()
	if not values.email_address or not validate_email_address(values.email_address):
		frappe.throw(_("Enter a valid e-mail address."), frappe.ValidationError)
	chosen = preset(values.preset or "")
	for protocol in ("imap", "smtp"):
		host = (values.get(f"{protocol}_host") or "").strip() or (
			chosen and getattr(chosen, f"{protocol}_host")
		)
		values[f"{protocol}_host"] = host or ""
		security = (
			values.get(f"{protocol}_security")
			or (chosen and getattr(chosen, f"{protocol}_security"))
			or "ssl"
		)
		if security not in SECURITY_CHOICES:
			frappe.throw(_("Choose SSL/TLS, STARTTLS or no encryption."), frappe.ValidationError)
		values[f"{protocol}_security"] = security
		port = cint(values.get(f"{protocol}_port")) or default_port(protocol, security)
		if not 0 < port < 65536:
			frappe.throw(_("{0} is not a valid port.").format(port), frappe.ValidationError)
		values[f"{protocol}_port"] = port
	if not values.imap_host:
		frappe.throw(_("Enter the incoming (IMAP) server."), frappe.ValidationError)
	values.auth_method = AUTH_OAUTH if values.auth_method == AUTH_OAUTH else AUTH_PASSWORD
	if values.auth_method == AUTH_OAUTH and not values.connected_app:
		frappe.throw(_("Choose the Connected App to sign in with."), frappe.ValidationError)
	values.login_id = (values.login_id or "").strip()
	return values


def _email_account_of(account_name: str | None) -> str | None:
	return (
		frappe.db.get_value("Mail Archive Account", account_name, "email_account") if account_name else None
	)


def _secrets(values: frappe._dict, account_name: str | None) -> tuple[str | None, str | None]:
	"""(password, OAuth token) to try: the typed password, else the one stored on the account."""
	if values.auth_method == AUTH_OAUTH:
		user = values.account_owner or frappe.session.user
		token = frappe.get_doc("Connected App", values.connected_app).get_active_token(user)
		if not token:
			frappe.throw(
				_(
					"{0} has not signed in through {1} yet: open the Connected App and connect the account first."
				).format(user, values.connected_app),
				frappe.ValidationError,
			)
		return None, token.get_password("access_token")
	password = values.password
	email_account = _email_account_of(account_name)
	if not password and email_account:
		password = get_decrypted_password("Email Account", email_account, "password", raise_exception=False)
	if not password:
		frappe.throw(_("Enter the password of the mailbox."), frappe.ValidationError)
	return password, None


def _reason(result: ProbeResult, host: str, port: int) -> str:
	if result.problem == "auth":
		return _("The server refused the login: check the e-mail address (user name) and the password.")
	if result.problem == "unreachable":
		return _("The server {0} cannot be reached on port {1}: check the server name and the port.").format(
			host, port
		)
	if result.problem == "tls":
		return _(
			"No secure connection to {0} on port {1}: check the encryption (SSL/TLS or STARTTLS) and the port."
		).format(host, port)
	return _("The server answered with an error: {0}").format(result.detail)


def _outcome(result: ProbeResult, host: str, port: int) -> dict:
	return {
		"ok": result.ok,
		"message": _("Connected.") if result.ok else _reason(result, host, port),
		"problem": result.problem,
	}


def check_connection(values: dict, account_name: str | None = None) -> dict:
	"""Log in to IMAP and (when given) SMTP with these settings; nothing is saved."""
	values = _clean(values)
	password, token = _secrets(values, account_name)
	settings = frappe.get_cached_doc("Mail Archive Settings")
	timeout = float(settings.connection_timeout_seconds or 30)
	ca_file = frappe.conf.get("mail_archive_ca_file")
	username = values.login_id or values.email_address
	imap = probe_imap(
		ConnectionSettings(
			host=values.imap_host,
			port=values.imap_port,
			username=username,
			security=values.imap_security,
			password=password,
			oauth_token=token,
			timeout=timeout,
			ca_file=ca_file,
		)
	)
	outcome = {"imap": _outcome(imap, values.imap_host, values.imap_port), "smtp": None}
	if values.smtp_host:
		smtp = probe_smtp(
			SmtpSettings(
				host=values.smtp_host,
				port=values.smtp_port,
				username=username,
				security=values.smtp_security,
				password=password,
				oauth_token=token,
				timeout=timeout,
				ca_file=ca_file,
			)
		)
		outcome["smtp"] = _outcome(smtp, values.smtp_host, values.smtp_port)
	return outcome


def save_mailbox(values: dict, account_name: str | None = None) -> str:
	"""Make or update the Email Account and the Mail Archive Account; queue the first sync of a
	new one. Returns the Mail Archive Account's name."""
	values = _clean(values)
	owner = values.account_owner or frappe.session.user
	if not frappe.db.exists("User", owner):
		frappe.throw(_("User {0} does not exist.").format(owner), frappe.ValidationError)
	email_account_name = _email_account_of(account_name) or frappe.db.get_value(
		"Email Account", {"email_id": values.email_address}
	)
	if email_account_name and not account_name:
		managed_by = frappe.db.get_value("Mail Archive Account", {"email_account": email_account_name})
		if managed_by:
			frappe.throw(
				_("{0} is already archived by Mail Archive Account {1}.").format(
					values.email_address, managed_by
				),
				frappe.DuplicateEntryError,
			)
	if email_account_name:
		email_account = frappe.get_doc("Email Account", email_account_name)
	else:
		email_account = frappe.new_doc("Email Account")
		email_account.email_account_name = values.email_address
	is_oauth = values.auth_method == AUTH_OAUTH
	if not is_oauth and not values.password and email_account.is_new():
		frappe.throw(_("Enter the password of the mailbox."), frappe.ValidationError)
	email_account.update(
		{
			"email_id": values.email_address,
			"login_id_is_different": int(bool(values.login_id)),
			"login_id": values.login_id or None,
			"auth_method": "OAuth" if is_oauth else "Basic",
			"connected_app": values.connected_app if is_oauth else None,
			"connected_user": owner if is_oauth else None,
			"awaiting_password": 0,
			# the archive reads the mailbox; stock's pull stays off (no duplicates, no \Seen)
			"enable_incoming": 0,
			"use_imap": 1,
			"email_server": values.imap_host,
			"incoming_port": str(values.imap_port),
			"use_ssl": int(values.imap_security == "ssl"),
			"use_starttls": int(values.imap_security == "starttls"),
			"enable_outgoing": int(bool(values.smtp_host)),
			"smtp_server": values.smtp_host or None,
			"smtp_port": str(values.smtp_port) if values.smtp_host else None,
			"use_tls": int(values.smtp_security == "starttls"),
			"use_ssl_for_outgoing": int(values.smtp_security == "ssl"),
		}
	)
	if values.password and not is_oauth:
		email_account.password = values.password
	# permission checked by the endpoint (managers of the archive); stock's Email Account write
	# permission is System Manager only
	email_account.save(ignore_permissions=True)
	if account_name:
		account = frappe.get_doc("Mail Archive Account", account_name)
	else:
		account = frappe.new_doc("Mail Archive Account")
		account.email_account = email_account.name
		account.enabled = 1
	account.account_owner = owner
	if values.get("automatic_filing") is not None:
		account.automatic_filing = cint(values.automatic_filing)
	account.save(ignore_permissions=True)
	if not account_name:
		enqueue_sync(account.name)  # queued when the transaction commits
	return account.name
