"""One Outlook item (from a PST/OST file) as an RFC 5322 message, built with the `email` package.
Frappe-free.

The headers are Outlook's transport headers where the item keeps them (a mail that came from
outside: its Message-ID, Date and addresses as sent), else they are rebuilt from the MAPI
properties: sender, recipients with their names, date, Message-ID, In-Reply-To, References. Every
value goes through the header registry (addresses as `Address`), never into a header as text
joined by hand. The bodies: plain text, HTML, and compressed RTF (HTML encapsulated in RTF taken
out, other RTF as text). Attachments by their data, embedded messages as message/rfc822 parts.

The same item always gives the same bytes (boundaries drawn from the content, nothing random, no
time of the import): importing a file again finds the mail it stored the first time."""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.headerregistry import Address, Group, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage

from crm_mail_archive.mailbox import pst_props as P
from crm_mail_archive.mailbox.pst_rtf import is_encapsulated_html, rtf_bodies

# a Message-ID as Outlook kept it: the registry's parser would cut "<a$@b@c.example>" at its
# second "@"; it is one token of no spaces or brackets (checked) and is kept as it is
_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("message-id", UnstructuredHeader)
# bodies in quoted-printable or base64: the message is ASCII, whatever its text
POLICY = email.policy.SMTP.clone(cte_type="7bit", header_factory=_HEADERS)
# the MIME structure is the item's own, made here: these headers of the transport headers go
CONTENT_HEADERS = (
	"content-type",
	"content-transfer-encoding",
	"mime-version",
	"content-disposition",
	"content-id",
	"content-description",
	"content-length",
)
RECIPIENT_HEADERS = {1: "To", 2: "Cc", 3: "Bcc"}
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


class ItemError(Exception):
	"""An item that cannot be made into a mail (kept, quarantined, with this reason)."""


@dataclass
class Recipient:
	kind: int  # 1 To, 2 Cc, 3 Bcc
	name: str
	address: str


@dataclass
class Part:
	"""An attachment by its data."""

	name: str
	data: bytes
	mime_type: str = "application/octet-stream"
	content_id: str | None = None


@dataclass
class Item:
	"""What one Outlook item holds, read out of the file (or of an embedded message's heap)."""

	props: P.Properties
	plain: str | None = None
	html: str | None = None
	rtf: bytes | None = None
	recipients: list[Recipient] = field(default_factory=list)
	attachments: list[Part] = field(default_factory=list)
	embedded: list[Item] = field(default_factory=list)
	notes: list[str] = field(default_factory=list)  # what could not be read of it


def to_rfc822(item: Item) -> bytes:
	message = build_message(item)
	_fix_boundaries(message)
	try:
		return message.as_bytes(policy=POLICY)
	except Exception:  # transport headers in raw UTF-8 (RFC 6532): kept so
		pass
	try:
		return message.as_bytes(policy=POLICY.clone(utf8=True))
	except Exception:  # headers kept from the file that the generator cannot fold: rebuilt
		message = build_message(item, transport_headers=False)
		_fix_boundaries(message)
		return message.as_bytes(policy=POLICY)


def build_message(item: Item, transport_headers: bool = True) -> EmailMessage:
	body = _body(item)
	headers = item.props.text(P.TRANSPORT_HEADERS) if transport_headers else None
	message = _from_transport_headers(headers) if headers and headers.strip() else None
	if message is None:
		message = _rebuilt_headers(item)
	else:  # what the transport headers lack, from the item's properties
		if message.get("Message-ID") is None and _message_id(item.props.text(P.INTERNET_MESSAGE_ID)):
			message["Message-ID"] = _message_id(item.props.text(P.INTERNET_MESSAGE_ID))
		if message.get("Date") is None and _date(item.props):
			message["Date"] = _date(item.props)
	for name, value in body.items():
		if name.lower() in CONTENT_HEADERS:
			del message[name]
			message[name] = value
	for note in item.notes:  # what of the item could not be read, said on the mail itself
		message["X-Outlook-Import-Note"] = _one_line(note)[:300]
	message.set_payload(body.get_payload())
	return message


def _from_transport_headers(headers: str) -> EmailMessage | None:
	text = headers.replace("\r\n", "\n").strip("\n") + "\n\n"
	try:
		message = email.parser.Parser(policy=POLICY).parsestr(text, headersonly=True)
	except Exception:
		return None
	if not any(message.get(name) is not None for name in ("from", "date", "message-id", "subject")):
		return None  # not headers of a mail
	for name in CONTENT_HEADERS:
		del message[name]
	message.set_payload(None)
	return message


def _rebuilt_headers(item: Item) -> EmailMessage:
	props = item.props
	message = EmailMessage(policy=POLICY)
	sender = _address(
		props.text(P.SENDER_NAME) or props.text(P.SENT_REPRESENTING_NAME),
		_smtp(props, P.SENDER_SMTP_ADDRESS, P.SENDER_EMAIL)
		or _smtp(props, P.SENT_REPRESENTING_SMTP_ADDRESS, P.SENT_REPRESENTING_EMAIL),
	)
	if sender is not None:
		message["From"] = sender
	for kind, header in RECIPIENT_HEADERS.items():
		addresses = [
			address
			for recipient in item.recipients
			if recipient.kind == kind
			for address in [_address(recipient.name, recipient.address)]
			if address is not None
		]
		if addresses:
			message[header] = addresses
	subject = subject_of(props)
	if subject:
		message["Subject"] = subject
	if _date(props):
		message["Date"] = _date(props)
	for header, tag in (
		("Message-ID", P.INTERNET_MESSAGE_ID),
		("In-Reply-To", P.IN_REPLY_TO),
	):
		value = _message_id(props.text(tag))
		if value:
			message[header] = value
	references = MESSAGE_ID.findall(props.text(P.REFERENCES) or "")
	if references:
		message["References"] = " ".join(references)
	return message


def _date(props: P.Properties) -> str | None:
	when = props.time(P.CLIENT_SUBMIT_TIME) or props.time(P.DELIVERY_TIME) or props.time(P.CREATION_TIME)
	return email.utils.format_datetime(when) if when else None


def _body(item: Item) -> EmailMessage:
	plain, html = item.plain, item.html
	if item.rtf and html is None and (not plain or is_encapsulated_html(item.rtf)):
		html, rtf_text = rtf_bodies(item.rtf)
		plain = plain or rtf_text
	body = EmailMessage(policy=POLICY)
	if html is not None and plain:
		body.set_content(plain)
		body.add_alternative(html, subtype="html")
	elif html is not None:
		body.set_content(html, subtype="html")
	else:
		body.set_content(plain or "")
	for part in item.attachments:
		maintype, _slash, subtype = part.mime_type.partition("/")
		if not (maintype and subtype) or maintype in ("multipart", "message"):
			maintype, subtype = "application", "octet-stream"
		body.add_attachment(
			part.data, maintype=maintype, subtype=subtype, filename=_one_line(part.name) or "attachment"
		)
		if part.content_id and MESSAGE_ID.fullmatch(f"<{part.content_id.strip('<>')}>"):
			body.get_payload()[-1]["Content-ID"] = f"<{part.content_id.strip('<>')}>"
	for embedded in item.embedded:
		body.add_attachment(build_message(embedded))
	return body


def subject_of(props: P.Properties) -> str:
	subject = props.text(P.SUBJECT) or ""
	if subject.startswith("\x01") and len(subject) >= 2:  # Outlook's prefix-length marker
		subject = subject[2:]
	return _one_line(subject)


def _address(name: str | None, address: str | None) -> Address | Group | None:
	name, address = _one_line(name or ""), _one_line(address or "")
	if name.strip("'\"") == address:  # Outlook shows a bare address as its own name, quoted
		name = ""
	if address and "@" in address:
		try:
			return Address(display_name=name, addr_spec=address)
		except Exception:
			pass
	if name or address:
		return Group(display_name=name or address)  # a name with no usable address: "name:;"
	return None


def _smtp(props: P.Properties, smtp_tag: int, email_tag: int) -> str | None:
	smtp = props.text(smtp_tag)
	if smtp and "@" in smtp:
		return smtp
	address = props.text(email_tag)
	return address if address and "@" in address else None


def _message_id(value: str | None) -> str | None:
	match = MESSAGE_ID.search(value or "")
	return match.group(0) if match else None


def _one_line(text: str) -> str:
	return CONTROL.sub(" ", text).strip()


def _fix_boundaries(message: EmailMessage) -> None:
	"""Boundaries drawn from the parts' content: the same item, the same bytes."""
	digest = hashlib.sha256()
	for part in message.walk():
		if not part.is_multipart():
			payload = part.get_payload()
			digest.update(payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b"")
	seed = digest.hexdigest()[:24]
	for number, part in enumerate(message.walk()):
		if part.is_multipart():
			part.set_boundary(f"=_pst{number}_{seed}")
