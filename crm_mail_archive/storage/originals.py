"""The original message, kept byte for byte, without storing its attachments twice.

A mail's attachments are saved as files of their own (storage/files.py). The original message
holds the same bytes again, base64-encoded; keeping both would store an attachment-heavy mailbox
almost twice. So the original is kept as a compressed *skeleton*: the message with the base64 text
of each saved attachment cut out, and for each cut where it was, which file holds the attachment
and how it was encoded (line length, line ending). Reading the original encodes the attachments
again and puts them back: exactly the received bytes, checked against the SHA-256 in the stored
name. A cut is made only where encoding the saved attachment again gives exactly the bytes of the
message, so any encoder's quirk just leaves that attachment in the skeleton.

Format of a skeleton file (`mail-<sha256 of the original>.emlz`): a first line "CMA-ORIGINAL-1",
a second line of JSON {"parts": [{"at": offset in the skeleton, "file": URL, "line": 76,
"eol": "\\r\\n", "end": true}]}, then the zlib-compressed skeleton. An original stored before
this format is a plain `.eml` file and is read as it is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass

MAGIC = b"CMA-ORIGINAL-1\n"
LINE_LENGTHS = (76, 72, 64, 60)
LINE_ENDINGS = (b"\r\n", b"\n")


@dataclass(frozen=True)
class SavedPart:
	content: bytes  # the decoded attachment
	file_url: str  # where it is saved


def encoded(content: bytes, line: int, eol: bytes, end: bool) -> bytes:
	text = base64.b64encode(content)
	lines = [text[start : start + line] for start in range(0, len(text), line)]
	return eol.join(lines) + (eol if end else b"")


def _find(raw: bytes, content: bytes, start: int) -> tuple[int, bytes, dict] | None:
	"""Where the part's base64 text lies in the message (after `start`), in which encoding."""
	if not content:
		return None
	for eol in LINE_ENDINGS:
		for line in LINE_LENGTHS:
			for end in (True, False):
				body = encoded(content, line, eol, end)
				at = raw.find(body, start)
				if at >= 0:
					return at, body, {"line": line, "eol": eol.decode(), "end": end}
	return None


def skeleton(raw: bytes, parts: list[SavedPart]) -> bytes:
	"""The stored form of an original message: compressed, its saved attachments cut out."""
	cuts = []
	position = 0
	for part in parts:
		found = _find(raw, part.content, position)
		if found:
			at, body, encoding = found
			cuts.append((at, len(body), {"file": part.file_url, **encoding}))
			position = at + len(body)
	cuts.sort(key=lambda cut: cut[0])
	pieces, index, described = [], 0, []
	skeleton_length = 0
	for at, length, description in cuts:
		pieces.append(raw[index:at])
		skeleton_length += at - index
		described.append({"at": skeleton_length, **description})
		index = at + length
	pieces.append(raw[index:])
	header = json.dumps({"parts": described}, separators=(",", ":")).encode()
	return MAGIC + header + b"\n" + zlib.compress(b"".join(pieces), 6)


def original(stored: bytes, read_file) -> bytes:
	"""The original message from its stored form; `read_file(url)` reads a saved attachment."""
	if not stored.startswith(MAGIC):
		return stored  # kept whole (before the skeleton format)
	header, _, compressed = stored[len(MAGIC) :].partition(b"\n")
	described = json.loads(header)["parts"]
	body = zlib.decompress(compressed)
	pieces, index = [], 0
	for part in described:
		pieces.append(body[index : part["at"]])
		pieces.append(encoded(read_file(part["file"]), part["line"], part["eol"].encode(), part["end"]))
		index = part["at"]
	pieces.append(body[index:])
	return b"".join(pieces)


def digest(raw: bytes) -> str:
	return hashlib.sha256(raw).hexdigest()
