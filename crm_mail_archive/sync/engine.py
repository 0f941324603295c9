"""Sync one account's folders into the archive. Frappe-free: storage goes through `ArchiveStore`.

Per folder: SELECT, compare UIDVALIDITY with the stored one (a change re-scans that folder only),
UID SEARCH above the highest stored UID, then batches of UID FETCH (BODY.PEEK[], so \\Seen is
untouched). Each batch is stored and the folder's state advanced in one transaction by the store;
only after that commit may \\Seen be set on the server, and only when the account asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from crm_mail_archive.mailbox.client import FetchedMessage, MailboxClient


@dataclass(frozen=True)
class FolderConfig:
	name: str
	role: str  # Inbox, Sent or Other


@dataclass(frozen=True)
class StoredFolderState:
	uidvalidity: int | None
	highest_uid: int


@dataclass
class BatchResult:
	stored_uids: list[int] = field(default_factory=list)  # new copies (new mail or a known mail seen here)
	new_communications: list[str] = field(default_factory=list)
	quarantined_uids: list[int] = field(default_factory=list)


@dataclass
class FolderResult:
	folder: str
	fetched: int = 0
	stored: int = 0
	new_communications: int = 0
	quarantined: int = 0
	uidvalidity_changed: bool = False


class ArchiveStore(Protocol):
	def folder_state(self, folder: str) -> StoredFolderState: ...

	def start_folder(self, folder: str, uidvalidity: int) -> None:
		"""Record a first or changed UIDVALIDITY: forget the folder's copies of the old one."""

	def store_batch(
		self, folder: FolderConfig, uidvalidity: int, messages: list[FetchedMessage], highest_uid: int
	) -> BatchResult:
		"""Store the messages and advance the folder to `highest_uid`, atomically (one commit)."""


ProgressCallback = Callable[[str, int, int], None]  # folder, done, total


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
	for start in range(0, len(items), size):
		yield items[start : start + size]


def sync_folder(
	client: MailboxClient,
	store: ArchiveStore,
	folder: FolderConfig,
	batch_size: int,
	mark_read_after_storing: bool = False,
	on_progress: ProgressCallback | None = None,
) -> FolderResult:
	result = FolderResult(folder=folder.name)
	# read-write only when we are going to set \Seen; BODY.PEEK keeps flags untouched either way
	server = client.select(folder.name, readonly=not mark_read_after_storing)
	stored = store.folder_state(folder.name)
	if stored.uidvalidity != server.uidvalidity:
		result.uidvalidity_changed = stored.uidvalidity is not None
		store.start_folder(folder.name, server.uidvalidity)
		stored = StoredFolderState(uidvalidity=server.uidvalidity, highest_uid=0)

	uids = client.uids_above(stored.highest_uid)
	done = 0
	for batch in chunks(uids, max(1, batch_size)):
		messages = client.fetch(batch)
		outcome = store.store_batch(folder, server.uidvalidity, messages, highest_uid=max(batch))
		# the batch is committed: from here on a crash cannot lose these mails
		if mark_read_after_storing and outcome.stored_uids:
			client.add_flags(outcome.stored_uids, ["\\Seen"])
		result.fetched += len(messages)
		result.stored += len(outcome.stored_uids)
		result.new_communications += len(outcome.new_communications)
		result.quarantined += len(outcome.quarantined_uids)
		done += len(batch)
		if on_progress:
			on_progress(folder.name, done, len(uids))
	return result
