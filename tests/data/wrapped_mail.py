"""Mail as a journaling server and users of an archive address wrap it (made here; no site needed):
Microsoft 365 / Exchange envelope journal reports, and mails BCC'd, forwarded as an attachment or
forwarded inline to the archive address."""

from __future__ import annotations

import email
import email.utils
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def an_original(
	subject: str,
	sender: str,
	to: str,
	cc: str | None = None,
	bcc: str | None = None,
	message_id: str | None = None,
	text: str | None = None,
	received: str | None = None,
) -> bytes:
	"""A mail as its sender's client sent it (a Received: line when it passed a server)."""
	message = EmailMessage()
	if received:
		message["Received"] = received
	message["From"] = sender
	message["To"] = to
	if cc:
		message["Cc"] = cc
	if bcc:
		message["Bcc"] = bcc
	message["Subject"] = subject
	message["Date"] = format_datetime(datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc))
	message["Message-ID"] = message_id or make_msgid(domain="firma.example")
	message.set_content(text or f"Text zu {subject}\n")
	return bytes(message).replace(b"\n", b"\r\n")  # as it travels


def with_received(raw: bytes, line: str) -> bytes:
	"""The same mail as another server delivered it: a Received: line in front."""
	return f"Received: {line}\r\n".encode() + raw


def a_journal_report(
	original: bytes,
	envelope_lines: list[str],
	journal_address: str = "journal@firma.example",
	header: bool = True,
	attach_original: bool = True,
) -> bytes:
	"""An envelope journal report in Exchange's format: the envelope as the first text part, the
	original unaltered as message/rfc822 (sent 7bit, as Exchange does)."""
	parsed = email.message_from_bytes(original)
	sender = email.utils.parseaddr(parsed["From"])[1]
	envelope = [
		f"Sender: {sender}",
		f"Subject: {parsed['Subject']}",
		f"Message-Id: {parsed['Message-ID']}",
		*envelope_lines,
	]
	boundary = "_journal_boundary_" + make_msgid().strip("<>").split("@")[0].replace(".", "")
	head = [
		"From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@firma.example>",
		f"To: {journal_address}",
		f"Subject: {parsed['Subject']}",
		f"Date: {format_datetime(datetime(2026, 12, 1, 9, 31, tzinfo=timezone.utc))}",
		f"Message-ID: {make_msgid(domain='journal.firma.example')}",
		"MIME-Version: 1.0",
		f'Content-Type: multipart/mixed; boundary="{boundary}"',
	]
	if header:
		head.insert(0, "X-MS-Journal-Report:")
	parts = [
		f'--{boundary}\r\nContent-Type: text/plain; charset="us-ascii"\r\n'
		"Content-Transfer-Encoding: 7bit\r\n\r\n" + "\r\n".join(envelope) + "\r\n"
	]
	raw = ("\r\n".join(head) + "\r\n\r\n").encode() + parts[0].encode()
	if attach_original:
		raw += (
			f"--{boundary}\r\nContent-Type: message/rfc822\r\n" "Content-Disposition: attachment\r\n\r\n"
		).encode() + original.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
		raw += b"\r\n"
	raw += f"--{boundary}--\r\n".encode()
	return raw


def a_forward_as_attachment(original: bytes, dropper: str, archive: str, note: str = "Zur Ablage") -> bytes:
	"""Outlook's "Forward as Attachment" to the archive address."""
	message = EmailMessage()
	message["From"] = dropper
	message["To"] = archive
	message["Subject"] = "WG: " + str(email.message_from_bytes(original)["Subject"])
	message["Message-ID"] = make_msgid(domain="firma.example")
	message["Date"] = format_datetime(datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc))
	message.set_content(note + "\n")
	message.add_attachment(email.message_from_bytes(original), filename="original.eml")
	return bytes(message)


def an_inline_forward(original: bytes, dropper: str, archive: str) -> bytes:
	"""A forward with the original quoted in the text (what most clients do by default)."""
	inner = email.message_from_bytes(original)
	message = EmailMessage()
	message["From"] = dropper
	message["To"] = archive
	message["Subject"] = "Fwd: " + str(inner["Subject"])
	message["Message-ID"] = make_msgid(domain="firma.example")
	message["Date"] = format_datetime(datetime(2026, 12, 1, 10, 5, tzinfo=timezone.utc))
	body = inner.get_body(("plain",)).get_content() if inner.is_multipart() else inner.get_payload()
	message.set_content(
		"Bitte ablegen.\n\n---------- Forwarded message ---------\n"
		f"From: {inner['From']}\nDate: {inner['Date']}\nSubject: {inner['Subject']}\nTo: {inner['To']}\n\n{body}"
	)
	return bytes(message)
