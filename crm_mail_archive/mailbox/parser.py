"""MIME parsing into plain dataclasses. Frappe-free: standard library only.

`parse_message` reads raw RFC 5322 bytes with `email` (policy.default) and tolerates what real
mailboxes hold: encoded words in any charset (also split across folded lines), unknown charsets,
8-bit headers, garbled address lists, broken base64 and quoted-printable, deep nesting. Whatever
had to be repaired is noted in `ParsedMail.defects`. Nothing here raises on a broken mail except
MailParseError for input with no mail in it (empty or only whitespace).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.parser
import email.policy
import email.utils
import hashlib
import quopri
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
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

BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
MAX_FILENAME_LENGTH = 140  # Frappe's File.file_name is a Data field

_EXTENSIONS = {
	"application/json": ".json",
	"application/msword": ".doc",
	"application/pdf": ".pdf",
	"application/pgp-signature": ".asc",
	"application/pkcs7-signature": ".p7s",
	"application/x-pkcs7-signature": ".p7s",
	"application/vnd.ms-excel": ".xls",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
	"application/xml": ".xml",
	"application/zip": ".zip",
	"audio/mpeg": ".mp3",
	"image/bmp": ".bmp",
	"image/gif": ".gif",
	"image/jpeg": ".jpg",
	"image/png": ".png",
	"image/svg+xml": ".svg",
	"image/tiff": ".tif",
	"image/webp": ".webp",
	"message/delivery-status": ".txt",
	"message/rfc822": ".eml",
	"text/calendar": ".ics",
	"text/csv": ".csv",
	"text/html": ".html",
	"text/plain": ".txt",
	"text/rfc822-headers": ".txt",
	"text/vcard": ".vcf",
	"text/x-vcard": ".vcf",
	"video/mp4": ".mp4",
}
_EMBEDDED_MESSAGE_TYPES = {"message/rfc822", "message/global", "message/news"}

_ENCODED_WORD = r"=\?[^?\s]+\?[bBqQ]\?[^?]*\?="
_ENCODED_WORD_PARTS = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_ENCODED_WORD_RUN = re.compile(rf"{_ENCODED_WORD}(?:\s*{_ENCODED_WORD})*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MSG_ID = re.compile(r"<([^<>]*)>")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_BAD_QP_ESCAPE = re.compile(rb"=(?![0-9A-Fa-f]{2}|[ \t]*(?:\r\n|\r|\n|$))")

# Writes a parsed message back as it came in: headers as in the source, not refolded.
_AS_RECEIVED = email.policy.default.clone(refold_source="none", linesep="\r\n")


class MailParseError(Exception):
	"""The bytes hold nothing that could be made into a mail."""


@dataclass(frozen=True)
class Address:
	email: str
	name: str = ""


@dataclass
class Attachment:
	filename: str
	content_type: str
	size: int
	content: bytes | None
	content_id: str | None
	inline: bool
	oversized: bool


@dataclass
class ParsedMail:
	message_id: str | None
	in_reply_to: str | None
	references: list[str]
	subject: str
	from_address: Address | None
	reply_to: list[Address]
	to: list[Address]
	cc: list[Address]
	bcc: list[Address]
	date: datetime | None
	text: str
	html: str | None
	attachments: list[Attachment]
	list_unsubscribe: bool
	precedence: str | None
	auto_submitted: str | None
	raw_size: int
	content_hash: str
	defects: list[str] = field(default_factory=list)

	@property
	def is_bulk(self) -> bool:
		# header values may carry parameters or comments: "auto-replied; owner-email=..."
		precedence = re.split(r"[\s;(]", self.precedence or "", maxsplit=1)[0]
		auto_submitted = re.split(r"[\s;(]", self.auto_submitted or "", maxsplit=1)[0]
		return (
			self.list_unsubscribe
			or precedence in BULK_PRECEDENCE
			or (self.auto_submitted is not None and auto_submitted != "no")
		)


# --- addresses ---------------------------------------------------------------------------------


def _strip_address(value: str) -> str:
	while True:
		stripped = value.strip().strip("<>")
		if stripped == value:
			return value
		value = stripped


def normalize_address(value: str) -> str | None:
	"""Lower-cased address with an IDNA (xn--) domain, or None when it is no address."""
	if not isinstance(value, str):
		return None
	value = _strip_address(value)
	if value.count("@") != 1 or any(ch.isspace() for ch in value):
		return None
	local, domain = value.lower().split("@")
	if not local or not domain:
		return None
	if not domain.isascii():
		try:
			domain = domain.encode("idna").decode("ascii").lower()
		except (UnicodeError, ValueError):
			return None
	normalized = f"{local}@{domain}"
	if (
		not domain
		or normalized.count("@") != 1
		or normalized != _strip_address(normalized)
		or any(ch.isspace() for ch in normalized)
	):
		return None
	return normalized


def parse_addresses(value: str | None) -> list[Address]:
	"""Addresses of one header value (raw or unfolded); invalid entries are skipped."""
	if not value or not isinstance(value, str):
		return []
	defects: list[str] = []
	return _parse_address_list(_header_value(value, "Address", defects), "Address", defects)


def _parse_address_list(value: str, where: str, defects: list[str]) -> list[Address]:
	found: list[tuple[str, str]] = []
	problems: list[str] = []
	failed = False
	try:
		header = email.policy.default.header_factory("to", _reencode_words(value, where, defects))
		for address in header.addresses:
			found.append((address.display_name or "", address.addr_spec))
		problems = [_describe_defect(defect) for defect in header.defects]
	except Exception as error:
		failed = True
		defects.append(f"{where}: unparseable address list ({_describe_error(error)}); read leniently")
	try:
		lenient = email.utils.getaddresses([value])
	except Exception:
		lenient = []
	if problems:
		defects.append(f"{where}: {'; '.join(problems)}")

	result: dict[str, Address] = {}
	lenient_names: dict[str, str] = {}
	for name, address in lenient:
		normalized = normalize_address(address)
		if normalized and name and normalized not in lenient_names:
			lenient_names[normalized] = _display_name(name, where, defects)

	def add(name: str, address: str) -> bool:
		normalized = normalize_address(address)
		if not normalized or normalized in result:
			return False
		name = _display_name(name, where, defects) or lenient_names.get(normalized, "")
		result[normalized] = Address(email=normalized, name=name)
		return True

	for name, address in found:
		add(name, address)
	if failed or problems:
		# an encoded word is never part of an address: the lenient parser just does not decode it
		recovered = sum(add(name, address) for name, address in lenient if "=?" not in address)
		if recovered and not failed:
			defects.append(f"{where}: {recovered} address(es) recovered by the lenient parser")
	return list(result.values())


def _display_name(name: str, where: str, defects: list[str]) -> str:
	name = _unsurrogate(name or "")
	if "=?" in name:
		name = _decode_words(name, where, defects)
	return " ".join(name.split())


# --- header text -------------------------------------------------------------------------------


def _unsurrogate(text: str) -> str:
	"""Undo surrogateescape (8-bit bytes kept by `email`) reading the bytes as UTF-8."""
	if text.isascii():
		return text
	try:
		return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
	except UnicodeError:
		return text.encode("utf-8", "replace").decode("utf-8")


def _header_value(value: str, where: str, defects: list[str]) -> str:
	"""Unfold a raw header value and read undeclared 8-bit bytes in it as UTF-8."""
	value = _LINE_BREAK.sub("", value)
	if value.isascii():
		return value
	try:
		data = value.encode("utf-8", "surrogateescape")
	except UnicodeError:
		data = value.encode("utf-8", "replace")
	try:
		return data.decode("utf-8")
	except UnicodeDecodeError:
		defects.append(f"{where}: 8-bit header bytes that are not UTF-8 were replaced")
		return data.decode("utf-8", "replace")


class _Headers:
	"""Raw header values of one message or part, unfolded and 8-bit decoded on access."""

	def __init__(self, message: Message | None, defects: list[str], where: str = ""):
		self._values: dict[str, list[str]] = {}
		self._defects = defects
		self._where = where
		if message is None:
			return
		try:
			items = list(message.raw_items())
		except Exception:
			items = list(getattr(message, "_headers", []) or [])
		for name, value in items:
			try:
				self._values.setdefault(str(name).strip().lower(), []).append(
					value if isinstance(value, str) else str(value)
				)
			except Exception:
				continue

	def __contains__(self, name: str) -> bool:
		return name.lower() in self._values

	def all(self, name: str) -> list[str]:
		label = f"{self._where}{name}"
		return [_header_value(value, label, self._defects) for value in self._values.get(name.lower(), [])]

	def first(self, name: str) -> str | None:
		values = self._values.get(name.lower())
		return _header_value(values[0], f"{self._where}{name}", self._defects) if values else None

	def token(self, name: str) -> str:
		"""Lower-cased first token (before any ";" parameters) of the first value, or ""."""
		return (self.first(name) or "").split(";")[0].strip().lower()


def _decode_words(value: str, where: str, defects: list[str]) -> str:
	"""Decode every RFC 2047 encoded word. Whitespace between adjacent encoded words is dropped
	and adjacent words in one charset are joined before decoding, so a character split between
	two words survives; each run is decoded with its own charset."""
	if "=?" not in value:
		return value
	out: list[str] = []
	run_charset: str | None = None
	run = bytearray()

	def flush() -> None:
		if run_charset is not None:
			out.append(_decode_bytes(bytes(run), run_charset, where, defects))
		run.clear()

	last = 0
	for match in _ENCODED_WORD_PARTS.finditer(value):
		between = value[last : match.start()]
		charset = match.group(1).split("*", 1)[0].lower()
		data = _decode_word_payload(match.group(2), match.group(3), where, defects)
		if data is None:  # nothing decodes: keep the word as it stands
			flush()
			out.append(between + match.group(0))
			run_charset = None
			last = match.end()
			continue
		if run_charset is not None and (not between or between.isspace()):
			if charset != run_charset:
				flush()
				run_charset = charset
		else:
			flush()
			out.append(between)
			run_charset = charset
		run.extend(data)
		last = match.end()
	flush()
	out.append(value[last:])
	return "".join(out)


def _decode_word_payload(encoding: str, text: str, where: str, defects: list[str]) -> bytes | None:
	data = text.encode("utf-8", "surrogateescape") if text.isascii() else _unsurrogate(text).encode()
	if encoding.lower() == "q":
		return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data.replace(b"_", b" "))
	decoded, broken = _b64decode(data)
	if broken:
		defects.append(f"{where}: broken base64 in an encoded word; decoded what could be")
		if not decoded and data.strip():
			return None
	return decoded


def _reencode_words(value: str, where: str, defects: list[str]) -> str:
	"""Replace each run of encoded words by one UTF-8 encoded word of its decoded text, so that
	the structured header parser sees known charsets and no gaps between adjacent words."""
	if "=?" not in value:
		return value

	def replace(match: re.Match) -> str:
		text = _decode_words(match.group(0), where, defects)
		return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8", "replace")).decode("ascii") + "?="

	return _ENCODED_WORD_RUN.sub(replace, value)


# --- charsets and transfer encodings -----------------------------------------------------------


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


def _decode_bytes(data: bytes, charset: str | None, where: str, defects: list[str]) -> str:
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


def _b64decode(data: bytes) -> tuple[bytes, bool]:
	"""Decode base64 leniently: (what decodes, whether anything was broken)."""
	cleaned = re.sub(rb"[^A-Za-z0-9+/=]", b"", data)
	junk = len(cleaned) != len(re.sub(rb"\s", b"", data))
	if not junk:
		try:
			return base64.b64decode(cleaned, validate=True), False
		except (binascii.Error, ValueError):
			pass
	decoded = bytearray()
	# "=" ends a block; concatenated blocks, each padded, are decoded one by one
	for block in re.split(rb"=+", cleaned):
		if len(block) % 4 == 1:
			block = block[:-1]  # one dangling character carries no whole byte
		if not block:
			continue
		try:
			decoded += base64.b64decode(block + b"=" * (-len(block) % 4))
		except (binascii.Error, ValueError):
			continue
	return bytes(decoded), True


def _raw_payload(part: Message) -> bytes:
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


def _transfer_decoded(part: Message, headers: _Headers, where: str, defects: list[str]) -> bytes:
	raw = _raw_payload(part)
	encoding = headers.token("Content-Transfer-Encoding")
	if encoding == "base64":
		data, broken = _b64decode(raw)
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


def _content_type(part: Message) -> str:
	try:
		return part.get_content_type()
	except Exception:
		return "application/octet-stream"


def _content_charset(part: Message) -> str | None:
	try:
		charset = part.get_content_charset()
	except Exception:
		return None
	return str(charset) if charset else None


def _normalize_newlines(text: str) -> str:
	return text.replace("\r\n", "\n").replace("\r", "\n")


def _describe_defect(defect: object) -> str:
	name = type(defect).__name__.removesuffix("Defect")
	label = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower() or "defect"
	detail = _unsurrogate(str(defect)).strip() if str(defect) else ""
	return f"{label}: {detail}" if detail and detail.lower() != label else label


def _describe_error(error: BaseException) -> str:
	return f"{type(error).__name__}: {_unsurrogate(str(error))[:200]}"


# --- structure ---------------------------------------------------------------------------------


def _clean_filename(name: str | None) -> str:
	if not name:
		return ""
	name = _unsurrogate(str(name))
	name = "".join(ch if ch.isprintable() else " " for ch in name)
	name = " ".join(name.replace("/", "_").replace("\\", "_").split()).strip(" .")
	return fit_file_name(name)


def fit_file_name(name: str, length: int = MAX_FILENAME_LENGTH) -> str:
	"""At most `length` characters, keeping a short extension."""
	if len(name) <= length:
		return name
	stem, dot, extension = name.rpartition(".")
	if dot and stem and 0 < len(extension) <= 10:
		return stem[: length - len(extension) - 1].rstrip() + "." + extension
	return name[:length].rstrip()


def _part_filename(part: Message, where: str, defects: list[str]) -> str:
	try:
		name = part.get_filename()
	except Exception as error:
		defects.append(f"{where}: unreadable filename ({_describe_error(error)})")
		return ""
	if not name:
		return ""
	name = _unsurrogate(str(name))
	if "=?" in name:
		name = _decode_words(name, where, defects)
	return _clean_filename(name)


def _generate(message: Message, where: str, defects: list[str]) -> bytes:
	"""A parsed message as bytes, headers as received."""
	for policy in (_AS_RECEIVED, email.policy.compat32):
		try:
			return message.as_bytes(policy=policy)
		except Exception:
			continue
	defects.append(f"{where}: embedded message could not be written back; kept empty")
	return b""


@dataclass
class _Found:
	attachment: Attachment
	disposition: str


class _Body:
	"""Collects body texts and attachments while walking the MIME tree."""

	def __init__(self, max_attachment_size: int, defects: list[str]):
		self.max_attachment_size = max_attachment_size
		self.defects = defects
		self.texts: list[str] = []
		self.htmls: list[str] = []
		self.found: list[_Found] = []

	def walk(self, message: Message) -> None:
		"""Depth-first in document order, without recursion (any depth of nesting)."""
		stack: list[Message] = [message]
		index = 0
		while stack:
			part = stack.pop()
			where = "message" if index == 0 else f"part {index} ({_content_type(part)})"
			index += 1
			for defect in getattr(part, "defects", None) or []:
				self.defects.append(f"{where}: {_describe_defect(defect)}")
			try:
				payload = part.get_payload() if part.is_multipart() else None
				if payload is not None and not _content_type(part).startswith("message/"):
					stack.extend(reversed([sub for sub in payload if isinstance(sub, Message)]))
					continue
				self.add(part, where)
			except Exception as error:
				self.defects.append(f"{where}: could not be read ({_describe_error(error)})")

	def add(self, part: Message, where: str) -> None:
		headers = _Headers(part, self.defects, f"{where} ")
		content_type = _content_type(part)
		disposition = headers.token("Content-Disposition")
		filename = _part_filename(part, where, self.defects)
		if content_type.startswith("message/"):
			self.add_message(part, headers, content_type, filename, disposition, where)
			return
		is_text_body = (
			content_type in ("text/plain", "text/html") and not filename and disposition != "attachment"
		)
		if content_type.startswith("multipart/") and not filename and disposition != "attachment":
			self.defects.append(f"{where}: multipart without parts, read as text")
			is_text_body = True
		if is_text_body:
			data = _transfer_decoded(part, headers, where, self.defects)
			charset = _content_charset(part)
			if charset is None and content_type == "text/html":
				match = _META_CHARSET.search(data[:4096])
				charset = match.group(1).decode("ascii") if match else None
			text = _normalize_newlines(_decode_bytes(data, charset, where, self.defects))
			(self.htmls if content_type == "text/html" else self.texts).append(text)
			return
		content = _transfer_decoded(part, headers, where, self.defects)
		self.attach(headers, content_type, content, filename, disposition)

	def add_message(
		self, part: Message, headers: _Headers, content_type: str, filename: str, disposition: str, where: str
	) -> None:
		payload = part.get_payload()
		if isinstance(payload, list):
			blocks = [sub for sub in payload if isinstance(sub, Message)]
		else:
			blocks = []
		if content_type not in _EMBEDDED_MESSAGE_TYPES or len(blocks) != 1:
			if blocks:
				content = b"".join(_generate(block, where, self.defects) for block in blocks)
			else:
				content = _transfer_decoded(part, headers, where, self.defects)
			self.attach(headers, content_type, content, filename, disposition)
			return
		inner = blocks[0]
		content = _generate(inner, where, self.defects)
		encoding = headers.token("Content-Transfer-Encoding")
		if encoding in ("base64", "quoted-printable"):
			# not allowed for message/rfc822, but sent: what was parsed as the message is the
			# encoded text (base64 lines have no ":", so it all went into the body)
			body = content if inner.keys() else _raw_payload(inner)
			if encoding == "base64":
				content, _broken = _b64decode(body)
			else:
				content = quopri.decodestring(body)
			self.defects.append(f"{where}: embedded message with {encoding} transfer encoding")
			try:
				inner = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(content)
			except Exception:
				inner = Message()
		subject = _Headers(inner, self.defects, f"{where} inner ").first("Subject")
		subject = " ".join(_decode_words(subject or "", where, self.defects).split())
		name = _clean_filename(subject)
		if name:
			name = _clean_filename(name[: MAX_FILENAME_LENGTH - 4] + ".eml")
		self.attach(headers, content_type, content, name or filename, disposition, extension=".eml")

	def attach(
		self,
		headers: _Headers,
		content_type: str,
		content: bytes,
		filename: str,
		disposition: str,
		extension: str | None = None,
	) -> None:
		index = len(self.found) + 1
		if not filename:
			filename = f"attachment-{index}{extension or _EXTENSIONS.get(content_type, '.bin')}"
		content_id = "".join((headers.first("Content-ID") or "").split()).strip("<>") or None
		oversized = len(content) > self.max_attachment_size
		attachment = Attachment(
			filename=filename,
			content_type=content_type,
			size=len(content),
			content=None if oversized else content,
			content_id=content_id,
			inline=False,
			oversized=oversized,
		)
		self.found.append(_Found(attachment, disposition))

	def attachments(self, html: str | None) -> list[Attachment]:
		html_lower = (html or "").lower()
		result = []
		for found in self.found:
			attachment = found.attachment
			attachment.inline = found.disposition == "inline" or bool(
				attachment.content_id
				and attachment.content_type.startswith("image/")
				and f"cid:{attachment.content_id}".lower() in html_lower
			)
			result.append(attachment)
		return result


# --- headers of the mail -----------------------------------------------------------------------


def _message_ids(value: str | None) -> list[str]:
	if not value:
		return []
	found = ["".join(candidate.split()) for candidate in _MSG_ID.findall(value)]
	found = [candidate for candidate in found if candidate]
	if not found and "<" not in value:
		found = [token.strip("<>,;") for token in value.split() if "@" in token]
	return list(dict.fromkeys(candidate for candidate in found if candidate))


def _message_id(value: str | None) -> str | None:
	ids = _message_ids(value)
	if ids:
		return ids[0]
	value = (value or "").strip().strip("<>").strip()
	return value if value and not any(ch.isspace() for ch in value) else None


def _parse_date(value: str | None, defects: list[str]) -> datetime | None:
	value = (value or "").strip()
	if not value:
		return None
	try:
		parsed = email.utils.parsedate_to_datetime(value)
	except Exception:
		parsed = None
	if parsed is None:
		defects.append(f"Date: cannot parse {value[:100]!r}")
		return None
	try:
		if parsed.tzinfo is None:
			parsed = parsed.replace(tzinfo=timezone.utc)
		if 1970 <= parsed.year <= 2100:
			parsed = parsed.astimezone(timezone.utc)
			if 1970 <= parsed.year <= 2100:
				return parsed
	except (OverflowError, ValueError):
		pass
	defects.append(f"Date: implausible {value[:100]!r}")
	return None


def _lower_or_none(value: str | None) -> str | None:
	return " ".join((value or "").split()).lower() or None


def _content_hash(
	from_address: Address | None,
	to: list[Address],
	cc: list[Address],
	date_header: str | None,
	subject: str,
	text: str,
	html: str | None,
	attachments: list[Attachment],
) -> str:
	lines = [
		from_address.email if from_address else "",
		",".join(sorted(address.email for address in to + cc)),
		(date_header or "").strip(),
		subject,
		text,
		html or "",
	]
	lines += [f"{a.filename}:{a.size}:{hashlib.sha256(a.content or b'').hexdigest()}" for a in attachments]
	return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()


def _assemble(
	raw: bytes,
	headers: _Headers,
	texts: list[str],
	htmls: list[str],
	body: _Body | None,
	defects: list[str],
) -> ParsedMail:
	def addresses(name: str) -> list[Address]:
		values = headers.all(name)
		return _parse_address_list(", ".join(values), name, defects) if values else []

	subject = " ".join(_decode_words(headers.first("Subject") or "", "Subject", defects).split())
	from_list = addresses("From")
	to, cc = addresses("To"), addresses("Cc")
	date_header = headers.first("Date")
	text = "\n".join(part for part in texts if part)
	html = "\n".join(part for part in htmls if part) if htmls else None
	attachments = body.attachments(html) if body else []
	from_address = from_list[0] if from_list else None
	return ParsedMail(
		message_id=_message_id(headers.first("Message-ID")),
		in_reply_to=next(iter(_message_ids(headers.first("In-Reply-To"))), None),
		references=_message_ids(" ".join(headers.all("References"))),
		subject=subject,
		from_address=from_address,
		reply_to=addresses("Reply-To"),
		to=to,
		cc=cc,
		bcc=addresses("Bcc"),
		date=_parse_date(date_header, defects),
		text=text,
		html=html,
		attachments=attachments,
		list_unsubscribe="List-Unsubscribe" in headers,
		precedence=_lower_or_none(headers.first("Precedence")),
		auto_submitted=_lower_or_none(headers.first("Auto-Submitted")),
		raw_size=len(raw),
		content_hash=_content_hash(from_address, to, cc, date_header, subject, text, html, attachments),
		defects=list(dict.fromkeys(defects)),
	)


# --- entry point -------------------------------------------------------------------------------


def parse_message(raw: bytes, max_attachment_size: int = 25 * 1024 * 1024) -> ParsedMail:
	"""Parse one mail. Raises MailParseError only for empty input; anything else, however
	broken, gives a ParsedMail whose `defects` say what was repaired."""
	if isinstance(raw, str):
		raw = raw.encode("utf-8", "surrogateescape")
	if not raw or not bytes(raw).strip():
		raise MailParseError("empty message")
	raw = bytes(raw)
	defects: list[str] = []
	try:
		return _parse_mime(raw, max_attachment_size, defects)
	except Exception as error:
		defects.append(f"MIME structure unreadable ({_describe_error(error)}); body read as plain text")
	try:
		return _parse_plain(raw, defects)
	except Exception as error:
		defects.append(f"headers unreadable ({_describe_error(error)})")
	return _assemble(raw, _Headers(None, defects), [raw.decode("utf-8", "replace")], [], None, defects)


def _parse_mime(raw: bytes, max_attachment_size: int, defects: list[str]) -> ParsedMail:
	try:
		message = email.message_from_bytes(raw, policy=email.policy.default)
	except Exception as error:
		defects.append(f"message read with the compat32 parser ({_describe_error(error)})")
		message = email.message_from_bytes(raw, policy=email.policy.compat32)
	body = _Body(max_attachment_size, defects)
	body.walk(message)
	return _assemble(raw, _Headers(message, defects), body.texts, body.htmls, body, defects)


def _parse_plain(raw: bytes, defects: list[str]) -> ParsedMail:
	"""Headers only, the rest as one text: for mails the MIME parser cannot take (nesting
	deeper than the interpreter's recursion limit)."""
	message = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
	text = _decode_bytes(_raw_payload(message), "utf-8", "body", defects)
	return _assemble(raw, _Headers(message, defects), [_normalize_newlines(text)], [], None, defects)
