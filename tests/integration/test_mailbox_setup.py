"""Connecting a mailbox: the presets, the connection test against the test Dovecot (a clear,
translated reason when it fails, never the password) and the save that makes the Email Account
and its Mail Archive Account without stock's "Enable Incoming"."""

import base64
import socket
import socketserver
import threading

import frappe
import pytest

from crm_mail_archive.accounts.setup import check_connection, current_values, save_mailbox
from crm_mail_archive.mailbox.presets import PRESETS, default_port, preset
from crm_mail_archive.mailbox.probe import SmtpSettings, probe_smtp
from devtools.dovecot import free_port
from tests.support import remove_archive_of, remove_queued_sync


def dovecot_settings(dovecot, username: str, password: str, **values) -> dict:
	return {
		"email_address": username,
		"preset": "manual",
		"imap_host": "127.0.0.1",
		"imap_port": dovecot.imap_port,
		"imap_security": "plain",
		"password": password,
		**values,
	}


@pytest.fixture
def made_accounts():
	made: list[str] = []
	yield made
	frappe.db.rollback()
	for name in made:
		remove_queued_sync(name)
		remove_archive_of(name)
	frappe.db.commit()


@pytest.fixture
def german():
	frappe.local.lang = "de"  # the catalogue the test command compiled
	yield
	frappe.local.lang = "en"


def test_every_provider_of_the_issue_has_a_preset_with_imap_and_smtp():
	labels = {item.label for item in PRESETS}
	for provider in (
		"Microsoft 365",
		"Google Workspace / Gmail",
		"IONOS",
		"Strato",
		"T-Online",
		"GMX",
		"WEB.DE",
	):
		assert provider in labels
	assert preset("all-inkl").imap_host == "" and preset("all-inkl").host_hint.endswith(".kasserver.com")
	microsoft = preset("microsoft365")
	assert (microsoft.imap_host, microsoft.imap_port, microsoft.imap_security) == (
		"outlook.office365.com",
		993,
		"ssl",
	)
	assert (microsoft.smtp_host, microsoft.smtp_port, microsoft.smtp_security) == (
		"smtp.office365.com",
		587,
		"starttls",
	)
	assert microsoft.oauth and preset("google").oauth and not preset("ionos").oauth
	assert (default_port("imap", "ssl"), default_port("imap", "starttls"), default_port("smtp", "ssl")) == (
		993,
		143,
		465,
	)


def test_the_connection_test_logs_in_with_the_right_password(dovecot, mail_user):
	outcome = check_connection(dovecot_settings(dovecot, mail_user, dovecot.password(mail_user)))
	assert outcome["imap"] == {"ok": True, "message": "Connected.", "problem": None}
	assert outcome["smtp"] is None  # no outgoing server given: nothing tried


def test_a_wrong_password_is_refused_with_a_german_reason_and_no_password(dovecot, mail_user, german):
	outcome = check_connection(dovecot_settings(dovecot, mail_user, "falsch-Geheim-42"))
	assert outcome["imap"]["ok"] is False and outcome["imap"]["problem"] == "auth"
	assert outcome["imap"]["message"].startswith("Der Server hat die Anmeldung abgelehnt")
	assert "falsch-Geheim-42" not in frappe.as_json(outcome)


def test_a_closed_port_and_a_tls_mismatch_have_their_own_reasons(dovecot, mail_user):
	closed = free_port()
	outcome = check_connection(dovecot_settings(dovecot, mail_user, "x", imap_port=closed))
	assert outcome["imap"]["problem"] == "unreachable"
	assert f"cannot be reached on port {closed}" in outcome["imap"]["message"]
	# TLS spoken to the plain IMAP port
	outcome = check_connection(dovecot_settings(dovecot, mail_user, "x", imap_security="ssl"))
	assert outcome["imap"]["problem"] == "tls"
	assert "No secure connection to 127.0.0.1" in outcome["imap"]["message"]
	# an outgoing server is tried too
	outcome = check_connection(
		dovecot_settings(
			dovecot, mail_user, dovecot.password(mail_user), smtp_host="127.0.0.1", smtp_port=closed
		)
	)
	assert outcome["imap"]["ok"] and outcome["smtp"]["problem"] == "unreachable"


def test_an_smtp_server_that_is_not_one_is_a_refusal_not_a_hang():
	# a port that accepts and closes at once: the SMTP greeting never comes
	listener = socket.socket()
	listener.bind(("127.0.0.1", 0))
	listener.listen(1)
	port = listener.getsockname()[1]
	try:
		result = probe_smtp(SmtpSettings("127.0.0.1", port, "a@b.test", "plain", password="pw", timeout=2))
	finally:
		listener.close()
	assert not result.ok and result.problem in ("unreachable", "refused") and "pw" not in result.detail


def test_bad_settings_are_a_clear_error(dovecot, mail_user):
	with pytest.raises(frappe.ValidationError, match="valid e-mail address"):
		check_connection(dovecot_settings(dovecot, "kein-postfach", "x"))
	with pytest.raises(frappe.ValidationError, match="incoming \\(IMAP\\) server"):
		check_connection(dovecot_settings(dovecot, mail_user, "x", imap_host=""))
	with pytest.raises(frappe.ValidationError, match="not a valid port"):
		check_connection(dovecot_settings(dovecot, mail_user, "x", imap_port=70000))
	with pytest.raises(frappe.ValidationError, match="password of the mailbox"):
		check_connection(dovecot_settings(dovecot, mail_user, ""))


def test_saving_makes_the_email_account_without_enable_incoming_and_keeps_the_password(
	dovecot, mail_user, made_accounts
):
	holder = frappe.db.get_value("User", {"name": ("not in", ["Guest", "Administrator"])})
	settings = dovecot_settings(
		dovecot,
		mail_user,
		dovecot.password(mail_user),
		account_owner=holder,
		smtp_host="smtp.example.test",
		smtp_port=465,
		smtp_security="ssl",
	)
	frappe.flags.in_test = True  # stock's Email Account would try the SMTP server on save
	name = save_mailbox(settings)
	made_accounts.append(name)
	email_account = frappe.get_doc(
		"Email Account", frappe.db.get_value("Mail Archive Account", name, "email_account")
	)
	assert email_account.email_id == mail_user and email_account.enable_incoming == 0
	assert (email_account.email_server, int(email_account.incoming_port)) == ("127.0.0.1", dovecot.imap_port)
	assert (email_account.smtp_server, email_account.smtp_port, email_account.use_ssl_for_outgoing) == (
		"smtp.example.test",
		"465",
		1,
	)
	assert email_account.enable_outgoing == 1
	assert email_account.get_password() == dovecot.password(mail_user)
	assert frappe.db.get_value("Mail Archive Account", name, "account_owner") == holder
	email_account.run_method("onload")
	assert email_account.get_onload().mail_archive_account == name

	# changed later without typing the password again: the stored one stays
	values = current_values(name)
	assert "password" not in values and values["has_password"] and values["preset"] == "manual"
	save_mailbox({**values, "smtp_host": "", "password": ""}, name)
	email_account.reload()
	assert email_account.enable_outgoing == 0 and email_account.get_password() == dovecot.password(mail_user)
	assert check_connection({**values, "password": ""}, name)["imap"]["ok"]

	with pytest.raises(frappe.DuplicateEntryError):
		save_mailbox(settings)  # the mailbox is archived already


class TinySmtp(socketserver.StreamRequestHandler):
	"""Just enough SMTP for a login: EHLO, AUTH PLAIN, QUIT (one user: kasse@mail.test / Kasse-1)."""

	def reply(self, line: str) -> None:
		self.wfile.write(line.encode() + b"\r\n")

	def handle(self) -> None:
		self.reply("220 tiny ESMTP")
		for raw in self.rfile:
			command = raw.decode().strip()
			verb = command.split(" ", 1)[0].upper()
			if verb in ("EHLO", "HELO"):
				self.reply("250-tiny")
				self.reply("250 AUTH PLAIN")
			elif verb == "AUTH":
				_, user, password = base64.b64decode(command.split()[-1]).decode().split("\0")
				ok = (user, password) == ("kasse@mail.test", "Kasse-1")
				self.reply("235 2.7.0 Authentication successful" if ok else "535 5.7.8 Authentication failed")
			elif verb == "QUIT":
				self.reply("221 bye")
				return
			else:
				self.reply("250 ok")


@pytest.fixture
def smtp_port():
	server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), TinySmtp)
	server.daemon_threads = True
	threading.Thread(target=server.serve_forever, daemon=True).start()
	yield server.server_address[1]
	server.shutdown()
	server.server_close()


def test_the_smtp_login_is_tried_and_a_refused_one_is_said_so(smtp_port):
	def probe(password: str):
		return probe_smtp(
			SmtpSettings("127.0.0.1", smtp_port, "kasse@mail.test", "plain", password=password, timeout=5)
		)

	assert probe("Kasse-1").ok
	refused = probe("falsch")
	assert not refused.ok and refused.problem == "auth" and "falsch" not in refused.detail
	# STARTTLS asked of a server that offers none: no secure connection, not a silent plain login
	unsecured = probe_smtp(
		SmtpSettings("127.0.0.1", smtp_port, "kasse@mail.test", "starttls", password="Kasse-1", timeout=5)
	)
	assert not unsecured.ok and unsecured.problem == "tls"
