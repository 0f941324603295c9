"""Outlook data files (`.pst`, and `.ost` where libpff reads it) as RFC 5322 messages, one item at
a time. Frappe-free.

The folder tree under the mailbox's top folder is kept: every mail carries its folder's path
("Inbox/Projects/2019"). Items that are no mail (contacts, appointments, tasks, notes) are left
out; an item that cannot be read is handed on with the reason, so that it is kept (quarantined)
and the file goes on. libpff reads the file where it lies, item by item: a file of many
gigabytes is never held in memory, only the item being converted."""

from __future__ import annotations

import codecs
import mimetypes
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from crm_mail_archive.mailbox import pst_props as P
from crm_mail_archive.mailbox.pst_mime import Item, Part, Recipient, to_rfc822

PST_MAGIC = b"!BDN"  # [MS-PST] 2.2.2.6: dwMagic of the header
MAIL_CLASSES = ("ipm.note", "ipm.schedule.meeting", "report.", "ipm.post", "ipm.outlook.recall")
# the top of the mail folders when the message store does not name it
TOP_FOLDERS = (
	"top of personal folders",
	"top of outlook data file",
	"top of information store",
	"ipm_subtree",
)
IPM_SUBTREE_ENTRYID = 0x35E0
ATTACH_BY_VALUE, ATTACH_EMBEDDED, ATTACH_OLE = 1, 5, 6
MAX_ITEM_BYTES = 100 * 1024 * 1024
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class OutlookMail:
	source: str  # "archive.pst: Inbox/Projects #3"
	folder: str  # the folder's path in the file: "Inbox/Projects"
	raw: bytes
	error: str | None = None


class OutlookFileError(Exception):
	"""The file is no Outlook data file libpff can open."""


def is_outlook_file(head: bytes) -> bool:
	return head[:4] == PST_MAGIC


def _open(path: str):
	import pypff  # only an import of .pst/.ost files needs it

	handle = pypff.file()
	try:
		handle.open(path)
	except Exception as error:
		raise OutlookFileError(f"{type(error).__name__}: {error}"[:300]) from error
	return handle


def count_items(path: str) -> int:
	"""Items in the mail folders (without reading them): the total for progress."""
	handle = _open(path)
	try:
		return sum(folder.number_of_sub_messages for _path, folder in _folders(handle))
	finally:
		handle.close()


def read_outlook_file(path: str, label: str | None = None) -> Iterator[OutlookMail]:
	label = label or os.path.basename(path)
	try:
		handle = _open(path)
	except OutlookFileError as error:
		yield OutlookMail(label, "", b"", f"not a readable Outlook data file: {error}")
		return
	try:
		codepage = _file_codepage(handle)
		for folder_path, folder in _folders(handle):
			for index in range(folder.number_of_sub_messages):
				source = f"{label}: {folder_path or '/'} #{index + 1}"
				try:
					message = folder.get_sub_message(index)
					item = _item(message, codepage)
					if item is None:
						continue  # no mail: a contact, an appointment, a task
					raw = to_rfc822(item)
				except Exception as error:  # one item, kept with the reason; the file goes on
					yield OutlookMail(
						source, folder_path, b"", f"unreadable Outlook item: {_describe(error)}"
					)
					continue
				if len(raw) > MAX_ITEM_BYTES:
					yield OutlookMail(source, folder_path, b"", f"larger than {MAX_ITEM_BYTES // 1048576} MB")
					continue
				yield OutlookMail(source, folder_path, raw)
	finally:
		handle.close()


def _file_codepage(handle) -> str:
	"""The code page of the file's 8-bit strings, as libpff has it ("cp1252")."""
	try:
		name = handle.ascii_codepage
		name = name.decode("ascii") if isinstance(name, bytes) else str(name or "")
		codecs.lookup(name)
		return name
	except Exception:
		return "cp1252"


def _folders(handle) -> Iterator[tuple[str, object]]:
	"""(path, folder) of every folder under the top of the mail folders, depth first."""
	top = _top_folder(handle)

	def walk(folder, path: str) -> Iterator[tuple[str, object]]:
		yield path, folder
		for index in range(folder.number_of_sub_folders):
			child = folder.get_sub_folder(index)
			# a name as text on one line; "/" separates the path's folders
			name = CONTROL.sub(" ", child.name or "").replace("/", "\u2215").strip() or f"#{index + 1}"
			yield from walk(child, f"{path}/{name}" if path else name)

	yield from walk(top, "")


def _top_folder(handle):
	"""The mailbox's top folder: named by the message store (its IPM subtree entry id), else found
	by its well-known names; the root when there is neither."""
	root = handle.root_folder
	wanted = None
	try:
		store = P.Properties.of_record_set(handle.message_store.record_sets[0])
		entry_id = store.raw(IPM_SUBTREE_ENTRYID)
		wanted = int.from_bytes(entry_id[-4:], "little") if entry_id and len(entry_id) >= 24 else None
	except Exception:
		wanted = None
	candidates = []
	for index in range(root.number_of_sub_folders):
		child = root.get_sub_folder(index)
		if (child.name or "").lower().startswith("root - public"):
			continue  # an OST's public folders: not the user's mail
		candidates.append(child)
		for inner in range(child.number_of_sub_folders):
			candidates.append(child.get_sub_folder(inner))
	for folder in candidates:
		if wanted is not None and folder.identifier == wanted:
			return folder
	for folder in candidates:
		if (folder.name or "").lower() in TOP_FOLDERS:
			return folder
	return root


def _item(message, codepage: str) -> Item | None:
	props = P.Properties.of_record_set(message.record_sets[0], codepage)
	kind = (props.text(P.MESSAGE_CLASS) or "ipm.note").lower()
	if not kind.startswith(MAIL_CLASSES):
		return None
	props.codepage = P.codepage_name(props.number(P.MESSAGE_CODEPAGE), codepage)
	html_codepage = P.codepage_name(props.number(P.INTERNET_CPID), props.codepage)
	item = Item(props)
	item.plain = _text(message.plain_text_body)
	html = message.html_body
	item.html = html.decode(html_codepage, "replace") if html else None
	item.rtf = _rtf(message, props, item)
	item.recipients = list(_recipients(message, codepage))
	for index in range(message.number_of_attachments):
		_attachment(message.get_attachment(index), item, codepage)
	return item


def _text(body: bytes | None) -> str | None:
	"""libpff hands a text body over as UTF-8 (converted from the item's code page)."""
	return body.decode("utf-8", "replace").rstrip("\x00") if body else None


def _rtf(message, props: P.Properties, item: Item) -> bytes | None:
	if P.RTF_COMPRESSED not in props:
		return None
	try:
		return message.rtf_body
	except Exception:  # libpff checks the compressed RTF's CRC; what is left of it is still read
		pass
	try:
		import compressed_rtf

		return compressed_rtf.decompress(props.raw(P.RTF_COMPRESSED) or b"")
	except Exception as error:
		item.notes.append(f"RTF body unreadable: {error}")
		return None


def _recipients(message, codepage: str) -> Iterator[Recipient]:
	table = message.recipients
	if table is None:
		return
	for record_set in table.record_sets:
		props = P.Properties.of_record_set(record_set, codepage)
		kind = props.number(P.RECIPIENT_TYPE) or 1
		address = props.text(P.SMTP_ADDRESS) or props.text(P.EMAIL_ADDRESS) or ""
		yield Recipient(kind & 0x0F, props.text(P.DISPLAY_NAME) or "", address)


def _attachment(attachment, item: Item, codepage: str) -> None:
	props = P.Properties.of_record_set(attachment.record_sets[0], codepage)
	method = props.number(P.ATTACH_METHOD) or ATTACH_BY_VALUE
	name = (
		props.text(P.ATTACH_LONG_FILENAME)
		or props.text(P.ATTACH_FILENAME)
		or props.text(P.DISPLAY_NAME)
		or ""
	)
	size = attachment.size or 0
	if size > MAX_ITEM_BYTES:
		raise ValueError(f"attachment {name!r} larger than {MAX_ITEM_BYTES // 1048576} MB")
	if method == ATTACH_EMBEDDED:
		data = attachment.read_buffer(size) if size else b""
		try:
			embedded = Item(P.heap_properties(data, codepage))
		except P.HeapError as error:  # kept as the bytes it is
			item.notes.append(f"embedded message {name!r}: {error}")
			item.attachments.append(Part(name or "embedded.bin", data))
			return
		embedded.plain = embedded.props.text(P.BODY)
		html = embedded.props.raw(P.HTML)
		cpid = P.codepage_name(embedded.props.number(P.INTERNET_CPID), codepage)
		embedded.html = html.decode(cpid, "replace") if html else None
		item.embedded.append(embedded)
		return
	if method not in (ATTACH_BY_VALUE, ATTACH_OLE):
		return  # a link to a file elsewhere: nothing in the file to keep
	data = attachment.read_buffer(size) if size else b""
	mime_type = props.text(P.ATTACH_MIME_TAG) or mimetypes.guess_type(name)[0] or "application/octet-stream"
	item.attachments.append(
		Part(name or "attachment", data, mime_type.strip().lower(), props.text(P.ATTACH_CONTENT_ID))
	)


def _describe(error: Exception) -> str:
	return f"{type(error).__name__}: {error}"[:300]
