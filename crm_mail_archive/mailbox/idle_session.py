"""A folder in IDLE (RFC 2177) on one connection of the IMAP client: waits for new mail, renews the
IDLE command in time, notices a connection the server closed. Frappe-free."""

from __future__ import annotations

import time

from crm_mail_archive.mailbox.imap_types import MailboxUnavailable, as_str

# RFC 2177: a client re-issues IDLE at least every 29 minutes, or the server may log it out
IDLE_RENEW_SECONDS = 25 * 60
# an IDLE check that returns at once with nothing this many times in a row: the socket is at EOF
# (imapclient's idle_check ends quietly on EOF)
IDLE_EOF_CHECKS = 3


class IdleSession:
	"""A folder in IDLE on one connection of a `MailboxClient` (see `MailboxClient.idle`): `wait()` tells whether new
	mail arrived. Renews the IDLE command every `renew_seconds` on the same session, so no
	server report falls between two IDLE commands."""

	def __init__(self, client, folder: str, renew_seconds: float = IDLE_RENEW_SECONDS):
		self.client = client
		self.folder = folder
		self.renew_seconds = renew_seconds
		self._since = 0.0
		self._idling = False
		self._pending = False  # new mail reported at DONE while renewing IDLE
		self._empty_checks = 0

	def start(self) -> None:
		imap = self.client.imap
		# what SELECT reported is the folder as it was, not new mail (imaplib keeps it; a report
		# at DONE was counted by done()); mail arriving from here on is reported inside IDLE
		untagged = imap._imap.untagged_responses
		untagged.pop("EXISTS", None)
		untagged.pop("RECENT", None)
		self.client._call(f"IDLE {self.folder}", imap.idle)
		self._idling = True
		self._since = time.monotonic()

	def done(self) -> None:
		if not self._idling:
			return
		self._idling = False
		_text_, responses = self.client._call(f"IDLE DONE {self.folder}", self.client.imap.idle_done)
		self._pending |= new_mail_in(responses)

	def wait(self, timeout: float) -> bool:
		"""Wait up to `timeout` seconds; True when the server reported new mail (EXISTS or
		RECENT) since the last call. Other reports (flag changes, expunges) are ignored."""
		if self._pending:
			self._pending = False
			return True
		if time.monotonic() - self._since >= self.renew_seconds:
			self.done()
			self.start()
			if self._pending:
				self._pending = False
				return True
		started = time.monotonic()
		responses = self.client._call(f"IDLE {self.folder}", self.client.imap.idle_check, timeout)
		if responses:
			self._empty_checks = 0
		elif time.monotonic() - started < timeout / 2:
			self._empty_checks += 1
			if self._empty_checks >= IDLE_EOF_CHECKS:
				raise MailboxUnavailable(f"IDLE {self.folder}: the server closed the connection")
		else:
			self._empty_checks = 0
		for response in responses:
			if response and isinstance(response[0], bytes | str) and as_str(response[0]).upper() == "BYE":
				raise MailboxUnavailable(f"IDLE {self.folder}: the server said BYE: {describe(response)}")
		return new_mail_in(responses)


def describe(response: tuple) -> str:
	return " ".join(as_str(part) if isinstance(part, str | bytes) else str(part) for part in response)


def new_mail_in(responses: list) -> bool:
	"""Whether parsed IDLE responses (`(3, b"EXISTS")`, `(b"OK", b"Still here")`) report mail."""
	return any(
		len(response) >= 2
		and isinstance(response[1], bytes | str)
		and as_str(response[1]).upper() in ("EXISTS", "RECENT")
		for response in responses
	)
