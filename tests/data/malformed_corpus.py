"""A corpus of malformed, hostile and odd mails, built in code (deterministic): charset traps,
split encoded words, missing and doubled headers, bare LF/CR, 8-bit headers, deep multiparts,
message/rfc822 and TNEF parts, huge headers, empty mails, broken base64 and quoted-printable,
impossible dates, IDN addresses, tricky display names. Each entry: (name, raw bytes)."""

from __future__ import annotations

import base64
import random

HEAD = b"From: Kunde <kunde@beispiel.de>\r\nTo: vertrieb@mail.test\r\n"


def _mail(headers: bytes, body: bytes = b"Text\r\n", eol: bytes = b"\r\n") -> bytes:
	return headers.replace(b"\r\n", eol) + eol + body.replace(b"\r\n", eol)


def _charset_traps() -> list[tuple[str, bytes]]:
	mails = []
	texts = {
		"utf-8": "Grüße aus Köln – 10 €",
		"iso-8859-1": "Grüße aus Köln",
		"windows-1252": "Grüße – 10 €",
		"iso-8859-15": "Preis 10 €",
		"koi8-r": "Привет",
		"shift_jis": "こんにちは",
		"gb2312": "你好",
		"big5": "你好",
		"euc-kr": "안녕하세요",
		"iso-2022-jp": "こんにちは",
	}
	for charset, text in texts.items():
		body = text.encode(charset)
		mails.append(
			(
				f"charset-{charset}",
				_mail(
					HEAD
					+ f"Subject: Zeichensatz {charset}\r\nContent-Type: text/plain; charset={charset}\r\n".encode(),
					body + b"\r\n",
				),
			)
		)
		# declared one charset, sent another
		mails.append(
			(
				f"charset-lie-{charset}",
				_mail(
					HEAD + b"Subject: Falscher Zeichensatz\r\nContent-Type: text/plain; charset=us-ascii\r\n",
					body + b"\r\n",
				),
			)
		)
	for label in (
		"unknown-8bit",
		"x-unknown",
		"utf-7",
		"utf8",
		'"UTF-8"',
		"",
		"cp850",
		"latin1",
		"ascii",
		"bogus",
	):
		mails.append(
			(
				f"charset-label-{label or 'empty'}",
				_mail(
					HEAD
					+ f"Subject: Label {label}\r\nContent-Type: text/plain; charset={label}\r\n".encode(),
					"Grüße".encode("latin-1") + b"\r\n",
				),
			)
		)
	return mails


def _encoded_words() -> list[tuple[str, bytes]]:
	subjects = [
		b"=?UTF-8?B?R3LDvMOfZQ==?=",
		b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=",
		b"=?UTF-8?B?R3LD?=\r\n =?UTF-8?B?vMOfZQ==?=",  # a character split across two words
		b"=?UTF-8?Q?Gr=C3?=\r\n =?UTF-8?Q?=BC=C3=9Fe?=",
		b"=?ISO-8859-1?Q?M=FCller?= und =?UTF-8?B?S8O2bG4=?=",
		b"=?utf-8?q?broken=ZZ?=",
		b"=?utf-8?b?not base64!?=",
		b"=?unknown?Q?abc?=",
		b"=?UTF-8?B?" + base64.b64encode(("€" * 40).encode()).replace(b"\n", b"") + b"?=",
		b"=?UTF-8?Q?a_b_c?==?UTF-8?Q?d?=",
		b"=?UTF-8*de?Q?Gr=C3=BC=C3=9Fe?=",  # RFC 2231 language
		b"Re: =?UTF-8?B?QW5mcmFnZQ==?= [#123]",
		b"=?UTF-8?B??=",
		b"==?==?==",
		b"=?UTF-8?Q?" + b"=C3=A4" * 100 + b"?=",
	]
	return [
		(f"encoded-word-{index}", _mail(HEAD + b"Subject: " + subject + b"\r\n"))
		for index, subject in enumerate(subjects)
	]


def _headers() -> list[tuple[str, bytes]]:
	mails = [
		("no-headers-at-all", b"\r\nnur ein Text\r\n"),
		("no-from", _mail(b"To: vertrieb@mail.test\r\nSubject: ohne Absender\r\n")),
		("no-to", _mail(b"From: a@b.de\r\nSubject: ohne Empfaenger\r\n")),
		("no-subject", _mail(HEAD)),
		("no-date", _mail(HEAD + b"Subject: ohne Datum\r\n")),
		("no-message-id", _mail(HEAD + b"Subject: ohne ID\r\n")),
		("two-from", _mail(b"From: a@b.de\r\nFrom: c@d.de\r\nTo: x@y.de\r\nSubject: zwei\r\n")),
		("two-subjects", _mail(HEAD + b"Subject: eins\r\nSubject: zwei\r\n")),
		("two-message-ids", _mail(HEAD + b"Subject: x\r\nMessage-ID: <a@b>\r\nMessage-ID: <c@d>\r\n")),
		(
			"two-dates",
			_mail(HEAD + b"Subject: x\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nDate: gestern\r\n"),
		),
		("empty-from", _mail(b"From: \r\nTo: x@y.de\r\nSubject: leer\r\n")),
		("from-without-at", _mail(b"From: Kunde\r\nTo: x@y.de\r\nSubject: x\r\n")),
		("from-group-syntax", _mail(b"From: undisclosed-recipients:;\r\nTo: x@y.de\r\nSubject: x\r\n")),
		("header-without-colon", _mail(HEAD + b"Subject: x\r\nDas ist kein Header\r\n")),
		("header-8bit-latin1", _mail(HEAD + "Subject: Grüße roh\r\n".encode("latin-1"))),
		(
			"header-8bit-utf8",
			_mail(
				b"From: M\xc3\xbcller <mueller@beispiel.de>\r\nTo: x@y.de\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n"
			),
		),
		("header-nul-byte", _mail(HEAD + b"Subject: nul\x00byte\r\n")),
		("header-folded-oddly", _mail(HEAD + b"Subject: eins\r\n\tzwei\r\n   drei\r\n")),
		("huge-header", _mail(HEAD + b"Subject: " + b"x" * 200_000 + b"\r\n")),
		(
			"many-headers",
			_mail(HEAD + b"".join(b"X-H%d: v\r\n" % n for n in range(5000)) + b"Subject: viele\r\n"),
		),
		(
			"huge-references",
			_mail(
				HEAD
				+ b"Subject: x\r\nReferences: "
				+ b" ".join(b"<r%d@x>" % n for n in range(3000))
				+ b"\r\n"
			),
		),
		("in-reply-to-garbage", _mail(HEAD + b"Subject: x\r\nIn-Reply-To: <<<>>> kein <id\r\n")),
		(
			"message-id-without-brackets",
			_mail(HEAD + b"Subject: x\r\nMessage-ID: ohne-klammern@beispiel.de\r\n"),
		),
		("message-id-huge", _mail(HEAD + b"Subject: x\r\nMessage-ID: <" + b"a" * 2000 + b"@b>\r\n")),
	]
	for eol, name in ((b"\n", "lf"), (b"\r", "cr"), (b"\r\r\n", "crcrlf")):
		mails.append(
			(f"bare-{name}", _mail(HEAD + b"Subject: Zeilenenden\r\n", b"eins\r\nzwei\r\n", eol=eol))
		)
	mails.append(("mixed-eol", HEAD + b"Subject: gemischt\n\r\nText\rmehr\n"))
	return mails


def _dates() -> list[tuple[str, bytes]]:
	dates = [
		b"Mon, 32 Jan 2024 25:61:61 +0000",
		b"gestern abend",
		b"Thu, 01 Jan 1970 00:00:00 +0000",
		b"Fri, 31 Dec 9999 23:59:59 +0000",
		b"Sat, 1 Jan 0001 00:00:00 +0000",
		b"1700000000",
		b"2024-02-30T10:00:00Z",
		b"Mon, 1 Jan 2024 10:00:00 +9999",
		b"",
		b"Mon, 1 Jan 2024 10:00:00 GMT+0200 (Mitteleurop\xe4ische Zeit)",
	]
	return [
		(f"date-{index}", _mail(HEAD + b"Subject: Datum\r\nDate: " + date + b"\r\n"))
		for index, date in enumerate(dates)
	]


def _addresses() -> list[tuple[str, bytes]]:
	froms = [
		'"Müller, Anna" <anna@beispiel.de>'.encode(),
		b'"Meier \\"der Chef\\" Hans" <hans@beispiel.de>',
		b"=?UTF-8?Q?M=C3=BCller=2C_Anna?= <anna@beispiel.de>",
		"Jörg <jörg@bücher.example>".encode(),
		b"<user@xn--bcher-kva.example>",
		"info@例え.jp".encode(),
		b"a@b@c.de",
		b"<>",
		b'"" <leer@beispiel.de>',
		b"Kunde <kunde@beispiel.de> (Kommentar)",
		b"kunde@[127.0.0.1]",
		b"very.long." + b"x" * 300 + b"@beispiel.de",
		b"A <a@b.de>, B <b@c.de>",
		b"@nur-domain.de",
		b"Name ohne Adresse",
	]
	mails = [
		(f"address-{index}", _mail(b"From: " + value + b"\r\nTo: x@y.de, , ;\r\nSubject: Adresse\r\n"))
		for index, value in enumerate(froms)
	]
	mails.append(
		(
			"to-thousand",
			_mail(
				b"From: a@b.de\r\nTo: "
				+ b", ".join(b"r%d@beispiel.de" % n for n in range(1000))
				+ b"\r\nSubject: x\r\n"
			),
		)
	)
	return mails


def _multipart(depth: int, boundary_prefix: str = "b") -> bytes:
	if depth == 0:
		return b"Content-Type: text/plain; charset=utf-8\r\n\r\nganz innen\r\n"
	boundary = f"{boundary_prefix}{depth}".encode()
	inner = _multipart(depth - 1, boundary_prefix)
	return (
		b"Content-Type: multipart/mixed; boundary="
		+ boundary
		+ b"\r\n\r\n--"
		+ boundary
		+ b"\r\n"
		+ inner
		+ b"\r\n--"
		+ boundary
		+ b"--\r\n"
	)


def _structures() -> list[tuple[str, bytes]]:
	mails = []
	for depth in (1, 5, 20, 60, 120):
		mails.append(
			(f"nested-{depth}", HEAD + b"Subject: tief\r\nMIME-Version: 1.0\r\n" + _multipart(depth))
		)
	mails += [
		(
			"missing-boundary",
			_mail(HEAD + b"Subject: x\r\nContent-Type: multipart/mixed\r\n", b"--x\r\nText\r\n--x--\r\n"),
		),
		(
			"unterminated-multipart",
			_mail(
				HEAD + b"Subject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n",
				b"--zz\r\nContent-Type: text/plain\r\n\r\nText\r\n",
			),
		),
		(
			"message-rfc822",
			_mail(
				HEAD + b"Subject: weitergeleitet\r\nContent-Type: multipart/mixed; boundary=m\r\n",
				b"--m\r\nContent-Type: text/plain\r\n\r\nsiehe Anhang\r\n--m\r\nContent-Type: message/rfc822\r\n\r\n"
				+ HEAD
				+ b"Subject: innen\r\n\r\ninnerer Text\r\n--m--\r\n",
			),
		),
		(
			"message-rfc822-broken",
			_mail(
				HEAD + b"Subject: x\r\nContent-Type: multipart/mixed; boundary=m\r\n",
				b"--m\r\nContent-Type: message/rfc822\r\n\r\nkein Header hier\r\n--m--\r\n",
			),
		),
		(
			"tnef",
			_mail(
				HEAD + b"Subject: winmail\r\nContent-Type: multipart/mixed; boundary=t\r\n",
				b"--t\r\nContent-Type: text/plain\r\n\r\nText\r\n--t\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
				b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=winmail.dat\r\n\r\n"
				+ base64.b64encode(b"\x78\x9f\x3e\x22" + bytes(range(256)) * 4)
				+ b"\r\n--t--\r\n",
			),
		),
		("empty-body", _mail(HEAD + b"Subject: leer\r\n", b"")),
		("empty-message", b""),
		("only-newlines", b"\r\n\r\n\r\n"),
		(
			"broken-base64",
			_mail(HEAD + b"Subject: x\r\nContent-Transfer-Encoding: base64\r\n", b"R3L!!!DvM=\r\n==?\r\n"),
		),
		(
			"broken-base64-attachment",
			_mail(
				HEAD + b"Subject: x\r\nContent-Type: multipart/mixed; boundary=a\r\n",
				b"--a\r\nContent-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x!!!\r\n--a--\r\n",
			),
		),
		(
			"broken-quoted-printable",
			_mail(
				HEAD + b"Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n",
				b"Gr=C3=XYe =\r\n=\r\nEnde=2\r\n",
			),
		),
		(
			"unknown-transfer-encoding",
			_mail(
				HEAD + b"Subject: x\r\nContent-Transfer-Encoding: x-uuencode\r\n",
				b"begin 644 x\r\n`\r\nend\r\n",
			),
		),
		(
			"binary-body",
			_mail(HEAD + b"Subject: x\r\nContent-Type: application/octet-stream\r\n", bytes(range(256)) * 10),
		),
		("content-type-garbage", _mail(HEAD + b"Subject: x\r\nContent-Type: ;;;===\r\n")),
		(
			"attachment-without-name",
			_mail(
				HEAD + b"Subject: x\r\nContent-Type: multipart/mixed; boundary=n\r\n",
				b"--n\r\nContent-Disposition: attachment\r\n\r\ndaten\r\n--n--\r\n",
			),
		),
		(
			"attachment-name-traversal",
			_mail(
				HEAD + b"Subject: x\r\nContent-Type: multipart/mixed; boundary=n\r\n",
				b'--n\r\nContent-Disposition: attachment; filename="../../../../etc/passwd"\r\n\r\ndaten\r\n--n--\r\n',
			),
		),
		(
			"attachment-rfc2231-name",
			_mail(
				HEAD + b"Subject: x\r\nContent-Type: multipart/mixed; boundary=n\r\n",
				b"--n\r\nContent-Disposition: attachment; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%E2%82%AC.txt\r\n\r\ndaten\r\n--n--\r\n",
			),
		),
		(
			"many-attachments",
			_mail(
				HEAD + b"Subject: viele\r\nContent-Type: multipart/mixed; boundary=v\r\n",
				b"".join(
					b"--v\r\nContent-Disposition: attachment; filename=a%d.txt\r\n\r\n%d\r\n" % (n, n)
					for n in range(200)
				)
				+ b"--v--\r\n",
			),
		),
		("html-only", _mail(HEAD + b"Subject: x\r\nContent-Type: text/html\r\n", b"<p>nur <b>HTML</b></p>")),
		(
			"html-unclosed",
			_mail(HEAD + b"Subject: x\r\nContent-Type: text/html\r\n", b"<div><table><tr><td>offen"),
		),
		(
			"html-in-latin1",
			_mail(
				HEAD + b"Subject: x\r\nContent-Type: text/html; charset=iso-8859-1\r\n",
				"<p>Grüße</p>".encode("latin-1"),
			),
		),
	]
	return mails


def _random_garbage(count: int) -> list[tuple[str, bytes]]:
	"""Mutations of a valid mail: flipped, cut and inserted bytes (seeded, repeatable)."""
	generator = random.Random(4711)
	base = _mail(
		HEAD + b"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <basis@beispiel.de>\r\n"
		b"Content-Type: multipart/alternative; boundary=q\r\n",
		b"--q\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
		b"Gr=C3=BC=C3=9Fe\r\n--q\r\nContent-Type: text/html\r\n\r\n<p>Hallo</p>\r\n--q--\r\n",
	)
	mails = []
	for index in range(count):
		data = bytearray(base)
		for _ in range(generator.randint(1, 12)):
			position = generator.randrange(len(data))
			operation = generator.choice(("flip", "cut", "insert"))
			if operation == "flip":
				data[position] = generator.randrange(256)
			elif operation == "cut":
				del data[position : position + generator.randint(1, 30)]
			else:
				data[position:position] = bytes(
					generator.randrange(256) for _ in range(generator.randint(1, 10))
				)
		mails.append((f"mutation-{index:02d}", bytes(data)))
	return mails


def corpus(include_huge: bool = True) -> list[tuple[str, bytes]]:
	mails = _charset_traps() + _encoded_words() + _headers() + _dates() + _addresses() + _structures()
	mails += _random_garbage(40)
	if include_huge:
		mails.append(
			(
				"fifty-megabytes",
				_mail(
					HEAD + b"Subject: riesig\r\nContent-Type: multipart/mixed; boundary=h\r\n",
					b"--h\r\nContent-Type: text/plain\r\n\r\ngross\r\n--h\r\nContent-Type: application/octet-stream; name=gross.bin\r\n"
					b"Content-Transfer-Encoding: base64\r\n\r\n"
					+ base64.encodebytes(b"\x00\x01\x02\x03" * (50 * 1024 * 1024 // 4 * 3 // 4))
					+ b"--h--\r\n",
				),
			)
		)
	return mails
