"""What the IMAP client hands out and takes: connection settings, folders, fetched messages, flags,
and its errors. Frappe-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Security = Literal["ssl", "starttls", "plain"]
FlagState = set[str]  # a message's flags as str: "\\Seen", "\\Answered", "$Forwarded"

# a UIDVALIDITY no server folder has (RFC 3501: a non-zero number): the app's mail imported from
# files is kept under it, and the sync and the server actions skip it
IMPORT_UIDVALIDITY = 0


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
class QresyncSince:
	"""What a folder's last sync knew (RFC 7162 QRESYNC): its UIDVALIDITY and HIGHESTMODSEQ;
	expunges are asked for from `from_uid` on."""

	uidvalidity: int
	modseq: int
	from_uid: int = 1


@dataclass(frozen=True)
class FolderState:
	uidvalidity: int
	uidnext: int | None
	exists: int
	highestmodseq: int | None
	# QRESYNC (RFC 7162): UIDs the server says were expunged since the MODSEQ the SELECT named
	# (VANISHED (EARLIER)); None when it could not say (no QRESYNC, or nothing known to name)
	vanished: frozenset[int] | None = None


@dataclass
class FetchedMessage:
	uid: int
	raw: bytes
	flags: tuple[str, ...]
	internaldate: datetime | None  # aware
	size: int
	headers_only: bool = False  # over the size cap: `raw` holds the header, the mail stays on the server


def as_str(value: str | bytes) -> str:
	return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
