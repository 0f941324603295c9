"""What the sync engine and the archive agree on. Frappe-free.

A folder as configured, its state as stored, a batch of fetched mail and what storing it did, and
the store the engine talks to (`ArchiveStore`, implemented by `ingest.Ingest`). `sync/`, `storage/`
and `ingest` import these; none of them imports another for its types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from crm_mail_archive.mailbox.client import FetchedMessage
from crm_mail_archive.mailbox.parser import ParsedMail


@dataclass(frozen=True)
class FolderConfig:
	name: str
	role: str  # Inbox, Sent or Other


@dataclass(frozen=True)
class StoredFolderState:
	uidvalidity: int | None
	highest_uid: int
	highest_modseq: int | None = None


# why the archive lacks a UID the server assigned (Mail Archive Gap.reason)
EXPUNGED_BEFORE_ARCHIVED = "Expunged Before Archived"
BEFORE_FIRST_SYNC = "Before First Sync"
# how that is known (Mail Archive Gap.evidence)
SERVER_VANISHED = "QRESYNC VANISHED"  # the server said so
UID_GAP = "UID Gap"  # inferred: a UID below UIDNEXT that no search found
GONE_AT_FETCH = "Gone At Fetch"  # found by the search, gone when fetched


@dataclass(frozen=True)
class UidGap:
	"""UIDs `first`..`last` of a folder that the server assigned and the archive does not hold."""

	first: int
	last: int
	reason: str
	evidence: str

	@property
	def count(self) -> int:
		return self.last - self.first + 1


@dataclass
class FolderBatch:
	"""Mail of one folder to store together: with `advance_to`, the folder's state moves to that UID
	in the same transaction. `parsed` holds mails parsed already (by UID); the others are parsed
	when stored."""

	folder: FolderConfig
	uidvalidity: int
	messages: list[FetchedMessage]
	advance_to: int | None = None
	parsed: dict[int, ParsedMail | Exception] = field(default_factory=dict)
	gaps: list[UidGap] = field(default_factory=list)  # recorded with the batch, in its transaction


@dataclass
class BatchResult:
	stored_uids: list[int] = field(default_factory=list)  # new copies (new mail or a known mail seen here)
	new_communications: list[str] = field(default_factory=list)
	quarantined_uids: list[int] = field(default_factory=list)


class ArchiveStore(Protocol):
	def folder_state(self, folder: str) -> StoredFolderState: ...

	def start_folder(self, folder: str, uidvalidity: int) -> None:
		"""Record a first or changed UIDVALIDITY: forget the folder's copies of the old one."""

	def store_batch(self, batch: FolderBatch) -> BatchResult:
		"""Store the batch's mail and advance its folder, atomically (one commit)."""

	def apply_server_state(
		self,
		folder: str,
		uidvalidity: int,
		flags: dict[int, set[str]],
		present_uids: set[int] | None,
		highest_modseq: int | None,
	) -> tuple[int, int]:
		"""Bring copies in line with the server: new flags, and copies whose UID is no longer
		present (when `present_uids` is known) are forgotten; the mail itself stays archived.
		Records `highest_modseq`, commits; returns (flags changed, copies gone)."""
