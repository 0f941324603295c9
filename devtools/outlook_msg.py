"""Outlook .msg files for tests, written from scratch: an OLE compound file (MS-CFB, version 3)
holding the MAPI property streams of a mail (MS-OXMSG). Enough of both for extract-msg to read
subject, addresses, internet headers, body and attachments; no Outlook needed."""

from __future__ import annotations

import itertools
import struct

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF

PT_LONG, PT_UNICODE, PT_BINARY = 0x0003, 0x001F, 0x0102


def _sort_key(name: str):
	return (len(name), name.upper())


class _Entry:
	def __init__(self, name: str, kind: int, data: bytes = b""):
		self.name, self.kind, self.data = name, kind, data  # kind: 1 storage, 2 stream, 5 root
		self.children: list[_Entry] = []
		self.left = self.right = self.child = NO_STREAM
		self.start, self.size = END, 0


def compound_file(tree: dict) -> bytes:
	"""A compound file of `tree`: {name: bytes (a stream) or dict (a storage)}."""
	root = _Entry("Root Entry", 5)
	entries = [root]

	def add(parent: _Entry, items: dict) -> None:
		for name, value in items.items():
			entry = _Entry(
				name, 1 if isinstance(value, dict) else 2, b"" if isinstance(value, dict) else value
			)
			parent.children.append(entry)
			entries.append(entry)
			if isinstance(value, dict):
				add(entry, value)

	add(root, tree)
	index = {id(entry): number for number, entry in enumerate(entries)}
	for entry in entries:  # siblings as a chain of right children, in the order CFB compares names
		ordered = sorted(entry.children, key=lambda child: _sort_key(child.name))
		if ordered:
			entry.child = index[id(ordered[0])]
		for this, following in itertools.pairwise(ordered):
			this.right = index[id(following)]

	sectors: list[bytes] = []
	fat: list[int] = []

	def place(data: bytes) -> int:
		count = max(1, -(-len(data) // SECTOR))
		first = len(sectors)
		for number in range(count):
			sectors.append(data[number * SECTOR : (number + 1) * SECTOR].ljust(SECTOR, b"\0"))
			fat.append(first + number + 1 if number < count - 1 else END)
		return first

	mini_stream, mini_fat = b"", []
	for entry in entries[1:]:
		if entry.kind != 2:
			continue
		entry.size = len(entry.data)
		if not entry.data:
			continue
		if len(entry.data) >= MINI_CUTOFF:
			entry.start = place(entry.data)
		else:
			count = -(-len(entry.data) // MINI_SECTOR)
			entry.start = len(mini_fat)
			mini_fat.extend(entry.start + n + 1 if n < count - 1 else END for n in range(count))
			mini_stream += entry.data.ljust(count * MINI_SECTOR, b"\0")
	if mini_stream:
		root.start, root.size = place(mini_stream), len(mini_stream)
	mini_fat_start = place(b"".join(struct.pack("<I", value) for value in mini_fat)) if mini_fat else END
	mini_fat_sectors = -(-len(mini_fat) * 4 // SECTOR)

	directory = b""
	for entry in entries:
		name = entry.name.encode("utf-16-le") + b"\0\0"
		directory += struct.pack(
			"<64sHBBIII16sIQQIQ",
			name,
			len(name),
			entry.kind,
			1,  # black
			entry.left,
			entry.right,
			entry.child,
			b"\0" * 16,
			0,
			0,
			0,
			entry.start,
			entry.size,
		)
	while len(directory) % SECTOR:
		directory += struct.pack(
			"<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NO_STREAM, NO_STREAM, NO_STREAM, b"", 0, 0, 0, 0, 0
		)
	directory_start = place(directory)

	fat_count = 1
	while -(-(len(sectors) + fat_count) // (SECTOR // 4)) > fat_count:
		fat_count += 1
	fat_start = len(sectors)
	fat.extend([FAT_SECTOR] * fat_count)
	fat.extend([FREE] * (fat_count * SECTOR // 4 - len(fat)))
	fat_bytes = b"".join(struct.pack("<I", value) for value in fat)
	sectors.extend(fat_bytes[n * SECTOR : (n + 1) * SECTOR] for n in range(fat_count))

	difat = [fat_start + n for n in range(fat_count)] + [FREE] * (109 - fat_count)
	header = struct.pack(
		"<8s16sHHHHH6sIIIIIIIII",
		b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
		b"\0" * 16,
		0x003E,
		0x0003,
		0xFFFE,
		9,
		6,
		b"\0" * 6,
		0,
		fat_count,
		directory_start,
		0,
		MINI_CUTOFF,
		mini_fat_start,
		mini_fat_sectors,
		END,
		0,
	) + b"".join(struct.pack("<I", value) for value in difat)
	return header + b"".join(sectors)


def _unicode(tag: int) -> str:
	return f"__substg1.0_{tag:04X}{PT_UNICODE:04X}"


def _properties(header: bytes, fixed: dict[int, int], variable: dict[tuple[int, int], bytes]) -> bytes:
	rows = b""
	for tag, value in fixed.items():
		rows += struct.pack("<IIiI", (tag << 16) | PT_LONG, 6, value, 0)
	for (tag, kind), data in variable.items():
		size = len(data) + (2 if kind == PT_UNICODE else 0)
		rows += struct.pack("<IIII", (tag << 16) | kind, 6, size, 0)
	return header + rows


def outlook_message(
	subject: str,
	sender: tuple[str, str],
	to: list[tuple[str, str]],
	body: str,
	internet_headers: str | None = None,
	attachments: list[tuple[str, str, bytes]] = (),
) -> bytes:
	"""A .msg file of a mail: sender and recipients as (name, address), attachments as
	(file name, MIME type, bytes), `internet_headers` the header block Outlook keeps."""
	strings = {0x001A: "IPM.Note", 0x0037: subject, 0x0C1A: sender[0], 0x0C1F: sender[1], 0x1000: body}
	strings[0x0E04] = "; ".join(name for name, _ in to)  # PR_DISPLAY_TO
	strings[0x0065] = sender[1]  # PR_SENT_REPRESENTING_EMAIL_ADDRESS
	strings[0x0042] = sender[0]
	if internet_headers:
		strings[0x007D] = internet_headers
	tree: dict = {_unicode(tag): value.encode("utf-16-le") for tag, value in strings.items()}
	tree["__properties_version1.0"] = _properties(
		struct.pack("<8sIIII8s", b"", len(to), len(attachments), len(to), len(attachments), b""),
		{},
		{(tag, PT_UNICODE): value.encode("utf-16-le") for tag, value in strings.items()},
	)
	tree["__nameid_version1.0"] = {
		f"__substg1.0_{number:04X}0102": b"" for number in (0x0002, 0x0003, 0x0004)
	}
	for number, (name, address) in enumerate(to):
		recipient = {
			_unicode(0x3001): name.encode("utf-16-le"),
			_unicode(0x3003): address.encode("utf-16-le"),
		}
		recipient[_unicode(0x39FE)] = address.encode("utf-16-le")  # PR_SMTP_ADDRESS
		recipient["__properties_version1.0"] = _properties(
			b"\0" * 8,
			{0x0C15: 1},  # PR_RECIPIENT_TYPE: To
			{
				(0x3001, PT_UNICODE): name.encode("utf-16-le"),
				(0x3003, PT_UNICODE): address.encode("utf-16-le"),
			},
		)
		tree[f"__recip_version1.0_#{number:08X}"] = recipient
	for number, (file_name, mime_type, data) in enumerate(attachments):
		attachment = {
			f"__substg1.0_3701{PT_BINARY:04X}": data,
			_unicode(0x3707): file_name.encode("utf-16-le"),
			_unicode(0x3704): file_name.encode("utf-16-le"),
			_unicode(0x370E): mime_type.encode("utf-16-le"),
		}
		attachment["__properties_version1.0"] = _properties(
			b"\0" * 8,
			{0x3705: 1, 0x0E20: len(data)},  # PR_ATTACH_METHOD by value, PR_ATTACH_SIZE
			{(0x3701, PT_BINARY): data, (0x3707, PT_UNICODE): file_name.encode("utf-16-le")},
		)
		tree[f"__attach_version1.0_#{number:08X}"] = attachment
	return compound_file(tree)
