"""A mail's files: the raw message and its attachments, private, content-addressed.

The stored name carries the SHA-256 of the bytes, so a name is never taken by other bytes and an
existing file is never written over. File rows are written directly (no File.insert): the import
must not run File's hooks per attachment, nor refuse a file Frappe cannot open (a damaged PDF is
still the customer's attachment).
"""

from __future__ import annotations

import hashlib
import os
import re

import frappe
from frappe.utils import now_datetime

from crm_mail_archive.infra.rows import RowBuffer
from crm_mail_archive.storage.content import safe_file_name

STORED_NAME_STEM = re.compile(r"[^\w.\-]+")  # on disk: no separators, traversal, spaces or markup


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


def keep_private(stem: str, extension: str, content: bytes) -> str:
	"""Write the bytes as a private file; returns its URL."""
	stored_name = stored_file_name(stem, extension, content)
	write_content_addressed(frappe.get_site_path("private", "files", stored_name), content)
	return f"/private/files/{stored_name}"


def save_attachment(communication: str, filename: str, content: bytes, rows: RowBuffer) -> str:
	"""An attachment as a private File of the mail; returns its URL."""
	display_name = safe_file_name(filename)
	stem, dot, extension = display_name.rpartition(".")
	stem = STORED_NAME_STEM.sub("_", stem if dot else extension).strip("._")[:60] or "attachment"
	extension = STORED_NAME_STEM.sub("", extension)[:12] if dot else ""
	return _file_row(communication, display_name, keep_private(stem, extension, content), content, rows)


def save_raw(communication: str, raw: bytes, rows: RowBuffer) -> str:
	"""Keep the message as received, whatever its size (above the site's upload limit too):
	nothing parsed wrongly is lost. Returns its URL."""
	return _file_row(communication, None, keep_private("mail", "eml", raw), raw, rows)


def _file_row(
	communication: str, display_name: str | None, file_url: str, content: bytes, rows: RowBuffer
) -> str:
	now = now_datetime()
	file = frappe.get_doc(
		{
			"doctype": "File",
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
		}
	)
	rows.add(file)
	return file_url


def read_private_file(file_url: str) -> bytes:
	path = frappe.get_site_path(file_url.lstrip("/"))
	if not os.path.realpath(path).startswith(os.path.realpath(frappe.get_site_path("private", "files"))):
		raise ValueError(f"not a private file: {file_url}")
	with open(path, "rb") as handle:
		return handle.read()
