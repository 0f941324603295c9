"""The body of a mail: its MIME tree walked into texts and attachments. Frappe-free: standard
library only.

`Body` walks the tree depth-first without recursion, takes text/plain and text/html parts as the
body texts, keeps embedded messages as .eml attachments named after their subject, and gives
every other part as an `Attachment` with a clean file name (`fit_file_name`).
"""

from __future__ import annotations

import email.parser
import email.policy
import quopri
import re
from dataclasses import dataclass
from email.message import Message

from crm_mail_archive.mailbox.charsets import (
	b64decode,
	decode_bytes,
	describe_defect,
	describe_error,
	normalize_newlines,
	raw_payload,
	transfer_decoded,
	unsurrogate,
)
from crm_mail_archive.mailbox.headers import Headers, decode_words

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

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)

# Writes a parsed message back as it came in: headers as in the source, not refolded.
_AS_RECEIVED = email.policy.default.clone(refold_source="none", linesep="\r\n")


@dataclass
class Attachment:
	filename: str
	content_type: str
	size: int
	content: bytes | None
	content_id: str | None
	inline: bool
	oversized: bool


# --- parts -------------------------------------------------------------------------------------


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


def _clean_filename(name: str | None) -> str:
	if not name:
		return ""
	name = unsurrogate(str(name))
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
		defects.append(f"{where}: unreadable filename ({describe_error(error)})")
		return ""
	if not name:
		return ""
	name = unsurrogate(str(name))
	if "=?" in name:
		name = decode_words(name, where, defects)
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


# --- the tree ----------------------------------------------------------------------------------


@dataclass
class _Found:
	attachment: Attachment
	disposition: str


class Body:
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
			content_type = _content_type(part)  # once per part: the header is parsed on each call
			where = "message" if index == 0 else f"part {index} ({content_type})"
			index += 1
			for defect in getattr(part, "defects", None) or []:
				self.defects.append(f"{where}: {describe_defect(defect)}")
			try:
				payload = part.get_payload() if part.is_multipart() else None
				if payload is not None and not content_type.startswith("message/"):
					stack.extend(reversed([sub for sub in payload if isinstance(sub, Message)]))
					continue
				self.add(part, content_type, where)
			except Exception as error:
				self.defects.append(f"{where}: could not be read ({describe_error(error)})")

	def add(self, part: Message, content_type: str, where: str) -> None:
		headers = Headers(part, self.defects, f"{where} ")
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
			data = transfer_decoded(part, headers.token("Content-Transfer-Encoding"), where, self.defects)
			charset = _content_charset(part)
			if charset is None and content_type == "text/html":
				match = _META_CHARSET.search(data[:4096])
				charset = match.group(1).decode("ascii") if match else None
			text = normalize_newlines(decode_bytes(data, charset, where, self.defects))
			(self.htmls if content_type == "text/html" else self.texts).append(text)
			return
		content = transfer_decoded(part, headers.token("Content-Transfer-Encoding"), where, self.defects)
		self.attach(headers, content_type, content, filename, disposition)

	def add_message(
		self, part: Message, headers: Headers, content_type: str, filename: str, disposition: str, where: str
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
				content = transfer_decoded(
					part, headers.token("Content-Transfer-Encoding"), where, self.defects
				)
			self.attach(headers, content_type, content, filename, disposition)
			return
		inner = blocks[0]
		content = _generate(inner, where, self.defects)
		encoding = headers.token("Content-Transfer-Encoding")
		if encoding in ("base64", "quoted-printable"):
			# not allowed for message/rfc822, but sent: what was parsed as the message is the
			# encoded text (base64 lines have no ":", so it all went into the body)
			body = content if inner.keys() else raw_payload(inner)
			if encoding == "base64":
				content, _broken = b64decode(body)
			else:
				content = quopri.decodestring(body)
			self.defects.append(f"{where}: embedded message with {encoding} transfer encoding")
			try:
				inner = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(content)
			except Exception:
				inner = Message()
		subject = Headers(inner, self.defects, f"{where} inner ").first("Subject")
		subject = " ".join(decode_words(subject or "", where, self.defects).split())
		name = _clean_filename(subject)
		if name:
			name = _clean_filename(name[: MAX_FILENAME_LENGTH - 4] + ".eml")
		self.attach(headers, content_type, content, name or filename, disposition, extension=".eml")

	def attach(
		self,
		headers: Headers,
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
