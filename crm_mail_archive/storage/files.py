"""A mail's files: its attachments and its original message, private, content-addressed.

The stored name carries the SHA-256 of the bytes, so a name is never taken by other bytes and an
existing file is never written over. File rows are written directly (no File.insert): the import
must not run File's hooks per attachment, nor refuse a file Frappe cannot open (a damaged PDF is
still the customer's attachment).

A batch's files are written by two threads (FileWrites) while its rows are built and inserted:
creating a file, compressing and writing let other threads run, so that time is no longer the
batch's. They are all on disk before the batch's transaction commits.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

import frappe
from frappe.utils import now_datetime

from crm_mail_archive.infra.rows import RowBuffer
from crm_mail_archive.storage import originals
from crm_mail_archive.storage.content import safe_file_name
from crm_mail_archive.storage.originals import SavedPart

STORED_NAME_STEM = re.compile(r"[^\w.\-]+")  # on disk: no separators, traversal, spaces or markup
# a content-addressed name: `<stem>-<sha256>[.<extension>]`, the original's `mail-<sha256>.emlz`
CONTENT_ADDRESSED = re.compile(r"^(?P<stem>.*)-(?P<sha256>[0-9a-f]{64})(?:\.(?P<extension>[^./]*))?$")


def stored_sha256(file_url: str | None) -> str | None:
	"""The SHA-256 a content-addressed file's name says it holds (of the original message, for
	`mail-<sha256>.emlz`), or None for a name that says none."""
	match = CONTENT_ADDRESSED.match((file_url or "").rpartition("/")[2])
	return match["sha256"] if match else None


def stored_file_name(stem: str, extension: str, content: bytes) -> str:
	"""`<stem>-<SHA-256 of the bytes>.<extension>`: the name says which bytes it holds."""
	digest = hashlib.sha256(content).hexdigest()
	return f"{stem}-{digest}.{extension}" if extension else f"{stem}-{digest}"


def write_content_addressed(path: str, content: bytes) -> None:
	"""Write the bytes unless the file exists: by its name it already holds exactly these."""
	try:
		with open(path, "xb") as handle:
			handle.write(content)
	except FileExistsError:
		if os.path.getsize(path) != len(content):  # a torn write of a killed worker: finish it
			with open(path, "wb") as handle:
				handle.write(content)


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
	is per thread): paths are resolved before."""

	def __init__(self, in_background: bool = False):
		self.in_background = in_background
		self._pending: list[Future] = []

	def run(self, work: Callable, *args) -> None:
		if self.in_background:
			self._pending.append(_file_threads().submit(work, *args))
		else:
			work(*args)

	def finish(self) -> None:
		pending, self._pending = self._pending, []
		failures = [error for future in pending if (error := future.exception()) is not None]
		if failures:
			raise failures[0]

	def abandon(self) -> None:
		"""The batch failed and runs again: let what is being written end first (the same files
		will be written again, by name they hold the same bytes)."""
		pending, self._pending = self._pending, []
		wait(pending)


def keep_private(stem: str, extension: str, content: bytes, writes: FileWrites | None = None) -> str:
	"""Write the bytes as a private file; returns its URL."""
	stored_name = stored_file_name(stem, extension, content)
	(writes or FileWrites()).run(
		write_content_addressed, frappe.get_site_path("private", "files", stored_name), content
	)
	return f"/private/files/{stored_name}"


def save_attachment(
	communication: str, filename: str, content: bytes, rows: RowBuffer, writes: FileWrites | None = None
) -> str:
	"""An attachment as a private File of the mail; returns its URL."""
	display_name = safe_file_name(filename)
	stem, dot, extension = display_name.rpartition(".")
	stem = STORED_NAME_STEM.sub("_", stem if dot else extension).strip("._")[:60] or "attachment"
	extension = STORED_NAME_STEM.sub("", extension)[:12] if dot else ""
	file_url = keep_private(stem, extension, content, writes)
	return _file_row(communication, display_name, file_url, content, rows)


def _write_original(path: str, raw: bytes, parts: list[SavedPart]) -> None:
	write_content_addressed(path, originals.skeleton(raw, parts))


def keep_original(raw: bytes, parts: list[SavedPart], writes: FileWrites | None = None) -> str:
	"""Keep the message as received, whatever its size (above the site's upload limit too):
	nothing parsed wrongly is lost. Stored as a skeleton without the attachments saved as files
	(originals.py), under the SHA-256 of the original. Returns its URL; no File row: the original
	is downloaded through the mail (api.download_original), never listed as an attachment."""
	stored_name = f"mail-{originals.digest(raw)}.emlz"
	(writes or FileWrites()).run(
		_write_original, frappe.get_site_path("private", "files", stored_name), raw, list(parts)
	)
	return f"/private/files/{stored_name}"


class OriginalDamaged(Exception):
	"""The stored original does not give back the bytes it was stored with."""


def read_original(file_url: str) -> bytes:
	"""The original message, exactly as received (checked against the SHA-256 it is stored under)."""
	raw = originals.original(read_private_file(file_url), read_private_file)
	name = file_url.rpartition("/")[2]
	expected = name.removeprefix("mail-").rpartition(".")[0]
	if name.endswith(".emlz") and originals.digest(raw) != expected:
		raise OriginalDamaged(f"{file_url}: the original message does not match its SHA-256")
	return raw


def _file_row(
	communication: str, display_name: str | None, file_url: str, content: bytes, rows: RowBuffer
) -> str:
	now = now_datetime()
	rows.add(
		"File",
		{
			"file_name": display_name or file_url.rpartition("/")[2],
			"file_url": file_url,
			"attached_to_doctype": "Communication",
			"attached_to_name": communication,
			"is_private": 1,
			"file_size": len(content),
			# Frappe's own hash (MD5): its File deletion keeps bytes other File rows share
			"content_hash": hashlib.md5(content, usedforsecurity=False).hexdigest(),
			"folder": "Home/Attachments",
			"owner": "Administrator",
			"modified_by": "Administrator",
			"creation": now,
			"modified": now,
		},
	)
	return file_url


def read_private_file(file_url: str) -> bytes:
	path = frappe.get_site_path(file_url.lstrip("/"))
	if not os.path.realpath(path).startswith(os.path.realpath(frappe.get_site_path("private", "files"))):
		raise ValueError(f"not a private file: {file_url}")
	with open(path, "rb") as handle:
		return handle.read()
