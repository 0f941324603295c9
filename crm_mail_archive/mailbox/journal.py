"""Mail that reaches the archive wrapped: journal reports and mail dropped at an archive address.
Frappe-free: standard library only.

**Journal reports** (Microsoft 365 / Exchange envelope journaling, the documented format): a
report whose first text part is the envelope, one value per line

    Sender: michelle@contoso.com
    Subject: Q4
    Message-Id: <1234@contoso.com>
    To: bob@contoso.com
    Cc: fwd@contoso.com, Forwarded: user@contoso.com
    Bcc: dl-member@contoso.com, Expanded: dl@contoso.com
    Recipient: someone@example.com

and whose `message/rfc822` part is the original, unaltered. `unwrap_journal` returns the
original's exact bytes and the envelope's recipients (also those the original's headers hide: Bcc,
members of an expanded distribution list, the target of a forwarding); a report that is not one,
or has no original, raises JournalReportError with the reason.

**An archive address** (`classify_drop`): a mail that reached it is
- BCC'd (or sent to it without forwarding): archived as itself;
- forwarded as an attachment: the attached original is archived;
- forwarded inline: archived as it is (the forwarded mail's headers are only quoted text);
- forwarding several mails as attachments: archived as it is, with them as its attachments (one
  place on the server is one archived mail).
The sender of what reached the archive is the dropper, whom the archive checks.
"""

from __future__ import annotations

import binascii
import email
import email.policy
import quopri
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses, parseaddr

from crm_mail_archive.mailbox.parser import ParsedMail

JOURNAL_HEADER = "X-MS-Journal-Report"
RECIPIENT_ROLES = {"to": "To", "cc": "Cc", "bcc": "Bcc", "recipient": "Recipient"}
REDIRECTIONS = {"expanded": "expanded_from", "forwarded": "forwarded_from"}

# drops
ITSELF, ATTACHED, INLINE, SEVERAL = "Itself", "Attached", "Inline", "Several"
# the first lines of an inline forward, as the common clients write them (English and German)
_FORWARD_MARKERS = re.compile(
	r"^\s*(-{2,}\s*(forwarded message|original message|weitergeleitete nachricht|"
	r"urspr(ü|ue)ngliche nachricht)\s*-{2,}|begin forwarded message:|anfang der weitergeleiteten"
	r" (e-mail|nachricht):)",
	re.IGNORECASE | re.MULTILINE,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|wg|weitergeleitet)\s*:", re.IGNORECASE)


class JournalReportError(Exception):
	"""The mail is no journal report the archive can read (the reason says why)."""


@dataclass(frozen=True)
class EnvelopeRecipient:
	address: str  # lower case
	role: str  # To, Cc, Bcc, or Recipient (the server could not tell)
	expanded_from: str | None = None  # the distribution list it was a member of
	forwarded_from: str | None = None  # the recipient the server redirected to it


@dataclass
class JournalReport:
	sender: str | None
	subject: str
	message_id: str | None
	recipients: list[EnvelopeRecipient]
	original: bytes
	on_behalf_of: str | None = None


@dataclass
class Drop:
	kind: str  # ITSELF, ATTACHED, INLINE or SEVERAL
	dropper: str | None  # who sent what reached the archive (lower case)
	original: bytes  # what is archived


@dataclass
class EnvelopedMail(ParsedMail):
	"""A parsed mail with what its wrapping told: the envelope's recipients, the archive's note, and
	who dropped it. Stored exactly as the mail itself; the envelope is used for filing."""

	envelope: tuple[EnvelopeRecipient, ...] = ()
	archive_note: str | None = None  # shown under the mail (already escaped HTML text)
	dropped_by: str | None = None
	sent: bool | None = None  # sent by the company (its sender is internal); None: the folder says
	holder_user: str | None = None  # who holds the archived mail, when not the account's owner
	holder_email_account: str | None = None


def enveloped(parsed: ParsedMail, **values) -> EnvelopedMail:
	fields = {name: getattr(parsed, name) for name in ParsedMail.__dataclass_fields__}
	return EnvelopedMail(**fields, **values)


_NO_ADDRESSES: dict[str, list[str]] = {"To": [], "Cc": [], "Bcc": []}


def envelope_addresses(mail: ParsedMail) -> dict[str, list[str]]:
	"""The envelope's recipients that the mail's own headers do not name, by the role they are
	filed under (a recipient the server could not place, "Recipient:", counts as Bcc)."""
	envelope = getattr(mail, "envelope", ())
	if not envelope:  # (every mail of a mailbox asks: nothing to do)
		return _NO_ADDRESSES
	named = {a.email.lower() for a in [*mail.to, *mail.cc, *mail.bcc]}
	if mail.from_address:
		named.add(mail.from_address.email.lower())
	extra: dict[str, list[str]] = {"To": [], "Cc": [], "Bcc": []}
	for recipient in envelope:
		if recipient.address in named:
			continue
		named.add(recipient.address)
		extra["Bcc" if recipient.role == "Recipient" else recipient.role].append(recipient.address)
	return extra


# --- journal reports --------------------------------------------------------------------------


def _address(value: str) -> str | None:
	address = parseaddr(value.strip())[1].strip().lower()
	return address if "@" in address else None


def _envelope_lines(text: str) -> dict:
	"""The envelope's fields: single values by name, recipients in order."""
	fields: dict = {"recipients": []}
	for line in text.replace("\r\n", "\n").split("\n"):
		name, colon, value = line.partition(":")
		key = name.strip().lower()
		if not colon or not key:
			continue
		if key in RECIPIENT_ROLES:
			recipient = _recipient_line(RECIPIENT_ROLES[key], value)
			if recipient:
				fields["recipients"].append(recipient)
		elif key in ("sender", "subject", "message-id", "on-behalf-of") and key not in fields:
			fields[key] = value.strip()
	return fields


def _recipient_line(role: str, value: str) -> EnvelopeRecipient | None:
	"""`bob@x`, `bob@x, Expanded: dl@x` or `bob@x, Forwarded: user@x`."""
	address_part, *redirections = value.split(",")
	address = _address(address_part)
	if not address:
		return None
	redirected = {}
	for redirection in redirections:
		kind, _colon, source = redirection.partition(":")
		if kind.strip().lower() in REDIRECTIONS:
			redirected[REDIRECTIONS[kind.strip().lower()]] = _address(source)
	return EnvelopeRecipient(address, role, **redirected)


def _top_parts(message: Message) -> list[Message]:
	return list(message.get_payload()) if message.is_multipart() else [message]


def _is_attached_mail(part: Message) -> bool:
	return part.get_content_type() == "message/rfc822" or (
		# Outlook sometimes sends a forwarded .eml as a plain attachment
		(part.get_filename() or "").lower().endswith(".eml")
	)


def attached_mail_bytes(raw: bytes, message: Message, part: Message) -> bytes:
	"""The exact bytes of a mail attached to `message` (as it was sent), not a re-serialisation."""
	encoding = (part.get("Content-Transfer-Encoding") or "").strip().lower()
	exact = _raw_part_body(raw, message, part)
	if exact is not None and encoding == "base64":  # (RFC 2046 forbids it; some gateways do it)
		return binascii.a2b_base64(b"".join(exact.split()), strict_mode=True)
	if exact is not None and encoding == "quoted-printable":
		return quopri.decodestring(exact)
	if exact is not None:
		return exact
	inner = part.get_payload()
	if isinstance(inner, list) and inner:
		return inner[0].as_bytes(policy=email.policy.compat32)
	return part.get_payload(decode=True) or b""


def _raw_part_body(raw: bytes, message: Message, part: Message) -> bytes | None:
	"""The body of a top-level part, cut from the raw bytes at the multipart's boundaries."""
	boundary = message.get_boundary()
	if not boundary or part not in _top_parts(message):
		return None
	index = _top_parts(message).index(part)
	delimiter = re.compile(rb"(?:\r?\n|^)--" + re.escape(boundary.encode("latin-1")) + rb"(--)?[ \t]*\r?\n?")
	pieces = delimiter.split(raw)
	# split() interleaves the "--" group: [preamble, g, part0, g, part1, g, ..., epilogue]
	bodies = pieces[2::2]
	if index >= len(bodies) - 1:  # the last piece is the epilogue
		return None
	piece = bodies[index]
	head_end = re.search(rb"\r?\n\r?\n", piece)
	if not head_end:
		return None
	return piece[head_end.end() :]


def _outside_attached_mail(message: Message):
	"""The parts of the report, not those of the mail it carries (the envelope may sit in a
	multipart/alternative beside an HTML rendering of it)."""
	if _is_attached_mail(message):
		return
	if message.is_multipart():
		for part in message.get_payload():
			yield from _outside_attached_mail(part)
	elif not message.get_filename():
		yield message


def _text_of(part: Message) -> str:
	payload = part.get_payload(decode=True) or b""
	try:
		return payload.decode(part.get_content_charset() or "utf-8", "replace")
	except LookupError:
		return payload.decode("utf-8", "replace")


def is_journal_report(raw: bytes) -> bool:
	head = raw[:65536].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0].lower()
	return JOURNAL_HEADER.lower().encode() in head


def unwrap_journal(raw: bytes) -> JournalReport:
	"""The envelope and the original of a journal report; JournalReportError says why not."""
	if not raw or not raw.strip():
		raise JournalReportError("empty message")
	try:
		message = email.message_from_bytes(raw, policy=email.policy.compat32)
	except Exception as error:
		raise JournalReportError(f"the report cannot be read as a mail ({error})") from error
	parts = _top_parts(message)
	envelope_part = next(
		(part for part in _outside_attached_mail(message) if part.get_content_type() == "text/plain"),
		None,
	)
	original_part = next((part for part in parts if _is_attached_mail(part)), None)
	if JOURNAL_HEADER not in message and not (envelope_part and original_part):
		raise JournalReportError(f"not a journal report: no {JOURNAL_HEADER} header, no envelope")
	if envelope_part is None:
		raise JournalReportError("the journal report has no envelope (text part)")
	fields = _envelope_lines(_text_of(envelope_part))
	if "sender" not in fields:
		raise JournalReportError("the journal report's envelope has no Sender: line")
	if not fields["recipients"]:
		raise JournalReportError("the journal report's envelope names no recipient")
	if original_part is None:
		raise JournalReportError("the journal report has no original message (message/rfc822) attached")
	try:
		original = attached_mail_bytes(raw, message, original_part)
	except (ValueError, binascii.Error) as error:
		raise JournalReportError(
			f"the journal report's original message cannot be decoded ({error})"
		) from error
	if not original.strip():
		raise JournalReportError("the journal report's original message is empty")
	return JournalReport(
		sender=_address(fields["sender"]),
		subject=fields.get("subject", ""),
		message_id=fields.get("message-id", "").strip().strip("<>") or None,
		recipients=fields["recipients"],
		original=original,
		on_behalf_of=_address(fields.get("on-behalf-of", "")),
	)


# --- the archive address ----------------------------------------------------------------------


def classify_drop(raw: bytes, archive_addresses: set[str] | frozenset[str]) -> Drop:
	"""What a mail that reached the archive address is, and what of it is archived."""
	message = email.message_from_bytes(raw, policy=email.policy.compat32)
	dropper = _address(str(message.get("From") or ""))
	attached = [part for part in _top_parts(message) if message.is_multipart() and _is_attached_mail(part)]
	if len(attached) > 1:
		return Drop(SEVERAL, dropper, raw)
	if attached:
		try:
			original = attached_mail_bytes(raw, message, attached[0])
		except (ValueError, binascii.Error):
			original = b""  # an attachment that cannot be decoded: the forward is kept as it is
		if original.strip():
			return Drop(ATTACHED, dropper, original)
	visible = {
		address.lower()
		for _name, address in getaddresses(
			[str(v) for v in message.get_all("To", []) + message.get_all("Cc", [])]
		)
	}
	archive = {address.lower() for address in archive_addresses}
	if visible & archive and _forwarded_inline(message):
		return Drop(INLINE, dropper, raw)
	return Drop(ITSELF, dropper, raw)


def _forwarded_inline(message: Message) -> bool:
	if _FORWARD_SUBJECT.match(str(message.get("Subject") or "")):
		return True
	for part in message.walk():
		if part.get_content_type() in ("text/plain", "text/html") and not part.get_filename():
			text = _text_of(part)
			if part.get_content_type() == "text/html":
				text = re.sub(r"<[^>]+>", "\n", text)
			if _FORWARD_MARKERS.search(text):
				return True
	return False
