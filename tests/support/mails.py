"""Mail as a client sends it, and what the archive holds of it (Communications, copies, filings,
originals, attachments); removing an account's archive."""

from __future__ import annotations

import email
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import frappe


def a_mail(
	subject: str,
	sender: str = "kunde@beispiel.de",
	to: str = "vertrieb@mail.test",
	message_id: bool | str = True,
	attachments: list[tuple[str, bytes]] = (),
	html: str | None = None,
	text: str | None = None,
	sender_name: str = "Kunde",
) -> bytes:
	"""A mail as a mail client would send it."""
	message = EmailMessage()
	message["From"] = f"{sender_name} <{sender}>" if sender_name else sender
	message["To"] = to
	message["Subject"] = subject
	message["Date"] = format_datetime(frappe.utils.now_datetime().astimezone())
	if message_id:
		message["Message-ID"] = (
			message_id if isinstance(message_id, str) else make_msgid(domain="beispiel.de")
		)
	message.set_content(text if text is not None else f"Text zu {subject}\n")
	if html is not None:
		message.add_alternative(html, subtype="html")
	for name, content in attachments:
		message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
	return bytes(message)


def with_headers(raw: bytes, **headers: str) -> bytes:
	"""The mail with more headers (In_Reply_To= → In-Reply-To:)."""
	message = email.message_from_bytes(raw)
	for name, value in headers.items():
		message[name.replace("_", "-")] = value
	return message.as_bytes()


def message_id_of(raw: bytes) -> str:
	return email.message_from_bytes(raw)["Message-ID"].strip("<>")


def communication_with(message_id: str) -> str:
	return frappe.db.get_value("Communication", {"message_id": message_id})


def communications_of(account) -> list[dict]:
	names = frappe.get_all(
		"Mailbox Copy", {"account": account.name, "status": "Stored"}, pluck="communication"
	)
	return frappe.get_all(
		"Communication",
		filters={"name": ("in", names or [""])},
		fields=["name", "subject", "sent_or_received", "seen", "sender", "has_attachment"],
	)


def copies_of(account, **filters) -> list[dict]:
	return frappe.get_all(
		"Mailbox Copy",
		filters={"account": account.name, **filters},
		fields=[
			"name",
			"folder",
			"uid",
			"uidvalidity",
			"communication",
			"status",
			"quarantine_reason",
			"seen",
		],
	)


def only_communication(account) -> str:
	(copy,) = copies_of(account)
	return copy.communication


def filed_at(communication: str) -> set[tuple[str, str]]:
	"""Where a mail is filed; the provenance rows and the stock timeline rows must agree."""
	timeline = {
		(r.link_doctype, r.link_name)
		for r in frappe.get_all(
			"Timeline Link", {"communication": communication}, ["link_doctype", "link_name"]
		)
	}
	stock = {
		(r.link_doctype, r.link_name)
		for r in frappe.get_all(
			"Communication Link", {"parent": communication}, ["link_doctype", "link_name"]
		)
	}
	assert timeline == stock
	return timeline


def original_of(communication: str) -> bytes:
	"""A mail's original message as the archive gives it back (checked against its SHA-256)."""
	from crm_mail_archive.storage.files import original_of as archived_original

	return archived_original(communication)


def attachments_of(communication: str) -> list[dict]:
	"""A mail's Mail Attachments in the mail's order, each with its bytes (`content`)."""
	from crm_mail_archive.storage.files import attachment_bytes

	rows = frappe.get_all(
		"Mail Attachment",
		{"communication": communication},
		["name", "file_name", "file_size", "sha256", "stored_file", "content_id", "viewable_type"],
		order_by="position asc",
	)
	for row in rows:
		row.content = attachment_bytes(row.name)
	return rows


def filing_sources(communication: str) -> dict[tuple[str, str], str]:
	return {
		(row.link_doctype, row.link_name): row.source
		for row in frappe.get_all(
			"Timeline Link", {"communication": communication}, ["link_doctype", "link_name", "source"]
		)
	}


def remove_archive_of(email_account: str) -> None:
	"""Everything the archive made for an Email Account, and the account (as the app's erasure
	does: archived mail is otherwise kept for its retention period)."""
	from crm_mail_archive.retention.guard import removing_by_the_app

	with removing_by_the_app():
		_remove_archive_of(email_account)


def _remove_archive_of(email_account: str) -> None:
	from crm_mail_archive.storage.files import forget_files_of

	candidates = set(frappe.get_all("Communication", {"email_account": email_account}, pluck="name"))
	candidates |= set(
		frappe.get_all(
			"Mailbox Copy", {"account": email_account, "communication": ("is", "set")}, pluck="communication"
		)
	)
	frappe.db.delete("Mailbox Copy", {"account": email_account})
	frappe.db.delete("Mail Server Action", {"account": email_account})
	for name in candidates:
		if frappe.db.exists("Mailbox Copy", {"communication": name}):
			continue  # still in another (test) account's mailbox
		for file in frappe.get_all(
			"File", {"attached_to_doctype": "Communication", "attached_to_name": name}, pluck="name"
		):
			frappe.delete_doc("File", file, force=True, ignore_permissions=True)
		forget_files_of(name)  # its attachments and original, once the caller commits
		frappe.db.delete("Communication", {"name": name})
		frappe.db.delete("Communication Link", {"parent": name})
		frappe.db.delete("Timeline Link", {"communication": name})
		frappe.db.delete("Mail Address Index", {"communication": name})
		frappe.db.delete("Mail Search Text", {"communication": name})
	frappe.db.delete("Mail Archive Folder", {"parent": email_account})
	frappe.db.delete("Mail Archive Gap", {"account": email_account})
	frappe.db.delete("Mail Archive Account", {"name": email_account})
	frappe.delete_doc("Email Account", email_account, force=True, ignore_permissions=True)


def a_pdf(text: str) -> bytes:
	"""A one-page PDF showing `text` (Latin-1) in Helvetica."""
	stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
	objects = [
		b"<< /Type /Catalog /Pages 2 0 R >>",
		b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
		b" /Resources << /Font << /F1 5 0 R >> >> >>",
		b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
		b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	]
	out = b"%PDF-1.4\n"
	offsets = []
	for number, body in enumerate(objects, 1):
		offsets.append(len(out))
		out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
	xref = len(out)
	out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
	out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
	out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
	return out


def dated(subject: str, sender: str, days_ago: int) -> bytes:
	raw = a_mail(subject, sender=sender)
	when = format_datetime(datetime.now(timezone.utc) - timedelta(days=days_ago))
	head, _, body = raw.partition(b"\n\n")
	lines = [line for line in head.split(b"\n") if not line.startswith(b"Date:")]
	return b"\n".join([*lines, f"Date: {when}".encode()]) + b"\n\n" + body


HOSTILE_SUBJECT = "<img src=x onerror=window.__hit=1> Angebot & Preise 1 < 2"


def a_named_mail(sender: str, mailbox: str, colleague: str, tag: str) -> bytes:
	return (
		f'From: "Bernd <b>Muster</b>" <{sender}>\r\n'
		f'To: "Vertrieb, Muster Handels" <{mailbox}>\r\n'
		f'Cc: "Muster, Anna" <{colleague}>, "<svg onload=window.__hit=2>" <third-{tag}@kunde.example>\r\n'
		f"Subject: {HOSTILE_SUBJECT}\r\n"
		f"Message-ID: <true-text-{tag}@kunde.example>\r\n"
		"Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"Guten Tag, anbei das Angebot.\r\n"
	).encode()


def import_mails(account, directory, subjects: list[str], attachment_lines: int = 20) -> dict[str, str]:
	"""Mails with an attachment of their own each (a random line repeated), imported into the
	account from files in `directory`; subject → Communication."""
	import secrets

	from crm_mail_archive.transfer.imports import MailImport

	paths = []
	for subject in subjects:
		path = directory / f"{subject}.eml"
		content = f"Anlage zu {subject} {secrets.token_hex(16)}\n".encode() * attachment_lines
		path.write_bytes(a_mail(subject, attachments=[(f"{subject}.txt", content)]))
		paths.append((str(path), path.name))
	MailImport(account.name).run(paths)
	frappe.db.commit()
	return {
		subject: frappe.db.get_value(
			"Communication", {"subject": subject, "email_account": account.email_account}
		)
		for subject in subjects
	}
