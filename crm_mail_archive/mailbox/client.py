"""IMAP access through imapclient. Frappe-free.

Only what the archive needs: connect (TLS, STARTTLS or plain; password or XOAUTH2), list
folders with their SPECIAL-USE roles, read a folder's state, find UIDs above a known one, fetch
messages in batches without touching \\Seen (BODY.PEEK), and change flags or folders.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.imapclient import SocketTimeout

Security = Literal["ssl", "starttls", "plain"]

ROLE_BY_SPECIAL_USE = {
	b"\\Sent": "sent",
	b"\\Junk": "junk",
	b"\\Trash": "trash",
	b"\\Drafts": "drafts",
	b"\\Archive": "archive",
}
FETCH_ITEMS = [b"BODY.PEEK[]", b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"]


class MailboxError(Exception):
	"""Any failure talking to the mail server."""


class MailboxAuthError(MailboxError):
	"""The server refused the credentials: retrying will not help until someone fixes them."""


class MailboxUnavailable(MailboxError):
	"""The server could not be reached or dropped the connection: worth retrying later."""


@dataclass(frozen=True)
class ConnectionSettings:
	host: str
	port: int
	username: str
	security: Security = "ssl"
	password: str | None = field(default=None, repr=False)
	oauth_token: str | None = field(default=None, repr=False)
	timeout: float = 30.0
	ca_file: str | None = None


@dataclass(frozen=True)
class FolderInfo:
	name: str  # decoded from modified UTF-7
	role: str | None  # inbox, sent, junk, trash, drafts, archive
	selectable: bool


@dataclass(frozen=True)
class FolderState:
	uidvalidity: int
	uidnext: int | None
	exists: int
	highestmodseq: int | None


@dataclass
class FetchedMessage:
	uid: int
	raw: bytes
	flags: tuple[str, ...]
	internaldate: datetime | None  # aware
	size: int


def _text(value: str | bytes) -> str:
	return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class MailboxClient:
	"""One IMAP connection. Use as a context manager."""

	def __init__(self, settings: ConnectionSettings):
		self.settings = settings
		self._imap: IMAPClient | None = None

	# --- connection --------------------------------------------------------------------------

	def __enter__(self) -> MailboxClient:
		self.connect()
		return self

	def __exit__(self, *exc) -> None:
		self.close()

	def _ssl_context(self) -> ssl.SSLContext:
		return ssl.create_default_context(cafile=self.settings.ca_file)

	def connect(self) -> None:
		settings = self.settings
		timeout = SocketTimeout(connect=settings.timeout, read=settings.timeout)
		try:
			imap = IMAPClient(
				settings.host,
				port=settings.port,
				ssl=settings.security == "ssl",
				ssl_context=self._ssl_context() if settings.security == "ssl" else None,
				timeout=timeout,
			)
			if settings.security == "starttls":
				imap.starttls(self._ssl_context())
		except (OSError, IMAPClientError) as error:
			raise MailboxUnavailable(f"cannot connect to {settings.host}:{settings.port}: {error}") from error
		try:
			if settings.oauth_token:
				imap.oauth2_login(settings.username, settings.oauth_token)
			else:
				imap.login(settings.username, settings.password or "")
		except LoginError as error:
			self._safe_logout(imap)
			raise MailboxAuthError(f"login as {settings.username} refused: {_text(str(error))}") from error
		except (OSError, IMAPClientError) as error:
			self._safe_logout(imap)
			raise MailboxUnavailable(f"login to {settings.host} failed: {error}") from error
		self._imap = imap

	@staticmethod
	def _safe_logout(imap: IMAPClient) -> None:
		try:
			imap.logout()
		except (OSError, IMAPClientError):
			try:
				imap.shutdown()
			except OSError:
				pass

	def close(self) -> None:
		if self._imap is not None:
			self._safe_logout(self._imap)
			self._imap = None

	@property
	def imap(self) -> IMAPClient:
		if self._imap is None:
			raise MailboxError("not connected")
		return self._imap

	def _call(self, what: str, function, *args, **kwargs):
		try:
			return function(*args, **kwargs)
		except (TimeoutError, OSError, IMAPClientError) as error:
			raise MailboxUnavailable(f"{what} failed: {error}") from error

	# --- folders -----------------------------------------------------------------------------

	def capabilities(self) -> set[str]:
		return {_text(cap).upper() for cap in self._call("CAPABILITY", self.imap.capabilities)}

	def list_folders(self) -> list[FolderInfo]:
		folders = []
		for flags, _delimiter, name in self._call("LIST", self.imap.list_folders):
			role = "inbox" if _text(name).upper() == "INBOX" else None
			for flag in flags:
				role = ROLE_BY_SPECIAL_USE.get(flag if isinstance(flag, bytes) else flag.encode(), role)
			selectable = b"\\Noselect" not in flags and b"\\NonExistent" not in flags
			folders.append(FolderInfo(name=_text(name), role=role, selectable=selectable))
		return folders

	def select(self, folder: str, readonly: bool = True) -> FolderState:
		response = self._call(f"SELECT {folder}", self.imap.select_folder, folder, readonly=readonly)
		return FolderState(
			uidvalidity=int(response[b"UIDVALIDITY"]),
			uidnext=int(response[b"UIDNEXT"]) if b"UIDNEXT" in response else None,
			exists=int(response.get(b"EXISTS", 0)),
			highestmodseq=int(response[b"HIGHESTMODSEQ"]) if b"HIGHESTMODSEQ" in response else None,
		)

	# --- messages ----------------------------------------------------------------------------

	def uids_above(self, uid: int) -> list[int]:
		"""UIDs in the selected folder greater than `uid`, ascending."""
		# `UID n:*` always matches the highest message, even below n: filter it out
		found = self._call("UID SEARCH", self.imap.search, [b"UID", f"{uid + 1}:*".encode()])
		return sorted(found_uid for found_uid in found if found_uid > uid)

	def fetch(self, uids: Iterable[int]) -> list[FetchedMessage]:
		"""One UID FETCH for the given UIDs; \\Seen is left as it is (BODY.PEEK)."""
		uids = list(uids)
		if not uids:
			return []
		response = self._call("UID FETCH", self.imap.fetch, uids, FETCH_ITEMS)
		messages = []
		for uid in sorted(response):
			data = response[uid]
			raw = data.get(b"BODY[]")
			if raw is None:  # expunged between SEARCH and FETCH
				continue
			internaldate = data.get(b"INTERNALDATE")
			if internaldate is not None and internaldate.tzinfo is None:
				internaldate = internaldate.replace(tzinfo=timezone.utc)
			messages.append(
				FetchedMessage(
					uid=uid,
					raw=bytes(raw),
					flags=tuple(_text(flag) for flag in data.get(b"FLAGS", ())),
					internaldate=internaldate,
					size=int(data.get(b"RFC822.SIZE", len(raw))),
				)
			)
		return messages

	def add_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None:
		self._call("UID STORE", self.imap.add_flags, list(uids), [flag.encode() for flag in flags])

	def remove_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None:
		self._call("UID STORE", self.imap.remove_flags, list(uids), [flag.encode() for flag in flags])
