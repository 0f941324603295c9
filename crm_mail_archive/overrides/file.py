"""Stock File, kept away from the mail archive's files (infra/archive_files.py).

Frappe serves a private file to whoever may read *a* File row with its URL, and a File row can be
made, re-pointed or published by any user who may create one: a row pointing into the archive
would be a way round the read rule, a public one would publish the bytes, and deleting one would
delete them. So no File row may point into the archive's folder (new or changed, whatever spelling
of the URL), none is added to an archived mail, and none attached to an archived mail is deleted —
each refused *before* stock File writes, moves or deletes a byte (these checks run ahead of
File's own before_insert, validate and on_trash, for every path: REST, frappe.client, delete_doc
with ignore_permissions, bulk delete, the File manager).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.core.doctype.file.file import File

from crm_mail_archive.infra.archive_files import points_into_archive


def _is_archived(communication: str | None) -> bool:
	return bool(communication and frappe.db.get_value("Communication", communication, "mail_archive_key"))


def _refuse(message: str) -> None:
	frappe.throw(message, frappe.PermissionError, title=_("Archived Mail"))


def refuse_archive_url(doc: File) -> None:
	before = doc.get_doc_before_save()
	if points_into_archive(doc.file_url) or (before and points_into_archive(before.file_url)):
		_refuse(_("The files of the mail archive are read through the archive, not as File records."))


def refuse_new_attachment(doc: File) -> None:
	if doc.get("attached_to_doctype") == "Communication" and _is_archived(doc.get("attached_to_name")):
		_refuse(_("An archived mail cannot get more attachments."))


def refuse_changed_attachment(doc: File) -> None:
	before = doc.get_doc_before_save()
	if before is None or before.get("attached_to_doctype") != "Communication":
		return
	if _is_archived(before.get("attached_to_name")) and any(
		(before.get(field) or None) != (doc.get(field) or None)
		for field in ("file_url", "file_name", "is_private", "attached_to_doctype", "attached_to_name")
	):
		_refuse(_("An attachment of an archived mail cannot be changed."))


def refuse_deleted_attachment(doc: File) -> None:
	if points_into_archive(doc.file_url):  # a row made past these checks: it takes nothing along
		_refuse(_("The files of the mail archive are read through the archive, not as File records."))
	if doc.get("attached_to_doctype") != "Communication" or frappe.flags.mail_archive_removing:
		return
	communication = doc.get("attached_to_name")
	if communication in (frappe.flags.mail_archive_deleting or ()) or not _is_archived(communication):
		return
	_refuse(_("An attachment of an archived mail cannot be deleted."))


class MailArchiveFile(File):
	def before_insert(self):
		refuse_archive_url(self)
		refuse_new_attachment(self)
		super().before_insert()

	def validate(self):
		# (the document as it was is loaded before validate; stock moves bytes in its validate)
		refuse_archive_url(self)
		refuse_changed_attachment(self)
		super().validate()

	def on_trash(self):
		refuse_deleted_attachment(self)
		super().on_trash()

	def is_downloadable(self):
		# what /private/files/… asks (stock's own check lets a row's owner have it)
		return not points_into_archive(self.file_url) and super().is_downloadable()

	def delete_file_data_content(self, only_thumbnail=False):
		# a row that points into the archive (made past these checks) never takes its bytes along
		if points_into_archive(self.file_url):
			return
		super().delete_file_data_content(only_thumbnail=only_thumbnail)


def file_has_permission(doc, ptype=None, user=None, debug=False) -> bool | None:
	"""has_permission hook: a File row that points into the archive (one made past the checks
	above, by SQL say) gives nobody the file; every other File is stock's to decide."""
	return False if points_into_archive(doc.get("file_url")) else None
