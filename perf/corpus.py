"""The benchmark's mail, deterministic from a seed.

- light (`mail_corpus`): 2-50 KB, one in ten with an attachment, threads, three charsets;
- business (`business_mailbox`): a realistic, attachment-heavy mailbox. Every mail has a text and an
  HTML part (median size about 21 KB); 15 % carry a real 100-500 KB attachment: a PDF, a JPEG, a PNG
  or an Excel workbook that its program opens. For 2,000 mails that is about 165 MB, with the 90th
  percentile of mail sizes near 330 KB;
- synthetic (`synthetic_mail`, `synthetic_words`): Communications and their rows inserted in bulk,
  the data the archive page, the search and retroactive filing read, without importing it first.
"""

from __future__ import annotations

import io
import math
import random
import re
import zipfile
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

from crm_mail_archive.infra.chunks import chunked
from perf.site import ROWS_PER_INSERT, insert_rows

CHARSETS = ("utf-8", "iso-8859-1", "windows-1252")
WORDS = "Angebot Anfrage Lieferung Rechnung Bestellung Termin Muster Preis Menge Qualität Gruß Frist".split()
FILLER = (
	"Guten Tag anbei sende ich Ihnen die Unterlagen zur Bestellung der Frästeile mit freundlichen Grüßen "
	"Lieferung Termin Menge Qualität Muster Preis Angebot Anfrage Zahlung Skonto Versand Spedition"
).split()


# --- light mail ------------------------------------------------------------------------------


def mail_corpus(count: int, seed: int, domain: str, contacts: list[str]) -> list[bytes]:
	"""Deterministic mails: 2-50 KB, one in ten with an attachment, threads, three charsets."""
	generator = random.Random(seed)
	start = datetime(2025, 1, 1, tzinfo=timezone.utc)
	mails: list[bytes] = []
	ids: list[str] = []
	for index in range(count):
		message = EmailMessage()
		sender = contacts[generator.randrange(len(contacts))] if contacts else f"kunde{index}@extern.example"
		message["From"] = f"Kunde {index % 97} <{sender}>"
		message["To"] = "vertrieb@muster-handels.example"
		if generator.random() < 0.3:
			message["Cc"] = f"einkauf{index % 13}@extern.example"
		subject = " ".join(generator.choice(WORDS) for _ in range(4)) + f" Nr. {index}"
		message["Subject"] = subject
		message["Date"] = format_datetime(start + timedelta(minutes=index * 7))
		message_id = f"<bench-{seed}-{index}@{domain}>"
		message["Message-ID"] = message_id
		if ids and generator.random() < 0.25:  # a reply in a thread
			parent = ids[generator.randrange(max(0, len(ids) - 20), len(ids))]
			message["In-Reply-To"] = parent
			message["References"] = parent
		ids.append(message_id)
		size = generator.randint(2_000, 50_000)
		paragraph = (
			"Sehr geehrte Damen und Herren, anbei die Unterlagen zu Ihrer Anfrage über Größe und Menge. "
		)
		body = (paragraph * (size // len(paragraph) + 1))[:size]
		message.set_content(body, charset=CHARSETS[index % len(CHARSETS)])
		if generator.random() < 0.1:
			message.add_attachment(
				generator.randbytes(generator.randint(5_000, 100_000)),
				maintype="application",
				subtype="zip",
				filename=f"Dokument-{index}.zip",
			)
		mails.append(bytes(message))
	return mails


def fill_mailbox(dovecot, user: str, mails: list[bytes]) -> None:
	with dovecot.session(user) as client:
		for raw in mails:
			client.append("INBOX", raw)


# --- synthetic mail: rows without an import --------------------------------------------------


def synthetic_mail(
	count: int, tag: str, address: str, account: str | None = None, filed_at=None
) -> list[str]:
	"""Communications (with their address index, and optionally a copy and a filing) inserted in
	bulk: the data P6 and P7 read, without importing it first."""
	import frappe

	now = frappe.utils.now_datetime()
	names = [f"BENCH-{tag}-{n}" for n in range(count)]
	email_account = frappe.db.get_value("Mail Archive Account", account, "email_account") if account else None
	for chunk in chunked(range(count), ROWS_PER_INSERT):
		_insert_communications(chunk, names, tag, address, email_account, now)
		insert_rows(
			"Mail Address Index",
			["name", "communication", "address", "reversed_domain", "role"],
			[(f"BENCH-MAI-{tag}-{n}", names[n], address, "example.kunden", "From") for n in chunk],
			now,
		)
		if account:
			insert_rows(
				"Mailbox Copy",
				["name", "account", "folder", "uidvalidity", "uid", "communication", "status"],
				[(f"BENCH-MC-{tag}-{n}", account, "INBOX", 1, n + 1, names[n], "Stored") for n in chunk],
				now,
			)
		if filed_at:
			insert_rows(
				"Timeline Link",
				["name", "communication", "link_doctype", "link_name", "source", "communication_date"],
				[
					(f"BENCH-TL-{tag}-{n}", names[n], *filed_at, "Automatic", now - timedelta(minutes=n))
					for n in chunk
				],
				now,
			)
		frappe.db.commit()
	return names


def _insert_communications(chunk: list[int], names: list[str], tag: str, address: str, email_account, now):
	insert_rows(
		"Communication",
		[
			"name",
			"subject",
			"communication_type",
			"communication_medium",
			"sent_or_received",
			"sender",
			"communication_date",
			"status",
			"email_account",
			"mail_archive_key",
		],
		[
			(
				names[n],
				f"Nachricht {n}",
				"Communication",
				"Email",
				"Received",
				address,
				now - timedelta(minutes=n),
				"Open",
				email_account,
				f"{tag}-{n}",
			)
			for n in chunk
		],
		now,
	)


def synthetic_words(names: list[str], seed: int) -> None:
	"""A search text for each synthetic mail: about 200 business words; one mail in 10 holds
	"Rechnungen", one in 10,000 "Zollerklärung" (a rare word)."""
	import frappe

	from crm_mail_archive.search.index import SEARCH_TEXT

	rng = random.Random(seed)
	now = frappe.utils.now_datetime()
	for chunk in chunked(range(len(names)), ROWS_PER_INSERT):
		rows = []
		for n in chunk:
			words = rng.choices(FILLER, k=200)
			if n % 10 == 3:
				words[rng.randrange(200)] = "Rechnungen"
			if n % 10000 == 7:
				words[rng.randrange(200)] = "Zollerklärung"
			rows.append((names[n], names[n], " ".join(words)))
		insert_rows(SEARCH_TEXT, ["name", "communication", "mail_text"], rows, now)
	frappe.db.commit()


# --- business mail ---------------------------------------------------------------------------

BUSINESS_WORDS = (
	"Angebot Anfrage Lieferung Rechnung Bestellung Termin Muster Preis Menge Qualität Zeichnung "
	"Rahmenvertrag Liefertermin Gutschrift Reklamation Ersatzteil Wartung Projekt Abnahme Skonto"
).split()
SENTENCES = (
	"vielen Dank für Ihre Anfrage vom {d}. Gern bieten wir Ihnen {n} Stück {w} zum Preis von {p} EUR an.",
	"Die Lieferung erfolgt innerhalb von {n} Werktagen nach Auftragseingang, frei Haus.",
	"Bitte beachten Sie die beigefügte {w} und bestätigen Sie uns den Termin am {d}.",
	"Zu Ihrer {w} Nr. {n} haben wir folgende Rückfragen an die Qualitätssicherung weitergegeben.",
	"Unser Außendienst meldet sich bei Ihnen, um die {w} vor Ort zu besprechen.",
)
KINDS = ("pdf", "jpeg", "png", "xlsx")


def _paragraphs(generator: random.Random, size: int) -> list[str]:
	paragraphs, length = [], 0
	while length < size:
		sentence = generator.choice(SENTENCES).format(
			d=f"{generator.randint(1, 28)}.{generator.randint(1, 12)}.2026",
			n=generator.randint(2, 5000),
			w=generator.choice(BUSINESS_WORDS),
			p=f"{generator.randint(1, 9999)},{generator.randint(0, 99):02d}",
		)
		paragraphs.append(sentence)
		length += len(sentence) * 2  # the text and the HTML part each carry it
	return paragraphs


def body_size(generator: random.Random) -> int:
	"""Text + HTML bytes of a mail: log-normal around 21 KB."""
	return int(min(120_000, max(3_000, generator.lognormvariate(math.log(14_500), 0.55))))


def pdf(generator: random.Random, size: int) -> bytes:
	"""A one-page PDF whose content stream is a compressed run of text lines (valid, opens)."""
	import zlib

	lines, length = [], 0
	while length < size * 3.4:  # text of random numbers compresses about threefold
		line = f"BT /F1 9 Tf 40 {generator.randint(40, 800)} Td ({generator.choice(BUSINESS_WORDS)} {generator.random():.15f}) Tj ET"
		lines.append(line)
		length += len(line) + 1
	stream = zlib.compress("\n".join(lines).encode(), 1)
	objects = [
		b"<< /Type /Catalog /Pages 2 0 R >>",
		b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
		b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	]
	out = io.BytesIO()
	out.write(b"%PDF-1.4\n")
	offsets = []
	for number, body in enumerate(objects, start=1):
		offsets.append(out.tell())
		out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
	xref = out.tell()
	out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
	for offset in offsets:
		out.write(b"%010d 00000 n \n" % offset)
	out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
	return out.getvalue()


def image(generator: random.Random, size: int, kind: str) -> bytes:
	"""A photo-like image (noise over a gradient) of about `size` bytes."""
	from PIL import Image

	bytes_per_pixel = 0.77 if kind == "jpeg" else 3.0
	side = max(64, int(math.sqrt(size / bytes_per_pixel)))
	noise = generator.randbytes(side * side * 3)
	picture = Image.frombytes("RGB", (side, side), noise)
	out = io.BytesIO()
	if kind == "jpeg":
		picture.save(out, "JPEG", quality=85)
	else:
		picture.save(out, "PNG", optimize=False)
	return out.getvalue()


def workbook(generator: random.Random, size: int) -> bytes:
	"""An Excel workbook of price rows, with fixed zip timestamps (the same bytes every run)."""
	from openpyxl import Workbook

	book = Workbook()
	sheet = book.active
	sheet.append(["Artikel", "Bezeichnung", "Menge", "Preis", "Summe"])
	rows = max(10, size // 38)
	for _row in range(rows):
		quantity, price = generator.randint(1, 999), round(generator.uniform(0.5, 999), 2)
		sheet.append(
			[
				f"A-{generator.randint(10000, 99999)}",
				generator.choice(BUSINESS_WORDS),
				quantity,
				price,
				quantity * price,
			]
		)
	book.properties.created = book.properties.modified = datetime(2026, 1, 1)
	raw = io.BytesIO()
	book.save(raw)
	fixed = io.BytesIO()
	with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
		for info in source.infolist():
			info.date_time = (2026, 1, 1, 0, 0, 0)
			data = source.read(info.filename)
			if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
				data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
			target.writestr(info, data)
	return fixed.getvalue()


def attachment(generator: random.Random, index: int) -> tuple[str, str, str, bytes]:
	kind = KINDS[index % len(KINDS)]
	size = generator.randint(90_000, 420_000)
	if kind == "pdf":
		return f"Angebot-{index}.pdf", "application", "pdf", pdf(generator, size)
	if kind == "xlsx":
		return (
			f"Preisliste-{index}.xlsx",
			"application",
			"vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			workbook(generator, size),
		)
	return f"Foto-{index}.{'jpg' if kind == 'jpeg' else 'png'}", "image", kind, image(generator, size, kind)


def business_mailbox(count: int, seed: int, domain: str, contacts: list[str]) -> list[bytes]:
	"""`count` mails from `contacts` (or outside addresses), threads, 15 % with an attachment."""
	generator = random.Random(seed)
	start = datetime(2025, 1, 1, tzinfo=timezone.utc)
	mails, ids = [], []
	attachments = 0
	for index in range(count):
		message = EmailMessage()
		sender = contacts[generator.randrange(len(contacts))] if contacts else f"kunde{index}@extern.example"
		message["From"] = f"Kundin {index % 89} <{sender}>"
		message["To"] = "vertrieb@muster-handels.example"
		if generator.random() < 0.3:
			message["Cc"] = f"einkauf{index % 13}@extern.example"
		message["Subject"] = " ".join(generator.choice(BUSINESS_WORDS) for _ in range(3)) + f" Nr. {index}"
		message["Date"] = format_datetime(start + timedelta(minutes=index * 11))
		message_id = f"<business-{seed}-{index}@{domain}>"
		message["Message-ID"] = message_id
		if ids and generator.random() < 0.3:
			parent = ids[generator.randrange(max(0, len(ids) - 30), len(ids))]
			message["In-Reply-To"] = parent
			message["References"] = parent
		ids.append(message_id)
		paragraphs = _paragraphs(generator, body_size(generator))
		text = (
			"Sehr geehrte Damen und Herren,\n\n"
			+ "\n\n".join(paragraphs)
			+ "\n\nMit freundlichen Grüßen\nVertrieb"
		)
		html = (
			'<html><body style="font-family: Arial"><p>Sehr geehrte Damen und Herren,</p>'
			+ "".join(f"<p>{p}</p>" for p in paragraphs)
			+ "<p>Mit freundlichen Grüßen<br><b>Vertrieb</b></p></body></html>"
		)
		message.set_content(text)
		message.add_alternative(html, subtype="html")
		if generator.random() < 0.15:
			attachments += 1
			filename, maintype, subtype, content = attachment(generator, attachments)
			message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
		for number, part in enumerate(part for part in message.walk() if part.is_multipart()):
			part.set_boundary(f"=_part-{seed}-{index}-{number}")  # the same bytes every run
		mails.append(bytes(message))
	return mails
