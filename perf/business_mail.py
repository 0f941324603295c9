"""A realistic, attachment-heavy business mailbox for the benchmark, deterministic from a seed.

Every mail has a text and an HTML part (median size about 21 KB); 15 % carry a real 100-500 KB
attachment: a PDF, a JPEG, a PNG or an Excel workbook that its program opens. For 2,000 mails
that is about 165 MB, with the 90th percentile of mail sizes near 330 KB.
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

WORDS = (
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
			w=generator.choice(WORDS),
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
		line = f"BT /F1 9 Tf 40 {generator.randint(40, 800)} Td ({generator.choice(WORDS)} {generator.random():.15f}) Tj ET"
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
				generator.choice(WORDS),
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
		message["Subject"] = " ".join(generator.choice(WORDS) for _ in range(3)) + f" Nr. {index}"
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
