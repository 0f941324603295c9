"""Sync one account's folders into the archive. Frappe-free: storage goes through `contracts.ArchiveStore`.

Per folder: SELECT, compare UIDVALIDITY with the stored one (a change re-scans that folder only),
UID SEARCH above the highest stored UID, then batches of UID FETCH (BODY.PEEK[], so \\Seen is
untouched). Each batch is stored and the folder's state advanced in one transaction by the store;
only after that commit may \\Seen be set on the server, and only when the account asks for it.

Then the other direction: flag changes and mail that left the folder (moved or deleted in the
user's mail client) reach the archive's mailbox copies. With CONDSTORE only when the folder's
HIGHESTMODSEQ moved, and then only the changed messages; without it, all flags of the folder.

And what the archive will never hold: each batch names the UIDs of its range that the server
assigned and expunged before they were archived (`sync/gaps.py`), recorded in the batch's
transaction. With QRESYNC the SELECT itself says which (no extra round trip); without it the
UID gaps say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from crm_mail_archive.contracts import (
	BEFORE_FIRST_SYNC,
	EXPUNGED_BEFORE_ARCHIVED,
	ArchiveStore,
	FolderBatch,
	FolderConfig,
	StoredFolderState,
	UidGap,
)
from crm_mail_archive.mailbox.client import MailboxClient
from crm_mail_archive.mailbox.imap_types import QresyncSince
from crm_mail_archive.sync.gaps import gaps_in, missing_count
from crm_mail_archive.sync.pipeline import Pipeline


@dataclass
class FolderResult:
	folder: str
	fetched: int = 0
	stored: int = 0
	new_communications: int = 0
	quarantined: int = 0
	uidvalidity_changed: bool = False
	flags_changed: int = 0
	copies_gone: int = 0
	more_pending: bool = False  # stopped at max_batches: the rest is for the next sync
	expunged_unarchived: int = 0  # UIDs expunged on the server before this sync archived them
	deleted_before_first_sync: int = 0  # UIDs gone before the folder's first sync

	def count_gaps(self, gaps: list[UidGap]) -> None:
		self.expunged_unarchived += missing_count(gaps, EXPUNGED_BEFORE_ARCHIVED)
		self.deleted_before_first_sync += missing_count(gaps, BEFORE_FIRST_SYNC)


ProgressCallback = Callable[[str, int, int], None]  # folder, done, total
SIZE_LOOKAHEAD = 1000  # UIDs whose sizes are asked for in one round trip


@dataclass(frozen=True)
class FetchLimits:
	"""How much one batch may hold: at most `count` mails and `max_bytes` bytes (one mail over
	it goes alone); a mail over `max_mail_size` is fetched as its header only."""

	count: int = 100
	max_bytes: int = 50 * 1024 * 1024
	max_mail_size: int = 100 * 1024 * 1024
	max_attachment_size: int = 25 * 1024 * 1024  # for parsing ahead (sync/pipeline.py)


@dataclass(frozen=True)
class Batch:
	uids: list[int]
	headers_only: bool = False


def batches(uids: list[int], sizes: dict[int, int], limits: FetchLimits) -> Iterator[Batch]:
	"""UIDs in ascending order, cut into batches by count and bytes; oversized mails alone."""
	current: list[int] = []
	held = 0
	for uid in uids:
		size = sizes.get(uid, 0)
		if size > limits.max_mail_size:
			if current:
				yield Batch(current)
				current, held = [], 0
			yield Batch([uid], headers_only=True)
			continue
		if current and (len(current) >= limits.count or held + size > limits.max_bytes):
			yield Batch(current)
			current, held = [], 0
		current.append(uid)
		held += size
	if current:
		yield Batch(current)


def pull_folder(
	client: MailboxClient,
	store: ArchiveStore,
	folder: FolderConfig,
	limits: FetchLimits,
	mark_read_after_storing: bool = False,
	on_progress: ProgressCallback | None = None,
	max_batches: int | None = None,
) -> FolderResult:
	"""Store what is new in the folder (at most `max_batches` batches of it) and take over the
	flag and presence changes made outside the desk."""
	result = FolderResult(folder=folder.name)
	stored = store.folder_state(folder.name)
	if nothing_changed(client.status(folder.name), stored):
		return result  # the common case, answered from the folder's header without selecting it
	since = (
		QresyncSince(stored.uidvalidity, stored.highest_modseq, stored.highest_uid + 1)
		if stored.uidvalidity and stored.highest_modseq
		else None
	)
	# read-write only when we are going to set \Seen; BODY.PEEK keeps flags untouched either way
	server = client.select(folder.name, readonly=not mark_read_after_storing, since=since)
	first_sync = stored.uidvalidity != server.uidvalidity
	if first_sync:
		result.uidvalidity_changed = stored.uidvalidity is not None
		store.start_folder(folder.name, server.uidvalidity)
		stored = StoredFolderState(uidvalidity=server.uidvalidity, highest_uid=0)
	vanished = None if first_sync else server.vanished

	uids = client.uids_above(stored.highest_uid)
	plan = [
		batch
		for window in (uids[start : start + SIZE_LOOKAHEAD] for start in range(0, len(uids), SIZE_LOOKAHEAD))
		for batch in batches(window, client.sizes(window), limits)
	]
	if max_batches is not None and len(plan) > max_batches:
		plan, result.more_pending = plan[:max_batches], True
	done = 0
	low = stored.highest_uid + 1  # the first UID the next batch's range covers
	# a pipeline only pays where there is a next batch to work on beside the current one
	with Pipeline(client, limits.max_attachment_size, parse_elsewhere=len(plan) > 1) as pipeline:
		ahead = pipeline.fetch(plan[0].uids, plan[0].headers_only) if plan else None
		for index, batch in enumerate(plan):
			fetched = ahead.result()
			ahead = (
				pipeline.fetch(plan[index + 1].uids, plan[index + 1].headers_only)
				if index + 1 < len(plan)
				else None
			)
			gaps = gaps_in(
				low,
				max(batch.uids),
				batch.uids,
				{message.uid for message in fetched.messages},
				vanished,
				first_sync,
			)
			outcome = store.store_batch(
				FolderBatch(
					folder,
					server.uidvalidity,
					fetched.messages,
					advance_to=max(batch.uids),
					parsed=pipeline.parsed(fetched) or {},
					gaps=gaps,
				)
			)
			low = max(batch.uids) + 1
			result.count_gaps(gaps)
			# the batch is committed: from here on a crash cannot lose these mails
			if mark_read_after_storing and outcome.stored_uids:
				pipeline.call(client.add_flags, outcome.stored_uids, ["\\Seen"]).result()
			result.fetched += len(fetched.messages)
			result.stored += len(outcome.stored_uids)
			result.new_communications += len(outcome.new_communications)
			result.quarantined += len(outcome.quarantined_uids)
			done += len(batch.uids)
			if on_progress:
				on_progress(folder.name, done, len(uids))
	if not result.more_pending and server.uidnext and server.uidnext - 1 >= low:
		# the newest UIDs were expunged before we saw them: the folder state moves up to UIDNEXT
		# (so the next sync can see "nothing changed" from STATUS), and they are recorded
		gaps = gaps_in(low, server.uidnext - 1, (), (), vanished, first_sync)
		store.store_batch(
			FolderBatch(folder, server.uidvalidity, [], advance_to=server.uidnext - 1, gaps=gaps)
		)
		result.count_gaps(gaps)
	if not result.more_pending:  # flags once the folder is complete, by the sync that completes it
		result.flags_changed, result.copies_gone = reconcile(client, store, folder, server, stored)
	return result


def nothing_changed(server, stored: StoredFolderState) -> bool:
	"""Same UIDVALIDITY, no UID above the highest stored one, and (CONDSTORE) no flag change or
	expunge since the last sync. Without CONDSTORE flag changes cannot be seen this way."""
	return (
		stored.uidvalidity == server.uidvalidity
		and server.uidnext is not None
		and server.uidnext - 1 <= stored.highest_uid
		and server.highestmodseq is not None
		and server.highestmodseq == stored.highest_modseq
	)


def reconcile(
	client: MailboxClient, store: ArchiveStore, folder: FolderConfig, server, stored
) -> tuple[int, int]:
	"""Flag and presence changes made outside the desk, since the last sync of the folder."""
	if server.highestmodseq is not None and stored.highest_modseq is not None:
		if server.highestmodseq == stored.highest_modseq:
			return 0, 0  # nothing changed in the folder: no round trip at all
		flags = client.flag_changes_since(stored.highest_modseq)
		present = set(client.all_uids())
	else:
		flags = client.all_flags()
		present = set(flags)
	return store.apply_server_state(
		folder.name, server.uidvalidity, flags, present, highest_modseq=server.highestmodseq
	)
