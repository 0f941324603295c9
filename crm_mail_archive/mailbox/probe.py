"""Trying a mailbox's IMAP and SMTP settings before they are saved: connect, secure, log in, log
out. Frappe-free; the outcome is a problem class the surface turns into a translated sentence (the
server's own words are kept as a detail, never the password)."""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Literal

from crm_mail_archive.mailbox.client import (
	ConnectionSettings,
	MailboxAuthError,
	MailboxClient,
	MailboxError,
)

Problem = Literal["auth", "unreachable", "tls", "refused"]


@dataclass(frozen=True)
class ProbeResult:
	ok: bool
	problem: Problem | None = None
	detail: str = ""


def _problem_of(error: BaseException) -> Problem:
	"""What went wrong, from the error or the one it was raised from."""
	seen = error
	while seen is not None:
		if isinstance(seen, MailboxAuthError | smtplib.SMTPAuthenticationError):
			return "auth"
		# a TLS failure, or a server that offers no STARTTLS though it was asked for
		if isinstance(seen, ssl.SSLError | ssl.CertificateError | smtplib.SMTPNotSupportedError):
			return "tls"
		if isinstance(seen, socket.gaierror | ConnectionError | TimeoutError | smtplib.SMTPConnectError):
			return "unreachable"
		seen = seen.__cause__ or seen.__context__
	if isinstance(error, smtplib.SMTPServerDisconnected):
		return "unreachable"
	if isinstance(error, OSError):
		return "unreachable"
	return "refused"


def _without_secret(text: str, *secrets: str | None) -> str:
	for secret in secrets:
		if secret:
			text = text.replace(secret, "•••")
	return text[:300]


def probe_imap(settings: ConnectionSettings) -> ProbeResult:
	try:
		with MailboxClient(settings) as client:
			client.capabilities()
	except (MailboxError, OSError) as error:
		return ProbeResult(
			False, _problem_of(error), _without_secret(str(error), settings.password, settings.oauth_token)
		)
	return ProbeResult(True)


@dataclass(frozen=True)
class SmtpSettings:
	host: str
	port: int
	username: str
	security: Literal["ssl", "starttls", "plain"] = "starttls"
	password: str | None = None
	oauth_token: str | None = None
	timeout: float = 30.0
	ca_file: str | None = None


def probe_smtp(settings: SmtpSettings) -> ProbeResult:
	context = ssl.create_default_context(cafile=settings.ca_file)
	try:
		if settings.security == "ssl":
			server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
		else:
			server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
		try:
			server.ehlo()
			if settings.security == "starttls":
				server.starttls(context=context)
				server.ehlo()
			if settings.oauth_token:
				xoauth = f"user={settings.username}\1auth=Bearer {settings.oauth_token}\1\1"
				code, response = server.docmd("AUTH", "XOAUTH2 " + base64.b64encode(xoauth.encode()).decode())
				if code != 235:
					raise smtplib.SMTPAuthenticationError(code, response)
			elif settings.password:
				server.login(settings.username, settings.password)
		finally:
			try:
				server.quit()
			except (smtplib.SMTPException, OSError):
				server.close()
	except (smtplib.SMTPException, OSError) as error:
		return ProbeResult(
			False, _problem_of(error), _without_secret(str(error), settings.password, settings.oauth_token)
		)
	return ProbeResult(True)
