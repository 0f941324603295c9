"""Specification of the mail parser (crm_mail_archive.mailbox.parser with its addresses, headers,
charsets and body modules): raw RFC 5322 bytes into plain dataclasses.

Frappe-free: run with `pytest tests/unit`.
"""

from __future__ import annotations

import base64
import email.policy
from datetime import datetime, timezone
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_mail_archive.mailbox.addresses import (
	Address,
	normalize_address,
	parse_address_list,
	parse_addresses,
	plain_address_list,
)
from crm_mail_archive.mailbox.headers import plain_parameterized_value
from crm_mail_archive.mailbox.parser import MailParseError, ParsedMail, parse_message


def mail(*headers: str, body: str = "Hello.", raw_body: bytes | None = None) -> bytes:
	"""A CRLF mail from header lines and a body (`raw_body` for bytes in some other charset)."""
	head = "\r\n".join(headers).encode("utf-8")
	return head + b"\r\n\r\n" + (raw_body if raw_body is not None else body.encode("utf-8"))


def multipart(boundary: str, parts: list[bytes], *headers: str, subtype: str = "mixed") -> bytes:
	"""A multipart mail whose parts are given as raw bytes (part headers, blank line, body)."""
	head = [
		"From: alice@example.com",
		"To: bob@example.com",
		"Subject: Parts",
		"MIME-Version: 1.0",
		*headers,
		f'Content-Type: multipart/{subtype}; boundary="{boundary}"',
	]
	body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
	return "\r\n".join(head).encode() + b"\r\n\r\n" + body + b"--" + boundary.encode() + b"--\r\n"


# --- subject -----------------------------------------------------------------------------------


def test_subject_encoded_words_split_across_folded_lines_in_two_charsets_are_all_decoded():
	raw = mail(
		"From: a@example.com",
		"Subject: =?utf-8?q?Caf=C3=A9?=\r\n =?iso-8859-1?q?_M=FCller?=",
	)
	assert parse_message(raw).subject == "Café Müller"


def test_subject_utf8_character_split_between_two_encoded_words_is_reassembled():
	# "日本" is e6 97 a5 e6 9c ac; the first word ends in the middle of the second character
	first = base64.b64encode("日本".encode()[:4]).decode()
	second = base64.b64encode("日本".encode()[4:]).decode()
	raw = mail("From: a@example.com", f"Subject: Re: =?utf-8?b?{first}?=\r\n\t=?UTF-8?B?{second}?= !")
	assert parse_message(raw).subject == "Re: 日本 !"


def test_subject_whitespace_is_collapsed_and_missing_subject_is_empty():
	assert parse_message(mail("From: a@example.com", "Subject:  many \t  spaces\r\n  here ")).subject == (
		"many spaces here"
	)
	assert parse_message(mail("From: a@example.com")).subject == ""


def test_subject_in_unknown_charset_is_read_as_utf8_with_a_defect():
	parsed = parse_message(mail("From: a@example.com", "Subject: =?x-unknown?q?J=C3=B6rg?="))
	assert parsed.subject == "Jörg"
	assert any("x-unknown" in defect for defect in parsed.defects)


# --- addresses ---------------------------------------------------------------------------------


def test_encoded_display_names_are_decoded():
	raw = mail(
		"From: =?utf-8?b?SsO2cmcgTcO8bGxlcg==?= <joerg@example.com>",
		'To: "=?iso-8859-1?q?Fran=E7oise?=" <f@example.com>',
	)
	parsed = parse_message(raw)
	assert parsed.from_address == Address(email="joerg@example.com", name="Jörg Müller")
	assert parsed.to == [Address(email="f@example.com", name="Françoise")]


def test_display_name_with_comma_in_quotes_is_one_address():
	parsed = parse_message(
		mail("From: a@example.com", 'To: "Müller, Hans" <hans@example.com>, b@example.com')
	)
	assert parsed.to == [Address("hans@example.com", "Müller, Hans"), Address("b@example.com", "")]


def test_idn_domain_is_normalized_to_punycode():
	assert normalize_address("Info@Bücher.de") == "info@xn--bcher-kva.de"
	parsed = parse_message(mail("From: info@bücher.de", "To: x@example.com"))
	assert parsed.from_address == Address("info@xn--bcher-kva.de", "")


def test_upper_case_address_is_lower_cased():
	parsed = parse_message(mail("From: Alice <Alice.Smith@Example.COM>", "Cc: BOB@EXAMPLE.ORG"))
	assert parsed.from_address == Address("alice.smith@example.com", "Alice")
	assert parsed.cc == [Address("bob@example.org", "")]


def test_group_syntax_yields_the_members_and_empty_groups_yield_nothing():
	raw = mail(
		"From: a@example.com",
		"To: Team: one@example.com, Two <two@example.com>;, three@example.com",
		"Cc: undisclosed-recipients:;",
	)
	parsed = parse_message(raw)
	assert [a.email for a in parsed.to] == ["one@example.com", "two@example.com", "three@example.com"]
	assert parsed.cc == []


def test_garbage_address_header_does_not_raise_and_keeps_what_is_valid():
	parsed = parse_message(mail("From: a@example.com", 'To: garbage <<<>>> ,,, @@ , ok@example.com, "broken'))
	assert [a.email for a in parsed.to] == ["ok@example.com"]
	assert parse_message(mail('From: "unterminated <<', "To: x@example.com")).from_address is None
	assert any(defect.startswith("To:") for defect in parsed.defects)


def test_addresses_are_deduplicated_within_a_header_keeping_order():
	parsed = parse_message(mail("From: a@example.com", "To: B@example.com, c@example.com, b@EXAMPLE.com"))
	assert parsed.to == [Address("b@example.com", ""), Address("c@example.com", "")]
	# a duplicate keeps the first position; a display name given only there is not lost
	named = parse_message(
		mail("From: a@example.com", "To: b@example.com, c@example.com, Bee <B@example.com>")
	)
	assert named.to == [Address("b@example.com", "Bee"), Address("c@example.com", "")]


def test_reply_to_and_bcc_are_parsed():
	parsed = parse_message(
		mail("From: a@example.com", "Reply-To: Help <help@example.com>", "Bcc: hidden@example.com")
	)
	assert parsed.reply_to == [Address("help@example.com", "Help")]
	assert parsed.bcc == [Address("hidden@example.com", "")]


def test_parse_addresses_public_helper():
	assert parse_addresses(None) == []
	assert parse_addresses("") == []
	assert parse_addresses("not an address") == []
	assert parse_addresses("x@example.com (Comment Name)") == [Address("x@example.com", "Comment Name")]
	assert parse_addresses("=?utf-8?q?Ren=C3=A9?= <R@Example.com>") == [Address("r@example.com", "René")]


@pytest.mark.parametrize(
	("value", "expected"),
	[
		("  <User@Example.com>  ", "user@example.com"),
		("user@münchen.de", "user@xn--mnchen-3ya.de"),
		("Ünïcode@example.com", "ünïcode@example.com"),
		("no-at-sign", None),
		("two@at@example.com", None),
		("@example.com", None),
		("user@", None),
		("us er@example.com", None),
		("", None),
	],
)
def test_normalize_address(value, expected):
	assert normalize_address(value) == expected


# --- message ids -------------------------------------------------------------------------------


def test_message_id_is_stripped_of_brackets_and_missing_message_id_is_none():
	assert parse_message(mail("From: a@example.com", "Message-ID:  <abc.123@example.com> ")).message_id == (
		"abc.123@example.com"
	)
	assert parse_message(mail("From: a@example.com")).message_id is None
	assert parse_message(mail("From: a@example.com", "Message-ID: <>")).message_id is None


def test_in_reply_to_and_references():
	raw = mail(
		"From: a@example.com",
		"In-Reply-To: <parent@example.com> (message from Bob)",
		"References: <root@example.com>\r\n <mid@example.com> <root@example.com>\r\n\t<parent@example.com>",
	)
	parsed = parse_message(raw)
	assert parsed.in_reply_to == "parent@example.com"
	assert parsed.references == ["root@example.com", "mid@example.com", "parent@example.com"]
	bare = parse_message(mail("From: a@example.com"))
	assert bare.in_reply_to is None
	assert bare.references == []


# --- date --------------------------------------------------------------------------------------


def test_date_with_offset_is_converted_to_utc():
	parsed = parse_message(mail("From: a@example.com", "Date: Tue, 01 Jul 2025 10:52:37 +0200"))
	assert parsed.date == datetime(2025, 7, 1, 8, 52, 37, tzinfo=timezone.utc)
	assert parsed.date.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
	"header",
	[
		None,
		"Date: not a date at all",
		"Date: Mon, 01 Jan 1900 00:00:00 +0000",
		"Date: Fri, 01 Jan 2500 00:00:00 +0000",
	],
)
def test_missing_unparseable_or_absurd_date_is_none(header):
	headers = ["From: a@example.com"] + ([header] if header else [])
	assert parse_message(mail(*headers)).date is None


# --- charsets ----------------------------------------------------------------------------------


def test_latin1_body_is_decoded_with_its_charset():
	raw = mail(
		"From: a@example.com",
		"Content-Type: text/plain; charset=iso-8859-1",
		"Content-Transfer-Encoding: 8bit",
		raw_body="Grüße aus Köln".encode("latin-1"),
	)
	parsed = parse_message(raw)
	assert parsed.text == "Grüße aus Köln"
	assert parsed.defects == []


def test_html_without_charset_parameter_uses_its_meta_charset():
	html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>'
	raw = mail(
		"From: a@example.com",
		"Content-Type: text/html",
		raw_body=(html + "<p>\u201cK\u00f6ln\u201d</p>").encode("cp1252"),
	)
	assert parse_message(raw).html.endswith("<p>\u201cKöln\u201d</p>")


@pytest.mark.parametrize(
	("charset", "body", "expected"),
	[
		("x-unknown", "Grüße".encode(), "Grüße"),
		("utf8mb4", "Grüße".encode(), "Grüße"),
		("windows-874", "สวัสดี".encode("cp874"), "สวัสดี"),
	],
)
def test_unknown_or_invalid_charset_names_fall_back(charset, body, expected):
	raw = mail("From: a@example.com", f"Content-Type: text/plain; charset={charset}", raw_body=body)
	assert parse_message(raw).text == expected


def test_undecodable_body_gets_replacement_characters_and_a_defect():
	raw = mail("From: a@example.com", "Content-Type: text/plain; charset=x-unknown", raw_body=b"caf\xe9 \xff")
	parsed = parse_message(raw)
	assert parsed.text == "caf\ufffd \ufffd"
	assert any("replaced" in defect for defect in parsed.defects)


def test_8bit_raw_header_bytes_do_not_crash_and_are_read_as_utf8():
	raw = (
		b"From: J\xc3\xb6rg <joerg@example.com>\r\nTo: bob@example.com\r\n"
		b"Subject: Gr\xc3\xbc\xc3\x9fe and latin-1 \xe9\r\n\r\nbody\r\n"
	)
	parsed = parse_message(raw)
	assert parsed.from_address == Address("joerg@example.com", "Jörg")
	assert parsed.subject == "Grüße and latin-1 \ufffd"
	assert any(defect.startswith("Subject") for defect in parsed.defects)


# --- transfer encodings and attachments --------------------------------------------------------


def test_broken_base64_attachment_is_decoded_as_far_as_possible_with_a_defect():
	good = base64.b64encode(b"0123456789abcdef").decode()
	part = (
		b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=report.pdf\r\n"
		b"Content-Transfer-Encoding: base64\r\n\r\n" + good[:-3].encode() + b"!!*\r\n"
	)
	parsed = parse_message(multipart("B", [b"Content-Type: text/plain\r\n\r\nsee attached", part]))
	(attachment,) = parsed.attachments
	assert attachment.filename == "report.pdf"
	assert attachment.content.startswith(b"0123456789ab")
	assert any("base64" in defect for defect in parsed.defects)
	assert parsed.text == "see attached"


def test_broken_quoted_printable_keeps_the_bad_escape_with_a_defect():
	raw = mail(
		"From: a@example.com",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
		raw_body=b"Caf=C3=A9 costs 5=ZZ euro=\r\ns",
	)
	parsed = parse_message(raw)
	assert parsed.text == "Café costs 5=ZZ euros"
	assert any("quoted-printable" in defect for defect in parsed.defects)


def test_oversized_attachment_has_no_content_but_its_size():
	payload = bytes(range(256)) * 8  # 2048 bytes
	part = (
		b"Content-Type: application/octet-stream; name=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
		+ base64.encodebytes(payload)
	)
	parsed = parse_message(multipart("B", [part]), max_attachment_size=1000)
	(attachment,) = parsed.attachments
	assert (attachment.filename, attachment.size, attachment.content, attachment.oversized) == (
		"big.bin",
		2048,
		None,
		True,
	)
	small = parse_message(multipart("B", [part]), max_attachment_size=2048).attachments[0]
	assert (small.content, small.oversized) == (payload, False)


def test_inline_image_with_content_id_referenced_by_the_html():
	png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
	html = b'Content-Type: text/html; charset=utf-8\r\n\r\n<p>Logo: <img src="cid:logo@example"></p>'
	image = (
		b"Content-Type: image/png\r\nContent-ID: <logo@example>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
		+ base64.encodebytes(png)
	)
	unreferenced = b"Content-Type: image/gif\r\nContent-ID: <other@example>\r\n\r\nGIF89a"
	parsed = parse_message(multipart("R", [html, image, unreferenced], subtype="related"))
	assert parsed.html == '<p>Logo: <img src="cid:logo@example"></p>'
	logo, other = parsed.attachments
	assert (logo.content_id, logo.inline, logo.content, logo.content_type) == (
		"logo@example",
		True,
		png,
		"image/png",
	)
	assert logo.filename == "attachment-1.png"
	assert (other.content_id, other.inline) == ("other@example", False)


def test_content_disposition_inline_marks_an_attachment_inline():
	part = b"Content-Type: application/pdf\r\nContent-Disposition: inline; filename=a.pdf\r\n\r\n%PDF"
	assert parse_message(multipart("B", [part])).attachments[0].inline is True


def test_attachment_filenames_in_rfc2231_and_rfc2047_are_decoded():
	parts = [
		b"Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
		b" filename*=utf-8''R%C3%A9sum%C3%A9.pdf\r\n\r\nx",
		b'Content-Type: application/pdf; name="=?utf-8?q?Pr=C3=BCfung.pdf?="\r\n\r\ny',
		b"Content-Type: application/octet-stream\r\n\r\nz",
	]
	names = [a.filename for a in parse_message(multipart("B", parts)).attachments]
	assert names == ["Résumé.pdf", "Prüfung.pdf", "attachment-3.bin"]


def test_text_parts_that_are_attachments_are_not_body():
	parts = [
		b"Content-Type: text/plain\r\n\r\nthe body",
		b"Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nattached text",
		b"Content-Type: text/html; name=page.html\r\n\r\n<p>attached page</p>",
	]
	parsed = parse_message(multipart("B", parts))
	assert parsed.text == "the body"
	assert parsed.html is None
	assert [(a.filename, a.content) for a in parsed.attachments] == [
		("attachment-1.txt", b"attached text"),
		("page.html", b"<p>attached page</p>"),
	]


def test_message_rfc822_part_is_an_eml_attachment_named_from_its_subject():
	inner = (
		b"From: carol@example.com\r\nSubject: =?utf-8?q?Original_r=C3=A9port?=\r\n"
		b"Content-Type: text/plain\r\n\r\ninner body"
	)
	parts = [b"Content-Type: text/plain\r\n\r\nforwarding", b"Content-Type: message/rfc822\r\n\r\n" + inner]
	parsed = parse_message(multipart("B", parts))
	(attachment,) = parsed.attachments
	assert attachment.filename == "Original réport.eml"
	assert attachment.content_type == "message/rfc822"
	assert attachment.content == inner
	assert attachment.size == len(inner)
	assert parsed.text == "forwarding"  # the inner body is not part of the outer text


def test_twenty_levels_of_nested_multipart_are_walked():
	head = b"From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
	opening = b"".join(
		b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
		for level in range(20)
	)
	leaf = b"Content-Type: text/plain\r\n\r\ndeep inside\r\n"
	closing = b"".join(b"--b%d--\r\n" % level for level in reversed(range(20)))
	parsed = parse_message(head + opening + leaf + closing)
	assert parsed.text.strip() == "deep inside"
	assert parsed.subject == "deep"


def test_html_only_mail():
	raw = mail(
		"From: a@example.com", "Content-Type: text/html; charset=utf-8", body="<p>Only <b>HTML</b></p>"
	)
	parsed = parse_message(raw)
	assert parsed.html == "<p>Only <b>HTML</b></p>"
	assert parsed.text == ""
	assert parsed.attachments == []


def test_alternative_parts_fill_text_and_html():
	parts = [
		b"Content-Type: text/plain\r\n\r\nplain version",
		b"Content-Type: text/html\r\n\r\n<p>html version</p>",
	]
	parsed = parse_message(multipart("A", parts, subtype="alternative"))
	assert (parsed.text, parsed.html) == ("plain version", "<p>html version</p>")


# --- bulk --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"header",
	[
		"List-Unsubscribe: <mailto:unsubscribe@example.com>",
		"Precedence: Bulk",
		"Precedence: list",
		"Precedence: junk",
		"Auto-Submitted: auto-generated",
		"Auto-Submitted: auto-replied; owner-email=x@example.com",
	],
)
def test_bulk_mail_is_detected(header):
	assert parse_message(mail("From: a@example.com", header)).is_bulk is True


def test_personal_mail_and_auto_submitted_no_are_not_bulk():
	assert parse_message(mail("From: a@example.com")).is_bulk is False
	parsed = parse_message(mail("From: a@example.com", "Auto-Submitted: No"))
	assert parsed.auto_submitted == "no"
	assert parsed.is_bulk is False


def test_bulk_header_values_are_exposed_lower_cased():
	parsed = parse_message(mail("From: a@example.com", "Precedence: BULK", "List-Unsubscribe: <https://x>"))
	assert (parsed.precedence, parsed.list_unsubscribe, parsed.auto_submitted) == ("bulk", True, None)


# --- content hash, sizes, robustness -----------------------------------------------------------


def test_content_hash_is_equal_for_the_same_bytes_and_differs_for_different_bodies():
	raw = mail(
		"From: a@example.com", "To: b@example.com", "Date: Tue, 01 Jul 2025 10:52:37 +0200", body="one"
	)
	other = mail(
		"From: a@example.com", "To: b@example.com", "Date: Tue, 01 Jul 2025 10:52:37 +0200", body="two"
	)
	assert parse_message(raw).content_hash == parse_message(raw).content_hash
	assert parse_message(raw).content_hash != parse_message(other).content_hash
	assert len(parse_message(raw).content_hash) == 64


def test_content_hash_ignores_headers_a_server_adds_per_folder():
	raw = mail("From: a@example.com", "To: b@example.com", "Subject: same", body="same body")
	in_other_folder = b"X-Keywords: $Forwarded\r\nStatus: RO\r\n" + raw
	assert parse_message(raw).content_hash == parse_message(in_other_folder).content_hash


def test_content_hash_covers_attachments():
	def with_attachment(content: bytes) -> bytes:
		part = b"Content-Type: application/pdf; name=a.pdf\r\n\r\n" + content
		return multipart("B", [b"Content-Type: text/plain\r\n\r\nbody", part])

	assert parse_message(with_attachment(b"%PDF-1")).content_hash != (
		parse_message(with_attachment(b"%PDF-2")).content_hash
	)


@pytest.mark.parametrize("raw", [b"", b"   \r\n\t\r\n"])
def test_empty_input_raises_mail_parse_error(raw):
	with pytest.raises(MailParseError):
		parse_message(raw)


def test_bare_lf_line_endings_work():
	raw = mail(
		"From: Alice <alice@example.com>", "To: bob@example.com", "Subject: LF only", body="line 1\r\nline 2"
	)
	lf = raw.replace(b"\r\n", b"\n")
	parsed = parse_message(lf)
	assert parsed.from_address == Address("alice@example.com", "Alice")
	assert parsed.subject == "LF only"
	assert parsed.text == "line 1\nline 2"
	assert parsed.raw_size == len(lf)
	assert parsed.content_hash == parse_message(raw).content_hash


def test_mail_built_with_the_standard_library_round_trips():
	message = EmailMessage()
	message["From"] = "Zoë <zoe@example.com>"
	message["To"] = "bob@example.com"
	message["Subject"] = "Grüße aus Köln, und so weiter und so fort, ein langer Betreff über zwei Zeilen"
	message["Message-ID"] = "<built@example.com>"
	message.set_content("Hallo Bob,\nwie geht's?\n")
	message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="Angebot.pdf")
	parsed = parse_message(message.as_bytes())
	assert isinstance(parsed, ParsedMail)
	assert parsed.from_address == Address("zoe@example.com", "Zoë")
	assert parsed.subject == str(message["Subject"])
	assert parsed.message_id == "built@example.com"
	assert parsed.text == "Hallo Bob,\nwie geht's?\n"
	assert [(a.filename, a.content, a.size) for a in parsed.attachments] == [("Angebot.pdf", b"%PDF-1.4", 8)]


@pytest.mark.parametrize(
	("raw", "text"),
	[
		(b"no headers, just text", "no headers, just text"),
		(b"From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\nno boundary", "no boundary"),
		(b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\ncut", "cut"),
		(b"\x00\x01\x02\xff\xfe", "\x00\x01\x02\ufffd\ufffd"),
		(b"Content-Type: text/plain; charset=base64\r\n\r\nnot a text codec", "not a text codec"),
	],
)
def test_broken_mails_still_parse_with_defects(raw, text):
	parsed = parse_message(raw)
	assert parsed.text == text
	assert parsed.raw_size == len(raw)
	assert parsed.defects


def test_empty_embedded_message_is_still_an_attachment():
	parsed = parse_message(b"From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\n")
	assert [(a.filename, a.content_type) for a in parsed.attachments] == [
		("attachment-1.eml", "message/rfc822")
	]


def test_nesting_deeper_than_the_interpreter_can_recurse_still_parses():
	head = b"From: a@example.com\r\nSubject: very deep\r\n"
	opening = b"".join(
		b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n) for n in range(2000)
	)
	parsed = parse_message(head + opening + b"Content-Type: text/plain\r\n\r\nbottom\r\n")
	assert parsed.subject == "very deep"
	assert "bottom" in parsed.text
	assert parsed.defects


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.binary(min_size=1, max_size=2000).filter(lambda raw: raw.strip()))
def test_parse_message_never_raises_on_arbitrary_bytes(raw):
	parsed = parse_message(raw)
	assert isinstance(parsed, ParsedMail)
	assert parsed.raw_size == len(raw)


_mailish = st.lists(
	st.sampled_from(
		[
			b"From: ",
			b"To: ",
			b"Subject: ",
			b"Content-Type: multipart/mixed; boundary=x\r\n",
			b"Content-Type: text/plain; charset=x-unknown\r\n",
			b"Content-Transfer-Encoding: base64\r\n",
			b"Content-Transfer-Encoding: quoted-printable\r\n",
			b"Content-Type: message/rfc822\r\n",
			b"\r\n",
			b"\r\n ",
			b"--x\r\n",
			b"--x--\r\n",
			b"=?utf-8?q?=C3=A9?=",
			b"=?bogus?b?!!?=",
			b'"a, b" <A@B.c>',
			b"<x@b\xc3\xbccher.de>",
			b"\xff\xfe",
			b"=ZZ",
			b"QUJD",
		]
	),
	min_size=1,
	max_size=40,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(_mailish)
def test_parse_message_never_raises_on_mail_like_fragments(raw):
	if raw.strip():
		assert isinstance(parse_message(raw), ParsedMail)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.from_regex(r"\A\s*<?[^@\s]{0,10}@[^@\s]{0,12}>?\s*\Z")))
def test_normalize_address_is_lower_case_single_at_and_idempotent(value):
	normalized = normalize_address(value)
	if normalized is not None:
		assert normalized == normalized.lower()
		assert normalized.count("@") == 1
		assert not any(ch.isspace() for ch in normalized)
	assert normalize_address(normalize_address(value)) == normalized  # None normalizes to None


# The parser reads plain Content-Type / Content-Disposition values and plain address lists
# without the header registry of policy.default (it is slow); what it reads must be what the
# registry gives, or the mail's content_hash would change.

# plain values, and what keeps a value off the shortcut: quoting, encoded words, RFC 2231, 8-bit
_PARAMETER_VALUES = [
	'"utf-8"', "utf-8", '""', '" a "', '"a\tb"', "a.pdf", '"a;b"', '"a/b"', "a/b", '"=_a"', '"=?x?="', "a%20b",
	"a'b", "a*b", '"a\\"b"', '"x', "\u00e4", '"\u00e4"', "us-ascii''x", '"(c)"', "x(c)", "", "\x7f", "\udce4",
]  # fmt: skip
_mime_parameter = st.tuples(
	st.sampled_from([";", "; ", " ;", ";\t", ";;"]),
	st.sampled_from(
		["charset", "Charset", "name", "filename", "boundary", "name*", "name*0", "na me", "", "a'b", "(c)"]
	),
	st.sampled_from(["=", "=", " = ", "", "=="]),
	st.sampled_from(_PARAMETER_VALUES),
).map("".join)
_parameterized = st.tuples(
	st.sampled_from(
		[
			"text/plain",
			" multipart/mixed ",
			"attachment",
			"INLINE ",
			"inline",
			"text /plain",
			"text/",
			"x/y/z",
			"",
		]
	),
	st.lists(_mime_parameter, max_size=4).map("".join),
	st.sampled_from(["", "", ";", " ", "(c)"]),
).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["Content-Type", "Content-Disposition"]), _parameterized)
def test_plain_mime_parameter_values_read_as_policy_default_reads_them(name, value):
	text = plain_parameterized_value(name, value)
	if text is not None:
		assert text == str(email.policy.default.header_fetch_parse(name, value))


def test_common_mime_parameter_values_are_plain():
	for name, value, text in [
		("Content-Type", "text/plain; charset=utf-8", 'text/plain; charset="utf-8"'),
		("Content-Type", 'multipart/mixed;\tboundary="=_a b"; x=""', 'multipart/mixed; boundary="=_a b"; x'),
		(
			"Content-Type",
			"text/plain; charset=a; Charset=b; charset=c;",
			'text/plain; charset="a"; Charset="b"',
		),
		(
			"Content-Disposition",
			'attachment; filename="Angebot 7.pdf"',
			'attachment; filename="Angebot 7.pdf"',
		),
	]:
		assert plain_parameterized_value(name, value) == text
	assert plain_parameterized_value("Content-Type", "text/plain; name*=utf-8''%C3%A4.txt") is None


_mailbox = st.tuples(
	st.sampled_from(["", "", " ", "\t"]),
	st.sampled_from(
		["", "Kunde 5 ", "Kundin  89", '"M, H" ', '"" ', '" x "', "Dr. X ", "\u00e4 ", "x=y ", "(c) A ", "<"]
	),
	st.sampled_from(
		["a@b", "K5@x.Example", "x.y@z.w", "a..b@c", "a.@b", "a@[1.2.3.4]", "a@b@c", "ab", "'q'@r", "a @b"]
	),
	st.sampled_from(["", "", ">", " ", "(c)"]),
).map(lambda parts: parts[0] + parts[1] + ("<" + parts[2] + ">" if parts[1] else parts[2]) + parts[3])
_address_lists = st.tuples(
	st.lists(_mailbox, min_size=1, max_size=4),
	st.sampled_from([",", ", ", " ,", ",,"]),
	st.sampled_from(["", "", ","]),
).map(lambda parts: parts[1].join(parts[0]) + parts[2])


@settings(max_examples=500, deadline=None)
@given(_address_lists)
def test_plain_address_lists_read_as_the_structured_parser_reads_them(value):
	found = plain_address_list(value)
	if found is not None:
		header = email.policy.default.header_factory("to", value)
		assert found == [(address.display_name or "", address.addr_spec) for address in header.addresses]
		assert not header.defects


def test_common_address_lists_are_plain():
	assert plain_address_list('Kunde 5 <k5@x.example>, b@y.example, "M, H" <m@h>') == [
		("Kunde 5", "k5@x.example"),
		("", "b@y.example"),
		("M, H", "m@h"),
	]
	assert plain_address_list("=?utf-8?q?J=C3=B6rg?= <j@x>") is None


@settings(max_examples=500, deadline=None)
@given(_address_lists)
def test_an_address_list_reads_the_same_with_and_without_the_plain_list_shortcut(value):
	from unittest import mock

	shortcut_defects: list[str] = []
	registry_defects: list[str] = []
	with_shortcut = parse_address_list(value, "To", shortcut_defects)
	with mock.patch("crm_mail_archive.mailbox.addresses.plain_address_list", return_value=None):
		through_registry = parse_address_list(value, "To", registry_defects)
	assert with_shortcut == through_registry
	assert shortcut_defects == registry_defects


def test_every_corpus_mail_parses_the_same_with_and_without_the_shortcuts():
	"""The shortcuts past the header registry (plain MIME parameters, plain address lists) change
	nothing the parser gives, on every malformed, hostile or odd mail of the corpus."""
	from unittest import mock

	from tests.data.malformed_corpus import corpus

	for name, raw in corpus(include_huge=False):
		if not raw.strip():
			continue  # no mail in it: MailParseError either way
		fast = parse_message(raw)
		with (
			mock.patch("crm_mail_archive.mailbox.parser.PARSE_POLICY", email.policy.default),
			mock.patch("crm_mail_archive.mailbox.addresses.plain_address_list", return_value=None),
		):
			registry = parse_message(raw)
		assert fast == registry, name
