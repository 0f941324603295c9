"""MAPI properties of Outlook items, read from a PST/OST file's records (libpff) or from the
heap of an embedded message's node ([MS-PST] 2.3.1, 2.3.2, 2.3.3). Frappe-free.

libpff's Python binding gives an embedded message (an attachment of method 5) only as the bytes of
its property context: the heap is read here. What the embedded message keeps in sub-nodes (its
recipient table, a large body) is out of its reach; its own properties (subject, sender, dates,
transport headers, a small body) are what it holds."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

# property tags used here
SUBJECT = 0x0037
MESSAGE_CLASS = 0x001A
CLIENT_SUBMIT_TIME = 0x0039
TRANSPORT_HEADERS = 0x007D
SENT_REPRESENTING_NAME = 0x0042
SENT_REPRESENTING_EMAIL = 0x0065
SENDER_NAME = 0x0C1A
SENDER_EMAIL = 0x0C1F
RECIPIENT_TYPE = 0x0C15
DELIVERY_TIME = 0x0E06
BODY = 0x1000
RTF_COMPRESSED = 0x1009
HTML = 0x1013
INTERNET_MESSAGE_ID = 0x1035
REFERENCES = 0x1039
IN_REPLY_TO = 0x1042
DISPLAY_NAME = 0x3001
EMAIL_ADDRESS = 0x3003
CREATION_TIME = 0x3007
SMTP_ADDRESS = 0x39FE
ATTACH_DATA = 0x3701
ATTACH_FILENAME = 0x3704
ATTACH_METHOD = 0x3705
ATTACH_LONG_FILENAME = 0x3707
ATTACH_MIME_TAG = 0x370E
ATTACH_CONTENT_ID = 0x3712
INTERNET_CPID = 0x3FDE
MESSAGE_CODEPAGE = 0x3FFD
SENDER_SMTP_ADDRESS = 0x5D01
SENT_REPRESENTING_SMTP_ADDRESS = 0x5D02
ATTACHMENT_HIDDEN = 0x7FFE

# property types
PT_SHORT, PT_LONG, PT_BOOLEAN, PT_STRING8, PT_UNICODE, PT_SYSTIME, PT_BINARY = (
	0x02,
	0x03,
	0x0B,
	0x1E,
	0x1F,
	0x40,
	0x102,
)
FIXED_SIZES = {0x02: 2, 0x03: 4, 0x04: 4, 0x0A: 4, 0x0B: 1}  # held in the record itself
HEAP_BLOCK = 8176  # the data of one block of a node's data tree ([MS-PST] 2.2.2.8.3.1)
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)


class HeapError(Exception):
	"""The bytes are no readable property context."""


class Properties:
	"""Property tag -> (type, loader of the raw bytes); values decoded on demand (a body or an
	attachment's data is read only when asked for)."""

	def __init__(self, entries: dict[int, tuple[int, Callable[[], bytes | None]]], codepage: str = "cp1252"):
		self.entries = entries
		self.codepage = codepage

	@classmethod
	def of_record_set(cls, record_set, codepage: str = "cp1252") -> Properties:
		entries: dict[int, tuple[int, Callable[[], bytes | None]]] = {}
		for entry in record_set.entries:
			entries.setdefault(entry.entry_type, (entry.value_type, lambda entry=entry: entry.data))
		return cls(entries, codepage)

	def __contains__(self, tag: int) -> bool:
		return tag in self.entries

	def raw(self, tag: int) -> bytes | None:
		if tag not in self.entries:
			return None
		return self.entries[tag][1]()

	def text(self, tag: int) -> str | None:
		if tag not in self.entries:
			return None
		kind, load = self.entries[tag]
		data = load()
		if data is None:
			return None
		if kind == PT_UNICODE:
			return data.decode("utf-16-le", "replace").rstrip("\x00")
		if kind == PT_STRING8:
			return data.decode(self.codepage, "replace").rstrip("\x00")
		return None

	def number(self, tag: int) -> int | None:
		data = self.raw(tag)
		if not data or self.entries[tag][0] not in FIXED_SIZES:
			return None
		return int.from_bytes(data[: FIXED_SIZES[self.entries[tag][0]]], "little")

	def time(self, tag: int) -> datetime | None:
		data = self.raw(tag)
		if not data or len(data) < 8 or self.entries[tag][0] != PT_SYSTIME:
			return None
		ticks = int.from_bytes(data[:8], "little")
		if not ticks:
			return None
		try:
			return FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
		except OverflowError:
			return None


def codepage_name(number: int | None, default: str = "cp1252") -> str:
	"""A Windows code page number as a Python codec."""
	names = {65001: "utf-8", 20127: "ascii", 1200: "utf-16-le", 28591: "latin-1", 28605: "iso8859-15"}
	name = names.get(number or 0) or (f"cp{number}" if number else default)
	try:
		codecs.lookup(name)
	except LookupError:
		return default
	return name


def heap_properties(data: bytes, codepage: str = "cp1252") -> Properties:
	"""The properties of a property context's heap (an embedded message's node data)."""
	if len(data) < 12 or data[2] != 0xEC or data[3] != 0xBC:
		raise HeapError("no property context")
	blocks = [data[start : start + HEAP_BLOCK] for start in range(0, len(data), HEAP_BLOCK)]

	def allocation(hid: int) -> bytes:
		index, block = (hid >> 5) & 0x7FF, hid >> 16
		if hid & 0x1F or block >= len(blocks) or not index:
			raise HeapError(f"bad heap id {hid:#x}")
		page = blocks[block]
		page_map = int.from_bytes(page[0:2], "little")
		count = int.from_bytes(page[page_map : page_map + 2], "little")
		if index > count or page_map + 4 + 2 * (index + 1) > len(page):
			raise HeapError(f"heap id {hid:#x} out of its page")
		offsets = page[page_map + 4 + 2 * (index - 1) : page_map + 4 + 2 * (index + 1)]
		start, end = int.from_bytes(offsets[0:2], "little"), int.from_bytes(offsets[2:4], "little")
		if not start <= end <= len(page):
			raise HeapError(f"heap id {hid:#x} beyond its page")
		return page[start:end]

	header = allocation(int.from_bytes(data[4:8], "little"))
	if len(header) < 8 or header[0] != 0xB5 or header[1:3] != b"\x02\x06":
		raise HeapError("no property tree")
	levels, root = header[3], int.from_bytes(header[4:8], "little")
	records: list[bytes] = []

	def walk(hid: int, level: int) -> None:
		if not hid:
			return
		node = allocation(hid)
		size = 2 + (4 if level else 6)  # key, then the next level's heap id or the record
		for start in range(0, len(node) - size + 1, size):
			if level:
				walk(int.from_bytes(node[start + 2 : start + 6], "little"), level - 1)
			else:
				records.append(node[start : start + size])

	walk(root, levels)
	entries: dict[int, tuple[int, Callable[[], bytes | None]]] = {}
	for record in records:
		tag = int.from_bytes(record[0:2], "little")
		kind = int.from_bytes(record[2:4], "little")
		value = int.from_bytes(record[4:8], "little")
		if kind in FIXED_SIZES:
			entries[tag] = (kind, lambda value=value: value.to_bytes(4, "little"))
		elif value & 0x1F == 0:  # in the heap (0: empty)
			entries[tag] = (kind, lambda value=value: allocation(value) if value else b"")
		# else: in a sub-node, which libpff does not hand over for an embedded message
	return Properties(entries, codepage)
