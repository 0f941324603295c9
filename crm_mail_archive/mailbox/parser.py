"""MIME parsing into plain dataclasses. Frappe-free: standard library only.

`parse_message` reads raw RFC 5322 bytes with `email` (policy.default, faster: see
`headers.PARSE_POLICY`) and tolerates what real mailboxes hold: encoded words in any charset
(also split across folded lines), unknown charsets, 8-bit headers, garbled address lists, broken
base64 and quoted-printable, deep nesting. Whatever had to be repaired is noted in
`ParsedMail.defects`. Nothing here raises on a broken mail except MailParseError for input with
no mail in it (empty or only whitespace).

This module puts the result together; the work is done in `charsets` (bytes into text),
`headers` (header values, encoded words, Message-ID, Date), `addresses` and `body` (the MIME
tree, attachments).
"""

from __future__ import annotations

import email
import email.parser
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from crm_mail_archive.mailbox.addresses import Address, parse_address_list
from crm_mail_archive.mailbox.body import Attachment, Body
from crm_mail_archive.mailbox.charsets import decode_bytes, describe_error, normalize_newlines, raw_payload
from crm_mail_archive.mailbox.headers import (
	PARSE_POLICY,
	Headers,
	decode_words,
	message_id,
	message_ids,
	parse_date,
)

BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


class MailParseError(Exception):
	"""The bytes hold nothing that could be made into a mail."""


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


# --- the result --------------------------------------------------------------------------------


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
	headers: Headers,
	texts: list[str],
	htmls: list[str],
	body: Body | None,
	defects: list[str],
) -> ParsedMail:
	def addresses(name: str) -> list[Address]:
		values = headers.all(name)
		return parse_address_list(", ".join(values), name, defects) if values else []

	subject = " ".join(decode_words(headers.first("Subject") or "", "Subject", defects).split())
	from_list = addresses("From")
	to, cc = addresses("To"), addresses("Cc")
	date_header = headers.first("Date")
	text = "\n".join(part for part in texts if part)
	html = "\n".join(part for part in htmls if part) if htmls else None
	attachments = body.attachments(html) if body else []
	from_address = from_list[0] if from_list else None
	return ParsedMail(
		message_id=message_id(headers.first("Message-ID")),
		in_reply_to=next(iter(message_ids(headers.first("In-Reply-To"))), None),
		references=message_ids(" ".join(headers.all("References"))),
		subject=subject,
		from_address=from_address,
		reply_to=addresses("Reply-To"),
		to=to,
		cc=cc,
		bcc=addresses("Bcc"),
		date=parse_date(date_header, defects),
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
		defects.append(f"MIME structure unreadable ({describe_error(error)}); body read as plain text")
	try:
		return _parse_plain(raw, defects)
	except Exception as error:
		defects.append(f"headers unreadable ({describe_error(error)})")
	return _assemble(raw, Headers(None, defects), [raw.decode("utf-8", "replace")], [], None, defects)


def _parse_mime(raw: bytes, max_attachment_size: int, defects: list[str]) -> ParsedMail:
	try:
		message = email.message_from_bytes(raw, policy=PARSE_POLICY)
	except Exception as error:
		defects.append(f"message read with the compat32 parser ({describe_error(error)})")
		message = email.message_from_bytes(raw, policy=email.policy.compat32)
	body = Body(max_attachment_size, defects)
	body.walk(message)
	return _assemble(raw, Headers(message, defects), body.texts, body.htmls, body, defects)


def _parse_plain(raw: bytes, defects: list[str]) -> ParsedMail:
	"""Headers only, the rest as one text: for mails the MIME parser cannot take (nesting
	deeper than the interpreter's recursion limit)."""
	message = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
	text = decode_bytes(raw_payload(message), "utf-8", "body", defects)
	return _assemble(raw, Headers(message, defects), [normalize_newlines(text)], [], None, defects)
