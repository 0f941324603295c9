"""Mail kept in files, read into raw RFC 5322 messages for the same ingest path as synced mail:
a `.eml` file (one message), an `.mbox` archive (many), an Outlook `.msg` file (converted) and an
Outlook data file, `.pst` or `.ost` (many, with their folders; `mailbox/pst.py`). Frappe-free.

A file that holds no mail is still handed on, with the reason, so that it is kept (quarantined)
rather than lost: the person who dropped it sees why it was not archived.
"""

from __future__ import annotations

import email.parser
import email.policy
import mailbox
import os
from collections.abc import Iterator
from dataclasses import dataclass

from crm_mail_archive.mailbox.outlook import OutlookMessageError, outlook_to_rfc822
from crm_mail_archive.mailbox.pst import OutlookFileError, count_items, is_outlook_file, read_outlook_file

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an Outlook .msg is an OLE compound file
SUFFIXES = (".eml", ".msg", ".mbox", ".pst", ".ost")
# headers of which a mail has at least one; bytes with none of them are not a mail
MAIL_HEADERS = ("from", "to", "subject", "date", "message-id", "sender", "received")
MAX_MESSAGE_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class FileMessage:
	source: str  # where it came from, for progress and reasons: "old.mbox #12"
	raw: bytes  # the RFC 5322 message; for a file that holds no mail, the file's own bytes
	error: str | None = None  # why this is not a mail (it is kept, quarantined, with this reason)
	folder: str | None = None  # its folder in the file it came from (an Outlook data file's tree)


def is_mail_file(path: str) -> bool:
	return os.path.splitext(path)[1].lower() in SUFFIXES


def mail_files(path: str) -> list[str]:
	"""The mail files at a path: the file itself, or those in a folder and its subfolders."""
	if os.path.isfile(path):
		return [path]
	found = []
	for folder, _folders, names in os.walk(path):
		found.extend(os.path.join(folder, name) for name in names if is_mail_file(name))
	return sorted(found)


def read_messages(path: str, label: str | None = None) -> Iterator[FileMessage]:
	"""The messages of one file, by what the file holds (its name may lie): an OLE file is an
	Outlook message, "!BDN" an Outlook data file, a file starting with "From " an mbox archive,
	anything else one message."""
	label = label or os.path.basename(path)
	size = os.path.getsize(path)
	with open(path, "rb") as file:
		head = file.read(8)
	if is_outlook_file(head):
		for mail in read_outlook_file(path, label):
			yield FileMessage(mail.source, mail.raw, mail.error, mail.folder)
	elif head == OLE_MAGIC:
		yield _outlook_message(path, label, size)
	elif head.startswith(b"From ") and (label.lower().endswith(".mbox") or _mbox_like(path)):
		yield from _mbox_messages(path, label)
	else:
		yield _single_message(path, label, size)


def count_messages(path: str, label: str | None = None) -> int:
	"""How many messages a file holds (an Outlook data file: its items, without reading them)."""
	with open(path, "rb") as file:
		head = file.read(8)
	if is_outlook_file(head):
		try:
			return count_items(path)
		except OutlookFileError:
			return 1  # the file itself, quarantined
	return sum(1 for _message in read_messages(path, label))


def _single_message(path: str, label: str, size: int) -> FileMessage:
	if size > MAX_MESSAGE_BYTES:
		return FileMessage(label, b"", f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
	with open(path, "rb") as file:
		raw = file.read()
	return FileMessage(label, raw, not_a_mail(raw))


def _outlook_message(path: str, label: str, size: int) -> FileMessage:
	with open(path, "rb") as file:
		data = file.read(MAX_MESSAGE_BYTES + 1)
	if size > MAX_MESSAGE_BYTES:
		return FileMessage(label, b"", f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
	try:
		return FileMessage(label, outlook_to_rfc822(data))
	except OutlookMessageError as error:
		return FileMessage(label, data, f"not a readable Outlook message: {error}")


def _mbox_like(path: str) -> bool:
	"""An mbox starts with a "From " line followed by header lines."""
	with open(path, "rb") as file:
		file.readline()  # the "From " line
		second = file.readline()
	return b":" in second


def _mbox_messages(path: str, label: str) -> Iterator[FileMessage]:
	archive = mailbox.mbox(path, create=False)
	try:
		for number, key in enumerate(archive.iterkeys(), start=1):
			source = f"{label} #{number}"
			try:
				raw = archive.get_bytes(key)
			except Exception as error:  # a damaged entry: the others go on
				yield FileMessage(source, b"", f"unreadable mbox entry: {error}")
				continue
			if len(raw) > MAX_MESSAGE_BYTES:
				yield FileMessage(source, b"", f"larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
				continue
			yield FileMessage(source, raw, not_a_mail(raw))
	finally:
		archive.close()


def not_a_mail(raw: bytes) -> str | None:
	"""Why these bytes are not a mail, or None. A mail starts with header lines, and at least
	one of them is one every mail has."""
	if not raw.strip():
		return "empty file"
	if b"\x00" in raw[:4096]:
		return "binary data, not a mail message"
	headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:65536])
	if not any(headers.get(name) is not None for name in MAIL_HEADERS):
		return "no mail headers (From, To, Subject, Date, Message-ID) found"
	return None
