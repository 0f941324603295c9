"""A mail's files: its attachments and its original message, kept in the archive's own folder
(infra/archive_files.py) under random names, each attachment described by a Mail Attachment row.

Rows are written directly (RowBuffer): the import must not run document hooks per attachment, nor
refuse a file Frappe cannot open (a damaged PDF is still the customer's attachment). An attachment
whose bytes the archive holds already (by SHA-256: a signature's logo in every mail) is not written
again; its row refers to the same file.

A batch's files are written by two threads (FileWrites) while its rows are built and inserted:
creating a file, compressing and writing let other threads run, so that time is no longer the
batch's. They are all on disk before the batch's transaction commits.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

import frappe
from frappe.utils import now_datetime

from crm_mail_archive.infra import archive_files
from crm_mail_archive.infra.rows import RowBuffer
from crm_mail_archive.storage import originals
from crm_mail_archive.storage.content import safe_file_name, viewable_type
from crm_mail_archive.storage.originals import SavedPart

ATTACHMENT = "Mail Attachment"

_threads: ThreadPoolExecutor | None = None
_threads_of_process: int | None = None
_threads_lock = threading.Lock()


def _file_threads() -> ThreadPoolExecutor:
	"""Two threads per process (a forked job process makes its own: threads do not fork)."""

	global _threads, _threads_of_process
	with _threads_lock:
		if _threads is None or _threads_of_process != os.getpid():
			_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail-archive-files")
			_threads_of_process = os.getpid()
		return _threads


class FileWrites:
	"""File writes of a batch: at once, or (`in_background`) in the file threads until
	`finish()`, which raises the first failure. The work given must not touch Frappe (its state
	is per thread): paths are resolved before. `stored` maps the SHA-256 of attachments the
	archive holds (or this batch writes) to their files."""

	def __init__(self, in_background: bool = False, stored: dict[str, str] | None = None):
		self.in_background = in_background
		self.stored: dict[str, str] = dict(stored or {})
		self._pending: list[Future] = []
		self._written: list[str] = []

	def run(self, work: Callable, path: str, *args) -> None:
		"""Write a new file at `path` (`work(path, *args)`)."""
		self._written.append(path)
		if self.in_background:
			self._pending.append(_file_threads().submit(work, path, *args))
		else:
			work(path, *args)

	def finish(self) -> None:
		pending, self._pending = self._pending, []
		failures = [error for future in pending if (error := future.exception()) is not None]
		if failures:
			self._remove_written()
			raise failures[0]
		self._written = []

	def abandon(self) -> None:
		"""The batch failed (and runs again): let what is being written end, then remove it (no
		committed row names these new files)."""
		pending, self._pending = self._pending, []
		wait(pending)
		self._remove_written()

	def _remove_written(self) -> None:
		written, self._written = self._written, []
		for path in written:
			try:
				os.remove(path)
			except OSError:  # never written (what the disk refused), or not a file
				pass


def stored_attachments(sha256s: set[str]) -> dict[str, str]:
	"""The files the archive holds already for these attachment SHA-256s (one query)."""
	if not sha256s:
		return {}
	return {
		row.sha256: row.stored_file
		for row in frappe.get_all(
			ATTACHMENT,
			{"sha256": ("in", sorted(sha256s))},
			["sha256", "stored_file"],
			order_by="creation asc",
		)
		if row.stored_file
	}


def _write(path: str, content: bytes) -> None:
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, "xb") as handle:
		handle.write(content)


def keep_new_file(content: bytes, writes: FileWrites | None = None) -> str:
	"""Write the bytes as a new file of the archive; returns its reference."""
	reference = archive_files.new_reference()
	(writes or FileWrites()).run(_write, archive_files.path_of(reference), content)
	return reference


def save_attachment(
	communication: str,
	filename: str | None,
	content: bytes,
	rows: RowBuffer,
	writes: FileWrites,
	content_id: str | None = None,
	content_type: str | None = None,
	position: int = 0,
) -> tuple[str, str]:
	"""An attachment of the mail: its file (unless the archive holds those bytes already) and its
	Mail Attachment row. Returns (row name, file reference)."""
	sha256 = hashlib.sha256(content).hexdigest()
	reference = writes.stored.get(sha256)
	if reference is None:
		reference = writes.stored[sha256] = keep_new_file(content, writes)
	now = now_datetime()
	name = rows.add(
		ATTACHMENT,
		{
			"communication": communication,
			"position": position,
			"file_name": safe_file_name(filename),
			"content_type": (content_type or "")[:140] or None,
			"content_id": content_id,
			"viewable_type": viewable_type(content),
			"file_size": len(content),
			"sha256": sha256,
			"stored_file": reference,
			"owner": "Administrator",
			"modified_by": "Administrator",
			"creation": now,
			"modified": now,
		},
	)
	return name, reference


def _write_original(path: str, raw: bytes, parts: list[SavedPart]) -> None:
	_write(path, originals.skeleton(raw, parts))


def keep_original(raw: bytes, parts: list[SavedPart], writes: FileWrites | None = None) -> str:
	"""Keep the message as received, whatever its size (above the site's upload limit too):
	nothing parsed wrongly is lost. Stored as a skeleton without the attachments saved as files
	(originals.py). Returns its reference; the caller records its SHA-256 with the mail."""
	reference = archive_files.new_reference()
	(writes or FileWrites()).run(_write_original, archive_files.path_of(reference), raw, list(parts))
	return reference


class OriginalDamaged(Exception):
	"""The stored original does not give back the bytes it was stored with."""


def read_original(reference: str, sha256: str | None) -> bytes:
	"""The original message, exactly as received, checked against the SHA-256 recorded for it."""
	raw = originals.original(archive_files.read(reference), archive_files.read)
	if sha256 and originals.digest(raw) != sha256:
		raise OriginalDamaged(f"{reference}: the original message does not match its SHA-256")
	return raw


def original_of(communication: str) -> bytes:
	"""The original message of an archived mail."""
	reference, sha256 = frappe.db.get_value(
		"Communication", communication, ["mail_archive_raw_file", "mail_archive_sha256"]
	) or (None, None)
	if not reference:
		raise FileNotFoundError(f"{communication}: no original message is kept")
	return read_original(reference, sha256)


def attachment_bytes(attachment: str) -> bytes:
	"""The bytes of one attachment of an archived mail (by its Mail Attachment)."""
	reference = frappe.db.get_value(ATTACHMENT, attachment, "stored_file")
	if not reference:
		raise FileNotFoundError(f"{attachment}: no such attachment")
	return archive_files.read(reference)


def forget_files_of(communication: str) -> None:
	"""A mail is being deleted (the app's erasure or purge, a manager after its retention): its
	attachment rows go with it, its files once that deletion is committed — an attachment file
	only when no other mail's attachment is the same file."""
	original = frappe.db.get_value("Communication", communication, "mail_archive_raw_file")
	attachment_files = set(frappe.get_all(ATTACHMENT, {"communication": communication}, pluck="stored_file"))
	frappe.db.delete(ATTACHMENT, {"communication": communication})
	attachment_files.discard(None)
	shared = set(
		frappe.get_all(ATTACHMENT, {"stored_file": ("in", sorted(attachment_files))}, pluck="stored_file")
		if attachment_files
		else ()
	)
	archive_files.remove_after_commit([original, *sorted(attachment_files - shared)])


def forget_files_of_many(communications: list[str]) -> None:
	"""forget_files_of for a batch of mails being deleted together, in a few statements."""
	if not communications:
		return
	originals_ = frappe.get_all(
		"Communication",
		{"name": ("in", communications), "mail_archive_raw_file": ("is", "set")},
		pluck="mail_archive_raw_file",
	)
	attachment_files = set(
		frappe.get_all(ATTACHMENT, {"communication": ("in", communications)}, pluck="stored_file")
	)
	# by primary key: a delete by the mail's index would lock its gaps against new mail's rows
	rows = frappe.get_all(ATTACHMENT, {"communication": ("in", communications)}, pluck="name")
	if rows:
		frappe.db.delete(ATTACHMENT, {"name": ("in", rows)})
	attachment_files.discard(None)
	shared = set(
		frappe.get_all(ATTACHMENT, {"stored_file": ("in", sorted(attachment_files))}, pluck="stored_file")
		if attachment_files
		else ()
	)
	archive_files.remove_after_commit([*originals_, *sorted(attachment_files - shared)])
