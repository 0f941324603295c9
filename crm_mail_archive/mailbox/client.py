"""IMAP access through imapclient. Frappe-free.

Only what the archive needs: connect (TLS, STARTTLS or plain; password or XOAUTH2), list
folders with their SPECIAL-USE roles, read a folder's state, find UIDs above a known one, fetch
messages in batches without touching \\Seen (BODY.PEEK), change flags or folders, and wait in
IDLE (RFC 2177) for a folder's new mail. Where the server offers QRESYNC (RFC 7162), a SELECT
that names the state of the last sync also learns which mails were expunged since
(`VANISHED (EARLIER)`): imapclient has no SELECT parameters, so that one is sent raw.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from imapclient.imapclient import SocketTimeout
from imapclient.response_parser import parse_fetch_response

from crm_mail_archive.mailbox.idle_session import IDLE_RENEW_SECONDS, IdleSession, new_mail_in
from crm_mail_archive.mailbox.imap_types import (
	IMPORT_UIDVALIDITY,
	ConnectionSettings,
	FetchedMessage,
	FlagState,
	FolderInfo,
	FolderState,
	MailboxAuthError,
	MailboxError,
	MailboxUnavailable,
	QresyncSince,
	Security,
	as_str,
)
from crm_mail_archive.mailbox.uid_sets import vanished_uids

ROLE_BY_SPECIAL_USE = {
	b"\\Sent": "sent",
	b"\\Junk": "junk",
	b"\\Trash": "trash",
	b"\\Drafts": "drafts",
	b"\\Archive": "archive",
}
FETCH_ITEMS = [b"BODY.PEEK[]", b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"]
HEADER_ITEMS = [b"BODY.PEEK[HEADER]", b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"]
MAX_UID = 4294967295  # UIDs are 32-bit (RFC 3501)
# RFC 5530 response codes of a server that cannot do it now but may later: worth retrying
TRANSIENT_RESPONSE_CODES = ("[UNAVAILABLE]", "[INUSE]")


class MailboxClient:
	"""One IMAP connection. Use as a context manager."""

	def __init__(self, settings: ConnectionSettings):
		self.settings = settings
		self._imap: IMAPClient | None = None
		self._condstore: bool | None = None  # known after the first SELECT
		self._qresync = False  # enabled at the first SELECT where the server offers it
		self._selected_readonly: bool | None = None

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
			raise MailboxAuthError(f"login as {settings.username} refused: {as_str(str(error))}") from error
		except (OSError, IMAPClientError) as error:
			self._safe_logout(imap)
			raise MailboxUnavailable(f"login to {settings.host} failed: {error}") from error
		self._imap = imap
		self._condstore = self._selected_readonly = None
		self._qresync = False

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
		"""Run an imapclient call; a lost connection is MailboxUnavailable (retry later), a
		command the server answered with NO or BAD is MailboxError (retrying the same will not
		help) unless the server says it is only temporarily unable."""
		try:
			return function(*args, **kwargs)
		except IMAPClientAbortError as error:  # EOF, BYE or a broken reply: the session is gone
			raise MailboxUnavailable(f"{what} failed: {as_str(str(error))}") from error
		except IMAPClientError as error:
			message = as_str(str(error))
			if any(code in message.upper() for code in TRANSIENT_RESPONSE_CODES):
				raise MailboxUnavailable(f"{what} failed: {message}") from error
			raise MailboxError(f"{what} refused: {message}") from error
		except (TimeoutError, OSError) as error:
			raise MailboxUnavailable(f"{what} failed: {error}") from error

	# --- folders -----------------------------------------------------------------------------

	def capabilities(self) -> set[str]:
		return {as_str(cap).upper() for cap in self._call("CAPABILITY", self.imap.capabilities)}

	def list_folders(self) -> list[FolderInfo]:
		folders = []
		for flags, _delimiter, name in self._call("LIST", self.imap.list_folders):
			role = "inbox" if as_str(name).upper() == "INBOX" else None
			for flag in flags:
				role = ROLE_BY_SPECIAL_USE.get(flag if isinstance(flag, bytes) else flag.encode(), role)
			selectable = b"\\Noselect" not in flags and b"\\NonExistent" not in flags
			folders.append(FolderInfo(name=as_str(name), role=role, selectable=selectable))
		return folders

	def status(self, folder: str) -> FolderState:
		"""UIDVALIDITY, UIDNEXT, message count and (CONDSTORE) HIGHESTMODSEQ without selecting the
		folder: what a sync needs to see that nothing changed."""
		items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"]
		if "CONDSTORE" in self.capabilities():
			items.append(b"HIGHESTMODSEQ")
		response = self._call(f"STATUS {folder}", self.imap.folder_status, folder, items)
		return FolderState(
			uidvalidity=int(response[b"UIDVALIDITY"]),
			uidnext=int(response[b"UIDNEXT"]) if b"UIDNEXT" in response else None,
			exists=int(response.get(b"MESSAGES", 0)),
			highestmodseq=int(response[b"HIGHESTMODSEQ"]) if b"HIGHESTMODSEQ" in response else None,
		)

	def select(self, folder: str, readonly: bool = True, since: QresyncSince | None = None) -> FolderState:
		"""SELECT (or EXAMINE when `readonly`). Flag changes and moves need readonly=False.
		HIGHESTMODSEQ is reported only when the server advertises CONDSTORE. With `since` (the
		UIDVALIDITY and HIGHESTMODSEQ of the last sync) on a server with QRESYNC, the answer
		also says which UIDs from `since.from_uid` on were expunged since then (`vanished`)."""
		if self._condstore is None:
			# HIGHESTMODSEQ comes with SELECT only once CONDSTORE is enabled (RFC 7162);
			# enabling QRESYNC enables CONDSTORE too
			capabilities = self.capabilities()
			self._condstore = "CONDSTORE" in capabilities
			if "ENABLE" in capabilities and "QRESYNC" in capabilities:
				enabled = self._call("ENABLE QRESYNC", self.imap.enable, "QRESYNC")
				self._qresync = any(as_str(name).upper() == "QRESYNC" for name in enabled)
				self._condstore = self._condstore or self._qresync
			elif self._condstore and "ENABLE" in capabilities:
				self._call("ENABLE CONDSTORE", self.imap.enable, "CONDSTORE")
		self._selected_readonly = None  # a failed SELECT leaves no folder selected
		vanished_lines = None
		if since is not None and self._qresync and since.uidvalidity and since.modseq:
			response, vanished_lines = self._call(
				f"SELECT {folder} (QRESYNC)", self._select_qresync, folder, readonly, since
			)
		else:
			response = self._call(f"SELECT {folder}", self.imap.select_folder, folder, readonly=readonly)
		# the server may grant less than asked ([READ-ONLY], e.g. a shared folder without rights)
		self._selected_readonly = readonly or bool(response.get(b"READ-ONLY"))
		# some servers send HIGHESTMODSEQ without CONDSTORE enabled; only an advertised one counts
		modseq = response.get(b"HIGHESTMODSEQ") if self._condstore else None
		uidvalidity = int(response[b"UIDVALIDITY"])
		uidnext = int(response[b"UIDNEXT"]) if b"UIDNEXT" in response else None
		vanished = None
		if vanished_lines is not None and uidvalidity == since.uidvalidity and uidnext is not None:
			# only what lies between the UID asked from and UIDNEXT: a range reported beyond it
			# names UIDs never assigned, and is never expanded
			vanished = frozenset(vanished_uids(vanished_lines, since.from_uid, uidnext - 1))
		return FolderState(
			uidvalidity=uidvalidity,
			uidnext=uidnext,
			exists=int(response.get(b"EXISTS", 0)),
			highestmodseq=int(modseq) if modseq is not None else None,
			vanished=vanished,
		)

	def _select_qresync(self, folder: str, readonly: bool, since: QresyncSince):
		"""`SELECT folder (QRESYNC (uidvalidity modseq from_uid:4294967295))`, sent as imaplib's select()
		sends a SELECT, and the answer read as imapclient's select_folder() reads it. Returns
		(the SELECT response, the text of each untagged VANISHED response)."""
		imap = self.imap
		raw = imap._imap
		raw.untagged_responses = {}  # what select() does: the answer is this SELECT's alone
		raw.is_readonly = readonly
		# known-uids takes no "*" (RFC 7162): up to the highest UID there can be
		known = f"{max(1, int(since.from_uid))}:{MAX_UID}"
		parameters = f"(QRESYNC ({int(since.uidvalidity)} {int(since.modseq)} {known}))"
		typ, data = raw._simple_command(
			"EXAMINE" if readonly else "SELECT", imap._normalise_folder(folder), parameters
		)
		if typ != "OK":
			raw.state = "AUTH"
		imap._checkok("select", typ, data)
		raw.state = "SELECTED"
		# changed flags come as FETCH responses here too; the reconcile asks for them itself
		raw.untagged_responses.pop("FETCH", None)
		vanished = [as_str(line) for line in raw.untagged_responses.pop("VANISHED", []) if line]
		return imap._process_select_response(raw.untagged_responses), vanished

	# --- messages ----------------------------------------------------------------------------

	def uids_above(self, uid: int) -> list[int]:
		"""UIDs in the selected folder greater than `uid`, ascending."""
		# `UID n:*` always matches the highest message, even below n: filter it out
		found = self._call("UID SEARCH", self.imap.search, [b"UID", f"{uid + 1}:*".encode()])
		return sorted(found_uid for found_uid in found if found_uid > uid)

	def sizes(self, uids: Iterable[int]) -> dict[int, int]:
		"""RFC822.SIZE of each UID (one cheap round trip): batches are cut by bytes with it."""
		uids = list(uids)
		if not uids:
			return {}
		response = self._call("UID FETCH", self.imap.fetch, uids, [b"RFC822.SIZE"])
		return {uid: int(data.get(b"RFC822.SIZE", 0)) for uid, data in response.items()}

	def fetch(self, uids: Iterable[int], headers_only: bool = False) -> list[FetchedMessage]:
		"""One UID FETCH for the given UIDs; \\Seen is left as it is (BODY.PEEK). With
		`headers_only`, only each message's header is transferred."""
		uids = list(uids)
		if not uids:
			return []
		items = HEADER_ITEMS if headers_only else FETCH_ITEMS
		response = self._call("UID FETCH", self.imap.fetch, uids, items)
		messages = []
		for uid in sorted(response):
			data = response[uid]
			raw = data.get(b"BODY[HEADER]" if headers_only else b"BODY[]")
			if raw is None:  # expunged between SEARCH and FETCH
				continue
			internaldate = data.get(b"INTERNALDATE")
			if internaldate is not None and internaldate.tzinfo is None:
				internaldate = internaldate.replace(tzinfo=timezone.utc)
			messages.append(
				FetchedMessage(
					uid=uid,
					raw=bytes(raw),
					flags=tuple(sorted(_flags(data))),
					internaldate=internaldate,
					size=int(data.get(b"RFC822.SIZE", len(raw))),
					headers_only=headers_only,
				)
			)
		return messages

	def add_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None:
		self._store("UID STORE +FLAGS", self.imap.add_flags, uids, flags)

	def remove_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None:
		self._store("UID STORE -FLAGS", self.imap.remove_flags, uids, flags)

	def set_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None:
		"""Replace the flags of `uids` with `flags` (UID STORE FLAGS)."""
		self._store("UID STORE FLAGS", self.imap.set_flags, uids, flags)

	def _store(self, what: str, function, uids: Iterable[int], flags: Iterable[str]) -> None:
		uids = list(uids)
		if not uids:
			return
		self._require_read_write(what)
		self._call(what, function, uids, [flag.encode() for flag in flags], silent=True)

	# --- changes made in the desk ----------------------------------------------------------------

	def _require_read_write(self, what: str) -> None:
		# checked here: the server's NO to a read-only selection comes only after the round trip
		# and, for MOVE, after the COPY half of a fallback already happened
		if self._selected_readonly is None:
			raise MailboxError(f"{what} needs a selected folder: select(folder, readonly=False)")
		if self._selected_readonly:
			raise MailboxError(f"{what} needs the folder selected read-write, not read-only")

	def _copyuid_responses(self, command: str, function, *args) -> list[str]:
		"""Run a COPY or MOVE and return its COPYUID response codes (imaplib files response codes
		of tagged and untagged replies under their name)."""
		untagged = self.imap._imap.untagged_responses
		untagged.pop("COPYUID", None)
		self._call(command, function, *args)
		return [as_str(value) for value in untagged.pop("COPYUID", []) if value]

	def copy(self, uids: Iterable[int], target: str) -> dict[int, int | None]:
		"""COPY from the selected folder to `target`; old UID -> new UID where the server says
		(UIDPLUS COPYUID), else None."""
		uids = list(uids)
		if not uids:
			return {}
		return _uid_map(uids, self._copyuid_responses("UID COPY", self.imap.copy, uids, target))

	def move(self, uids: Iterable[int], target: str) -> dict[int, int | None]:
		"""Move from the folder selected read-write to `target`; old UID -> new UID (COPYUID),
		None where the server does not say.

		MOVE (RFC 6851) where the server has it. Otherwise COPY, +FLAGS \\Deleted and UID EXPUNGE
		of just these UIDs (UIDPLUS). Without UIDPLUS only a plain EXPUNGE is left, and it removes
		every \\Deleted mail of the folder, including mails the user marked deleted in a mail
		client that keeps them until it expunges (undo is still possible there). So it runs only
		when no other mail of the folder carries \\Deleted; otherwise these mails stay in the
		source, copied and flagged \\Deleted, for the user's own client to expunge."""
		uids = list(uids)
		if not uids:
			return {}
		self._require_read_write("MOVE")
		capabilities = self.capabilities()
		if "MOVE" in capabilities:
			return _uid_map(uids, self._copyuid_responses("UID MOVE", self.imap.move, uids, target))
		mapping = self.copy(uids, target)
		self._expunge(uids, capabilities)
		return mapping

	def append(self, folder: str, message: bytes, flags: Iterable[str] = ("\\Seen",)) -> None:
		"""APPEND a message to `folder` (a mail sent elsewhere, into the Sent folder)."""
		self._call("APPEND", self.imap.append, folder, message, flags=list(flags))

	def delete(self, uids: Iterable[int]) -> None:
		"""Remove mails from the folder selected read-write for good (+FLAGS \\Deleted, then UID
		EXPUNGE of just these; without UIDPLUS as `move` explains)."""
		uids = list(uids)
		if not uids:
			return
		self._require_read_write("DELETE")
		self._expunge(uids, self.capabilities())

	def _expunge(self, uids: list[int], capabilities: set[str]) -> None:
		self.add_flags(uids, ["\\Deleted"])
		if "UIDPLUS" in capabilities:
			self._call("UID EXPUNGE", self.imap.uid_expunge, uids)
		else:
			deleted = self._call("UID SEARCH DELETED", self.imap.search, [b"DELETED"])
			# a mail flagged by someone else between this SEARCH and the EXPUNGE would go too:
			# a window of one round trip, on servers too old for UIDPLUS
			if set(deleted) <= set(uids):
				self._call("EXPUNGE", self.imap.expunge)

	# --- waiting for new mail (IDLE) -------------------------------------------------------------

	def supports_idle(self) -> bool:
		return "IDLE" in self.capabilities()

	@contextmanager
	def idle(self, folder: str, renew_seconds: float = IDLE_RENEW_SECONDS) -> Iterator[IdleSession]:
		"""Select `folder` read-only and keep it in IDLE while the block runs:

		    with client.idle("INBOX") as session:
		        if session.wait(5): ...  # new mail arrived

		No other command may be sent on this connection inside the block."""
		if not self.supports_idle():
			raise MailboxError(f"IDLE {folder}: the server does not offer IDLE")
		self.select(folder, readonly=True)
		session = IdleSession(self, folder, renew_seconds)
		session.start()
		try:
			yield session
		finally:
			if session._idling and self._imap is not None:
				try:
					session.done()
				except MailboxError:
					self.close()  # the session is unusable: the next connect starts afresh

	def wait_for_new_mail(self, folder: str, seconds: float) -> bool:
		"""Select `folder` read-only, IDLE up to `seconds`, DONE: whether new mail arrived."""
		deadline = time.monotonic() + seconds
		with self.idle(folder) as session:
			while True:
				remaining = deadline - time.monotonic()
				if remaining <= 0:
					return False
				if session.wait(min(remaining, 1.0)):
					return True

	# --- changes made elsewhere ------------------------------------------------------------------

	def all_uids(self) -> list[int]:
		"""Every UID in the selected folder: what is missing was moved away or expunged."""
		return sorted(self._call("UID SEARCH", self.imap.search, [b"ALL"]))

	def all_flags(self) -> dict[int, FlagState]:
		"""UID -> flags for the whole selected folder: what servers without CONDSTORE offer.
		One `UID FETCH 1:* (FLAGS)`: a short command line whatever the folder's size."""
		return self._fetch_all_flags("UID FETCH 1:* (FLAGS)")

	def flag_changes_since(self, modseq: int) -> dict[int, FlagState]:
		"""UID -> flags of the messages whose flags changed after `modseq` (a HIGHESTMODSEQ of
		this folder): `UID FETCH 1:* (FLAGS) (CHANGEDSINCE modseq)`, RFC 7162. Expunged mails
		are not reported: compare `all_uids()` for those."""
		if not self._condstore:
			raise MailboxError("flag changes since a MODSEQ need CONDSTORE: use all_flags()")
		return self._fetch_all_flags(
			f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {int(modseq)})", f"CHANGEDSINCE {int(modseq)}"
		)

	def _fetch_all_flags(self, what: str, modifier: str | None = None) -> dict[int, FlagState]:
		# imapclient's fetch() wants the UIDs listed (it filters the reply by them), so `1:*` is
		# sent the way fetch() sends its command
		imap = self.imap

		def run():
			tag = imap._imap._command("UID", "FETCH", "1:*", "(FLAGS)", f"({modifier})" if modifier else None)
			typ, data = imap._imap._command_complete("FETCH", tag)
			imap._checkok("fetch", typ, data)
			return imap._imap._untagged_response(typ, data, "FETCH")[1]

		data = self._call(what, run)
		# keyed by sequence number: an unsolicited FETCH (another session's change) has no UID
		response = self._call(what, parse_fetch_response, data, True, False)
		return {
			int(item[b"UID"]): _flags(item)
			for item in response.values()
			if b"UID" in item and b"FLAGS" in item
		}


def _flags(data: dict) -> FlagState:
	# the Recent flag belongs to one IMAP session, not to the mail
	return {as_str(flag) for flag in data.get(b"FLAGS", ())} - {"\\Recent"}


_COPYUID = re.compile(r"(?:\[COPYUID\s+)?\d+\s+([\d:,]+)\s+([\d:,]+)", re.IGNORECASE)


def _uid_set(text: str) -> list[int]:
	uids: list[int] = []
	for part in text.split(","):
		low, _, high = part.partition(":")
		start, end = int(low), int(high or low)
		uids.extend(range(min(start, end), max(start, end) + 1))
	return uids


def _uid_map(uids: list[int], responses: list[str]) -> dict[int, int | None]:
	"""Old -> new UIDs from COPYUID response codes (pairs in order, RFC 4315); None if none."""
	mapping: dict[int, int | None] = dict.fromkeys(uids)
	for response in responses:
		for match in _COPYUID.finditer(response):
			for old, new in zip(_uid_set(match.group(1)), _uid_set(match.group(2)), strict=False):
				if old in mapping:
					mapping[old] = new
	return mapping
