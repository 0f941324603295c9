"""Outlook data files for the tests (see README.md in this folder: where they come from, under
which licence, what each holds), unpacked where a test wants them; and a copy of one with one
item's bytes destroyed, made at run time (a damaged item, for quarantine)."""

from __future__ import annotations

import lzma
import shutil
from pathlib import Path

HERE = Path(__file__).parent / "outlook"
# the files' sha256, as published (the tests read what the README describes)
FILES = {
	"aspose-outlook.pst": "b11f87c5658a18adfbab2fe3de6ae359c6f65fc8bd6b3e45ac93d2da41ec13c3",
	"aspose-sample.ost": "5ff8bc133935a03fad8241f271a604e1cc41e36640d6538d6bcc9bd39e6d9866",
	"aspose-password-protected.pst": "c38cac8d409d95978d673fca3dd7eb1a29704545ba218aeeed539da5bc04c86f",
}
PAGE = 512  # a Unicode PST's b-tree page
ROOT_NBT, ROOT_BBT = 0xD8, 0xE8  # the header's references to the node and block b-trees


def outlook_file(name: str, directory: Path, as_name: str | None = None) -> Path:
	"""The file `name`, unpacked into `directory` (as `as_name`)."""
	target = directory / (as_name or name)
	with lzma.open(HERE / f"{name}.xz") as packed, target.open("wb") as out:
		shutil.copyfileobj(packed, out)
	return target


def with_damaged_item(path: Path, folder: str, index: int, target: Path) -> Path:
	"""A copy of a Unicode PST whose item number `index` (0-based) of `folder` ("Sent Items") has
	its property block overwritten: the file opens, the item does not read."""
	import pypff

	handle = pypff.file()
	handle.open(str(path))
	try:
		node = _folder(handle.root_folder, folder.split("/")).get_sub_message(index).identifier
	finally:
		handle.close()
	data = bytearray(path.read_bytes())
	assert data[:4] == b"!BDN" and int.from_bytes(data[10:12], "little") >= 23, "a Unicode PST"
	nbt = _leaf(data, int.from_bytes(data[ROOT_NBT + 8 : ROOT_NBT + 16], "little"), node)
	block = int.from_bytes(nbt[8:16], "little") & ~1
	bbt = _leaf(data, int.from_bytes(data[ROOT_BBT + 8 : ROOT_BBT + 16], "little"), block)
	offset, size = int.from_bytes(bbt[8:16], "little"), int.from_bytes(bbt[16:18], "little")
	data[offset : offset + size] = b"\xa5" * size
	target.write_bytes(bytes(data))
	return target


def _folder(folder, names: list[str]):
	for index in range(folder.number_of_sub_folders):
		child = folder.get_sub_folder(index)
		if child.name == names[0]:
			return _folder(child, names[1:]) if len(names) > 1 else child
		found = _folder(child, names) if child.number_of_sub_folders else None
		if found is not None:
			return found
	return None


def _leaf(data: bytearray, offset: int, key: int) -> bytes:
	"""The leaf entry of `key` in the b-tree whose page is at `offset` ([MS-PST] 2.2.2.7.7)."""
	page = data[offset : offset + PAGE]
	count, size, level = page[488], page[490], page[491]
	entries = [bytes(page[number * size : (number + 1) * size]) for number in range(count)]
	if level == 0:
		for entry in entries:
			if int.from_bytes(entry[:8], "little") == key:
				return entry
		raise KeyError(key)
	child = None
	for entry in entries:
		if int.from_bytes(entry[:8], "little") <= key:
			child = int.from_bytes(entry[16:24], "little")
	if child is None:
		raise KeyError(key)
	return _leaf(data, child, key)
