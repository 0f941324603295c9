"""Where the archive keeps its files: originals, attachments, quarantined messages and exports.

They live in the site's private files folder, under `mail-archive/` (so that `bench backup
--with-files` takes them along), named by random identifiers: `mail-archive/<2 hex>/<32 hex>`.
A column that refers to one holds that reference, never a URL.

No URL reaches them: Frappe serves a private file only through a File row with that exact URL, and
no File row may point into this folder (overrides/file.py refuses every one, the app makes none).
Their names carry no secret anyone could guess from the mail (its SHA-256 is recorded in the
database, never in a name), and no extension a browser would act on. They are read through the
app's endpoints (api/reader.py, api/transfer.py), which apply the read rule every time.

References stored before this folder existed (`/private/files/<name>`) are still read.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from urllib.parse import unquote, urlsplit

import frappe

ARCHIVE_FOLDER = "mail-archive"
REFERENCE = re.compile(r"^mail-archive/[0-9a-f]{2}/[0-9a-f]{32}$")
LEGACY_REFERENCE = re.compile(r"^/private/files/[^/\\]+$")


class NotAnArchiveFile(ValueError):
	"""A reference that names no file of the archive."""


def new_reference() -> str:
	token = secrets.token_hex(16)
	return f"{ARCHIVE_FOLDER}/{token[:2]}/{token}"


def files_folder() -> str:
	return os.path.realpath(frappe.get_site_path("private", "files"))


def archive_folder() -> str:
	return os.path.join(files_folder(), ARCHIVE_FOLDER)


def path_of(reference: str) -> str:
	"""The file's path on disk; refuses anything that is no reference of the archive."""
	if REFERENCE.match(reference or ""):
		return os.path.join(files_folder(), reference)
	if LEGACY_REFERENCE.match(reference or ""):
		return os.path.join(files_folder(), reference.rpartition("/")[2])
	raise NotAnArchiveFile(f"not a file of the mail archive: {reference!r}")


def write_new(reference: str, content: bytes) -> None:
	"""Write the bytes under a new reference (never over another file)."""
	path = path_of(reference)
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, "xb") as handle:
		handle.write(content)


def read(reference: str) -> bytes:
	with open(path_of(reference), "rb") as handle:
		return handle.read()


def exists(reference: str) -> bool:
	return os.path.isfile(path_of(reference))


def remove_after_commit(references: list[str]) -> None:
	"""Remove files once the transaction that stopped referring to them has committed: a refused
	or failed removal leaves every byte where it was."""
	pending = [reference for reference in references if reference]
	if not pending:
		return

	def remove() -> None:
		for reference in pending:
			try:
				os.remove(path_of(reference))
			except FileNotFoundError:
				pass

	frappe.db.after_commit.add(remove)


def points_into_archive(file_url: str | None) -> bool:
	"""Whether a File URL (as stock File takes it: quoted, with a query, with dot segments)
	would reach the archive's folder."""
	if not file_url:
		return False
	path = unquote(urlsplit(file_url.strip()).path).lstrip("/")
	if path.startswith("private/files/"):
		base, relative = files_folder(), path.removeprefix("private/files/")
	elif path.startswith("files/"):
		base, relative = (
			os.path.realpath(frappe.get_site_path("public", "files")),
			path.removeprefix("files/"),
		)
	else:
		return False
	resolved = os.path.realpath(os.path.join(base, relative))
	folder = archive_folder()
	return resolved == folder or resolved.startswith(folder + os.sep)


def file_sha256(path: str) -> str:
	"""The SHA-256 of a file, read a megabyte at a time."""
	sha256 = hashlib.sha256()
	with open(path, "rb") as handle:
		while block := handle.read(1024 * 1024):
			sha256.update(block)
	return sha256.hexdigest()
