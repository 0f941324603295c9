"""The archive's files move out of Frappe's File records into the archive's own folder
(infra/archive_files.py), under random names:

- each attachment of an archived mail (a File row, `/private/files/<name>-<sha256>.<ext>`) becomes a
  Mail Attachment (its Content-ID read from the original message), its File row goes;
- each original (`/private/files/mail-<sha256>.emlz`): its skeleton names the new attachment files;
- the body's inline images point at their Content-ID again (`cid:`) instead of a file URL;
- quarantined messages and exports (whose File rows go too).

Old files are removed once all of it is committed; a file two mails shared is copied once.
"""

import hashlib
import json
import os

import frappe

from crm_mail_archive.infra import archive_files
from crm_mail_archive.infra.rows import RowBuffer
from crm_mail_archive.mailbox.parser import parse_message
from crm_mail_archive.storage import originals
from crm_mail_archive.storage.content import repointed_images, valid_content_id, viewable_type

MAILS_PER_CHUNK = 200


class Move:
	"""Legacy file URL → its new reference (copied once), and what to remove at the end."""

	def __init__(self) -> None:
		self.moved: dict[str, str] = {}

	def __call__(self, legacy_url: str) -> str:
		if legacy_url not in self.moved:
			reference = archive_files.new_reference()
			archive_files.write_new(reference, archive_files.read(legacy_url))
			self.moved[legacy_url] = reference
		return self.moved[legacy_url]

	def remove_old(self) -> None:
		for legacy_url in self.moved:
			try:
				os.remove(archive_files.path_of(legacy_url))
			except FileNotFoundError:
				pass


def execute() -> None:
	move = Move()
	last = ""
	while True:
		mails = frappe.db.sql(
			"""select name, mail_archive_raw_file, content from `tabCommunication`
			where ifnull(mail_archive_key, '') != '' and name > %s order by name limit %s""",
			[last, MAILS_PER_CHUNK],
			as_dict=True,
		)
		if not mails:
			break
		last = mails[-1].name
		for mail in mails:
			_move_mail(mail, move)
	for copy in frappe.db.sql(
		"select name, raw_file from `tabMailbox Copy` where raw_file like '/private/files/%%'", as_dict=True
	):
		if _exists(copy.raw_file):
			frappe.db.set_value(
				"Mailbox Copy", copy.name, "raw_file", move(copy.raw_file), update_modified=False
			)
	for export in frappe.db.sql(
		"select name, file from `tabMail Export` where file like '/private/files/%%'", as_dict=True
	):
		if _exists(export.file):
			frappe.db.set_value("Mail Export", export.name, "file", move(export.file), update_modified=False)
	frappe.db.delete("File", {"attached_to_doctype": "Mail Export"})
	frappe.db.commit()
	move.remove_old()


def _exists(legacy_url: str | None) -> bool:
	try:
		return bool(legacy_url) and archive_files.exists(legacy_url)
	except archive_files.NotAnArchiveFile:
		return False


def _move_mail(mail, move: Move) -> None:
	files = frappe.get_all(
		"File",
		{"attached_to_doctype": "Communication", "attached_to_name": mail.name},
		["name", "file_name", "file_url", "creation"],
		order_by="creation asc, name asc",
	)
	raw = None
	if _exists(mail.mail_archive_raw_file) and mail.mail_archive_raw_file.startswith("/private/files/"):
		stored = archive_files.read(mail.mail_archive_raw_file)
		raw = originals.original(stored, archive_files.read)
	content_ids = _content_ids(raw) if raw else {}
	images: dict[str, str] = {}  # legacy URL → Content-ID
	rows = RowBuffer()
	position = 0
	for file in files:
		if file.file_url == mail.mail_archive_raw_file or not _exists(file.file_url):
			continue  # (an older original had a File row of its own)
		content = archive_files.read(file.file_url)
		sha256 = hashlib.sha256(content).hexdigest()
		content_id = content_ids.get(sha256)
		if content_id:
			images[file.file_url] = content_id
		rows.add(
			"Mail Attachment",
			{
				"communication": mail.name,
				"position": position,
				"file_name": file.file_name,
				"content_id": content_id,
				"viewable_type": viewable_type(content),
				"file_size": len(content),
				"sha256": sha256,
				"stored_file": move(file.file_url),
				"owner": "Administrator",
				"modified_by": "Administrator",
				"creation": file.creation,
				"modified": file.creation,
			},
		)
		position += 1
	rows.write()
	values = {}
	if raw is not None:
		values["mail_archive_raw_file"] = _move_original(mail.mail_archive_raw_file, move)
	if "/private/files/" in (mail.content or ""):
		# no stored HTML names a file: an image whose part is not known any more shows nothing
		values["content"] = repointed_images(
			mail.content,
			lambda src: f"cid:{images[src]}"
			if src in images
			else (None if "/private/files/" in src else src),
		)
	if values:
		frappe.db.set_value("Communication", mail.name, values, update_modified=False)
	frappe.db.delete("File", {"attached_to_doctype": "Communication", "attached_to_name": mail.name})


def _content_ids(raw: bytes) -> dict[str, str]:
	"""SHA-256 of each inline part of the message → its Content-ID."""
	try:
		parsed = parse_message(raw)
	except Exception:
		return {}
	return {
		hashlib.sha256(attachment.content).hexdigest(): content_id
		for attachment in parsed.attachments
		if attachment.content and (content_id := valid_content_id(attachment.content_id))
	}


def _move_original(legacy_url: str, move: Move) -> str:
	"""The original's skeleton again, naming the attachment files where they are now."""
	stored = archive_files.read(legacy_url)
	if stored.startswith(originals.MAGIC):
		header, _newline, compressed = stored[len(originals.MAGIC) :].partition(b"\n")
		described = json.loads(header)
		for part in described["parts"]:
			part["file"] = move(part["file"])
		stored = originals.MAGIC + json.dumps(described, separators=(",", ":")).encode() + b"\n" + compressed
	reference = archive_files.new_reference()
	archive_files.write_new(reference, stored)
	move.moved.setdefault(legacy_url, reference)
	return reference
