"""A mail file too big for one request (a multi-GB Outlook .pst) comes in in chunks: started with its
name and size, sent chunk by chunk (each at the offset of the bytes received so far, so a retry
changes nothing), finished into the import job.

The staged bytes live in the site's private area, in a folder of the app's own, outside every File
row and outside public/: `<upload id>.part` with `<upload id>.json` (who, into which account, the
name and size the user gave). The id is random, the only part of a path that comes from a request
(checked to be one); the file's name is text, never a path. Only the user who started an upload
sends to it and finishes it. The import removes it when done; the daily clean-up removes what
nobody finished within a day."""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import frappe
from frappe import _

STAGING_FOLDER = "crm_mail_archive_uploads"
CHUNK_BYTES = 8 * 1024 * 1024  # what the desk sends; well below Frappe's request limit (25 MB)
MAX_CHUNK_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_UPLOAD_MB = 50 * 1024  # site config `mail_archive_max_import_upload_mb`
STALE_AFTER_SECONDS = 24 * 3600
RECEIVING, IMPORTING = "Receiving", "Importing"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StagedUpload:
	upload_id: str
	owner: str
	account: str
	file_name: str
	size: int
	status: str
	data_path: Path

	@property
	def received(self) -> int:
		try:
			return self.data_path.stat().st_size
		except FileNotFoundError:
			return 0


def staging_folder() -> Path:
	folder = Path(frappe.get_site_path("private", STAGING_FOLDER)).resolve()
	folder.mkdir(parents=True, exist_ok=True)
	return folder


def max_upload_bytes() -> int:
	return int(frappe.conf.get("mail_archive_max_import_upload_mb") or DEFAULT_MAX_UPLOAD_MB) * 1024 * 1024


def display_name(file_name: str) -> str:
	"""The name as the user's system gave it, as text: its last part only (a name is never a path)."""
	name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
	return "".join(character for character in name if character.isprintable())[:240]


def _meta_path(upload_id: str) -> Path:
	return staging_folder() / f"{upload_id}.json"


def _write_meta(upload: StagedUpload) -> None:
	meta = {
		"owner": upload.owner,
		"account": upload.account,
		"file_name": upload.file_name,
		"size": upload.size,
		"status": upload.status,
	}
	temporary = _meta_path(upload.upload_id).with_suffix(".tmp")
	with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
		file.write(json.dumps(meta))
	os.replace(temporary, _meta_path(upload.upload_id))


def start(owner: str, account: str, file_name: str, size: int) -> StagedUpload:
	"""A new, empty staged upload of `size` bytes; refused over the site's maximum and when the
	disk cannot hold it."""
	if size <= 0:
		frappe.throw(_("The file {0} is empty.").format(file_name), frappe.ValidationError)
	if size > max_upload_bytes():
		frappe.throw(
			_("{0} is larger than {1} MB, the most this site imports.").format(
				file_name, max_upload_bytes() // (1024 * 1024)
			),
			frappe.ValidationError,
		)
	folder = staging_folder()
	if shutil.disk_usage(folder).free < size:
		frappe.throw(_("The server has no room for {0}.").format(file_name), frappe.ValidationError)
	upload_id = secrets.token_hex(16)
	data_path = folder / f"{upload_id}.part"
	data_path.touch(mode=0o600, exist_ok=False)
	upload = StagedUpload(upload_id, owner, account, file_name, size, RECEIVING, data_path)
	_write_meta(upload)
	return upload


def get_own(upload_id: str, user: str) -> StagedUpload:
	"""The user's staged upload; another user's, or an id that is none, is refused alike."""
	meta = None
	if isinstance(upload_id, str) and _UPLOAD_ID.match(upload_id):
		try:
			meta = json.loads(_meta_path(upload_id).read_text())
		except (FileNotFoundError, ValueError):
			meta = None
	if not meta or meta.get("owner") != user:
		frappe.throw(_("This upload is not yours or no longer exists."), frappe.PermissionError)
	return StagedUpload(
		upload_id,
		meta["owner"],
		meta["account"],
		meta["file_name"],
		int(meta["size"]),
		meta["status"],
		staging_folder() / f"{upload_id}.part",
	)


def receive(upload: StagedUpload, offset: int, data: bytes) -> int:
	"""Append `data` at `offset`, which must be the bytes received so far; a chunk sent again (its
	bytes already there, the same) changes nothing. Returns the bytes received."""
	if upload.status != RECEIVING:
		frappe.throw(_("This upload is finished."), frappe.ValidationError)
	if len(data) > MAX_CHUNK_BYTES:
		frappe.throw(_("A chunk holds at most {0} MB.").format(MAX_CHUNK_BYTES // (1024 * 1024)))
	with open(upload.data_path, "r+b") as staged:
		fcntl.flock(staged, fcntl.LOCK_EX)  # two requests with one chunk: one writes it
		received = os.fstat(staged.fileno()).st_size
		if offset < received and offset + len(data) <= received:
			staged.seek(offset)
			if staged.read(len(data)) == data:
				return received  # a retry of a chunk that arrived
		if offset != received:
			frappe.throw(
				_("The upload continues at byte {0}, not {1}.").format(received, offset),
				frappe.ValidationError,
			)
		if received + len(data) > upload.size:
			frappe.throw(
				_("The upload is larger than the {0} bytes announced.").format(upload.size),
				frappe.ValidationError,
			)
		staged.seek(received)
		staged.write(data)
		staged.flush()
		return received + len(data)


def mark_importing(upload: StagedUpload) -> StagedUpload:
	"""The upload is complete and goes to the import (once)."""
	if upload.status != RECEIVING:
		frappe.throw(_("This upload is already being imported."), frappe.ValidationError)
	if upload.received != upload.size:
		frappe.throw(
			_("The upload has {0} of {1} bytes; send the rest first.").format(upload.received, upload.size),
			frappe.ValidationError,
		)
	importing = StagedUpload(
		upload.upload_id,
		upload.owner,
		upload.account,
		upload.file_name,
		upload.size,
		IMPORTING,
		upload.data_path,
	)
	_write_meta(importing)
	return importing


def remove(upload_id: str) -> None:
	if not _UPLOAD_ID.match(upload_id or ""):
		return
	for suffix in (".part", ".json", ".tmp"):
		(staging_folder() / f"{upload_id}{suffix}").unlink(missing_ok=True)


def remove_stale(older_than_seconds: int = STALE_AFTER_SECONDS, now: float | None = None) -> int:
	"""Remove the uploads nobody touched for a day (never finished, or an import that died);
	returns how many."""
	now = time.time() if now is None else now
	uploads: dict[str, float] = {}
	for path in staging_folder().iterdir():
		upload_id = path.name.split(".", 1)[0]
		try:
			touched = path.stat().st_mtime
		except FileNotFoundError:
			continue
		uploads[upload_id] = max(uploads.get(upload_id, 0.0), touched)
	stale = [
		upload_id
		for upload_id, touched in uploads.items()
		if _UPLOAD_ID.match(upload_id) and now - touched > older_than_seconds
	]
	for upload_id in stale:  # (a file not named by an id is nothing of ours: left alone)
		remove(upload_id)
	return len(stale)
