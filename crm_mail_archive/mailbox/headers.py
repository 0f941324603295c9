"""Header values of a mail. Frappe-free: standard library only.

Raw values unfolded and their undeclared 8-bit bytes read as UTF-8 (`Headers`), RFC 2047
encoded words decoded in any charset, also when split across words (`decode_words`) or
re-encoded as UTF-8 for the structured header parser (`reencode_words`), Message-ID lists and
the Date header; and the `email` policy the MIME tree is parsed with (`PARSE_POLICY`).
"""

from __future__ import annotations

import base64
import email.utils
import re
from datetime import datetime, timezone
from email.message import Message
from email.policy import EmailPolicy

from crm_mail_archive.mailbox.charsets import b64decode, decode_bytes, unsurrogate

_ENCODED_WORD = r"=\?[^?\s]+\?[bBqQ]\?[^?]*\?="
_ENCODED_WORD_PARTS = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_ENCODED_WORD_RUN = re.compile(rf"{_ENCODED_WORD}(?:\s*{_ENCODED_WORD})*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MSG_ID = re.compile(r"<([^<>]*)>")
_Q_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")


# --- header text -------------------------------------------------------------------------------


def header_value(value: str, where: str, defects: list[str]) -> str:
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


class Headers:
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
		return [header_value(value, label, self._defects) for value in self._values.get(name.lower(), [])]

	def first(self, name: str) -> str | None:
		values = self._values.get(name.lower())
		return header_value(values[0], f"{self._where}{name}", self._defects) if values else None

	def token(self, name: str) -> str:
		"""Lower-cased first token (before any ";" parameters) of the first value, or ""."""
		return (self.first(name) or "").split(";")[0].strip().lower()


# --- Content-Type and Content-Disposition as `email` reads them --------------------------------

# policy.default reads these headers through its header registry: a full RFC 2045/2231 parse,
# most of the time `email` takes for a mail (the feed parser asks for the content type of each
# part several times, and each time the header is parsed again). Its text, which is what
# Message.get() gives and get_content_type(), get_param(), get_filename() and the boundary
# lookup work on, is the type as written followed by the parameters written anew:
# `name="value"` joined by "; ", only the first of parameters with the same name, a parameter
# with an empty value as its bare name. For a value in the plain form below that text is built
# here; anything else (comments, RFC 2231 sections and charsets, encoded words, backslashes,
# 8-bit or control characters, a parameter without "=") goes through the registry as before.
# tests/unit/test_mailbox_parser.py checks the two against each other.
_TOKEN = r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+"  # RFC 2045 token: printable ASCII but tspecials
_MIME_TYPE = re.compile(rf"[ \t]*{_TOKEN}[ \t]*/[ \t]*{_TOKEN}[ \t]*(?=;|\Z)")
_DISPOSITION_TYPE = re.compile(rf"[ \t]*{_TOKEN}[ \t]*(?=;|\Z)")
# one entry of the parameter list up to and with its ";" (or the end): empty, or name=token
# or name="quoted" (no backslash, no quote). The name has no "*", "'" or "%" (RFC 2231), nor
# has a token value "*" or "'".
_MIME_PARAMETER = re.compile(
	r"[ \t]*(?:([!#$&+\-.0-9A-Z^_`a-z{|}~]+)[ \t]*=[ \t]*"
	r"""(?:"([ \t!#-\[\]-~]*)"|([!#$%&+\-.0-9A-Z^_`a-z{|}~]+))[ \t]*)?(?:;|\Z)"""
)
_PARAMETERIZED = {"content-type": _MIME_TYPE, "content-disposition": _DISPOSITION_TYPE}
_LINE_SEPARATOR = re.compile(r"\n|\r")  # as policy.default unfolds


def plain_parameterized_value(name: str, value: str) -> str | None:
	"""The text policy.default gives for an unfolded Content-Type or Content-Disposition value
	in the plain form, or None when the value is not in it."""
	head = _PARAMETERIZED[name.lower()].match(value)
	if head is None:
		return None
	if head.end() == len(value):
		return value
	parameters: dict[str, str] = {}
	position = head.end() + 1  # after the ";"
	while position < len(value):
		match = _MIME_PARAMETER.match(value, position)
		if match is None:
			return None
		parameter, quoted, token = match.groups()
		if quoted is not None and "=?" in quoted:
			return None  # policy.default decodes encoded words inside quotes
		if parameter is not None:
			parameters.setdefault(parameter, token if quoted is None else quoted)  # names as written
		position = match.end()
	written = "; ".join(
		f'{parameter}="{text}"' if text else parameter for parameter, text in parameters.items()
	)
	return value[: head.end()] + ";" + (" " + written if written else "")


class _ParsePolicy(EmailPolicy):
	"""policy.default, with plain Content-Type and Content-Disposition values read without the
	header registry. For them Message.get() gives a str instead of a header object: the same
	text, without the object's attributes such as `.params` (which nothing here uses)."""

	def header_fetch_parse(self, name, value):
		if name.lower() in _PARAMETERIZED and not hasattr(value, "name"):
			text = plain_parameterized_value(name, "".join(_LINE_SEPARATOR.split(value)))
			if text is not None:
				return text
		return super().header_fetch_parse(name, value)


PARSE_POLICY = _ParsePolicy()


# --- encoded words (RFC 2047) ------------------------------------------------------------------


def decode_words(value: str, where: str, defects: list[str]) -> str:
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
			out.append(decode_bytes(bytes(run), run_charset, where, defects))
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
	data = text.encode("utf-8", "surrogateescape") if text.isascii() else unsurrogate(text).encode()
	if encoding.lower() == "q":
		return _Q_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data.replace(b"_", b" "))
	decoded, broken = b64decode(data)
	if broken:
		defects.append(f"{where}: broken base64 in an encoded word; decoded what could be")
		if not decoded and data.strip():
			return None
	return decoded


def reencode_words(value: str, where: str, defects: list[str]) -> str:
	"""Replace each run of encoded words by one UTF-8 encoded word of its decoded text, so that
	the structured header parser sees known charsets and no gaps between adjacent words."""
	if "=?" not in value:
		return value

	def replace(match: re.Match) -> str:
		text = decode_words(match.group(0), where, defects)
		return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8", "replace")).decode("ascii") + "?="

	return _ENCODED_WORD_RUN.sub(replace, value)


# --- Message-ID and Date -----------------------------------------------------------------------


def message_ids(value: str | None) -> list[str]:
	if not value:
		return []
	found = ["".join(candidate.split()) for candidate in _MSG_ID.findall(value)]
	found = [candidate for candidate in found if candidate]
	if not found and "<" not in value:
		found = [token.strip("<>,;") for token in value.split() if "@" in token]
	return list(dict.fromkeys(candidate for candidate in found if candidate))


def message_id(value: str | None) -> str | None:
	ids = message_ids(value)
	if ids:
		return ids[0]
	value = (value or "").strip().strip("<>").strip()
	return value if value and not any(ch.isspace() for ch in value) else None


def parse_date(value: str | None, defects: list[str]) -> datetime | None:
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
