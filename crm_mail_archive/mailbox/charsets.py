"""Bytes into text for mail parsing. Frappe-free: standard library only.

Charset labels and their aliases, decoding with fallbacks (declared charset, then UTF-8, then
replacement characters noted as a defect), transfer decoding of a MIME part (lenient base64,
quoted-printable with invalid escapes kept, uuencode), newline normalization, and the readable
text of surrogate-escaped bytes, `email` defects and errors for the defect notes.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from email.message import Message

# Charset labels seen in real mail that Python does not know, or knows under another name.
CHARSET_ALIASES = {
	"utf8mb4": "utf-8",
	"utf8mb3": "utf-8",
	"windows-874": "cp874",
	"x-windows-874": "cp874",
	"iso-8859-8-i": "iso-8859-8",
	"iso-8859-8-e": "iso-8859-8",
	"iso-8859-6-i": "iso-8859-6",
	"iso-8859-6-e": "iso-8859-6",
	"ks_c_5601-1987": "cp949",
	"gb2312": "gbk",
	"x-gbk": "gbk",
	"x-sjis": "shift_jis",
	"x-mac-roman": "mac_roman",
	"x-mac-cyrillic": "mac_cyrillic",
	"unicode-1-1-utf-7": "utf-7",
}
# Python codecs that are no mail charset: a label naming one is treated as unknown.
_NOT_MAIL_CODECS = {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "mbcs", "oem"}

# For bytes.translate(None, delete), far faster on attachments than a regular expression: the
# bytes that are no base64 (re [^A-Za-z0-9+/=]) and the ASCII whitespace (re \s of bytes).
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_BASE64 = bytes(byte for byte in range(256) if byte not in _BASE64_ALPHABET)
_ASCII_WHITESPACE = b" \t\n\r\x0b\x0c"
_BASE64_PADDING = re.compile(rb"=+")

_BAD_QP_ESCAPE = re.compile(rb"=(?![0-9A-Fa-f]{2}|[ \t]*(?:\r\n|\r|\n|$))")
_CAMEL_CASE_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def unsurrogate(text: str) -> str:
	"""Undo surrogateescape (8-bit bytes kept by `email`) reading the bytes as UTF-8."""
	if text.isascii():
		return text
	try:
		return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
	except UnicodeError:
		return text.encode("utf-8", "replace").decode("utf-8")


def _resolve_charset(name: str | None) -> str | None:
	"""The Python codec for a charset label, or None when it names no usable text charset."""
	if not name:
		return None
	label = name.strip().strip("\"'").lower()
	label = CHARSET_ALIASES.get(label, label)
	try:
		info = codecs.lookup(label)
	except Exception:
		return None
	if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_MAIL_CODECS:
		return None
	return info.name


def decode_bytes(data: bytes, charset: str | None, where: str, defects: list[str]) -> str:
	"""Declared charset (through the alias map); else UTF-8; replacement characters only as a
	last resort, and then noted as a defect."""
	codec = _resolve_charset(charset)
	if charset and codec is None:
		defects.append(f"{where}: unknown charset {charset!r}, read as UTF-8")
	if codec:
		try:
			return data.decode(codec)
		except Exception:
			pass
		if codec != "utf-8":
			try:
				text = data.decode("utf-8")
			except UnicodeDecodeError:
				pass
			else:
				defects.append(f"{where}: text is not valid {charset}, read as UTF-8")
				return text
		try:
			text = data.decode(codec, "replace")
		except Exception:
			pass
		else:
			defects.append(f"{where}: bytes not valid in {charset} were replaced")
			return text
	else:
		try:
			return data.decode("utf-8")
		except UnicodeDecodeError:
			pass
	try:
		text = data.decode("utf-8", "replace")
	except Exception:
		return data.decode("latin-1")
	defects.append(f"{where}: undecodable bytes were replaced (read as UTF-8)")
	return text


def b64decode(data: bytes) -> tuple[bytes, bool]:
	"""Decode base64 leniently: (what decodes, whether anything was broken)."""
	cleaned = data.translate(None, _NOT_BASE64)
	junk = len(cleaned) != len(data.translate(None, _ASCII_WHITESPACE))
	if not junk:
		try:
			return base64.b64decode(cleaned, validate=True), False
		except (binascii.Error, ValueError):
			pass
	decoded = bytearray()
	# "=" ends a block; concatenated blocks, each padded, are decoded one by one
	for block in _BASE64_PADDING.split(cleaned):
		if len(block) % 4 == 1:
			block = block[:-1]  # one dangling character carries no whole byte
		if not block:
			continue
		try:
			decoded += base64.b64decode(block + b"=" * (-len(block) % 4))
		except (binascii.Error, ValueError):
			continue
	return bytes(decoded), True


def raw_payload(part: Message) -> bytes:
	payload = getattr(part, "_payload", None)
	if payload is None:
		return b""
	if isinstance(payload, bytes | bytearray):
		return bytes(payload)
	if not isinstance(payload, str):
		return b""
	try:
		return payload.encode("ascii", "surrogateescape")
	except UnicodeError:
		return payload.encode("utf-8", "surrogateescape")


def transfer_decoded(part: Message, encoding: str, where: str, defects: list[str]) -> bytes:
	"""The part's payload undone from its transfer encoding (the lower-cased first token of its
	Content-Transfer-Encoding; anything unknown is taken as it stands)."""
	raw = raw_payload(part)
	if encoding == "base64":
		data, broken = b64decode(raw)
		if broken:
			defects.append(f"{where}: broken base64, decoded what could be ({len(data)} bytes)")
		return data
	if encoding == "quoted-printable":
		if _BAD_QP_ESCAPE.search(raw):
			defects.append(f"{where}: invalid quoted-printable escape kept as is")
		return quopri.decodestring(raw)
	if encoding in ("x-uuencode", "uuencode", "uue", "x-uue"):
		try:
			data = part.get_payload(decode=True)
		except Exception:
			data = None
		if isinstance(data, bytes):
			return data
		defects.append(f"{where}: undecodable uuencode, kept as is")
	return raw


def normalize_newlines(text: str) -> str:
	return text.replace("\r\n", "\n").replace("\r", "\n")


def describe_defect(defect: object) -> str:
	name = type(defect).__name__.removesuffix("Defect")
	label = _CAMEL_CASE_BOUNDARY.sub(" ", name).lower() or "defect"
	detail = unsurrogate(str(defect)).strip() if str(defect) else ""
	return f"{label}: {detail}" if detail and detail.lower() != label else label


def describe_error(error: BaseException) -> str:
	return f"{type(error).__name__}: {unsurrogate(str(error))[:200]}"
