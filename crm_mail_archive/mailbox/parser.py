"""MIME parsing into plain dataclasses. Frappe-free.

Parses with `email` (policy.default) and tolerates what real mailboxes hold: encoded words in
any charset, unknown charsets, 8-bit headers, garbled addresses, broken transfer encodings.
Nothing here raises on a broken mail except MailParseError for input with no mail in it.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.message import EmailMessage, Message

CHARSET_ALIASES = {
	"windows-874": "cp874",
	"utf8mb4": "utf-8",
	"x-unknown": "utf-8",
	"unicode-1-1-utf-7": "utf-7",
}
MSG_ID = re.compile(r"<([^<>\s]+)>")


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
		return (
			self.list_unsubscribe
			or self.precedence in ("bulk", "list", "junk")
			or (self.auto_submitted is not None and self.auto_submitted != "no")
		)


def normalize_address(value: str) -> str | None:
	value = (value or "").strip().strip("<>").strip()
	if value.count("@") != 1 or any(ch.isspace() for ch in value):
		return None
	local, domain = value.rsplit("@", 1)
	if not local or not domain:
		return None
	domain = domain.lower().rstrip(".")
	try:
		domain = domain.encode("idna").decode("ascii")
	except UnicodeError:
		if not domain.isascii():
			return None
	return f"{local.lower()}@{domain}"


def _decode_words(value: str) -> str:
	"""Decode every RFC 2047 word (also split across folded lines) of a raw header string."""
	try:
		return str(make_header(decode_header(value)))
	except Exception:
		return value


def _header_text(message: Message, name: str, defects: list[str]) -> str | None:
	try:
		value = message.get(name)
	except Exception as error:
		defects.append(f"{name}: {error}")
		raw = message._headers and next((v for k, v in message._headers if k.lower() == name.lower()), None)
		value = raw
	if value is None:
		return None
	text = str(value)
	if any("\udc80" <= ch <= "\udcff" for ch in text):
		# 8-bit bytes kept as surrogates by policy.default: read them as UTF-8, else Latin-1
		raw = text.encode("utf-8", "surrogateescape")
		try:
			text = raw.decode("utf-8")
		except UnicodeDecodeError:
			text = raw.decode("latin-1")
			defects.append(f"{name}: undeclared 8-bit header decoded as Latin-1")
	if "=?" in text:
		text = _decode_words(text)
	return text


def parse_addresses(value: str | None) -> list[Address]:
	if not value:
		return []
	seen, addresses = set(), []
	for name, address in email.utils.getaddresses([value]):
		normalized = normalize_address(address)
		if normalized and normalized not in seen:
			seen.add(normalized)
			addresses.append(Address(email=normalized, name=_decode_words(name).strip()))
	return addresses


def _message_ids(value: str | None) -> list[str]:
	if not value:
		return []
	found = MSG_ID.findall(value)
	if not found and value.strip():
		found = [value.strip().strip("<>")]
	return list(dict.fromkeys(found))


def _parse_date(value: str | None, defects: list[str]) -> datetime | None:
	if not value:
		return None
	try:
		parsed = email.utils.parsedate_to_datetime(value)
	except (TypeError, ValueError, IndexError):
		defects.append(f"Date: cannot parse {value!r}")
		return None
	if parsed is None:
		return None
	if parsed.tzinfo is None:
		parsed = parsed.replace(tzinfo=timezone.utc)
	parsed = parsed.astimezone(timezone.utc)
	if not 1970 <= parsed.year <= 2100:
		defects.append(f"Date: implausible {value!r}")
		return None
	return parsed


def _charset(part: Message) -> str:
	charset = (part.get_content_charset() or "utf-8").lower()
	return CHARSET_ALIASES.get(charset, charset)


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
	try:
		payload = part.get_payload(decode=True)
	except Exception as error:
		defects.append(f"{part.get_content_type()}: undecodable payload ({error})")
		payload = None
	if payload is None:
		raw = part.get_payload()
		payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
	for defect in getattr(part, "defects", []):
		defects.append(f"{part.get_content_type()}: {type(defect).__name__}")
	return payload


def _text_of(part: Message, defects: list[str]) -> str:
	payload = _payload_bytes(part, defects)
	charset = _charset(part)
	try:
		return payload.decode(charset)
	except LookupError:
		defects.append(f"unknown charset {charset!r}")
	except UnicodeDecodeError:
		defects.append(f"text not valid {charset}")
	try:
		return payload.decode("utf-8")
	except UnicodeDecodeError:
		return payload.decode("latin-1")


def _filename(part: Message) -> str | None:
	try:
		name = part.get_filename()
	except Exception:
		name = None
	return _decode_words(name) if name else None


def parse_message(raw: bytes, max_attachment_size: int = 25 * 1024 * 1024) -> ParsedMail:
	if not raw or not raw.strip():
		raise MailParseError("empty message")
	message: EmailMessage = email.message_from_bytes(raw, policy=email.policy.default)
	defects: list[str] = [type(defect).__name__ for defect in message.defects]

	def header(name: str) -> str | None:
		return _header_text(message, name, defects)

	texts: list[str] = []
	htmls: list[str] = []
	attachments: list[Attachment] = []
	for part in _leaf_parts(message):
		content_type = part.get_content_type()
		disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
		filename = _filename(part)
		if (
			content_type == "message/rfc822"
			or disposition == "attachment"
			or filename
			or not content_type.startswith("text/")
		):
			attachments.append(
				_attachment(part, filename, len(attachments) + 1, max_attachment_size, defects)
			)
		elif content_type == "text/html":
			htmls.append(_text_of(part, defects))
		else:
			texts.append(_text_of(part, defects))

	from_list = parse_addresses(header("From"))
	subject = " ".join((header("Subject") or "").split())
	date_header = header("Date")
	text = "\n".join(texts)
	html = "\n".join(htmls) if htmls else None
	to, cc = parse_addresses(header("To")), parse_addresses(header("Cc"))
	canonical = "\n".join(
		[
			from_list[0].email if from_list else "",
			",".join(sorted(a.email for a in to + cc)),
			(date_header or "").strip(),
			subject,
			text,
			html or "",
			*(f"{a.filename}:{a.size}:{hashlib.sha256(a.content or b'').hexdigest()}" for a in attachments),
		]
	)
	message_ids = _message_ids(header("Message-ID"))
	return ParsedMail(
		message_id=message_ids[0] if message_ids else None,
		in_reply_to=next(iter(_message_ids(header("In-Reply-To"))), None),
		references=_message_ids(header("References")),
		subject=subject,
		from_address=from_list[0] if from_list else None,
		reply_to=parse_addresses(header("Reply-To")),
		to=to,
		cc=cc,
		bcc=parse_addresses(header("Bcc")),
		date=_parse_date(date_header, defects),
		text=text,
		html=html,
		attachments=attachments,
		list_unsubscribe=header("List-Unsubscribe") is not None,
		precedence=(header("Precedence") or "").strip().lower() or None,
		auto_submitted=(header("Auto-Submitted") or "").strip().lower().split(";")[0] or None,
		raw_size=len(raw),
		content_hash=hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest(),
		defects=defects,
	)


def _leaf_parts(part: Message):
	"""Body and attachment parts; an attached message/rfc822 is one part, not walked into."""
	if part.get_content_type() == "message/rfc822":
		yield part
	elif part.is_multipart():
		for sub in part.get_payload() or []:
			if isinstance(sub, Message):
				yield from _leaf_parts(sub)
	else:
		yield part


def _attachment(
	part: Message, filename: str | None, index: int, max_size: int, defects: list[str]
) -> Attachment:
	content_type = part.get_content_type()
	if content_type == "message/rfc822":
		inner = part.get_payload()
		inner = inner[0] if isinstance(inner, list) and inner else inner
		content = inner.as_bytes() if isinstance(inner, Message) else _payload_bytes(part, defects)
		inner_subject = inner.get("Subject") if isinstance(inner, Message) else None
		filename = filename or f"{_decode_words(str(inner_subject or 'message'))[:80]}.eml"
	else:
		content = _payload_bytes(part, defects)
	extension = content_type.split("/")[-1] if "/" in content_type else "bin"
	filename = filename or f"attachment-{index}.{extension}"
	content_id = (part.get("Content-ID") or "").strip().strip("<>") or None
	disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
	oversized = len(content) > max_size
	return Attachment(
		filename=filename.replace("/", "_").replace("\\", "_"),
		content_type=content_type,
		size=len(content),
		content=None if oversized else content,
		content_id=content_id,
		inline=disposition == "inline" or (content_id is not None and content_type.startswith("image/")),
		oversized=oversized,
	)
